"""Reminders of deadlines: the sweep that notifies, the inbox's writes, and the e-mail of each
reminder (docs/deadlines.md).

The sweep is idempotent, and safe to run concurrently or again after a failure: a reminder is
created with get_or_create under the unique constraint `notification_once_per_threshold`, so a
second run finds it instead of making another, and its e-mail is queued through the outbox in the
same transaction that created it, so it is queued exactly once too.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from cases import formats
from cases.deadlines import Deadline, Status, deadlines_of_cases, outstanding_deadlines_of_cases
from cases.models import Case, Notification
from cases.selectors import case_is_visible_to
from safeguard.links import absolute_url
from safeguard.outbox.services import outbox_enqueue

logger = logging.getLogger(__name__)
SEND_EMAIL_TASK = "cases.tasks.send_notification_email"
THRESHOLDS = {Status.DUE_SOON: Notification.Threshold.DUE_SOON, Status.MISSED: Notification.Threshold.MISSED}


# Records that lapse at their expiry (a warrant not executed in time), marked so by the sweep before
# it reads the deadlines. Each is registered by the app that owns the records (warrants:
# WarrantsConfig.ready) under the name the sweep's report counts them by; each takes `now` and returns
# how many it marked.
Expiry = Callable[..., int]
_EXPIRIES: dict[str, Expiry] = {}


def register_expiry(name: str, mark_expired: Expiry) -> None:
    """Have the sweep call `mark_expired(now=...)` first, its count reported as `<name>_expired`."""
    _EXPIRIES[name] = mark_expired


@dataclass(frozen=True)
class SweepReport:
    expired: dict[str, int]
    deadlines: int
    notifications_created: int

    def as_dict(self) -> dict[str, int]:
        """The counts by name, as the sweep's task returns them: `warrants_expired`, `deadlines`..."""
        counts = {f"{name}_expired": count for name, count in self.expired.items()}
        return counts | {"deadlines": self.deadlines, "notifications_created": self.notifications_created}


# Reminders that are not about a deadline of `cases.deadlines` (work: an overdue task), by their
# `kind`: each registered by the app that makes them (WorkConfig.ready) with a function that takes
# reminders of that kind and returns the ids of those no longer due (the task done or dismissed),
# and one that gives a reminder's page (where the thing is done).
ClearedOf = Callable[[list[Notification]], set[int]]
LinkOf = Callable[[Notification], str]
_OTHER_KINDS: dict[str, tuple[ClearedOf, LinkOf]] = {}


def register_reminder_kind(kind: str, *, cleared: ClearedOf, link: LinkOf) -> None:
    """Reminders of `kind` are cleared when `cleared` says so, not by the deadlines' rules, and lead
    to `link(reminder)`."""
    _OTHER_KINDS[kind] = (cleared, link)


def reminder_link(notification: Notification) -> str:
    """Where a reminder's deadline or task is dealt with: its case's page, or its own (a task's)."""
    if notification.kind in _OTHER_KINDS:
        return _OTHER_KINDS[notification.kind][1](notification)
    return notification.case.get_absolute_url() if notification.case is not None else ""


def reminders_cleared(notifications: list[Notification], *, now: datetime | None = None) -> set[int]:
    """The ids of the reminders among `notifications` whose deadline or task no longer needs anyone:
    met, lapsed, moved to a new due time, or on a case since closed (for a deadline), done or
    dismissed (for a task). Worked out from the live records, never from what the reminder says: a
    reminder is a pointer to a deadline, and the deadline is what the person acts on. A fixed number
    of queries: the reminders' cases' deadlines are computed together."""
    now = now or timezone.now()
    about_deadlines = [n for n in notifications if n.threshold in THRESHOLDS.values() and n.kind not in _OTHER_KINDS]
    cleared: set[int] = set()
    if about_deadlines:
        cases = Case.objects.filter(pk__in={n.case_id for n in about_deadlines})
        # A closed case keeps only its MoPI reviews outstanding (cases.deadlines.case_deadlines).
        live = {d.key for d in outstanding_deadlines_of_cases(cases, now=now)}
        cleared |= {n.pk for n in about_deadlines if n.deadline_key not in live}
    for kind, (cleared_of, _link) in _OTHER_KINDS.items():
        of_kind = [n for n in notifications if n.kind == kind]
        if of_kind:
            cleared |= cleared_of(of_kind)
    return cleared


def _recipients(deadline: Deadline) -> list[User]:
    """The officer in the case and the supervisor: active, each once."""
    case = deadline.case
    people = {p.pk: p for p in (case.officer_in_case, case.supervisor) if p is not None and p.is_active}
    return list(people.values())


@transaction.atomic
def notification_for_deadline(*, deadline: Deadline, recipient: User) -> tuple[Notification, bool]:
    """The reminder of `deadline` at its current threshold for `recipient`; created (with its e-mail
    queued through the outbox) only if there is none yet. Returns it and whether it was created."""
    notification, created = Notification.objects.get_or_create(
        recipient=recipient,
        deadline_key=deadline.key,
        threshold=THRESHOLDS[deadline.status],
        defaults={
            "case": deadline.case,
            "kind": deadline.kind,
            "label": deadline.label[:300],
            "due_at": deadline.due_at,
            "source": deadline.source[:200],
        },
    )
    if created:
        outbox_enqueue(SEND_EMAIL_TASK, notification.pk)
    return notification, created


def deadline_sweep(*, now: datetime | None = None) -> SweepReport:
    """Mark expired records (warrants), then remind the officer in the case and the supervisor of every
    deadline that is due soon or missed: once per deadline, threshold and recipient."""
    now = now or timezone.now()
    expired = {name: mark_expired(now=now) for name, mark_expired in _EXPIRIES.items()}
    retention_due = Q(status=Case.Status.CLOSED, retention_reviews__next_review_at__isnull=False)
    cases = Case.objects.filter(Q(status=Case.Status.OPEN) | retention_due).distinct()
    deadlines = deadlines_of_cases(cases, now=now)
    created = 0
    for deadline in deadlines:
        for recipient in _recipients(deadline):
            created += notification_for_deadline(deadline=deadline, recipient=recipient)[1]
    reminders_clear_met(urgent_keys={d.key for d in deadlines}, now=now)
    return SweepReport(expired=expired, deadlines=len(deadlines), notifications_created=created)


def reminders_clear_met(*, urgent_keys: set[str], now: datetime) -> int:
    """Mark read the unread reminders of deadlines no longer due soon or missed (`urgent_keys` are
    every such deadline's key, as the sweep just computed them): met, lapsed, moved or closed, so
    the Inbox's count says only what still needs doing. Reminders of other kinds are cleared by the
    services that meet them (work: a task done). Returns how many it cleared."""
    unread = Notification.objects.filter(read_at__isnull=True, threshold__in=list(THRESHOLDS.values()))
    unread = unread.exclude(kind__in=list(_OTHER_KINDS))
    met = [pk for pk, key in unread.values_list("pk", "deadline_key").iterator() if key not in urgent_keys]
    return Notification.objects.filter(pk__in=met, read_at__isnull=True).update(read_at=now)


# --- The inbox -----------------------------------------------------------------------------------


def notification_mark_read(*, notification: Notification, actor: User) -> None:
    """Mark one of the actor's own reminders as read (the view fetched it as theirs)."""
    if notification.recipient_id != actor.pk:
        raise ValueError("Only the recipient marks a reminder as read.")
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())


def notifications_mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())


# --- E-mail --------------------------------------------------------------------------------------

# The first key of the two-key advisory locks that hold one reminder's e-mail (the second: its id).
EMAIL_LOCK_CLASS = 1701
EMAIL_SUBJECT = {
    Notification.Threshold.DUE_SOON: "Safeguard: due soon on {reference}",
    Notification.Threshold.MISSED: "Safeguard: missed on {reference}",
}


def _email_link(notification: Notification) -> str:
    assert notification.case is not None, "only a reminder about a case is e-mailed"
    case_page = absolute_url("cases:detail", reference=notification.case.reference)  # checks the base URL
    if notification.kind not in _OTHER_KINDS:
        return case_page
    return settings.SAFEGUARD_BASE_URL + reminder_link(notification)


def notification_send_email(*, notification_id: int) -> bool:
    """E-mail one reminder to its recipient, once; True if it was sent now.

    The reminder is held by a transaction advisory lock of its own while the message is sent and
    `emailed_at` set in the same transaction, so two runs of the task (a retry, a duplicate publish)
    send it once. Not a row lock: that would hold the reminder's row, and the rows its select_related
    reaches, for as long as the mail server takes. Nothing is sent to
    someone with no address, who is no longer active, or who can no longer see the case (the inbox
    hides it too).
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [EMAIL_LOCK_CLASS, notification_id])
        notification = (
            Notification.objects.select_related("recipient", "case")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        # A deconfliction match is told in the inbox only: it has no deadline to e-mail about.
        if notification is None or notification.case is None:
            return False
        recipient = notification.recipient
        if not recipient.is_active or not recipient.email or not case_is_visible_to(notification.case, recipient):
            return False
        reference = notification.case.reference
        body = (
            f"{notification.get_threshold_display()}: {notification.label}\n"
            f"Case {reference}, due {formats.when(notification.due_at)} (UK time).\n"
            f"Rule or source: {notification.source}\n\n"
            f"Open the {'task' if notification.kind in _OTHER_KINDS else 'case'} in Safeguard: "
            f"{_email_link(notification)}\n"
        )
        subject = EMAIL_SUBJECT[Notification.Threshold(notification.threshold)].format(reference=reference)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
        return True
