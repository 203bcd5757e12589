"""Correcting any recorded fact, withdrawing one entered in error, and every version kept.

For each record type: a correction saves the new values, keeps the old ones in the record's history
with the reason, says so in the case log and leaves its row-level copy in the audit trail; a
withdrawal keeps the record but takes it out of the deadlines and figures; a second save from an
older page is a conflict; and a correction that would break the order of events is refused, naming
the record it would conflict with.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst

from audit.models import AuditEntry
from cases import formats, rules
from cases.deadlines import Kind, case_deadlines, with_deadline_records
from cases.models import (
    Arrest,
    BailBreach,
    Case,
    CaseLogEntry,
    ChargingSubmission,
    CourtHearing,
    CustodyExtension,
    Device,
    FigureFact,
    OutstandingDeadline,
    RecordVersion,
    Release,
    SafeguardingReferral,
)
from cases.services.case import (
    CASE_OPENED_AFTER_EVENT,
    SUBJECT_PNC_DUPLICATE,
    case_correct,
    premises_correct,
    subject_correct,
    subject_dependants,
)
from cases.services.charging import (
    CHARGING_DECIDED_BEFORE_SUBMISSION,
    charging_record_decision,
    charging_submission_correct,
    charging_submission_dependants,
    charging_submit,
)
from cases.services.closure import case_close
from cases.services.corrections import (
    HAS_DEPENDANTS,
    NOTHING_CHANGED,
    REASON_REQUIRED,
    RECORD_WITHDRAWN,
    TOO_LATE,
    record_withdraw,
)
from cases.services.court import HEARING_BEFORE_CHARGE, hearing_correct, hearing_dependants, hearing_record
from cases.services.custody import (
    ARREST_BEFORE_CASE_OPENED,
    BAIL_BREACH_BEFORE_RELEASE,
    CUSTODY_EXTENSION_BEYOND_LATER,
    CUSTODY_SUPERINTENDENT_BEYOND_36H,
    RELEASE_BEFORE_ARREST,
    arrest_correct,
    arrest_dependants,
    bail_breach_correct,
    bail_breach_dependants,
    bail_breach_record,
    custody_extension_correct,
    custody_extension_dependants,
    custody_extension_record,
    custody_review_correct,
    custody_review_record,
    release_correct,
    release_dependants,
    release_record,
)
from cases.services.safeguarding import (
    safeguarding_correct,
    safeguarding_dependants,
    safeguarding_record,
    safeguarding_update,
)
from cases.services.search import (
    FORENSIC_COMPLETED_BEFORE_REQUEST,
    TRIAGE_BEFORE_SEARCH,
    device_correct,
    device_dependants,
    device_record_forensic_request,
    device_record_triage,
    search_correct,
    search_dependants,
)
from cases.services.summaries import deadline_summary_refresh, figure_facts_refresh
from cases.services.versions import VersionConflict
from tests.factories.cases import CaseFactory, PremisesFactory, SubjectFactory
from tests.factories.custody import ArrestFactory, ChargingSubmissionFactory, london, reviewed_twice
from tests.factories.warrants import DeviceFactory, SearchFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(
        team=team, officer_in_case=officer, supervisor=supervisor, opened_at=timezone.now() - timedelta(days=10)
    )


def arrest_values(arrest, **changes):
    values = {
        "subject": arrest.subject,
        "arrested_at": arrest.arrested_at,
        "suspected_offences": list(arrest.suspected_offences.all()),
        "custody_reference": arrest.custody_reference,
        "relevant_time": arrest.relevant_time,
        "left_custody_at": arrest.left_custody_at,
    }
    return {**values, **changes}


def versions(record_type, record):
    return list(RecordVersion.objects.filter(record_type=record_type, record_id=record.pk).order_by("number"))


def deadlines_of(case):
    (loaded,) = with_deadline_records(Case.objects.filter(pk=case.pk))
    return case_deadlines(loaded, now=timezone.now())


# --- The case's own details ---------------------------------------------------------------------


def test_correcting_the_opening_time_keeps_the_old_time_and_the_reason(case, officer):
    old = case.opened_at
    new = old - timedelta(days=2)

    version = case_correct(
        case=case,
        actor=officer,
        reason="Typed the date of the first log entry.",
        opened_at=new,
        operation="Safenet",
        district="North",
        summary="",
        version=case.version,
    )

    case.refresh_from_db()
    assert case.opened_at == new
    assert version.number == 2 and version.kind == RecordVersion.Kind.CORRECTED
    assert version.changes == [
        {"field": "opened_at", "label": "Opened at", "before": formats.when(old), "after": formats.when(new)}
    ]
    assert version.log_entry is not None
    assert version.log_entry.text == (
        f"The case's details corrected: Opened at {formats.when(old)} → {formats.when(new)}. "
        "Reason: Typed the date of the first log entry."
    )
    entry = AuditEntry.objects.filter(kind="change", object_type="cases.Case", object_id=str(case.pk)).latest("id")
    assert "opened_at" in entry.changes


def test_a_correction_needs_a_reason_and_a_change(case, officer):
    values = {"opened_at": case.opened_at, "operation": "Safenet", "district": "North", "summary": ""}
    with pytest.raises(ValidationError) as no_reason:
        case_correct(case=case, actor=officer, reason="  ", version=case.version, **values)
    assert no_reason.value.message_dict == {"reason": [REASON_REQUIRED]}
    with pytest.raises(ValidationError) as unchanged:
        case_correct(case=case, actor=officer, reason="Checked.", version=case.version, **values)
    assert unchanged.value.messages == [NOTHING_CHANGED]
    assert not RecordVersion.objects.exists()


def test_the_case_cannot_be_opened_after_its_first_arrest(case, officer):
    arrest = ArrestFactory(case=case, arrested_at=case.opened_at + timedelta(days=1))

    with pytest.raises(ValidationError) as refused:
        case_correct(
            case=case,
            actor=officer,
            reason="Wrong day.",
            opened_at=arrest.arrested_at + timedelta(hours=1),
            operation="Safenet",
            district="North",
            summary="",
            version=case.version,
        )

    assert refused.value.message_dict["opened_at"] == [
        CASE_OPENED_AFTER_EVENT.format(record="the first arrest", at=formats.when(arrest.arrested_at))
    ]


def test_a_second_save_of_the_case_details_from_an_older_page_is_a_conflict(case, officer, supervisor):
    opened = case.version
    values = {"opened_at": case.opened_at, "district": "North", "summary": ""}
    case_correct(
        case=case, actor=officer, reason="Operation renamed.", operation="Safenet II", version=opened, **values
    )

    with pytest.raises(VersionConflict) as conflict:
        case_correct(
            case=Case.objects.get(pk=case.pk),
            actor=supervisor,
            reason="Mine.",
            operation="Other",
            version=opened,
            **values,
        )

    current = conflict.value.current
    assert isinstance(current, Case) and current.operation == "Safenet II"
    assert Case.objects.get(pk=case.pk).operation == "Safenet II"


# --- Subjects and premises ----------------------------------------------------------------------


def test_correcting_a_subject_keeps_every_version(case, officer):
    subject = SubjectFactory(case=case, full_name="Jon Smith")

    subject_correct(subject=subject, actor=officer, reason="Misspelt.", full_name="John Smith", version=1)
    subject_correct(
        subject=subject, actor=officer, reason="PNC found.", full_name="John Smith", pnc_id="09/1A", version=2
    )

    subject.refresh_from_db()
    assert (subject.full_name, subject.pnc_id, subject.version) == ("John Smith", "09/1A", 3)
    history = versions("subject", subject)
    assert [(v.number, v.reason) for v in history] == [(2, "Misspelt."), (3, "PNC found.")]
    assert history[0].changes[0] == {
        "field": "full_name",
        "label": "Full name",
        "before": "Jon Smith",
        "after": "John Smith",
    }


def test_a_subject_cannot_take_another_subjects_pnc_id(case, officer):
    SubjectFactory(case=case, pnc_id="09/1A")
    subject = SubjectFactory(case=case)

    with pytest.raises(ValidationError) as refused:
        subject_correct(
            subject=subject, actor=officer, reason="x", full_name=subject.full_name, pnc_id="09/1a", version=1
        )

    assert refused.value.message_dict == {"pnc_id": [SUBJECT_PNC_DUPLICATE]}


def test_a_subject_with_an_arrest_is_withdrawn_only_after_the_arrest(case, officer):
    arrest = ArrestFactory(case=case)

    with pytest.raises(ValidationError) as refused:
        record_withdraw(
            case=case,
            record_type="subject",
            record=arrest.subject,
            actor=officer,
            reason="Wrong person.",
            version=1,
            describe="Subject",
            dependants=subject_dependants,
        )
    assert refused.value.messages == [HAS_DEPENDANTS.format(record=str(arrest))]


def test_withdrawn_premises_stay_with_their_history_and_take_nothing_new(case, officer):
    premises = PremisesFactory(case=case)

    version = record_withdraw(
        case=case,
        record_type="premises",
        record=premises,
        actor=officer,
        reason="Added to the wrong case.",
        version=1,
        describe="Premises",
        dependants=lambda p: None,
    )

    premises.refresh_from_db()
    assert premises.withdrawn_at is not None and premises.withdrawn_reason == "Added to the wrong case."
    assert version.kind == RecordVersion.Kind.WITHDRAWN
    assert version.log_entry is not None
    assert "withdrawn as entered in error. Reason: Added to the wrong case." in version.log_entry.text
    with pytest.raises(ValidationError) as refused:
        premises_correct(premises=premises, actor=officer, reason="x", address="1 New Road", version=2)
    assert refused.value.messages == [RECORD_WITHDRAWN]


# --- Arrests: the chain from the arrest's time -------------------------------------------------


def test_an_arrest_time_typed_late_is_corrected_so_the_release_can_be_recorded(case, officer):
    real = case.opened_at + timedelta(days=1)
    arrest = ArrestFactory(case=case, arrested_at=real + timedelta(hours=10), relevant_time=None)
    with pytest.raises(ValidationError) as blocked:
        release_record(arrest=arrest, actor=officer, kind=Release.Kind.RUI, released_at=real + timedelta(hours=5))
    assert blocked.value.message_dict == {"released_at": [RELEASE_BEFORE_ARREST]}

    arrest_correct(
        arrest=arrest,
        actor=officer,
        reason="Typed 19:00 for 09:00.",
        version=1,
        **arrest_values(arrest, arrested_at=real),
    )
    arrest.refresh_from_db()

    release = release_record(arrest=arrest, actor=officer, kind=Release.Kind.RUI, released_at=real + timedelta(hours=5))
    assert release.pk is not None
    assert (
        CaseLogEntry.objects.filter(case=case, text__contains="Arrest of").filter(text__contains="corrected").exists()
    )


def test_correcting_the_arrest_time_moves_the_charging_target_the_summary_and_the_figures(case, officer):
    arrest = ArrestFactory(case=case, arrested_at=case.opened_at + timedelta(days=2))
    figure_facts_refresh(full=True)
    deadline_summary_refresh(full=True)
    earlier = case.opened_at + timedelta(hours=3)

    arrest_correct(
        arrest=arrest,
        actor=officer,
        reason="Wrong day.",
        version=1,
        **arrest_values(arrest, arrested_at=earlier, relevant_time=earlier + timedelta(minutes=30)),
    )

    target = rules.charging_target_at(earlier)
    charging = [d for d in deadlines_of(case) if d.kind == Kind.CHARGING_TARGET]
    assert [d.due_at for d in charging] == [target]
    # The stored summary and figure facts take the correction in on their next refresh (every minute).
    deadline_summary_refresh()
    stored = OutstandingDeadline.objects.get(case=case, kind=Kind.CHARGING_TARGET)
    assert stored.due_at == target
    figure_facts_refresh()
    fact = FigureFact.objects.get(case=case, measure="arrest")
    assert (fact.at, fact.due_at) == (earlier, target)


def test_correcting_the_arrest_time_works_out_the_bail_end_again(team, officer, supervisor):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=london(2022, 10, 1, 9))
    arrest = ArrestFactory(case=case, arrested_at=london(2022, 10, 28, 0, 30), relevant_time=None)
    release = release_record(
        arrest=arrest, actor=officer, kind=Release.Kind.BAIL, released_at=london(2022, 10, 28, 9, 0)
    )
    assert release.bail_regime == Release.BailRegime.PCSCA_2022

    arrest_correct(
        arrest=arrest,
        actor=officer,
        reason="Arrested before midnight.",
        version=1,
        **arrest_values(arrest, arrested_at=london(2022, 10, 27, 23, 30)),
    )

    release.refresh_from_db()
    assert release.bail_regime == Release.BailRegime.PCA_2017
    assert release.bail_ends_at == rules.bail_initial_end(
        regime=Release.BailRegime.PCA_2017, arrested_at=london(2022, 10, 27, 23, 30)
    )
    assert [d.due_at for d in deadlines_of(case) if d.kind == Kind.BAIL_END] == [release.bail_ends_at]


def test_the_custody_clock_follows_a_corrected_relevant_time(case, officer):
    arrest = ArrestFactory(case=case, arrested_at=timezone.now() - timedelta(hours=3), relevant_time=None)
    relevant = arrest.arrested_at + timedelta(minutes=40)

    arrest_correct(
        arrest=arrest,
        actor=officer,
        reason="Arrival booked.",
        version=1,
        **arrest_values(arrest, relevant_time=relevant),
    )

    limits = [d.due_at for d in deadlines_of(case) if d.kind == Kind.CUSTODY_LIMIT]
    assert limits == [rules.custody_limit_at(relevant)]


def test_an_arrest_cannot_be_moved_after_its_release_and_the_release_is_named(case, officer):
    arrest = ArrestFactory(case=case, arrested_at=case.opened_at + timedelta(days=1), relevant_time=None)
    release = release_record(
        arrest=arrest, actor=officer, kind=Release.Kind.RUI, released_at=arrest.arrested_at + timedelta(hours=4)
    )

    with pytest.raises(ValidationError) as refused:
        arrest_correct(
            arrest=arrest,
            actor=officer,
            reason="x",
            version=1,
            **arrest_values(arrest, arrested_at=release.released_at + timedelta(hours=1)),
        )

    named = f"the released under investigation of {formats.when(release.released_at)}"
    assert refused.value.message_dict == {
        "arrested_at": [TOO_LATE.format(label="The arrest", record=named, at=formats.when(release.released_at))]
    }


def test_an_arrest_cannot_be_moved_before_the_case_was_opened(case, officer):
    arrest = ArrestFactory(case=case)
    with pytest.raises(ValidationError) as refused:
        arrest_correct(
            arrest=arrest,
            actor=officer,
            reason="x",
            version=1,
            **arrest_values(arrest, arrested_at=case.opened_at - timedelta(hours=1), relevant_time=None),
        )
    assert refused.value.message_dict == {"arrested_at": [ARREST_BEFORE_CASE_OPENED]}


def test_a_second_save_of_an_arrest_from_an_older_page_is_a_conflict(case, officer, supervisor):
    arrest = ArrestFactory(case=case)
    arrest_correct(
        arrest=arrest,
        actor=officer,
        reason="Custody ref.",
        version=1,
        **arrest_values(arrest, custody_reference="ST/1/26"),
    )

    with pytest.raises(VersionConflict) as conflict:
        arrest_correct(
            arrest=Arrest.objects.get(pk=arrest.pk),
            actor=supervisor,
            reason="Mine.",
            version=1,
            **arrest_values(arrest, custody_reference="ST/2/26"),
        )

    current = conflict.value.current
    assert isinstance(current, Arrest) and current.custody_reference == "ST/1/26"
    assert len(versions("arrest", arrest)) == 1


def test_a_withdrawn_arrest_leaves_the_deadlines_and_figures(case, officer):
    arrest = ArrestFactory(case=case)
    assert arrest_dependants(arrest) is None

    record_withdraw(
        case=case,
        record_type="arrest",
        record=arrest,
        actor=officer,
        reason="Entered on the wrong case.",
        version=1,
        describe=str(arrest),
        dependants=arrest_dependants,
    )

    assert [d for d in deadlines_of(case) if d.kind in (Kind.CHARGING_TARGET, Kind.CUSTODY_LIMIT)] == []
    figure_facts_refresh(full=True)
    assert not FigureFact.objects.filter(case=case, measure="arrest").exists()
    assert Arrest.objects.filter(pk=arrest.pk).exists()  # nothing deleted


def test_an_arrest_with_a_release_is_withdrawn_only_after_it(case, officer):
    arrest = ArrestFactory(case=case, relevant_time=None)
    release_record(
        arrest=arrest, actor=officer, kind=Release.Kind.RUI, released_at=arrest.arrested_at + timedelta(hours=2)
    )
    assert arrest_dependants(arrest) is not None


# --- Hearings ------------------------------------------------------------------------------------


@pytest.fixture
def charged_subject(case, officer):
    submission = ChargingSubmissionFactory(
        case=case, decision=ChargingSubmission.Decision.CHARGE, decision_at=case.opened_at + timedelta(days=3)
    )
    ArrestFactory(case=case, subject=submission.subject, arrested_at=case.opened_at + timedelta(days=1))
    return submission.subject


def test_the_outcome_of_a_listed_hearing_is_added_and_the_next_hearing_recorded(case, officer, charged_subject):
    listed = hearing_record(
        case=case,
        actor=officer,
        subject=charged_subject,
        court="Stafford",
        hearing_at=timezone.now() - timedelta(hours=2),
        hearing_type=CourtHearing.Type.FIRST_APPEARANCE,
    )

    hearing_correct(
        hearing=listed,
        actor=officer,
        reason="Result from court.",
        version=1,
        subject=charged_subject,
        court="Stafford",
        hearing_at=listed.hearing_at,
        hearing_type=listed.hearing_type,
        outcome="Not guilty plea; sent to the Crown Court.",
        remand_status=CourtHearing.RemandStatus.CONDITIONAL_BAIL,
    )
    hearing_record(
        case=case,
        actor=officer,
        subject=charged_subject,
        court="Stoke Crown Court",
        hearing_at=timezone.now() + timedelta(days=28),
        hearing_type=CourtHearing.Type.TRIAL,
    )

    listed.refresh_from_db()
    assert listed.outcome == "Not guilty plea; sent to the Crown Court."
    (version,) = versions("hearing", listed)
    assert {c["label"]: (c["before"], c["after"]) for c in version.changes} == {
        "Outcome": ("Not recorded", "Not guilty plea; sent to the Crown Court."),
        "Remand status": ("Not recorded", "Conditional bail"),
    }
    assert case.hearings.count() == 2
    assert hearing_dependants(listed) is None


def test_a_hearing_cannot_be_moved_before_the_decision_to_charge(case, officer, charged_subject):
    hearing = hearing_record(
        case=case,
        actor=officer,
        subject=charged_subject,
        court="Stafford",
        hearing_at=case.opened_at + timedelta(days=4),
        hearing_type=CourtHearing.Type.FIRST_APPEARANCE,
    )
    with pytest.raises(ValidationError) as refused:
        hearing_correct(
            hearing=hearing,
            actor=officer,
            reason="x",
            version=1,
            subject=charged_subject,
            court="Stafford",
            hearing_at=case.opened_at + timedelta(days=2),
            hearing_type=hearing.hearing_type,
        )
    assert refused.value.message_dict == {"hearing_at": [HEARING_BEFORE_CHARGE]}


def test_a_withdrawn_hearing_no_longer_meets_the_first_court_deadline(case, officer, charged_subject):
    hearing = hearing_record(
        case=case,
        actor=officer,
        subject=charged_subject,
        court="Stafford",
        hearing_at=case.opened_at + timedelta(days=4),
        hearing_type=CourtHearing.Type.FIRST_APPEARANCE,
    )
    record_withdraw(
        case=case,
        record_type="hearing",
        record=hearing,
        actor=officer,
        reason="Wrong subject.",
        version=1,
        describe=str(hearing),
        dependants=hearing_dependants,
    )
    figure_facts_refresh(full=True)
    assert not FigureFact.objects.filter(case=case, measure="first_court").exists()
    hearing.refresh_from_db()
    assert hearing.withdrawn_at is not None


# --- Searches, releases, reviews of detention, submissions to the CPS ----------------------------


def test_a_search_is_corrected_and_cannot_start_after_a_device_it_found_was_triaged(case, officer, examiner):
    premises = PremisesFactory(case=case)
    search = SearchFactory(case=case, premises=premises, started_at=case.opened_at + timedelta(days=1))
    device = DeviceFactory(case=case, search=search)
    device_record_triage(
        device=device,
        actor=examiner,
        triage_result=Device.TriageResult.POSITIVE,
        triaged_at=search.started_at + timedelta(hours=2),
        examiner=examiner,
    )
    values: dict[str, Any] = {"premises": premises, "warrant": None, "ended_at": None, "notes": ""}

    search_correct(
        search=search,
        actor=officer,
        reason="Began earlier.",
        version=1,
        started_at=search.started_at - timedelta(hours=1),
        **values,
    )
    with pytest.raises(ValidationError) as refused:
        search_correct(
            search=search,
            actor=officer,
            reason="x",
            version=2,
            started_at=search.started_at + timedelta(hours=3),
            **values,
        )

    device.refresh_from_db()
    named = f"the triage of device {device.exhibit_reference}"
    assert refused.value.message_dict == {
        "started_at": [TOO_LATE.format(label="The search", record=named, at=formats.when(device.triaged_at))]
    }
    assert search_dependants(search) is not None  # withdrawn only after its devices


def test_a_release_is_corrected_between_the_arrest_and_the_next_release(case, officer):
    arrest = ArrestFactory(case=case, arrested_at=case.opened_at + timedelta(days=1), relevant_time=None)
    first = release_record(
        arrest=arrest, actor=officer, kind=Release.Kind.RUI, released_at=arrest.arrested_at + timedelta(hours=4)
    )
    second = release_record(
        arrest=arrest, actor=officer, kind=Release.Kind.CHARGED, released_at=arrest.arrested_at + timedelta(days=3)
    )
    values: dict[str, Any] = {"kind": Release.Kind.RUI, "bail_conditions": "", "answer_at": None, "answer_place": ""}

    release_correct(
        release=first,
        actor=officer,
        reason="Custody record says 10:00.",
        version=1,
        released_at=first.released_at + timedelta(hours=1),
        **values,
    )
    with pytest.raises(ValidationError) as refused:
        release_correct(
            release=first,
            actor=officer,
            reason="x",
            version=2,
            released_at=second.released_at + timedelta(hours=1),
            **values,
        )

    named = f"the charged of {formats.when(second.released_at)}"
    assert refused.value.message_dict == {
        "released_at": [TOO_LATE.format(label="The release", record=named, at=formats.when(second.released_at))]
    }
    assert release_dependants(first) == capfirst(str(second))


def test_a_release_corrected_to_bail_gets_its_bail_end_and_deadline(case, officer):
    arrest = ArrestFactory(case=case, arrested_at=case.opened_at + timedelta(days=1), relevant_time=None)
    release = release_record(
        arrest=arrest, actor=officer, kind=Release.Kind.RUI, released_at=arrest.arrested_at + timedelta(hours=4)
    )

    version = release_correct(
        release=release,
        actor=officer,
        reason="Bailed, not RUI.",
        version=1,
        kind=Release.Kind.BAIL,
        released_at=release.released_at,
        bail_conditions="Not to contact the complainant.",
    )

    release.refresh_from_db()
    assert release.bail_ends_at == rules.bail_initial_end(regime=release.bail_regime, arrested_at=arrest.arrested_at)
    assert [d.due_at for d in deadlines_of(case) if d.kind == Kind.BAIL_END] == [release.bail_ends_at]
    assert {c["field"] for c in version.changes} >= {"kind", "bail_regime", "bail_ends_at", "bail_conditions"}


def test_a_withdrawn_release_leaves_the_bail_deadline(case, officer):
    arrest = ArrestFactory(case=case, arrested_at=case.opened_at + timedelta(days=1), relevant_time=None)
    release = release_record(
        arrest=arrest, actor=officer, kind=Release.Kind.BAIL, released_at=arrest.arrested_at + timedelta(hours=4)
    )
    assert [d for d in deadlines_of(case) if d.kind == Kind.BAIL_END]

    record_withdraw(
        case=case,
        record_type="release",
        record=release,
        actor=officer,
        reason="Entered twice.",
        version=1,
        describe=str(release),
        dependants=release_dependants,
    )

    assert [d for d in deadlines_of(case) if d.kind == Kind.BAIL_END] == []


def test_a_review_of_detention_is_corrected_in_order_and_a_conflict_is_shown(case, officer, supervisor):
    arrest = ArrestFactory(case=case, arrested_at=timezone.now() - timedelta(hours=20))
    assert arrest.relevant_time is not None
    first = custody_review_record(
        arrest=arrest, actor=officer, reviewed_at=arrest.relevant_time + timedelta(hours=5), review_officer="Insp A"
    )
    second = custody_review_record(
        arrest=arrest, actor=officer, reviewed_at=arrest.relevant_time + timedelta(hours=13), review_officer="Insp B"
    )

    custody_review_correct(
        review=first,
        actor=officer,
        reason="Rank missing.",
        version=1,
        reviewed_at=first.reviewed_at,
        review_officer="Insp A Khan",
    )
    with pytest.raises(VersionConflict):
        custody_review_correct(
            review=first,
            actor=supervisor,
            reason="Mine.",
            version=1,
            reviewed_at=first.reviewed_at,
            review_officer="Insp X",
        )
    with pytest.raises(ValidationError) as refused:
        custody_review_correct(
            review=first,
            actor=officer,
            reason="x",
            version=2,
            reviewed_at=second.reviewed_at + timedelta(hours=1),
            review_officer="Insp A Khan",
        )

    assert refused.value.message_dict["reviewed_at"][0].startswith(
        "The review cannot be after the review of detention of"
    )
    first.refresh_from_db()
    assert first.review_officer == "Insp A Khan"


def test_a_submission_is_corrected_but_not_moved_after_its_decision(case, officer):
    arrest = ArrestFactory(case=case, arrested_at=case.opened_at + timedelta(days=1))
    submission = charging_submit(
        case=case,
        actor=officer,
        subject=arrest.subject,
        submitted_at=arrest.arrested_at + timedelta(days=1),
        test=ChargingSubmission.Test.FULL_CODE,
    )
    values: dict[str, Any] = {"subject": arrest.subject, "test": ChargingSubmission.Test.FULL_CODE}

    charging_submission_correct(
        submission=submission,
        actor=officer,
        reason="CPS ref.",
        version=1,
        submitted_at=submission.submitted_at,
        cps_reference="CPS-1",
        **values,
    )
    charging_record_decision(
        submission=submission,
        actor=officer,
        decision=ChargingSubmission.Decision.NO_FURTHER_ACTION,
        decision_at=submission.submitted_at + timedelta(days=1),
    )
    submission.refresh_from_db()
    assert submission.decision_at is not None
    with pytest.raises(ValidationError) as refused:
        charging_submission_correct(
            submission=submission,
            actor=officer,
            reason="x",
            version=2,
            submitted_at=submission.decision_at + timedelta(hours=1),
            **values,
        )

    assert refused.value.message_dict == {
        "submitted_at": [CHARGING_DECIDED_BEFORE_SUBMISSION.format(at=formats.when(submission.decision_at))]
    }
    assert charging_submission_dependants(submission) is not None


def test_a_withdrawn_pending_submission_no_longer_holds_the_closure(case, officer, supervisor):
    arrest = ArrestFactory(case=case, arrested_at=case.opened_at + timedelta(days=1))
    submission = charging_submit(
        case=case,
        actor=officer,
        subject=arrest.subject,
        submitted_at=arrest.arrested_at + timedelta(days=1),
        test=ChargingSubmission.Test.FULL_CODE,
    )
    record_withdraw(
        case=case,
        record_type="charging_submission",
        record=submission,
        actor=officer,
        reason="Wrong subject.",
        version=1,
        describe=str(submission),
        dependants=charging_submission_dependants,
    )

    case_close(
        case=case,
        actor=supervisor,
        outcome_type="15",
        closed_at=timezone.now() - timedelta(minutes=1),
        rationale="Evidential difficulties.",
        retention_group="1",
    )
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED


# --- Devices and safeguarding records ------------------------------------------------------------


def test_a_devices_triage_and_examination_are_corrected_with_their_history(case, officer, examiner):
    search = SearchFactory(
        case=case, premises=PremisesFactory(case=case), started_at=case.opened_at + timedelta(days=1)
    )
    device = DeviceFactory(case=case, search=search)
    values = {
        "exhibit_reference": device.exhibit_reference,
        "device_type": device.device_type,
        "action": device.action,
        "search": search,
        "triage_result": Device.TriageResult.POSITIVE,
        "triaged_at": search.started_at + timedelta(hours=1),
        "examiner": examiner,
        "forensic_requested_at": search.started_at + timedelta(days=1),
    }

    device_correct(
        device=device, actor=examiner, reason="Triage result was entered on the wrong exhibit.", version=1, **values
    )
    with pytest.raises(ValidationError) as before_search:
        device_correct(
            device=device,
            actor=examiner,
            reason="x",
            version=2,
            **{**values, "triaged_at": search.started_at - timedelta(hours=1)},
        )
    with pytest.raises(ValidationError) as completed_early:
        device_correct(
            device=device,
            actor=examiner,
            reason="x",
            version=2,
            **{**values, "forensic_completed_at": values["forensic_requested_at"] - timedelta(hours=1)},
        )

    device.refresh_from_db()
    assert device.triage_result == Device.TriageResult.POSITIVE and device.version == 2
    assert before_search.value.message_dict == {"triaged_at": [TRIAGE_BEFORE_SEARCH]}
    assert completed_early.value.message_dict == {"forensic_completed_at": [FORENSIC_COMPLETED_BEFORE_REQUEST]}
    forensic = [d for d in deadlines_of(case) if d.kind == Kind.FORENSIC_EXAMINATION]
    assert [d.due_at for d in forensic] == [rules.forensic_examination_due_at(values["forensic_requested_at"])]


def test_a_safeguarding_record_is_corrected_with_a_reason(case, officer):
    referral = safeguarding_record(
        case=case,
        actor=officer,
        pseudonymous_reference="CHILD-A",
        children_count=2,
        relationship=SafeguardingReferral.Relationship.HOUSEHOLD,
    )

    version = safeguarding_correct(
        referral=referral,
        actor=officer,
        reason="One child, not two.",
        version=1,
        pseudonymous_reference="CHILD-A",
        children_count=1,
        relationship=SafeguardingReferral.Relationship.HOUSEHOLD,
    )

    assert version.changes == [{"field": "children_count", "label": "Children count", "before": "2", "after": "1"}]
    with pytest.raises(VersionConflict):
        safeguarding_correct(
            referral=referral,
            actor=officer,
            reason="x",
            version=1,
            pseudonymous_reference="CHILD-B",
            children_count=1,
            relationship=SafeguardingReferral.Relationship.HOUSEHOLD,
        )


def withdraw(case: Case, record_type: str, record: Any, dependants: Any, *, actor: Any, reason: str) -> RecordVersion:
    """Withdraw `record` of `case`, at its first version, as entered in error."""
    return record_withdraw(
        case=case,
        record_type=record_type,
        record=record,
        actor=actor,
        reason=reason,
        version=1,
        describe=str(record),
        dependants=dependants,
    )


# --- Breaches of bail ---------------------------------------------------------------------------


@pytest.fixture
def bailed(case, officer):
    arrest = ArrestFactory(case=case, arrested_at=case.opened_at + timedelta(days=1), relevant_time=None)
    return release_record(
        arrest=arrest, actor=officer, kind=Release.Kind.BAIL, released_at=arrest.arrested_at + timedelta(hours=4)
    )


def test_a_breach_of_bail_is_corrected_with_its_history_and_a_log_line(case, officer, bailed):
    breach = bail_breach_record(
        release=bailed, actor=officer, occurred_at=bailed.released_at + timedelta(days=2), description="Late."
    )
    corrected_at = bailed.released_at + timedelta(days=1)

    version = bail_breach_correct(
        breach=breach,
        actor=officer,
        reason="The custody record says the day before.",
        version=1,
        occurred_at=corrected_at,
        description="Did not answer bail at Hanley.",
    )

    breach.refresh_from_db()
    assert (breach.occurred_at, breach.description, breach.version) == (
        corrected_at,
        "Did not answer bail at Hanley.",
        2,
    )
    assert breach.noted_by == officer
    assert [(c["field"], c["before"], c["after"]) for c in version.changes] == [
        ("occurred_at", formats.when(bailed.released_at + timedelta(days=2)), formats.when(corrected_at)),
        ("description", "Late.", "Did not answer bail at Hanley."),
    ]
    assert version.log_entry is not None
    assert version.log_entry.text.startswith(f"Breach of bail by {bailed.arrest.subject} corrected: When the breach")
    assert AuditEntry.objects.filter(kind="change", object_type="cases.BailBreach", object_id=str(breach.pk)).exists()


def test_a_breach_cannot_be_moved_after_the_release_that_replaced_the_bail(case, officer, bailed):
    breach = bail_breach_record(
        release=bailed, actor=officer, occurred_at=bailed.released_at + timedelta(days=1), description="Late."
    )
    later = release_record(
        arrest=bailed.arrest, actor=officer, kind=Release.Kind.RUI, released_at=bailed.released_at + timedelta(days=5)
    )

    with pytest.raises(ValidationError) as after:
        bail_breach_correct(
            breach=breach,
            actor=officer,
            reason="x",
            version=1,
            occurred_at=later.released_at + timedelta(hours=1),
            description="Late.",
        )
    with pytest.raises(ValidationError) as before:
        bail_breach_correct(
            breach=breach,
            actor=officer,
            reason="x",
            version=1,
            occurred_at=bailed.released_at - timedelta(hours=1),
            description="Late.",
        )

    named = f"the released under investigation of {formats.when(later.released_at)}"
    assert after.value.message_dict == {
        "occurred_at": [TOO_LATE.format(label="The breach", record=named, at=formats.when(later.released_at))]
    }
    assert before.value.message_dict == {"occurred_at": [BAIL_BREACH_BEFORE_RELEASE]}
    breach.refresh_from_db()
    assert breach.version == 1 and not versions("bail_breach", breach)


def test_a_second_save_of_a_breach_from_an_older_page_is_a_conflict(case, officer, supervisor, bailed):
    breach = bail_breach_record(
        release=bailed, actor=officer, occurred_at=bailed.released_at + timedelta(days=1), description="Late."
    )
    values: dict[str, Any] = {"occurred_at": breach.occurred_at, "reason": "Fuller account."}
    bail_breach_correct(breach=breach, actor=officer, version=1, description="Late by two hours.", **values)

    with pytest.raises(VersionConflict) as conflict:
        bail_breach_correct(breach=breach, actor=supervisor, version=1, description="Late by an hour.", **values)

    current = conflict.value.current
    assert isinstance(current, BailBreach) and current.description == "Late by two hours."
    breach.refresh_from_db()
    assert breach.description == "Late by two hours."


def test_a_withdrawn_breach_no_longer_holds_its_release_and_takes_no_correction(case, officer, bailed):
    breach = bail_breach_record(
        release=bailed, actor=officer, occurred_at=bailed.released_at + timedelta(days=1), description="Late."
    )
    assert release_dependants(bailed) == capfirst(str(breach))
    assert bail_breach_dependants(breach) is None

    withdraw(case, "bail_breach", breach, bail_breach_dependants, actor=officer, reason="Another person's bail.")

    breach.refresh_from_db()
    assert breach.withdrawn_at is not None and breach.withdrawn_reason == "Another person's bail."
    assert [v.kind for v in versions("bail_breach", breach)] == [RecordVersion.Kind.WITHDRAWN]
    assert release_dependants(bailed) is None
    with pytest.raises(ValidationError) as refused:
        bail_breach_correct(
            breach=breach,
            actor=officer,
            reason="x",
            version=2,
            occurred_at=breach.occurred_at,
            description="Other.",
        )
    assert refused.value.messages == [RECORD_WITHDRAWN]
    # The release can now be corrected to one that is not bail: the withdrawn breach is not counted.
    release_correct(
        release=bailed,
        actor=officer,
        reason="Released under investigation.",
        version=1,
        kind=Release.Kind.RUI,
        released_at=bailed.released_at,
    )
    assert BailBreach.objects.filter(pk=breach.pk).exists()


# --- Extensions of detention --------------------------------------------------------------------

SUPERINTENDENT = CustodyExtension.Authority.SUPERINTENDENT
WOFD = CustodyExtension.Authority.WARRANT_OF_FURTHER_DETENTION


@pytest.fixture
def reviewed(case):
    """In custody from a relevant time 5 days after the case was opened, and reviewed twice."""
    return reviewed_twice(ArrestFactory(case=case, arrested_at=case.opened_at + timedelta(days=5)))


def extension_values(arrest, authority, *, after_hours, until_hours, applied_hours=None) -> dict[str, Any]:
    relevant = arrest.relevant_time
    return {
        "authority": authority,
        "authorised_at": relevant + timedelta(hours=after_hours),
        "authorised_by": "Supt Rees" if authority == SUPERINTENDENT else "North Staffordshire Magistrates",
        "detention_until": relevant + timedelta(hours=until_hours),
        "applied_at": None if applied_hours is None else relevant + timedelta(hours=applied_hours),
    }


def test_a_superintendents_extension_is_corrected_and_the_custody_limit_follows(case, officer, reviewed):
    extension = custody_extension_record(
        arrest=reviewed, actor=officer, **extension_values(reviewed, SUPERINTENDENT, after_hours=20, until_hours=30)
    )

    version = custody_extension_correct(
        extension=extension,
        actor=officer,
        reason="The custody record says 36 hours.",
        version=1,
        **extension_values(reviewed, SUPERINTENDENT, after_hours=20, until_hours=36),
    )
    with pytest.raises(ValidationError) as refused:
        custody_extension_correct(
            extension=extension,
            actor=officer,
            reason="x",
            version=2,
            **extension_values(reviewed, SUPERINTENDENT, after_hours=20, until_hours=37),
        )

    assert [c["field"] for c in version.changes] == ["detention_until"]
    assert refused.value.message_dict == {"detention_until": [CUSTODY_SUPERINTENDENT_BEYOND_36H]}
    limits = [d.due_at for d in deadlines_of(case) if d.kind == Kind.CUSTODY_LIMIT]
    assert limits == [reviewed.relevant_time + timedelta(hours=36)]


def test_a_warrant_keeps_its_place_before_its_extension_and_the_extension_is_named(case, officer, reviewed):
    custody_extension_record(
        arrest=reviewed, actor=officer, **extension_values(reviewed, SUPERINTENDENT, after_hours=20, until_hours=36)
    )
    warrant = custody_extension_record(
        arrest=reviewed,
        actor=officer,
        **extension_values(reviewed, WOFD, after_hours=35, until_hours=60, applied_hours=34),
    )
    extended = custody_extension_record(
        arrest=reviewed,
        actor=officer,
        **extension_values(reviewed, CustodyExtension.Authority.EXTENSION_OF_WARRANT, after_hours=59, until_hours=70),
    )
    named = f"the extension of detention authorised {formats.when(extended.authorised_at)}"

    refused = {}
    for name, values in {
        "after": extension_values(reviewed, WOFD, after_hours=60, until_hours=65, applied_hours=34),
        "beyond": extension_values(reviewed, WOFD, after_hours=35, until_hours=70, applied_hours=34)
        | {"detention_until": extended.detention_until},
    }.items():
        with pytest.raises(ValidationError) as error:
            custody_extension_correct(extension=warrant, actor=officer, reason="x", version=1, **values)
        refused[name] = error.value.message_dict

    assert refused == {
        "after": {
            "authorised_at": [
                TOO_LATE.format(label="The authorisation", record=named, at=formats.when(extended.authorised_at))
            ]
        },
        "beyond": {
            "detention_until": [
                CUSTODY_EXTENSION_BEYOND_LATER.format(record=named, until=formats.when(extended.detention_until))
            ]
        },
    }
    assert custody_extension_dependants(warrant) == capfirst(str(extended))
    warrant.refresh_from_db()
    assert warrant.version == 1 and not versions("custody_extension", warrant)


def test_a_second_save_of_an_extension_from_an_older_page_is_a_conflict(case, officer, supervisor, reviewed):
    extension = custody_extension_record(
        arrest=reviewed, actor=officer, **extension_values(reviewed, SUPERINTENDENT, after_hours=20, until_hours=36)
    )
    values = extension_values(reviewed, SUPERINTENDENT, after_hours=20, until_hours=36)
    custody_extension_correct(
        extension=extension, actor=officer, reason="Rank.", version=1, **values | {"authorised_by": "Supt A Rees"}
    )

    with pytest.raises(VersionConflict) as conflict:
        custody_extension_correct(
            extension=extension, actor=supervisor, reason="Mine.", version=1, **values | {"authorised_by": "Supt X"}
        )

    current = conflict.value.current
    assert isinstance(current, CustodyExtension) and current.authorised_by == "Supt A Rees"


def test_a_withdrawn_warrant_leaves_the_custody_limit_and_makes_way_for_another(case, officer, reviewed):
    superintendent = custody_extension_record(
        arrest=reviewed, actor=officer, **extension_values(reviewed, SUPERINTENDENT, after_hours=20, until_hours=36)
    )
    warrant = custody_extension_record(
        arrest=reviewed,
        actor=officer,
        **extension_values(reviewed, WOFD, after_hours=35, until_hours=60, applied_hours=34),
    )
    with pytest.raises(ValidationError) as held:
        withdraw(case, "custody_extension", superintendent, custody_extension_dependants, actor=officer, reason="x")

    withdraw(
        case,
        "custody_extension",
        warrant,
        custody_extension_dependants,
        actor=officer,
        reason="Entered on the wrong arrest.",
    )

    assert held.value.messages == [HAS_DEPENDANTS.format(record=capfirst(str(warrant)))]
    limits = [d.due_at for d in deadlines_of(case) if d.kind == Kind.CUSTODY_LIMIT]
    assert limits == [reviewed.relevant_time + timedelta(hours=36)]
    assert custody_extension_dependants(superintendent) is None
    # A warrant can be recorded again: the withdrawn one is not counted.
    custody_extension_record(
        arrest=reviewed,
        actor=officer,
        **extension_values(reviewed, WOFD, after_hours=35, until_hours=58, applied_hours=34),
    )


# --- Safeguarding records withdrawn -------------------------------------------------------------


def test_a_withdrawn_safeguarding_record_leaves_the_mash_deadline_and_the_figures(case, officer):
    ArrestFactory(case=case, arrested_at=case.opened_at + timedelta(days=1))
    referred = safeguarding_record(
        case=case,
        actor=officer,
        pseudonymous_reference="CHILD-A",
        children_count=1,
        relationship=SafeguardingReferral.Relationship.HOUSEHOLD,
        mash_referred_at=case.opened_at + timedelta(days=2),
        children_safeguarded=1,
    )
    mistaken = safeguarding_record(
        case=case,
        actor=officer,
        pseudonymous_reference="CHILD-B",
        children_count=1,
        relationship=SafeguardingReferral.Relationship.HOUSEHOLD,
    )
    mash = [d for d in deadlines_of(case) if d.kind == Kind.MASH_REFERRAL]
    assert [d.met_at for d in mash] == [None]  # CHILD-B is not yet referred
    assert safeguarding_dependants(mistaken) is None
    figure_facts_refresh(full=True)
    assert FigureFact.objects.filter(case=case, measure="mash_referral").exists()

    withdraw(case, "safeguarding", mistaken, safeguarding_dependants, actor=officer, reason="Another case's child.")
    withdraw(case, "safeguarding", referred, safeguarding_dependants, actor=officer, reason="Entered twice.")

    assert [d for d in deadlines_of(case) if d.kind == Kind.MASH_REFERRAL] == []
    figure_facts_refresh(full=True)
    assert not FigureFact.objects.filter(case=case, measure="mash_referral").exists()
    with pytest.raises(ValidationError) as refused:
        safeguarding_update(
            referral=mistaken,
            actor=officer,
            version=2,
            pseudonymous_reference="CHILD-B",
            children_count=2,
            relationship=SafeguardingReferral.Relationship.HOUSEHOLD,
        )
    assert refused.value.messages == [RECORD_WITHDRAWN]
    assert SafeguardingReferral.objects.filter(case=case, withdrawn_at__isnull=False).count() == 2


# --- Devices withdrawn --------------------------------------------------------------------------


def test_a_withdrawn_device_leaves_the_forensic_deadline_and_the_figures_and_takes_no_triage(case, officer, examiner):
    search = SearchFactory(
        case=case, premises=PremisesFactory(case=case), started_at=case.opened_at + timedelta(days=1)
    )
    device = DeviceFactory(case=case, search=search)
    device_record_forensic_request(device=device, actor=examiner, requested_at=search.started_at + timedelta(days=1))
    assert [d.kind for d in deadlines_of(case) if d.kind == Kind.FORENSIC_EXAMINATION] == [Kind.FORENSIC_EXAMINATION]
    figure_facts_refresh(full=True)
    assert FigureFact.objects.filter(case=case, measure="forensic_request").exists()
    assert device_dependants(device) is None
    assert search_dependants(search) == capfirst(str(device))

    withdraw(case, "device", device, device_dependants, actor=examiner, reason="Exhibit of another search.")

    assert [d for d in deadlines_of(case) if d.kind == Kind.FORENSIC_EXAMINATION] == []
    figure_facts_refresh(full=True)
    assert not FigureFact.objects.filter(case=case, measure="forensic_request").exists()
    assert search_dependants(search) is None
    with pytest.raises(ValidationError) as refused:
        device_record_triage(
            device=device,
            actor=examiner,
            triage_result=Device.TriageResult.POSITIVE,
            triaged_at=search.started_at + timedelta(hours=1),
            examiner=examiner,
        )
    assert refused.value.messages == [RECORD_WITHDRAWN]
