"""case_next_steps: what is due next on a case, soonest first, from the page's prefetched data."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from cases import rules
from cases.models import Arrest, Case, ChargingSubmission, CourtHearing, Release
from cases.selectors import case_next_steps, case_page_prefetch
from tests.factories.cases import CaseFactory, PremisesFactory, ReferralFactory, SubjectFactory
from warrants.models import Warrant

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def case(force, team, officer, supervisor):
    referral = ReferralFactory(
        force=force,
        created_by=officer,
        risk_grade="high",
        received_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
        outcome="developed",
        outcome_at=datetime(2026, 11, 21, 9, 0, tzinfo=UTC),
    )
    return CaseFactory(
        team=team,
        referral=referral,
        officer_in_case=officer,
        supervisor=supervisor,
        opened_at=datetime(2026, 11, 21, 9, 0, tzinfo=UTC),
    )


def steps_for(case):
    loaded = case_page_prefetch(Case.objects.filter(pk=case.pk)).get()
    return loaded, case_next_steps(loaded, now=NOW)


def test_a_new_case_from_a_high_risk_referral_is_due_a_response_in_seven_days(case):
    _, steps = steps_for(case)
    assert [(s.label, s.due_at, s.source) for s in steps] == [
        ("Respond to referral (high risk)", datetime(2026, 11, 27, 9, 0, tzinfo=UTC), rules.REFERRAL_RESPONSE.source)
    ]
    assert rules.REFERRAL_RESPONSE.source == "HMICFRS 2023 (local response targets)"


@pytest.mark.parametrize(("grade", "days"), [("very_high", 1), ("high", 7), ("medium", 14), ("low", 30)])
def test_referral_response_targets_by_risk_grade(grade, days):
    received = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    assert rules.referral_response_due_at(received_at=received, risk_grade=grade) == received + timedelta(days=days)


def test_next_steps_are_computed_without_further_queries(case, officer, django_assert_num_queries):
    premises = PremisesFactory(case=case)
    subject = SubjectFactory(case=case)
    issued = NOW - timedelta(days=2)
    Warrant.objects.create(
        case=case,
        premises=premises,
        power="pace_s8",
        court="Stafford Magistrates' Court",
        applicant=officer,
        status="issued",
        applied_at=issued - timedelta(hours=3),
        issued_at=issued,
        expires_at=rules.warrant_expires_at(issued),
    )
    Arrest.objects.create(case=case, subject=subject, arrested_at=NOW - timedelta(days=1), arresting_officer=officer)
    loaded = case_page_prefetch(Case.objects.filter(pk=case.pk)).get()
    with django_assert_num_queries(0):
        steps = case_next_steps(loaded, now=NOW)
    assert len(steps) == 2


def test_an_issued_warrant_is_due_execution_before_expiry_then_return(case, officer):
    premises = PremisesFactory(case=case, address="12 Station Road", postcode="ST16 2AA")
    issued = NOW - timedelta(days=2)
    warrant = Warrant.objects.create(
        case=case,
        premises=premises,
        power="pace_s8",
        court="Stafford Magistrates' Court",
        applicant=officer,
        status="issued",
        applied_at=issued - timedelta(hours=3),
        issued_at=issued,
        expires_at=rules.warrant_expires_at(issued),
    )
    _, steps = steps_for(case)
    execute = [s for s in steps if s.rule_key == "warrant_expiry"]
    assert [(s.label, s.due_at) for s in execute] == [
        ("Execute warrant for 12 Station Road, ST16 2AA before it expires", warrant.expires_at)
    ]
    executed = issued + timedelta(days=1)
    Warrant.objects.filter(pk=warrant.pk).update(status="executed", executed_at=executed, executed_by=officer)
    _, steps = steps_for(case)
    assert [(s.label, s.due_at, s.source) for s in steps] == [
        (
            "Return warrant for 12 Station Road, ST16 2AA to Stafford Magistrates' Court",
            executed,
            rules.WARRANT_RETURN.source,
        )
    ]  # executing the warrant was the response, so the referral target is no longer shown
    Warrant.objects.filter(pk=warrant.pk).update(status="returned", returned_at=NOW - timedelta(hours=1))
    _, steps = steps_for(case)
    assert [s for s in steps if s.rule_key.startswith("warrant")] == []


def test_an_unexecuted_warrant_past_expiry_is_due_return(case, officer):
    premises = PremisesFactory(case=case)
    issued = NOW - timedelta(days=120)
    Warrant.objects.create(
        case=case,
        premises=premises,
        power="poca_s4",
        court="Cannock Magistrates' Court",
        applicant=officer,
        status="issued",
        applied_at=issued - timedelta(hours=3),
        issued_at=issued,
        expires_at=rules.warrant_expires_at(issued),
    )
    _, steps = steps_for(case)
    returns = [s for s in steps if s.rule_key == "warrant_return"]
    assert len(returns) == 1
    assert returns[0].due_at == rules.warrant_expires_at(issued)
    assert returns[0].overdue


def test_an_arrest_without_a_decision_has_the_charging_target_and_bail_end(case, officer):
    subject = SubjectFactory(case=case, full_name="John Smith")
    arrested = NOW - timedelta(days=3)
    arrest = Arrest.objects.create(case=case, subject=subject, arrested_at=arrested, arresting_officer=officer)
    released = arrested + timedelta(hours=10)
    Release.objects.create(
        arrest=arrest,
        kind="bail",
        released_at=released,
        bail_regime="pcsca2022",
        bail_ends_at=rules.bail_initial_end(regime="pcsca2022", bail_start=released),
        recorded_by=officer,
    )
    CourtHearing.objects.create(
        case=case,
        subject=subject,
        court="Stafford Crown Court",
        hearing_at=NOW + timedelta(days=60),
        hearing_type="plea",
    )
    _, steps = steps_for(case)
    assert [s.rule_key for s in steps] == ["charging_target", "", "bail_pcsca2022"]
    assert steps[0].due_at == rules.charging_target_at(arrested)
    assert steps[0].label == "Charging decision for John Smith (four-week target)"
    assert steps[0].url == reverse("cases:charging_submit", kwargs={"reference": case.reference})
    assert steps[1].label == "Plea for John Smith at Stafford Crown Court"
    assert steps[2].due_at == rules.bail_initial_end(regime="pcsca2022", bail_start=released)


def test_a_charging_decision_ends_the_target_and_bail(case, officer):
    subject = SubjectFactory(case=case)
    arrested = NOW - timedelta(days=3)
    arrest = Arrest.objects.create(case=case, subject=subject, arrested_at=arrested, arresting_officer=officer)
    released = arrested + timedelta(hours=10)
    Release.objects.create(
        arrest=arrest,
        kind="bail",
        released_at=released,
        bail_regime="pcsca2022",
        bail_ends_at=rules.bail_initial_end(regime="pcsca2022", bail_start=released),
        recorded_by=officer,
    )
    ChargingSubmission.objects.create(
        case=case,
        subject=subject,
        submitted_at=arrested + timedelta(days=1),
        submitted_by=officer,
        test="full_code",
        decision="charge",
        decision_at=arrested + timedelta(days=2),
    )
    _, steps = steps_for(case)
    assert steps == []


def test_a_closed_case_shows_its_next_mopi_review(case, officer):
    Case.objects.filter(pk=case.pk).update(status="closed", stage="closed")
    reviewed = NOW - timedelta(days=1)
    case.retention_reviews.create(
        retention_group="1",
        decision="set",
        reviewed_at=reviewed,
        reviewed_by=officer,
        rationale="Sexual offence: group 1.",
        next_review_at=rules.retention_next_review_at(reviewed_at=reviewed, retention_group="1"),
    )
    _, steps = steps_for(case)
    assert [(s.label, s.rule_key) for s in steps] == [("MoPI review (group 1)", "retention_review")]
