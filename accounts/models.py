"""Forces, teams and the people who use Safeguard."""

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.usernames import normalise_username, username_skeleton

USERNAME_CONFUSABLE = (
    "This username looks like the existing username “{existing}”: people could mistake one for the other. "
    "Choose a username that reads differently."
)


class Force(models.Model):
    code = models.CharField(max_length=8, unique=True, help_text="Short code used in case references, e.g. STF.")
    name = models.CharField(max_length=120, unique=True)
    region = models.CharField(max_length=120, blank=True, help_text="Regional operation, e.g. West Midlands.")

    class Meta:
        db_table = "cases_force"  # made when forces lived in the cases app; kept so that no data moves
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=120)

    class Meta:
        db_table = "cases_team"
        ordering = ["force__name", "name"]
        constraints = [models.UniqueConstraint(fields=["force", "name"], name="team_unique_name_per_force")]

    def __str__(self) -> str:
        return f"{self.name} ({self.force.code})"


class User(AbstractUser):
    """A person who signs in. Roles are groups; team and force membership are data."""

    force = models.ForeignKey(Force, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    teams = models.ManyToManyField(Team, blank=True, related_name="members")
    rank = models.CharField(max_length=40, blank=True, help_text="e.g. DC, DS, DI, Police Staff.")
    collar_number = models.CharField(max_length=20, blank=True)
    # Why an administrator disabled the account (accounts.services.people.user_disable); told to the
    # person only once they have given the right password.
    disabled_reason = models.TextField(blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    # Set from the username on every save (`username_skeleton`); unique, so that however a user is
    # made (the admin, createsuperuser, the ORM, a bulk write that must then supply it) no two
    # usernames look alike.
    username_skeleton = models.CharField(max_length=600, unique=True, editable=False)
    # Not a column: the roles read once per request and kept on the user (cases.roles.roles_of).
    _safeguard_roles: frozenset[str]

    class Meta:
        db_table = "cases_user"
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        name = self.get_full_name() or self.username
        return f"{self.rank} {name}".strip()

    def clean(self) -> None:
        super().clean()  # NFKC-normalises the username
        if not self.username:  # refused already by the form's own check
            return
        self.username_skeleton = username_skeleton(self.username)
        existing = (
            User.objects.filter(username_skeleton=self.username_skeleton)
            .exclude(pk=self.pk)
            .values_list("username", flat=True)
            .first()
        )
        if existing is not None:
            raise ValidationError({"username": USERNAME_CONFUSABLE.format(existing=existing)})

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.username = normalise_username(self.username)
        self.username_skeleton = username_skeleton(self.username)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "username" in update_fields:
            kwargs["update_fields"] = {*update_fields, "username_skeleton"}
        super().save(*args, **kwargs)


class Invitation(models.Model):
    """A single-use, time-limited link to set a first password. Only the SHA-256 of the link's
    token is kept: whoever reads the table (or the audit trail) cannot use it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="invitation_expires_after_created")
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.user}"


class AccessRequest(models.Model):
    """A change of access that a second administrator must approve (four eyes): a role that lets
    its holder see or change much (Auditor, Administrator, Supervisor), membership of another
    force's team, a grant of a case to someone outside its team, lifting a case's restriction.

    `case_id` and `case_reference` name a case without a foreign key: accounts sits below cases
    (docs/design.md), and cases applies its own kinds through `accounts.services.requests`."""

    class Kind(models.TextChoices):
        ROLE = "role", "Give a role"
        TEAM = "team", "Membership of another force's team"
        CASE_GRANT = "case_grant", "Access to a case outside its team"
        CASE_UNRESTRICT = "case_unrestrict", "Lift a case's restriction"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Whose administrators decide: the requester's force for a role, the team's for a team, the case's
    # for a case.
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="access_requests")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="access_requests_made")
    requested_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    person = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="access_requests_about"
    )
    role = models.CharField(max_length=40, blank=True)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    case_id = models.BigIntegerField(null=True, blank=True)
    case_reference = models.CharField(max_length=24, blank=True)
    level = models.CharField(max_length=10, blank=True)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["force", "status", "expires_at"], name="access_request_pending")]
        constraints = [
            # Four eyes, kept by the database as well as by the service.
            models.CheckConstraint(condition=~Q(decided_by=F("requested_by")), name="access_request_second_person"),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True, decided_by__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False, decided_by__isnull=False)),
                name="access_request_decided_when_not_pending",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("requested_at")), name="access_request_expires_after_request"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display().lower()})"

    @property
    def is_expired(self) -> bool:
        return self.status == self.Status.PENDING and self.expires_at <= timezone.now()

    @property
    def state_label(self) -> str:
        return "Expired" if self.is_expired else str(self.get_status_display())
