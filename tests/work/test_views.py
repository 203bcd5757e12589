"""The pages of work: where each person lands, My work, a case's tasks and reviews, a task's page
and what is done on it, and a supervisor's review. Access for every URL is also walked by
tests/access/test_authorisation_matrix.py; ids from elsewhere by tests/access/test_work_idor.py."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, Notification
from cases.services.notifications import deadline_sweep
from cases.services.summaries import deadline_summary_refresh
from tests.factories.cases import CaseFactory
from tests.factories.custody import ArrestFactory
from tests.work.conftest import make_task
from work.models import SupervisoryReview, Task, TaskReassignment
from work.selectors import london_today
from work.services import task_reminder_sweep
from work.views import _links_of


def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("who", "lands_on"), [("officer", "work:my_work"), ("examiner", "work:my_work"), ("supervisor", "cases:list")]
)
def test_each_person_lands_on_their_start_page(client, request, who, lands_on):
    response = signed_in(client, request.getfixturevalue(who)).get("/")

    assert response.status_code == 302
    assert response["Location"] == reverse(lands_on)


def test_an_old_link_to_the_case_list_with_a_search_still_lists_cases(client, officer):
    response = signed_in(client, officer).get("/?status=open")

    assert response["Location"] == reverse("cases:list") + "?status=open"


def test_my_work_shows_my_tasks_overdue_first_then_my_cases_then_reminders(client, case, officer, team, supervisor):
    make_task(case, officer, days=10, title="Later task")
    overdue = make_task(case, officer, title="Overdue task")
    Task.objects.filter(pk=overdue.pk).update(due_on=london_today() - timedelta(days=2))
    someone_elses = make_task(case, supervisor, title="The supervisor's task")
    Notification.objects.create(
        recipient=officer,
        case=case,
        deadline_key="charging_target:cases.arrest:1:2026-01-01T00:00:00+00:00",
        threshold="missed",
        kind="charging_target",
        label="Charging decision",
        due_at=timezone.now(),
        source="Local target",
    )

    page = signed_in(client, officer).get(reverse("work:my_work")).content.decode()

    assert page.index("Overdue task") < page.index("Later task") < page.index("My open cases")
    assert someone_elses.title not in page
    assert f'href="{overdue.get_absolute_url()}"' in page
    assert f'href="{case.get_absolute_url()}"' in page
    assert "1 overdue" in page
    # A reminder of a deadline the case no longer has is cleared: not listed as needing the officer.
    assert "Charging decision" not in page


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("work:task_detail", 7),
        ("cases:detail", "MPS-2026-000123"),
        ("cases:detail", "A B&C:ü~@%"),
        ("work:review_add", "X;Y=Z'(1)"),
    ],
)
def test_my_work_links_each_row_where_reverse_would(name, value):
    """The rows' links are reversed once per page and filled in row by row: the same links."""
    assert _links_of(name)(value) == reverse(name, args=[value])


def test_my_work_costs_the_same_queries_for_many_tasks_and_cases(client, team, officer, supervisor):
    signed_in(client, officer)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("work:my_work")).status_code == 200
        return len(captured)

    first = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    make_task(first, officer)
    queries()  # the session's first request may write to it
    few = queries()
    for _ in range(5):
        more = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
        make_task(more, officer)
        make_task(more, officer, title="Another")
    assert queries() == few


def _supervised_case_with_work(team, officer, supervisor, n):
    """An open case the supervisor supervises, due its review, with a task of theirs overdue, a
    deadline missed and a reminder of each."""
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - timedelta(days=60 + n))
    task = make_task(case, supervisor, title=f"Review the triage {n}")
    Task.objects.filter(pk=task.pk).update(due_on=london_today() - timedelta(days=2))
    ArrestFactory(case=case, arrested_at=timezone.now() - timedelta(days=40))  # charging target missed
    return case


def _interleave_reminders(person):
    """Reminders of tasks and of deadlines among the newest, as on any day (each kind is checked for
    being cleared by one fixed set of queries)."""
    now = timezone.now()
    mine = Notification.objects.filter(recipient=person)
    for reminders in (mine.filter(kind="task"), mine.exclude(kind="task")):
        for rank, pk in enumerate(reminders.order_by("pk").values_list("pk", flat=True)):
            Notification.objects.filter(pk=pk).update(created_at=now - timedelta(minutes=rank))


def test_the_supervisors_work_costs_the_same_queries_for_many_reviews_tasks_deadlines_and_reminders(
    client, team, officer, supervisor
):
    signed_in(client, supervisor)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("work:my_work")).status_code == 200
        return len(captured)

    _supervised_case_with_work(team, officer, supervisor, 0)
    deadline_sweep()
    task_reminder_sweep()
    deadline_summary_refresh()
    _interleave_reminders(supervisor)
    queries()  # the session's first request may write to it
    few = queries()
    for n in range(1, 31):
        _supervised_case_with_work(team, officer, supervisor, n)
    deadline_sweep()
    task_reminder_sweep()
    deadline_summary_refresh()
    _interleave_reminders(supervisor)

    page = client.get(reverse("work:my_work"))
    assert len(page.context["work"].reviews) == len(page.context["work"].tasks) == 25
    assert len(page.context["work"].notifications) == 25 and page.context["work"].deadlines_total == 31
    assert queries() == few


def test_the_supervisors_work_lists_reviews_due_and_the_dashboard_counts_them(client, case, supervisor):
    Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - timedelta(days=90))
    signed_in(client, supervisor)

    work = client.get(reverse("work:my_work")).content.decode()
    dashboard = client.get(reverse("reports:dashboard")).content.decode()

    assert "Supervisory reviews due (1, 1 overdue)" in work
    assert f'href="{reverse("work:review_add", args=[case.reference])}"' in work
    assert "Supervisory reviews overdue" in dashboard
    assert "<strong>1</strong> open case in view is past" in dashboard


def test_setting_a_task_from_the_case(client, case, officer, supervisor):
    url = reverse("work:task_create", args=[case.reference])
    signed_in(client, supervisor)
    form = client.get(url + f"?owner={officer.pk}&title=Chase+the+ISP").content.decode()
    assert 'value="Chase the ISP"' in form

    response = client.post(
        url, {"title": "Chase the ISP", "owner": officer.pk, "due_on": "today", "priority": "high", "details": ""}
    )

    task = Task.objects.get()
    assert response.status_code == 302 and response["Location"] == task.get_absolute_url()
    assert (task.owner, task.priority, task.due_on) == (officer, "high", london_today())


def test_a_task_with_a_date_in_the_past_is_refused_naming_the_field(client, case, officer):
    response = signed_in(client, officer).post(
        reverse("work:task_create", args=[case.reference]),
        {"title": "x", "owner": officer.pk, "due_on": "1 Jan 2020", "priority": "normal"},
    )

    assert response.status_code == 400
    assert "Due date: The due date cannot be in the past." in response.content.decode()
    assert not Task.objects.exists()


def test_marking_a_task_done_from_its_page(client, task, officer):
    signed_in(client, officer)
    page = client.get(task.get_absolute_url()).content.decode()
    assert "Mark it done" in page

    response = client.post(reverse("work:task_complete", args=[task.pk]), {"note": "Chased; answer due Friday."})

    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.completion_note) == (Task.Status.DONE, "Chased; answer due Friday.")


def test_done_without_a_note_is_a_400_naming_the_field(client, task, officer):
    response = signed_in(client, officer).post(reverse("work:task_complete", args=[task.pk]), {"note": ""})

    assert response.status_code == 400
    assert "What was done: Fill this in." in response.content.decode()


def test_passing_a_task_on_with_a_reason(client, task, supervisor):
    response = signed_in(client, supervisor).post(
        reverse("work:task_reassign", args=[task.pk]), {"owner": supervisor.pk, "reason": "Leave."}
    )

    assert response.status_code == 302
    assert TaskReassignment.objects.get(task=task).reason == "Leave."
    assert (
        "passed it from DC Sam Hughes to DS Grace Okafor. Reason: Leave."
        in client.get(task.get_absolute_url()).content.decode()
    )


def test_accepting_and_dismissing_suggestions(client, case, officer):
    accept = make_task(case, officer, status=Task.Status.SUGGESTED, suggested_by="search_devices")
    dismiss = make_task(case, officer, status=Task.Status.SUGGESTED, suggested_by="charging_file", title="File")
    signed_in(client, officer)

    assert client.post(reverse("work:task_accept", args=[accept.pk])).status_code == 302
    assert (
        client.post(reverse("work:task_dismiss", args=[dismiss.pk]), {"reason": "Charged already."}).status_code == 302
    )
    again = client.post(reverse("work:task_accept", args=[accept.pk]))

    assert again.status_code == 400
    assert "Only a suggested task is accepted or dismissed." in again.content.decode()
    assert list(Task.objects.order_by("pk").values_list("status", flat=True)) == ["open", "dismissed"]


def test_an_examiner_who_may_see_the_case_reads_a_task_but_cannot_change_it(client, task, examiner):
    from guardian.shortcuts import assign_perm

    assign_perm("cases.view_case", examiner, task.case)
    signed_in(client, examiner)

    page = client.get(task.get_absolute_url())
    done = client.post(reverse("work:task_complete", args=[task.pk]), {"note": "x"})

    assert page.status_code == 200 and "Mark it done" not in page.content.decode()
    assert done.status_code == 403


def test_the_owner_who_cannot_record_on_the_case_may_still_do_their_task(client, case, examiner):
    from guardian.shortcuts import assign_perm

    assign_perm("cases.view_case", examiner, case)
    task = make_task(case, examiner)

    response = signed_in(client, examiner).post(reverse("work:task_complete", args=[task.pk]), {"note": "Imaged."})

    assert response.status_code == 302


def test_a_supervisor_records_a_review_with_an_action(client, case, supervisor, officer):
    response = signed_in(client, supervisor).post(
        reverse("work:review_add", args=[case.reference]),
        {
            "reviewed_on": "today",
            "decision": "Proportionate.",
            "next_review_on": "",
            "action_1": "Submit the phone",
            "action_1_owner": officer.pk,
            "action_1_due_on": "today",
        },
    )

    assert response.status_code == 302
    review = SupervisoryReview.objects.get()
    assert review.actions.get().title == "Submit the phone"
    page = client.get(reverse("work:case_work", args=[case.reference])).content.decode()
    assert "Proportionate." in page and "Submit the phone" in page


def test_an_action_half_given_is_refused(client, case, supervisor):
    response = signed_in(client, supervisor).post(
        reverse("work:review_add", args=[case.reference]),
        {"reviewed_on": "today", "decision": "Fine.", "action_1": "Submit the phone"},
    )

    assert response.status_code == 400
    assert "Give the action, whose it is and when it is due" in response.content.decode()
    assert not SupervisoryReview.objects.exists()


def test_the_case_page_lists_its_tasks_to_do_and_links_to_set_one(client, case, officer):
    to_do = make_task(case, officer, title="Chase the ISP")
    done = make_task(case, officer, title="Book the interview")
    Task.objects.filter(pk=done.pk).update(status=Task.Status.DONE, completion_note="Booked.", closed_at=timezone.now())

    page = signed_in(client, officer).get(case.get_absolute_url()).content.decode()

    assert f'<a href="{to_do.get_absolute_url()}">Chase the ISP</a>' in page
    assert "Book the interview" not in page
    assert f'href="{reverse("work:task_create", args=[case.reference])}"' in page
