"""Writing audit entries for events the database triggers cannot see: reads, searches, exports,
sign-in, refusals, reads of the audit trail itself (docs/audit.md)."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest

from audit.chain import ChainReport, verify_chain
from audit.checkpoints import CheckpointReport, verify_checkpoints
from audit.context import ReadRecord, client_ip_address, current_context, valid_ip
from audit.models import AuditEntry
from audit.objects import ObjectType, ObjectTypeArgument, describe_object, object_type_value
from audit.sequencer import sequence_entries


@transaction.atomic
def audit_record(
    *,
    kind: str,
    actor: Any,
    object_type: ObjectTypeArgument,
    object_id: str = "",
    case_reference: str = "",
    summary: str = "",
    recipient: str = "",
    request: HttpRequest | None = None,
    changes: dict[str, Any] | None = None,
    actor_username: str = "",
) -> AuditEntry:
    """Append one entry to the audit trail in the caller's transaction.

    Fails closed: if the entry cannot be written this raises, and the caller's transaction (the
    read, export or change it describes) fails with it. `actor` may be None or anonymous (a failed
    sign-in); `actor_username` then says whose name was tried. Address and request id come from
    `request`, else from the surrounding `acting_as` context. `object_type` is a model class or an
    `ObjectType` member (audit/objects.py); anything else raises, as an unknown kind does.
    """
    if kind not in AuditEntry.Kind.values:
        raise ValueError(f"Unknown audit kind {kind!r}.")
    stored_type = object_type_value(object_type)
    context = current_context()
    person = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    if request is not None:
        ip = valid_ip(client_ip_address(request))
        request_id = getattr(request, "audit_request_id", "") or (context.request_id if context else "")
    else:
        ip = context.ip if context else None
        request_id = context.request_id if context else ""
    actor_id = person.pk if person is not None else None
    username = person.get_username() if person is not None else actor_username
    if person is None and not actor_username and context is not None:
        # A receiver that is not told who acted (a role given in the admin): the request's person.
        actor_id, username = context.actor_id, context.actor_username
    return AuditEntry.objects.create(
        actor_id=actor_id,
        actor_username=username,
        kind=kind,
        object_type=stored_type,
        object_id=str(object_id),
        case_reference=case_reference,
        summary=summary,
        changes=changes or {},
        recipient=recipient,
        ip=ip or None,
        request_id=request_id,
        source=(context.source if context else "") or ("web" if request is not None else "system"),
    )


READ_METHODS = ("GET", "HEAD")


def audit_read(
    *,
    actor: Any,
    object_type: ObjectTypeArgument,
    object_id: object = "",
    case_reference: str = "",
    summary: str = "",
    changes: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry | None:
    """Record a read: a consultation of case data (kind `read`), or of the audit trail itself
    (`object_type=ObjectType.AUDIT_TRAIL`, kind `audit_read`). Every read is recorded through here.

    - A read of one record (no `summary`), during a web request: noted, and AuditContextMiddleware
      writes one `read` entry for the page once it is built (a device page reads its case and its
      device: one event, one entry); a request that fails writes none, and a POST's writes are
      audited by the triggers instead. Returns None.
    - Anything else is written at once and returned: a read outside a request (a command, a task),
      and a page that says itself what it showed (`summary`, and `changes` such as
      `{"cases": [...references]}` for a list of cases, or the figures' period).
    Fails closed, as `audit_record` does.
    """
    read = ReadRecord(object_type, str(object_id), case_reference)
    context = current_context()
    if not summary and object_type is not ObjectType.AUDIT_TRAIL and context is not None and context.source == "web":
        context.reads.append(read)
        return None
    return audit_record(
        kind=AuditEntry.Kind.AUDIT_READ if object_type is ObjectType.AUDIT_TRAIL else AuditEntry.Kind.READ,
        actor=actor,
        object_type=object_type,
        object_id=read.object_id,
        case_reference=case_reference,
        summary=summary or f"Read {read.describe()}",
        changes=changes,
        request=request,
    )


def audit_page_read(request: HttpRequest, reads: list[ReadRecord]) -> AuditEntry | None:
    """One READ entry for a page that showed case data: it names the most specific record shown
    (the last fetched) and lists every record the page read."""
    if request.method not in READ_METHODS or not reads:
        return None
    unique = list(dict.fromkeys(reads))
    main = unique[-1]
    return audit_record(
        kind=AuditEntry.Kind.READ,
        actor=request.user,
        object_type=main.object_type,
        object_id=main.object_id,
        case_reference=main.case_reference,
        summary=f"Read {main.describe()} ({request.path})",
        changes={"read": [[r.stored_type, r.object_id, r.case_reference] for r in unique]} if len(unique) > 1 else None,
        request=request,
    )


def audit_search(
    request: HttpRequest,
    *,
    object_type: ObjectTypeArgument,
    filters: dict[str, Any],
    shown: list[str],
    page: int | str,
) -> AuditEntry:
    """One SEARCH entry for a list page: what was asked (the filters, none for the whole list), which
    page (its number, or for a keyset page which one: `safeguard.keyset.Position.describe`) and which
    records the page showed, so an auditor can tell who saw a case in a list."""
    asked = {name: str(value) for name, value in filters.items() if value not in ("", None)}
    described = ", ".join(f"{name}={value}" for name, value in asked.items()) or "no filters"
    which = f"page {page}" if isinstance(page, int) else page
    return audit_record(
        kind=AuditEntry.Kind.SEARCH,
        actor=request.user,
        object_type=object_type,
        summary=f"Listed {describe_object(object_type)} ({described}), {which}: {len(shown)} shown",
        changes={"filters": asked, "page": page, "shown": shown},
        request=request,
    )


CHAIN_ALERT_SUBJECT = "Safeguard: the audit trail's hash chain is broken"
ALERT_GROUPS = ("Administrator", "Auditor")


@dataclass(frozen=True)
class AuditCheck:
    """The hash chain walked entry by entry, and held against every signed checkpoint of its head."""

    chain: ChainReport
    checkpoints: CheckpointReport

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.checkpoints.ok

    def describe(self) -> str:
        return f"{self.chain.describe()} {self.checkpoints.describe()}"


def audit_chain_check(*, actor: Any = None, alert: bool = False, sequence: bool = True) -> AuditCheck:
    """Check the hash chain and the checkpoints of its head (audit/checkpoints.py), and record that
    they were checked (a read of the audit trail).

    With `sequence` (the default), every entry committed before the check is first given its place
    (waiting for a sequencer already running), so the check covers them; without, entries waiting
    are only counted, and fail the check once they have waited past the bound.

    With `alert`, a break of either is e-mailed to every active administrator and auditor with an
    address. The check itself is not in a transaction: its record is written whatever it finds.
    """
    if sequence:
        sequence_entries(wait=True)
    report = AuditCheck(verify_chain(), verify_checkpoints())
    newest = report.checkpoints.newest
    audit_read(
        actor=actor,
        object_type=ObjectType.AUDIT_TRAIL,
        summary=report.describe(),
        changes={
            "ok": report.ok,
            "checked": report.chain.checked,
            "broken_id": report.chain.broken_id,
            "checkpoints": {
                "configured": report.checkpoints.configured,
                "checked": report.checkpoints.checked,
                "newest": newest.number if newest else None,
                "problems": sorted({problem.kind for problem in report.checkpoints.problems}),
            },
        },
    )
    if not report.ok and alert:
        _send_chain_alert(report)
    return report


def _send_chain_alert(report: AuditCheck) -> None:
    recipients = sorted(
        set(
            get_user_model()
            .objects.filter(is_active=True, groups__name__in=ALERT_GROUPS)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )
    if not recipients:
        return
    body = (
        f"{report.describe()}\n\n"
        "An audit entry, or a signed checkpoint of the chain's head, was changed, removed or moved after it was "
        "written. Run `manage.py verify_audit` "
        'to see it again, and follow the procedure in docs/audit.md ("When the chain is broken").'
    )
    send_mail(CHAIN_ALERT_SUBJECT, body, settings.DEFAULT_FROM_EMAIL, recipients)
