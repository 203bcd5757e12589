from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEntry
from cases import rules
from cases.models import (
    BailExtension,
    Case,
    CaseLogEntry,
    Closure,
    ClosureConfirmation,
    CourtHearing,
    Release,
    RetentionReview,
)
from cases.services.closure import (
    CLOSURE_BEFORE_CASE_OPENED,
    CLOSURE_BEFORE_EVENT,
    CLOSURE_CAUTION_NEEDS_DECISION,
    CLOSURE_CHARGE_CONTRADICTS_OUTCOME,
    CLOSURE_CHARGED_NEEDS_DECISION,
    CLOSURE_CHARGING_PENDING,
    CLOSURE_CONFIRMATION_NEEDS_REASON,
    CLOSURE_CONFIRMATION_NEEDS_SUPERVISOR,
    CLOSURE_CPS_PUBLIC_INTEREST_NEEDS_DECISION,
    CLOSURE_OUTCOME_INVALID,
    CLOSURE_OUTSTANDING_NOT_CONFIRMED,
    CLOSURE_SUSPECT_WAS_IDENTIFIED,
    RETENTION_BEFORE_CLOSURE,
    RETENTION_CASE_NOT_CLOSED,
    RETENTION_DECISION_INVALID,
    case_close,
    case_closure_outstanding,
    retention_review_record,
)
from cases.services.common import CASE_CLOSED
from tests.factories.cases import CaseFactory, PremisesFactory
from tests.factories.custody import ArrestFactory, ChargingSubmissionFactory, ReleaseFactory, end_of, london
from tests.factories.warrants import DeviceFactory
from warrants.models import Warrant
from warrants.services import CLOSURE_WARRANTS_NOT_RETURNED


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=london(2025, 1, 6, 9))


def close(case, actor, **overrides):
    values = {
        "case": case,
        "actor": actor,
        "outcome_type": "15",
        "closed_at": london(2025, 6, 2, 16),
        "rationale": "Evidential difficulties: the suspect is identified.",
        "retention_group": "1",
    }
    values.update(overrides)
    return case_close(**values)


def issued_warrant(case, officer, status=Warrant.Status.ISSUED):
    """An issued warrant built directly (warrant services belong to another slice)."""
    issued_at = london(2025, 1, 10, 11)
    return Warrant.objects.create(
        case=case,
        premises=PremisesFactory(case=case, address="14 Mill Lane\nStone"),
        power=Warrant.Power.PACE_S8,
        court="North Staffordshire Justice Centre",
        applicant=officer,
        status=status,
        applied_at=issued_at - timedelta(hours=3),
        issuing_justice="DJ Lowe",
        issued_at=issued_at,
        expires_at=rules.warrant_expires_at(issued_at),
        executed_at=issued_at + timedelta(days=2) if status == Warrant.Status.EXECUTED else None,
    )


def assert_not_closed(case):
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN
    assert not Closure.objects.exists()
    assert not RetentionReview.objects.exists()
    assert not CaseLogEntry.objects.filter(text__startswith="Case closed").exists()


def test_closing_sets_status_stage_and_the_first_retention_review(case, supervisor):
    closure = close(case, supervisor)

    case.refresh_from_db()
    assert (case.status, case.stage) == (Case.Status.CLOSED, Case.Stage.CLOSED)
    assert closure.closed_by == supervisor
    review = RetentionReview.objects.get(case=case)
    assert (review.decision, review.retention_group, review.reviewed_at) == ("set", "1", london(2025, 6, 2, 16))
    assert review.next_review_at == london(2035, 6, 2, 16)  # group 1: every 10 years
    assert CaseLogEntry.objects.filter(
        case=case, text="Case closed: outcome 15: Evidential difficulties: suspect identified."
    ).exists()


def test_closing_is_refused_while_an_issued_warrant_is_neither_executed_nor_returned(case, officer, supervisor):
    warrant = issued_warrant(case, officer)
    with pytest.raises(ValidationError) as error:
        close(case, supervisor)
    expected = CLOSURE_WARRANTS_NOT_RETURNED.format(
        warrants=f"warrant {warrant.pk} for 14 Mill Lane, ST16 2AA (issued)"
    )
    assert error.value.messages == [expected]
    assert_not_closed(case)


def test_closing_is_refused_while_an_executed_warrant_is_not_returned(case, officer, supervisor):
    warrant = issued_warrant(case, officer, status=Warrant.Status.EXECUTED)
    with pytest.raises(ValidationError) as error:
        close(case, supervisor)
    assert f"warrant {warrant.pk} for 14 Mill Lane, ST16 2AA (executed)" in error.value.messages[0]
    assert_not_closed(case)


def test_closing_is_allowed_once_the_warrant_is_returned(case, officer, supervisor):
    warrant = issued_warrant(case, officer)
    with pytest.raises(ValidationError):
        close(case, supervisor)
    warrant.status = Warrant.Status.RETURNED
    warrant.returned_at = warrant.expires_at + timedelta(days=1)
    warrant.save()

    close(case, supervisor)
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED


def test_closing_is_refused_while_a_charging_submission_awaits_a_decision(case, supervisor):
    arrest = ArrestFactory(case=case, arrested_at=london(2025, 2, 3, 6), relevant_time=london(2025, 2, 3, 6, 30))
    ChargingSubmissionFactory(case=case, subject=arrest.subject, submitted_at=london(2025, 2, 10, 12))
    with pytest.raises(ValidationError) as error:
        close(case, supervisor)
    assert error.value.messages == [CLOSURE_CHARGING_PENDING]
    assert_not_closed(case)


def test_closing_needs_a_home_office_outcome_type(case, supervisor):
    with pytest.raises(ValidationError) as error:
        close(case, supervisor, outcome_type="99")
    assert error.value.message_dict["outcome_type"] == [CLOSURE_OUTCOME_INVALID]
    assert_not_closed(case)


def test_closing_before_the_case_was_opened_is_refused(case, supervisor):
    with pytest.raises(ValidationError) as error:
        close(case, supervisor, closed_at=case.opened_at - timedelta(days=1))
    assert error.value.message_dict["closed_at"] == [CLOSURE_BEFORE_CASE_OPENED]
    assert_not_closed(case)


def test_a_closed_case_cannot_be_closed_again(case, supervisor):
    close(case, supervisor)
    with pytest.raises(ValidationError) as error:
        close(case, supervisor, closed_at=london(2025, 7, 1, 9))
    assert error.value.messages == [CASE_CLOSED]
    assert Closure.objects.count() == 1


# --- Retention reviews --------------------------------------------------------------------------


def review(case, actor, **overrides):
    values = {
        "case": case,
        "actor": actor,
        "retention_group": "3",
        "decision": "retain",
        "reviewed_at": london(2026, 1, 5, 10),
        "rationale": "Reviewed under MoPI.",
    }
    values.update(overrides)
    return retention_review_record(**values)


def test_a_retention_review_to_retain_computes_the_next_review(case, supervisor):
    close(case, supervisor)
    recorded = review(case, supervisor)

    assert recorded.next_review_at == london(2032, 1, 5, 10)  # group 3: every 6 years
    assert CaseLogEntry.objects.filter(case=case, text="MoPI review: Retain and review again.").exists()


def test_a_retention_review_to_dispose_leaves_no_next_review(case, supervisor):
    close(case, supervisor)
    assert review(case, supervisor, decision="dispose").next_review_at is None


def test_a_retention_review_on_an_open_case_is_refused(case, supervisor):
    with pytest.raises(ValidationError) as error:
        review(case, supervisor)
    assert error.value.messages == [RETENTION_CASE_NOT_CLOSED]
    assert not RetentionReview.objects.exists()


def test_a_retention_review_cannot_set_the_group_again(case, supervisor):
    close(case, supervisor)
    with pytest.raises(ValidationError) as error:
        review(case, supervisor, decision="set")
    assert error.value.message_dict["decision"] == [RETENTION_DECISION_INVALID]
    assert RetentionReview.objects.count() == 1


def test_a_retention_review_before_closure_is_refused(case, supervisor):
    close(case, supervisor)
    with pytest.raises(ValidationError) as error:
        review(case, supervisor, reviewed_at=london(2025, 6, 1, 9))
    assert error.value.message_dict["reviewed_at"] == [RETENTION_BEFORE_CLOSURE]
    assert RetentionReview.objects.count() == 1


def test_a_retention_review_in_the_future_is_refused(case, supervisor):
    close(case, supervisor)
    with pytest.raises(ValidationError) as error:
        review(case, supervisor, reviewed_at=timezone.now() + timedelta(days=1))
    assert error.value.message_dict["reviewed_at"] == ["The review cannot be in the future."]
    assert RetentionReview.objects.count() == 1


# --- The order of events and the outcome ---------------------------------------------------------


def test_a_case_cannot_be_closed_before_an_event_recorded_on_it(case, supervisor):
    ArrestFactory(case=case, arrested_at=london(2025, 6, 10, 7))
    with pytest.raises(ValidationError) as error:
        close(case, supervisor, closed_at=london(2025, 6, 2, 16))
    assert error.value.message_dict["closed_at"] == [
        CLOSURE_BEFORE_EVENT.format(event="an arrest", at="10 Jun 2025 07:00")
    ]
    assert_not_closed(case)


def test_a_charged_outcome_needs_a_recorded_decision_to_charge(case, supervisor):
    with pytest.raises(ValidationError) as error:
        close(case, supervisor, outcome_type="1")
    assert error.value.message_dict["outcome_type"] == [CLOSURE_CHARGED_NEEDS_DECISION]
    assert_not_closed(case)

    arrest = ArrestFactory(case=case, arrested_at=london(2025, 2, 1, 7))
    ChargingSubmissionFactory(
        case=case,
        subject=arrest.subject,
        submitted_at=london(2025, 3, 1, 9),
        decision="charge",
        decision_at=london(2025, 4, 1, 9),
    )
    assert close(case, supervisor, outcome_type="1").outcome_type == "1"


def test_a_caution_outcome_needs_a_recorded_decision_to_caution(case, supervisor):
    with pytest.raises(ValidationError) as error:
        close(case, supervisor, outcome_type="3")
    assert error.value.message_dict["outcome_type"] == [CLOSURE_CAUTION_NEEDS_DECISION]
    assert_not_closed(case)


@pytest.mark.parametrize("outcome", ["9", "10", "14", "15", "16", "18", "21"])
def test_an_outcome_of_no_further_action_is_refused_when_a_decision_to_charge_is_recorded(case, supervisor, outcome):
    arrest = ArrestFactory(case=case, arrested_at=london(2025, 2, 1, 7))
    ChargingSubmissionFactory(
        case=case,
        subject=arrest.subject,
        submitted_at=london(2025, 3, 1, 9),
        decision="charge",
        decision_at=london(2025, 4, 1, 9),
    )
    with pytest.raises(ValidationError) as error:
        close(case, supervisor, outcome_type=outcome)
    expected = {
        "14": CLOSURE_SUSPECT_WAS_IDENTIFIED,
        "18": CLOSURE_SUSPECT_WAS_IDENTIFIED,
    }.get(outcome, CLOSURE_CHARGE_CONTRADICTS_OUTCOME.format(outcome=Closure.OutcomeType(outcome).label))
    assert error.value.message_dict["outcome_type"] == [expected]
    assert_not_closed(case)


def test_an_outcome_of_no_further_action_is_refused_when_a_charge_is_recorded(case, supervisor):
    arrest = ArrestFactory(case=case, arrested_at=london(2025, 2, 1, 7))
    ReleaseFactory(arrest=arrest, kind=Release.Kind.CHARGED, released_at=london(2025, 2, 1, 20))
    with pytest.raises(ValidationError) as error:
        close(case, supervisor, outcome_type="15")
    assert error.value.message_dict["outcome_type"] == [
        CLOSURE_CHARGE_CONTRADICTS_OUTCOME.format(outcome="15: Evidential difficulties: suspect identified")
    ]
    assert close(case, supervisor, outcome_type="1").outcome_type == "1"


def test_no_suspect_identified_is_refused_once_a_suspect_was_put_to_the_cps(case, supervisor):
    arrest = ArrestFactory(case=case, arrested_at=london(2025, 2, 1, 7))
    ChargingSubmissionFactory(
        case=case,
        subject=arrest.subject,
        submitted_at=london(2025, 3, 1, 9),
        decision="nfa",
        decision_at=london(2025, 4, 1, 9),
    )
    for outcome in ("14", "18"):
        with pytest.raises(ValidationError) as error:
            close(case, supervisor, outcome_type=outcome)
        assert error.value.message_dict["outcome_type"] == [CLOSURE_SUSPECT_WAS_IDENTIFIED]
    assert_not_closed(case)
    assert close(case, supervisor, outcome_type="15").outcome_type == "15"


def test_outcome_9_needs_the_cps_decision_of_no_further_action(case, supervisor):
    with pytest.raises(ValidationError) as error:
        close(case, supervisor, outcome_type="9")
    assert error.value.message_dict["outcome_type"] == [CLOSURE_CPS_PUBLIC_INTEREST_NEEDS_DECISION]
    assert_not_closed(case)

    arrest = ArrestFactory(case=case, arrested_at=london(2025, 2, 1, 7))
    ChargingSubmissionFactory(
        case=case,
        subject=arrest.subject,
        submitted_at=london(2025, 3, 1, 9),
        decision="nfa",
        decision_at=london(2025, 4, 1, 9),
    )
    assert close(case, supervisor, outcome_type="9").outcome_type == "9"


# --- What is outstanding at the closing time ------------------------------------------------------

CLOSING_AT = london(2025, 6, 2, 16)


def bail(case, *, released_at, ends_at, arrest=None):
    """A pre-charge bail with its end written out (the end's arithmetic is tested with the custody rules)."""
    arrest = arrest or ArrestFactory(case=case, arrested_at=released_at - timedelta(hours=10))
    return Release.objects.create(
        arrest=arrest,
        kind=Release.Kind.BAIL,
        released_at=released_at,
        bail_regime=Release.BailRegime.PCSCA_2022,
        bail_ends_at=ends_at,
        recorded_by=arrest.arresting_officer,
    )


def charged_subject(case):
    arrest = ArrestFactory(case=case, arrested_at=london(2025, 2, 1, 7))
    ChargingSubmissionFactory(
        case=case,
        subject=arrest.subject,
        submitted_at=london(2025, 3, 1, 9),
        decision="charge",
        decision_at=london(2025, 4, 1, 9),
    )
    return arrest.subject


def hearing(case, subject, hearing_at, outcome=""):
    return CourtHearing.objects.create(
        case=case,
        subject=subject,
        court="Stafford Crown Court",
        hearing_at=hearing_at,
        hearing_type=CourtHearing.Type.TRIAL,
        outcome=outcome,
    )


def forensic_outstanding(case):
    return DeviceFactory(case=case, exhibit_reference="SH/7", forensic_requested_at=london(2025, 3, 3, 10))


def test_it_refuses_to_close_while_bail_is_running_without_a_supervisors_confirmation(case, supervisor):
    release = bail(case, released_at=london(2025, 5, 1, 18), ends_at=end_of(2025, 7, 31))
    with pytest.raises(ValidationError) as error:
        close(case, supervisor)
    item = f"pre-charge bail of {release.arrest.subject} runs until 31 Jul 2025, end of day"
    assert error.value.message_dict[f"confirm_bail-{release.pk}"] == [
        CLOSURE_OUTSTANDING_NOT_CONFIRMED.format(
            item=item,
            todo="record the release that ends it (released under investigation or charged), or close the case "
            "after bail ends",
        )
    ]
    assert_not_closed(case)


def test_it_refuses_to_close_while_bail_extended_past_the_closing_time_is_running(case, supervisor):
    release = bail(case, released_at=london(2025, 3, 1, 18), ends_at=end_of(2025, 5, 31))
    BailExtension.objects.create(
        release=release,
        approved_at=london(2025, 5, 20, 9),
        approved_by="Supt Hale",
        approver_rank=BailExtension.ApproverRank.SUPERINTENDENT,
        section=BailExtension.Section.S47ZDA,
        previous_end=release.bail_ends_at,
        new_end=end_of(2025, 8, 31),
    )
    with pytest.raises(ValidationError) as error:
        close(case, supervisor)
    assert list(error.value.message_dict) == [f"confirm_bail-{release.pk}"]
    assert "runs until 31 Aug 2025, end of day" in error.value.messages[0]
    assert_not_closed(case)


def test_bail_past_its_end_with_an_application_to_the_court_pending_is_still_running(case, supervisor):
    # PACE s.47ZJ(3): "treated as extended until the application is determined".
    release = bail(case, released_at=london(2025, 3, 1, 18), ends_at=end_of(2025, 5, 31))
    Release.objects.filter(pk=release.pk).update(court_applied_at=london(2025, 5, 30, 10))
    with pytest.raises(ValidationError) as error:
        close(case, supervisor)
    assert list(error.value.message_dict) == [f"confirm_bail-{release.pk}"]
    assert "runs until the court determines the application to extend it (PACE s.47ZJ(3))" in error.value.messages[0]
    assert_not_closed(case)


def test_bail_with_no_statutory_limit_before_2017_is_outstanding_until_it_is_answered(case, supervisor):
    arrest = ArrestFactory(case=case, arrested_at=london(2016, 6, 1, 6))
    release = Release.objects.create(
        arrest=arrest,
        kind=Release.Kind.BAIL,
        released_at=london(2016, 6, 1, 18),
        bail_regime=Release.BailRegime.PRE_2017,
        answer_at=london(2017, 2, 1, 10),
        answer_place="Stafford police station",
        recorded_by=arrest.arresting_officer,
    )

    outstanding = case_closure_outstanding(case, london(2016, 12, 1, 9))
    assert [(item.key, item.label) for item in outstanding] == [
        (f"bail-{release.pk}", f"pre-charge bail of {arrest.subject} runs until 1 Feb 2017 10:00")
    ]
    assert case_closure_outstanding(case, london(2017, 2, 2, 9)) == []


def test_bail_ended_before_the_closing_time_or_by_a_later_release_is_not_outstanding(case, supervisor):
    ended = bail(case, released_at=london(2025, 2, 1, 18), ends_at=end_of(2025, 5, 1))
    running = bail(case, released_at=london(2025, 5, 1, 18), ends_at=end_of(2025, 7, 31))
    assert [item.key for item in case_closure_outstanding(case, CLOSING_AT)] == [f"bail-{running.pk}"]
    ReleaseFactory(arrest=running.arrest, kind=Release.Kind.RUI, released_at=london(2025, 5, 20, 10))

    assert case_closure_outstanding(case, CLOSING_AT) == []
    assert close(case, supervisor).outcome_type == "15"
    assert ended.bail_ends_at < CLOSING_AT


def test_it_refuses_to_close_while_a_hearing_is_listed_ahead_without_a_supervisors_confirmation(case, supervisor):
    subject = charged_subject(case)
    listed = hearing(case, subject, timezone.now() + timedelta(days=30))
    hearing(case, subject, london(2025, 5, 1, 10), outcome="Adjourned")  # held before the closing time
    with pytest.raises(ValidationError) as error:
        close(case, supervisor, outcome_type="1")
    assert list(error.value.message_dict) == [f"confirm_hearing-{listed.pk}"]
    assert f"a trial hearing of {subject} at Stafford Crown Court is listed for" in error.value.messages[0]
    assert_not_closed(case)


def test_it_refuses_to_close_while_a_forensic_examination_is_outstanding_without_a_supervisors_confirmation(
    case, supervisor
):
    device = forensic_outstanding(case)
    DeviceFactory(
        case=case,
        exhibit_reference="SH/8",
        forensic_requested_at=london(2025, 3, 3, 10),
        forensic_completed_at=london(2025, 4, 3, 10),
    )
    with pytest.raises(ValidationError) as error:
        close(case, supervisor)
    assert error.value.message_dict == {
        f"confirm_forensic-{device.pk}": [
            CLOSURE_OUTSTANDING_NOT_CONFIRMED.format(
                item="the full forensic examination of device SH/7, requested 3 Mar 2025 10:00, is not completed",
                todo="record the examination's completion",
            )
        ]
    }
    assert_not_closed(case)


def test_a_confirmation_without_a_reason_is_refused(case, supervisor):
    device = forensic_outstanding(case)
    with pytest.raises(ValidationError) as error:
        close(case, supervisor, confirmations={f"forensic-{device.pk}": "   "})
    item = "the full forensic examination of device SH/7, requested 3 Mar 2025 10:00, is not completed"
    assert error.value.message_dict == {
        f"reason_forensic-{device.pk}": [CLOSURE_CONFIRMATION_NEEDS_REASON.format(item=item)]
    }
    assert_not_closed(case)


def test_every_outstanding_item_must_be_confirmed(case, supervisor):
    device = forensic_outstanding(case)
    release = bail(case, released_at=london(2025, 5, 1, 18), ends_at=end_of(2025, 7, 31))
    with pytest.raises(ValidationError) as error:
        close(case, supervisor, confirmations={f"forensic-{device.pk}": "The device is encrypted beyond recovery."})
    assert list(error.value.message_dict) == [f"confirm_bail-{release.pk}"]
    assert_not_closed(case)
    assert not ClosureConfirmation.objects.exists()


def test_an_officer_cannot_confirm_and_is_told_a_supervisor_must(case, officer):
    device = forensic_outstanding(case)
    with pytest.raises(ValidationError) as error:
        close(case, officer, confirmations={f"forensic-{device.pk}": "Encrypted beyond recovery."})
    item = "the full forensic examination of device SH/7, requested 3 Mar 2025 10:00, is not completed"
    assert error.value.messages == [CLOSURE_CONFIRMATION_NEEDS_SUPERVISOR.format(items=item)]
    assert_not_closed(case)


def test_a_supervisors_confirmations_are_kept_with_their_reasons_in_the_case_log_and_the_audit_trail(case, supervisor):
    device = forensic_outstanding(case)
    release = bail(case, released_at=london(2025, 5, 1, 18), ends_at=end_of(2025, 7, 31))
    reasons = {
        f"forensic-{device.pk}": "  The device is encrypted beyond recovery.  ",
        f"bail-{release.pk}": "The suspect has died; bail lapses.",
        "hearing-999": "Not outstanding: ignored.",
    }
    closure = close(case, supervisor, outcome_type="5", confirmations=reasons)

    kept = list(closure.confirmations.values_list("item_key", "reason", "confirmed_by"))
    assert kept == [
        (f"bail-{release.pk}", "The suspect has died; bail lapses.", supervisor.pk),
        (f"forensic-{device.pk}", "The device is encrypted beyond recovery.", supervisor.pk),
    ]
    bail_item = f"pre-charge bail of {release.arrest.subject} runs until 31 Jul 2025, end of day"
    assert CaseLogEntry.objects.filter(
        case=case,
        author=supervisor,
        text=f"Closure confirmed by a supervisor although {bail_item}. Reason: The suspect has died; bail lapses.",
    ).exists()
    assert CaseLogEntry.objects.filter(case=case, text__contains="device SH/7").count() == 1
    audited = AuditEntry.objects.filter(
        kind="create", object_type="cases.ClosureConfirmation", case_reference=case.reference
    )
    assert audited.count() == 2
    assert "The suspect has died; bail lapses." in str([entry.changes for entry in audited])
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED


def test_a_decision_to_charge_replaced_by_one_of_no_further_action_allows_evidential_difficulties(case, supervisor):
    arrest = ArrestFactory(case=case, arrested_at=london(2025, 2, 1, 7))
    for submitted, decision in ((london(2025, 3, 1, 9), "charge"), (london(2025, 4, 1, 9), "nfa")):
        ChargingSubmissionFactory(
            case=case,
            subject=arrest.subject,
            submitted_at=submitted,
            decision=decision,
            decision_at=submitted + timedelta(days=7),
        )
    assert close(case, supervisor, outcome_type="15").outcome_type == "15"
