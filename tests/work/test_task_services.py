"""Tasks: set, accepted, dismissed, passed on with a reason and done with a note; each audited."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditEntry
from cases.models import Case, Notification
from cases.services.common import CASE_CLOSED
from cases.services.summaries import cases_to_compute, deadline_summary_refresh
from tests.work.conftest import make_task
from work.models import Task, TaskReassignment
from work.selectors import london_today
from work.services import (
    DUE_IN_PAST,
    NOT_OUTSTANDING,
    NOT_SUGGESTED,
    NOTE_MISSING,
    OWNER_CANNOT_SEE_CASE,
    REASON_MISSING,
    SAME_OWNER,
    SUGGESTED_NOT_ACCEPTED,
    TITLE_MISSING,
    task_accept,
    task_complete,
    task_create,
    task_dismiss,
    task_reassign,
    task_reminder_sweep,
)


def audited(task, kind):
    return AuditEntry.objects.filter(kind=kind, object_type="work.Task", object_id=str(task.pk))


def create(case, actor, owner, **overrides):
    values = {
        "case": case,
        "actor": actor,
        "title": "  Chase the ISP's response  ",
        "owner": owner,
        "due_on": london_today() + timedelta(days=2),
        "priority": Task.Priority.HIGH,
    }
    return task_create(**(values | overrides))


def test_a_supervisor_sets_a_task_for_the_officer_and_it_is_audited_under_the_case(case, supervisor, officer):
    task = create(case, supervisor, officer)

    assert (task.title, task.owner, task.status, task.priority, task.created_by) == (
        "Chase the ISP's response",
        officer,
        Task.Status.OPEN,
        "high",
        supervisor,
    )
    entry = audited(task, "create").get()
    assert entry.case_reference == case.reference
    assert entry.changes["title"]["after"] == "Chase the ISP's response"


def test_a_task_due_today_is_allowed_but_not_one_due_yesterday(case, officer):
    assert create(case, officer, officer, due_on=london_today()).due_on == london_today()
    with pytest.raises(ValidationError) as error:
        create(case, officer, officer, due_on=london_today() - timedelta(days=1))
    assert error.value.message_dict == {"due_on": [DUE_IN_PAST]}


def test_a_task_must_say_what_is_to_be_done(case, officer):
    with pytest.raises(ValidationError) as error:
        create(case, officer, officer, title="   ")
    assert error.value.message_dict == {"title": [TITLE_MISSING]}


def test_a_task_cannot_go_to_someone_who_cannot_see_the_case(case, officer, outsider):
    with pytest.raises(ValidationError) as error:
        create(case, officer, outsider)
    assert error.value.message_dict == {"owner": [OWNER_CANNOT_SEE_CASE]}
    assert not Task.objects.exists()


def test_no_task_is_set_on_a_closed_case(case, officer):
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)
    case.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        create(case, officer, officer)
    assert error.value.messages == [CASE_CLOSED]


def test_done_needs_a_note_which_is_kept(task, officer):
    with pytest.raises(ValidationError) as error:
        task_complete(task=task, actor=officer, note="  ")
    assert error.value.message_dict == {"note": [NOTE_MISSING]}

    done = task_complete(task=task, actor=officer, note="ISP answered; logged as item 12.")

    assert (done.status, done.completion_note, done.closed_by) == (
        Task.Status.DONE,
        "ISP answered; logged as item 12.",
        officer,
    )
    assert done.closed_at is not None
    assert audited(task, "change").filter(changes__has_key="completion_note").exists()


def test_a_task_done_cannot_be_done_again_or_passed_on(task, officer, supervisor):
    task_complete(task=task, actor=officer, note="Done.")
    for act in (
        lambda: task_complete(task=task, actor=officer, note="Again."),
        lambda: task_reassign(task=task, actor=supervisor, owner=supervisor, reason="Cover."),
    ):
        with pytest.raises(ValidationError) as error:
            act()
        assert error.value.messages == [NOT_OUTSTANDING.format(status="done")]


def test_the_database_refuses_a_task_done_without_a_note(task):
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.filter(pk=task.pk).update(status=Task.Status.DONE, closed_at=task.created_at)


def test_passing_a_task_on_needs_a_reason_and_another_person(task, officer, supervisor):
    with pytest.raises(ValidationError) as error:
        task_reassign(task=task, actor=supervisor, owner=officer, reason="")
    assert error.value.message_dict == {"reason": [REASON_MISSING], "owner": [SAME_OWNER]}


def test_passing_a_task_on_keeps_who_why_and_when(task, officer, supervisor):
    task_reassign(task=task, actor=supervisor, owner=supervisor, reason="DC Hughes is on leave.")

    task.refresh_from_db()
    assert task.owner == supervisor
    move = TaskReassignment.objects.get(task=task)
    assert (move.from_owner, move.to_owner, move.by, move.reason) == (
        officer,
        supervisor,
        supervisor,
        "DC Hughes is on leave.",
    )
    assert AuditEntry.objects.filter(
        kind="create", object_type="work.TaskReassignment", case_reference=task.case.reference
    ).exists()


def test_passing_a_task_to_someone_who_cannot_see_the_case_is_refused(task, supervisor, outsider):
    with pytest.raises(ValidationError) as error:
        task_reassign(task=task, actor=supervisor, owner=outsider, reason="Other team.")
    assert error.value.message_dict == {"owner": [OWNER_CANNOT_SEE_CASE]}


def test_a_suggested_task_is_accepted_then_done(case, officer):
    task = make_task(case, officer, status=Task.Status.SUGGESTED, suggested_by="search_devices")
    with pytest.raises(ValidationError) as error:
        task_complete(task=task, actor=officer, note="Done.")
    assert error.value.messages == [SUGGESTED_NOT_ACCEPTED]

    assert task_accept(task=task, actor=officer).status == Task.Status.OPEN
    assert task_complete(task=task, actor=officer, note="Devices booked in.").status == Task.Status.DONE


def test_a_suggested_task_is_dismissed_with_its_reason(case, officer):
    task = make_task(case, officer, status=Task.Status.SUGGESTED, suggested_by="search_devices")

    dismissed = task_dismiss(task=task, actor=officer, reason="No devices were seized.")

    assert (dismissed.status, dismissed.completion_note) == (Task.Status.DISMISSED, "No devices were seized.")


def test_only_a_suggested_task_is_accepted_or_dismissed(task, officer):
    for act in (lambda: task_accept(task=task, actor=officer), lambda: task_dismiss(task=task, actor=officer)):
        with pytest.raises(ValidationError) as error:
            act()
        assert error.value.messages == [NOT_SUGGESTED]


def test_tasks_and_their_reminders_leave_the_cases_deadline_summary_up_to_date(case, officer, supervisor):
    """No deadline reads them: a case written only in these is read from the summary, not recomputed
    on every read until the next refresh (a case log entry is: tests/deadlines/test_summary.py)."""
    deadline_summary_refresh()
    task = create(case, supervisor, officer)
    Task.objects.filter(pk=task.pk).update(due_on=task.due_on - timedelta(days=10))
    task_reminder_sweep()
    task_complete(task=Task.objects.get(pk=task.pk), actor=officer, note="Done.")

    assert Notification.objects.filter(case=case, kind="task").exists()
    assert cases_to_compute(now=timezone.now()) == set()
