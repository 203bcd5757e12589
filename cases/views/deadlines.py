"""The deadlines page (what is due soon or missed on the cases a person may see) and the inbox."""

from collections.abc import Iterable
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.roles import Capability, user_has_capability
from audit.services import audit_read
from cases.forms.deadlines import DeadlineFilterForm
from cases.models import Case, Notification
from cases.permissions import get_notification_for_user
from cases.selectors import case_ids_changeable_by, cases_visible_to
from cases.services.notifications import (
    notification_mark_read,
    notifications_mark_all_read,
    reminder_link,
    reminders_cleared,
)
from cases.services.summaries import deadlines_due_for

NOTIFICATIONS_PER_PAGE = 50


def _cases_shown(page: str, rows: Iterable[Any]) -> dict[str, Any]:
    """The summary and changes of the read entry for a page listing cases: every case it showed."""
    shown = sorted({row.case.reference for row in rows})
    return {"summary": f"{page}: {len(shown)} case(s) shown", "changes": {"page": page, "cases": shown}}


@require_GET
def deadlines_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    user: User = request.user
    filter_form = None
    filters = {}
    if user_has_capability(user, Capability.SUPERVISE):
        filter_form = DeadlineFilterForm(request.GET or None, user=user)
        filters = filter_form.filters() if request.GET else {}
    deadlines = deadlines_due_for(user, now=timezone.now(), **filters)
    audit_read(actor=user, object_type=Case, request=request, **_cases_shown("Deadlines", deadlines))
    context = {
        "deadlines": deadlines,
        "changeable": case_ids_changeable_by(user, (d.case.pk for d in deadlines)),
        "filter_form": filter_form,
        "filtered": bool(filters),
        "nav": "deadlines",
    }
    return render(request, "cases/deadlines/list.html", context)


@require_GET
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in person's own reminders, newest first. A reminder about a case they can no
    longer see says only that: not the case, nor what was due."""
    user: User = request.user
    visible = cases_visible_to(user).filter(pk=OuterRef("case_id"))
    notifications = (
        Notification.objects.filter(recipient=user).select_related("case").annotate(case_visible=Exists(visible))
    )
    page = Paginator(notifications, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    shown = [notification for notification in page if notification.case_visible]
    cleared = reminders_cleared([n for n in shown if n.threshold != Notification.Threshold.MATCH])
    for notification in shown:
        notification.cleared = notification.pk in cleared
        notification.link = reminder_link(notification)
    audit_read(actor=user, object_type=Case, request=request, **_cases_shown("Inbox", shown))
    return render(request, "cases/inbox.html", {"page": page, "nav": "inbox"})


@require_POST
def notification_read(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    notification = get_notification_for_user(request.user, pk)
    notification_mark_read(notification=notification, actor=request.user)
    return redirect("cases:inbox")


@require_POST
def notifications_read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    notifications_mark_all_read(actor=request.user)
    return redirect("cases:inbox")
