"""Overdue tasks are reminded of once, through the same reminders as deadlines; a reminder clears
itself once its task is done or its deadline met."""

from datetime import date, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from accounts.roles import OFFICER
from cases.deadlines import Deadline, Status
from cases.models import Case, Notification
from cases.rules import LONDON
from cases.selectors import case_visible_to_each, cases_visible_to
from cases.services.notifications import deadline_sweep, notification_send_email, reminders_cleared
from safeguard.outbox.models import OutboxMessage
from tests.factories.cases import CaseFactory
from tests.factories.custody import ArrestFactory, ChargingSubmissionFactory
from tests.factories.people import UserFactory
from tests.work.conftest import make_task
from work.models import Task
from work.services import (
    TASK_KIND,
    _remind,
    _to_remind,
    task_complete,
    task_due_at,
    task_reassign,
    task_reminder_sweep,
)
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


def test_the_sweep_reminds_only_owners_who_may_see_the_case(case, team, officer, examiner, outsider, supervisor):
    """The sweep checks every owner at once: the same ways to see a case as `cases_visible_to`."""
    # Restricted: seen by those named on it or granted it, not by the rest of its team.
    restricted = CaseFactory(team=team, officer_in_case=supervisor, supervisor=supervisor, restricted=True)
    granted = CaseFactory(team=team, officer_in_case=supervisor, supervisor=supervisor, restricted=True)
    assign_perm("cases.view_case", examiner, granted)
    by_group = CaseFactory(team=team, officer_in_case=supervisor, supervisor=supervisor)
    group = Group.objects.create(name="Digital forensics unit")
    examiner.groups.add(group)
    assign_perm("cases.view_case", group, by_group)
    leaver = UserFactory(username="dc.left", force=team.force, teams=[team], roles=[OFFICER], is_active=False)
    reminded = [
        overdue_task(case, officer),  # officer in the case
        overdue_task(case, supervisor),  # a supervisor of its team
        overdue_task(granted, examiner),  # granted by name
        overdue_task(by_group, examiner),  # granted to their group
    ]
    for owner, on in [(examiner, case), (outsider, case), (officer, restricted), (leaver, case)]:
        overdue_task(on, owner)  # not their team's role, not their team, restricted, disabled

    report = task_reminder_sweep()

    assert (report.overdue, report.notifications_created) == (8, 4)
    made = {(n.recipient_id, n.case_id) for n in Notification.objects.filter(kind=TASK_KIND)}
    assert made == {(task.owner_id, task.case_id) for task in reminded}


def test_the_pairs_predicate_agrees_with_cases_visible_to(case, team, officer, examiner, outsider, supervisor):
    restricted = CaseFactory(team=team, officer_in_case=supervisor, supervisor=supervisor, restricted=True)
    granted = CaseFactory(team=team, officer_in_case=supervisor, supervisor=supervisor, restricted=True)
    assign_perm("cases.view_case", examiner, granted)
    people, cases = [officer, examiner, outsider, supervisor], [case, restricted, granted]
    for person in people:
        for on in cases:
            make_task(on, person)

    seen = set(Task.objects.filter(case_visible_to_each(user="owner_id", case="case")).values_list("owner", "case"))

    expected = {(p.pk, c.pk) for p in people for c in cases if cases_visible_to(p).filter(pk=c.pk).exists()}
    assert seen == expected
    assert (examiner.pk, granted.pk) in seen and (officer.pk, restricted.pk) not in seen


@pytest.mark.parametrize("due_on", [date(2026, 7, 1), date(2026, 12, 1)], ids=["summer", "winter"])
def test_a_reminder_made_in_sql_has_the_deadlines_key_and_due_time(case, officer, due_on):
    task = make_task(case, officer)
    Task.objects.filter(pk=task.pk).update(due_on=due_on)
    task.refresh_from_db()
    now = datetime.combine(due_on + timedelta(days=3), datetime.min.time(), tzinfo=LONDON)

    task_reminder_sweep(now=now)

    reminder = Notification.objects.get(recipient=officer)
    deadline = Deadline(
        kind=TASK_KIND, label="", due_at=task_due_at(task), source="", status=Status.MISSED, case=case, record=task
    )
    assert reminder.deadline_key == deadline.key
    assert reminder.due_at == task_due_at(task)
    assert reminder.label == f"Task overdue: {task.title}"
    assert reminders_cleared([reminder], now=now) == set()


def test_a_sweep_finding_its_reminders_made_meanwhile_makes_none_again(case, officer):
    """Two sweeps at once: each lists the tasks still to remind, then inserts; the second insert
    finds the first's reminders (the unique constraint) and makes, and e-mails, nothing more."""
    overdue_task(case, officer)
    now = timezone.now()
    listed_by_the_second = list(_to_remind(now).values_list("pk", flat=True))

    first = task_reminder_sweep(now=now)

    assert first.notifications_created == 1 and len(listed_by_the_second) == 1
    assert _remind(listed_by_the_second, now) == []
    assert Notification.objects.filter(recipient=officer).count() == 1
    assert OutboxMessage.objects.count() == 1


def test_the_sweep_skips_closed_cases_and_tasks_not_to_do(case, officer):
    overdue_task(case, officer)
    for status in (Task.Status.SUGGESTED, Task.Status.DONE):
        task = overdue_task(case, officer)
        closed = timezone.now() if status == Task.Status.DONE else None
        Task.objects.filter(pk=task.pk).update(status=status, closed_at=closed, completion_note="Done.")
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)

    assert task_reminder_sweep().as_dict() == {"tasks_overdue": 0, "notifications_created": 0}
