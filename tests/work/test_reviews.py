"""Supervisory reviews: recorded with their decision, actions (as tasks) and next date; due by the
review cadence of the case's stage, a local target (settings.SUPERVISORY_REVIEW_DAYS)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEntry
from cases.models import Case, CaseLogEntry
from tests.factories.cases import CaseFactory
from work.models import SupervisoryReview, Task
from work.selectors import london_today, reviews_due, reviews_overdue_count
from work.services import NEXT_REVIEW_NOT_AFTER, REVIEW_IN_FUTURE, Action, review_record


def test_a_review_records_its_decision_actions_and_next_date(case, supervisor, officer):
    today = london_today()
    review = review_record(
        case=case,
        actor=supervisor,
        reviewed_on=today,
        decision="Proportionate; prioritise the phone.",
        next_review_on=today + timedelta(days=10),
        actions=[Action(title="Submit the phone", owner=officer, due_on=today + timedelta(days=3))],
    )

    assert (review.stage, review.reviewed_by, review.next_review_on) == (
        case.stage,
        supervisor,
        today + timedelta(days=10),
    )
    action = Task.objects.get(review=review)
    assert (action.title, action.owner, action.status) == ("Submit the phone", officer, Task.Status.OPEN)
    assert CaseLogEntry.objects.filter(case=case, text__startswith="Supervisory review recorded; 1 action(s)").exists()
    assert AuditEntry.objects.filter(
        kind="create", object_type="work.SupervisoryReview", case_reference=case.reference
    ).exists()


def test_the_next_review_defaults_to_the_cadence_of_the_stage(case, supervisor, settings):
    settings.SUPERVISORY_REVIEW_DAYS = {**settings.SUPERVISORY_REVIEW_DAYS, "arrest": 7}
    Case.objects.filter(pk=case.pk).update(stage=Case.Stage.ARREST)
    case.refresh_from_db()

    review = review_record(case=case, actor=supervisor, reviewed_on=london_today(), decision="Fine.")

    assert review.next_review_on == london_today() + timedelta(days=7)


def test_a_review_cannot_be_in_the_future_nor_its_next_before_it(case, supervisor):
    today = london_today()
    with pytest.raises(ValidationError) as error:
        review_record(
            case=case, actor=supervisor, reviewed_on=today + timedelta(days=1), decision="x", next_review_on=today
        )
    assert error.value.message_dict == {"reviewed_on": [REVIEW_IN_FUTURE], "next_review_on": [NEXT_REVIEW_NOT_AFTER]}
    assert not SupervisoryReview.objects.exists()


def _opened_days_ago(case, days):
    Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - timedelta(days=days))
    case.refresh_from_db()


def test_a_case_never_reviewed_is_due_its_stages_cadence_after_opening(case, settings):
    settings.SUPERVISORY_REVIEW_DAYS = {**settings.SUPERVISORY_REVIEW_DAYS, "investigation": 28}
    today = london_today()
    _opened_days_ago(case, 30)

    [due] = reviews_due([case.pk], today=today)

    assert due.case == case and due.last is None
    assert due.due_on == timezone.localtime(case.opened_at).date() + timedelta(days=28)
    assert due.overdue
    assert reviews_overdue_count([case.pk], today=today) == 1


def test_a_review_moves_the_next_due_date_on(case, supervisor):
    _opened_days_ago(case, 60)
    today = london_today()
    review_record(
        case=case, actor=supervisor, reviewed_on=today, decision="Fine.", next_review_on=today + timedelta(days=30)
    )

    assert reviews_due([case.pk], today=today) == []
    assert reviews_overdue_count([case.pk], today=today) == 0
    [due] = reviews_due([case.pk], today=today + timedelta(days=25))
    assert due.due_on == today + timedelta(days=30)


def test_a_case_opened_recently_is_not_yet_due(case, team, officer, supervisor):
    closed = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, status=Case.Status.CLOSED)
    _opened_days_ago(closed, 100)
    _opened_days_ago(case, 1)

    assert reviews_due([case.pk, closed.pk], today=london_today()) == []
    assert reviews_overdue_count([case.pk, closed.pk], today=london_today()) == 0


def test_reviews_due_come_most_overdue_first_and_at_most_the_first_asked(team, officer, supervisor, settings):
    settings.SUPERVISORY_REVIEW_DAYS = {**settings.SUPERVISORY_REVIEW_DAYS, "investigation": 28, "arrest": 7}
    today = london_today()
    investigation, arrest, reviewed, recent = (
        CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor) for _ in range(4)
    )
    _opened_days_ago(investigation, 40)  # due 12 days ago
    Case.objects.filter(pk=arrest.pk).update(stage=Case.Stage.ARREST)
    _opened_days_ago(arrest, 20)  # due 13 days ago, by the arrest stage's cadence
    _opened_days_ago(reviewed, 90)
    review = review_record(
        case=reviewed, actor=supervisor, reviewed_on=today, decision="Fine.", next_review_on=today + timedelta(days=3)
    )
    _opened_days_ago(recent, 1)
    ids = [investigation.pk, arrest.pk, reviewed.pk, recent.pk]

    due = reviews_due(ids, today=today)

    assert [(r.case, r.due_on, r.last) for r in due] == [
        (arrest, today - timedelta(days=13), None),
        (investigation, today - timedelta(days=12), None),
        (reviewed, today + timedelta(days=3), review),
    ]
    assert [r.case for r in reviews_due(ids, today=today, first=2)] == [arrest, investigation]
