"""The audit trail: one append-only, hash-chained table (docs/audit.md).

Rows are written only by INSERT: by the row triggers on case data (audit/triggers.py) and by
`audit.services.audit_record`. A BEFORE INSERT trigger on this table gives the row its id and leaves
it unsequenced (no place in the chain, no hashes) without taking any lock, so audited requests run
in parallel. The sequencer (`audit.sequencer`, database function `safeguard_audit_sequence`, migration
0007) then gives committed entries, one batch at a time, their place (`seq`), previous hash and hash:
the only change the append-only trigger lets through, once per entry. The application's database role
holds only SELECT and INSERT on the table (`manage.py setup_database_roles`).
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Func
from django.utils import timezone

from audit.objects import object_type_label


class StatementTimestamp(Func):
    """PostgreSQL's `statement_timestamp()`: the time the database stamps an audit entry with."""

    template = "statement_timestamp()"
    output_field = models.DateTimeField()


class AuditEntry(models.Model):
    class Kind(models.TextChoices):
        CREATE = "create", "Created"
        CHANGE = "change", "Changed"
        DELETE = "delete", "Deleted"
        READ = "read", "Read (consultation)"
        SEARCH = "search", "Searched"
        EXPORT = "export", "Exported (disclosure)"
        PRINT = "print", "Printed (disclosure)"
        LINK = "link", "Linked (combination)"
        MERGE = "merge", "Merged (combination)"
        SIGN_IN = "sign_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        SIGN_OUT = "sign_out", "Signed out"
        LOCKOUT = "lockout", "Locked out"
        PERMISSION_CHANGE = "permission_change", "Permission changed"
        ROLE_CHANGE = "role_change", "Role changed"
        ADMIN_ACTION = "admin_action", "Administrator action"
        ACCESS_DENIED = "access_denied", "Access refused"
        AUDIT_READ = "audit_read", "Audit trail read"
        MEDIA_REFUSED = "media_refused", "Imagery or file refused"

    id = models.BigAutoField(primary_key=True)
    # UTC. The statement's time, given by the database: the application never sends a time of its
    # own, so a row is routed to the partition of the month the stamp trigger files it in, whatever
    # the application server's clock says (docs/audit.md, "Partitions and archiving", "Filing").
    occurred_at = models.DateTimeField(db_default=StatementTimestamp())
    # No database constraint and no cascade: an audit entry must never block, or be removed by, a
    # change to the users table. The username is copied so the entry still says who if the user
    # row is ever erased, and the searches by person use it; nothing looks entries up by `actor`,
    # so it has no index (each index is one more write per entry, and hours of build at scale).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    # The three text columns the searches look up (below, `indexes`) are identifiers, compared with
    # the "C" collation: byte order, which for UTF-8 is the order the database's C.UTF-8 gives, but
    # lets PostgreSQL compare by memcmp and sort with abbreviated keys: cheaper index writes and
    # builds (docs/performance.md).
    actor_username = models.CharField(max_length=150, blank=True, db_collation="C")
    kind = models.CharField(max_length=20, choices=Kind.choices, db_collation="C")
    # A model's label or an `audit.objects.ObjectType` value (audit/objects.py).
    object_type = models.CharField(max_length=100, blank=True, help_text="e.g. cases.Case")
    object_id = models.CharField(max_length=100, blank=True)
    case_reference = models.CharField(max_length=24, blank=True, db_collation="C")
    summary = models.TextField(blank=True)
    # Row changes: {"field": {"before": ..., "after": ...}}; other events: what was asked for.
    changes = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    recipient = models.CharField(max_length=200, blank=True, help_text="Who received a disclosure.")
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=40, blank=True, help_text="web, import, task, database...")
    # The entry's place in the hash chain and its hashes: NULL until the sequencer sets all three,
    # once (docs/audit.md, "The hash chain"). NULL, not "", is what "not yet" means to the database's
    # append-only trigger.
    seq = models.BigIntegerField(null=True, editable=False)
    prev_hash = models.CharField(max_length=64, null=True, editable=False)
    hash = models.CharField(max_length=64, null=True, editable=False)

    class Meta:
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["-occurred_at", "-id"], name="audit_occurred_id"),
            models.Index(fields=["actor_username", "-occurred_at"], name="audit_username_occurred"),
            models.Index(fields=["case_reference", "-occurred_at"], name="audit_case_occurred"),
            models.Index(fields=["kind", "-occurred_at"], name="audit_kind_occurred"),
            models.Index(fields=["ip", "-occurred_at"], name="audit_ip_occurred"),
            # What the sequencer reads: the few entries still waiting for their place.
            models.Index(fields=["id"], condition=models.Q(seq__isnull=True), name="audit_unsequenced"),
            # Finding an entry by its place. Not unique: the table is partitioned by month (migration
            # 0010), and a unique index would have to hold the month; the sealing update is refused for
            # a place already taken instead. The primary key in the database is (id, occurred_at).
            models.Index(fields=["seq"], condition=models.Q(seq__isnull=False), name="audit_entry_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.id} {self.kind} {self.object_type} {self.object_id}".strip()

    @property
    def object_type_label(self) -> str:
        """What the entry is about, as the auditor pages name it ("Case", "Device", "Audit trail")."""
        return object_type_label(self.object_type)


class AuditChainHead(models.Model):
    """The chain's last link: one row (id 1), moved on by the sequencer with each batch it seals, in
    the same transaction: the place (`last_seq`), id and hash of the last sequenced entry.

    It lets `verify_audit` notice entries cut from the end of the chain, which a walk of the
    entries alone cannot, and its row lock makes a second sequencer that raced the first (one in a
    REPEATABLE READ transaction) fail rather than fork the chain.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_chain_head_single_row")]

    def __str__(self) -> str:
        return f"chain head {self.last_seq} (entry {self.last_id})"


class Flag(models.Model):
    """Something in the trail worth an auditor's look (docs/audit.md, "Anomaly flags"): raised by
    `audit.anomalies.raise_flags` from the entries behind it, never by hand; an auditor can only
    mark it reviewed, with a note. Audited by trigger like any other row of who-did-what."""

    class Kind(models.TextChoices):
        REFUSED = "refused", "Access refused repeatedly"
        RESTRICTED = "restricted", "Read restricted cases"
        OUTSIDE_TEAM = "outside_team", "Read many cases outside their teams"
        OUT_OF_HOURS = "out_of_hours", "Access out of hours"
        ROLE_CHANGE = "role_change", "Role or grant change to themselves or by a new administrator"
        LARGE_EXPORT = "large_export", "Unusually large export"
        NEW_NETWORK = "new_network", "First sign-in from a new network"

    class Status(models.TextChoices):
        OPEN = "open", "To review"
        REVIEWED = "reviewed", "Reviewed"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Whose conduct: as on an entry, no database constraint, and the username copied.
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField(max_length=150, db_collation="C")
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    # The audit entries behind the flag (ids of audit.AuditEntry, which is append-only).
    entry_ids = ArrayField(models.BigIntegerField())
    detail = models.CharField(max_length=300, blank=True)
    raised_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "-window_end"], name="audit_flag_status_end"),
            models.Index(fields=["kind", "username", "window_start"], name="audit_flag_kind_person"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open") | (models.Q(reviewed_at__isnull=False) & ~models.Q(review_note="")),
                name="audit_flag_reviewed_with_note",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.username}"


class FlagMark(models.Model):
    """How far `raise_flags` has read the trail: the place in the chain (`AuditEntry.seq`) of the last
    sequenced entry it looked at (one row). Not an id: ids are taken at insert and commits come in any
    order, so an entry with a smaller id may appear after a larger one was read; places are given by
    the one sequencer to committed entries only, in order, so none below the mark appears after it
    passed. Entries not yet sequenced are read at every run until they are (docs/audit.md)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_flag_mark_single_row")]

    def __str__(self) -> str:
        return f"flags raised up to place {self.last_seq} in the chain"


class AuditArchive(models.Model):
    """A month's partition of the trail, verified, exported to a file and detached from the table
    (`manage.py archive_audit_partition`, docs/audit.md "Partitions and archiving"): what the checks
    of the chain need in place of its entries. Its places form `runs` of consecutive places, each as
    [first place, last place, hash before the first, hash of the last]: usually one, more when
    entries from the next month were sealed among its last ones. `anchors` keeps the hash at each
    place a signed checkpoint named inside it, so the checkpoints are still checked."""

    partition = models.CharField(max_length=40, unique=True, help_text="e.g. 2026_11")
    range_start = models.DateTimeField(null=True, blank=True)
    range_end = models.DateTimeField()
    entries = models.BigIntegerField()
    runs = models.JSONField(default=list)
    anchors = models.JSONField(default=dict)
    file = models.CharField(max_length=500)
    file_sha256 = models.CharField(max_length=64)
    archived_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"archived audit partition {self.partition} ({self.entries} entries)"
