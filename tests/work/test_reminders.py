"""Overdue tasks are reminded of once, through the same reminders as deadlines; a reminder clears
itself once its task is done or its deadline met."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Notification
from cases.services.notifications import deadline_sweep, notification_send_email, reminders_cleared
from safeguard.outbox.models import OutboxMessage
from tests.factories.custody import ArrestFactory, ChargingSubmissionFactory
from tests.work.conftest import make_task
from work.models import Task
from work.services import task_complete, task_reassign, task_reminder_sweep
from work.tasks import task_reminder_sweep as sweep_task


def overdue_task(case, owner):
    task = make_task(case, owner)
    Task.objects.filter(pk=task.pk).update(due_on=task.due_on - timedelta(days=5))
    task.refresh_from_db()
    return task


def test_an_overdue_task_is_reminded_of_once_however_often_the_sweep_runs(case, officer):
    task = overdue_task(case, officer)
    make_task(case, officer, title="Not yet due")

    first = task_reminder_sweep()
    second = sweep_task()

    assert (first.overdue, first.notifications_created) == (1, 1)
    assert second == {"tasks_overdue": 1, "notifications_created": 0}
    reminder = Notification.objects.get(recipient=officer)
    assert (reminder.kind, reminder.threshold, reminder.case) == ("task", "missed", case)
    assert reminder.label == f"Task overdue: {task.title}"
    assert OutboxMessage.objects.filter(args=[reminder.pk]).count() == 1


def test_a_task_done_clears_its_reminder(case, officer):
    task = overdue_task(case, officer)
    task_reminder_sweep()
    reminder = Notification.objects.get(recipient=officer)
    assert reminders_cleared([reminder]) == set()

    task_complete(task=task, actor=officer, note="Done.")

    reminder.refresh_from_db()
    assert reminder.read_at is not None
    assert reminders_cleared([reminder]) == {reminder.pk}


def test_a_task_passed_on_clears_the_old_owners_reminder_and_reminds_the_new_one(case, officer, supervisor):
    task = overdue_task(case, officer)
    task_reminder_sweep()

    task_reassign(task=task, actor=supervisor, owner=supervisor, reason="Cover.")
    task_reminder_sweep()

    assert Notification.objects.get(recipient=officer).read_at is not None
    assert Notification.objects.get(recipient=supervisor).read_at is None


def test_a_reminder_leads_to_its_task(client, case, officer):
    task = overdue_task(case, officer)
    task_reminder_sweep()
    client.force_login(officer)

    page = client.get(reverse("cases:inbox")).content.decode()

    assert f'href="{reverse("work:task_detail", args=[task.pk])}"' in page


@pytest.fixture
def charging_due_soon(case):
    """An arrest whose four-week charging target falls due in two days: a deadline due soon."""
    return ArrestFactory(case=case, arrested_at=timezone.now() - timedelta(days=26))


def test_a_deadline_reminder_clears_itself_once_the_deadline_is_met(client, case, officer, charging_due_soon):
    deadline_sweep()
    reminder = Notification.objects.get(recipient=officer, kind="charging_target")
    client.force_login(officer)
    assert "Cleared" not in client.get(reverse("cases:inbox")).content.decode()

    # A decision of no further action meets the charging target.
    ChargingSubmissionFactory(
        case=case,
        subject=charging_due_soon.subject,
        submitted_at=timezone.now() - timedelta(days=1),
        decision="nfa",
        decision_at=timezone.now(),
    )

    page = client.get(reverse("cases:inbox")).content.decode()
    assert "Cleared" in page and "No longer due" in page
    assert reminders_cleared([reminder]) == {reminder.pk}
    deadline_sweep()
    reminder.refresh_from_db()
    assert reminder.read_at is not None


def test_the_reminders_email_links_to_the_task(case, officer, mailoutbox):
    task = overdue_task(case, officer)
    task_reminder_sweep()
    reminder = Notification.objects.get(recipient=officer)

    assert notification_send_email(notification_id=reminder.pk)

    [message] = mailoutbox
    assert f"Open the task in Safeguard: https://safeguard.test/tasks/{task.pk}/" in message.body
