"""Correcting and withdrawing a CPS decision, a charge and an extension of pre-charge bail: the one
mechanism of every record (`cases.corrections.RECORD_TYPES`, docs/corrections.md).

A correction runs its first entry's rules again (for bail, the law's conditions of PACE ss.47ZD-47ZG
against the extensions given before it), keeps the version with its reason and a case-log line, and
re-derives what follows at once: a corrected decision moves the four-week charging target's figures
and dashboard, a corrected extension the end of bail. What would break the order of events is refused,
naming the record.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst

from cases import formats, rules
from cases.corrections import RECORD_TYPES
from cases.deadlines import Kind, case_deadlines, with_deadline_records
from cases.models import (
    BailExtension,
    Case,
    CaseLogEntry,
    Charge,
    ChargingSubmission,
    FigureFact,
    ImageCategory,
    RecordVersion,
    Release,
)
from cases.services.charging import (
    CHARGE_LAST_ONE,
    CHARGING_CORRECTED_TO_CHARGE,
    charge_correct,
    charge_dependants,
    charging_decision_correct,
    charging_decision_dependants,
    charging_decision_withdraw,
)
from cases.services.corrections import HAS_DEPENDANTS, REASON_REQUIRED, TOO_LATE, record_withdraw
from cases.services.court import hearing_record
from cases.services.custody import (
    BAIL_COURT_BEYOND_CAP,
    BAIL_EXTEND_WRONG_RANK,
    bail_extend,
    bail_extension_correct,
    bail_extension_dependants,
    bail_steps_in_words,
    release_record,
)
from cases.services.summaries import figure_facts_refresh
from cases.services.versions import VersionConflict
from reports.dashboard import charging_rows
from tests.factories.cases import CaseFactory
from tests.factories.custody import ArrestFactory, london, offence

pytestmark = pytest.mark.django_db


def deadlines_of(case: Case, kind: str) -> list[Any]:
    (loaded,) = with_deadline_records(Case.objects.filter(pk=case.pk))
    return [d for d in case_deadlines(loaded, now=timezone.now()) if d.kind == kind]


def last_log(case: Case) -> CaseLogEntry:
    entry = CaseLogEntry.objects.filter(case=case).order_by("-id").first()
    assert entry is not None
    return entry


def withdraw(record_type: str, record: Any, actor: Any, *, version: int = 1) -> RecordVersion:
    kind = RECORD_TYPES[record_type]
    assert kind.dependants is not None
    return record_withdraw(
        case=record.release.arrest.case if record_type == "bail_extension" else record.submission.case,
        record_type=record_type,
        record=record,
        actor=actor,
        reason="Entered in error.",
        version=version,
        describe=str(record),
        dependants=kind.dependants,
    )


# --- The CPS decision and its charges -----------------------------------------------------------


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(
        team=team, officer_in_case=officer, supervisor=supervisor, opened_at=timezone.now() - timedelta(days=10)
    )


def decision(submission: ChargingSubmission, actor: Any, **changes: Any) -> RecordVersion:
    submission = ChargingSubmission.objects.get(pk=submission.pk)
    values = {
        "decision": submission.decision,
        "decision_at": submission.decision_at,
        "decision_notes": submission.decision_notes,
        **changes,
    }
    return charging_decision_correct(
        submission=submission, actor=actor, reason="Typed from the wrong file.", version=submission.version, **values
    )


def test_a_corrected_decision_time_moves_the_charging_target_figures_and_dashboard(
    case, officer, supervisor, cps_charged
):
    arrest = case.arrests.get()
    later = cps_charged.decision_at + timedelta(days=2)

    version = decision(cps_charged, officer, decision_at=later)

    (target,) = deadlines_of(case, Kind.CHARGING_TARGET)
    assert target.met_at == later
    (row,) = [row for row in charging_rows(supervisor, now=timezone.now()).rows if row.arrest == arrest]
    assert row.decision_at == later
    figure_facts_refresh(full=True)
    fact = FigureFact.objects.get(case=case, measure="arrest")
    assert fact.days == pytest.approx((later - arrest.arrested_at) / timedelta(days=1))
    assert FigureFact.objects.get(case=case, measure="charged").at == later
    assert [change["field"] for change in version.changes] == ["decision_at"]
    assert version.record_type == "charging_decision" and version.log_entry == last_log(case)
    assert "corrected" in last_log(case).text and "Typed from the wrong file." in last_log(case).text


def test_a_decision_is_corrected_under_its_first_entrys_rules_and_with_a_reason(case, officer, cps_charged):
    with pytest.raises(ValidationError) as before_submission:
        decision(cps_charged, officer, decision_at=cps_charged.submitted_at - timedelta(minutes=1))
    assert "decision_at" in before_submission.value.message_dict
    with pytest.raises(ValidationError) as no_reason:
        charging_decision_correct(
            submission=cps_charged,
            actor=officer,
            reason=" ",
            version=cps_charged.version,
            decision=cps_charged.decision,
            decision_at=cps_charged.decision_at,
            decision_notes="Noted.",
        )
    assert no_reason.value.message_dict == {"reason": [REASON_REQUIRED]}


def test_a_decision_corrected_away_from_charging_takes_its_charges_with_it(case, officer, cps_charged):
    charge = cps_charged.charges.get()

    decision(cps_charged, officer, decision=ChargingSubmission.Decision.NO_FURTHER_ACTION)

    charge.refresh_from_db()
    assert charge.withdrawn_at is not None and charge.withdrawn_reason == "Typed from the wrong file."
    assert [v.kind for v in RecordVersion.objects.filter(record_type="charge", record_id=charge.pk)] == [
        RecordVersion.Kind.WITHDRAWN
    ]
    # Back to charging: the charges are recorded with the decision, as on first entry.
    with pytest.raises(ValidationError) as caught:
        decision(cps_charged, officer, decision=ChargingSubmission.Decision.CHARGE)
    assert caught.value.message_dict == {"decision": [CHARGING_CORRECTED_TO_CHARGE]}


def test_a_decision_to_charge_stays_before_the_hearing_that_follows_it_and_names_it(case, officer, cps_charged):
    hearing_at = cps_charged.decision_at + timedelta(days=1)
    hearing = hearing_record(
        case=case,
        actor=officer,
        subject=cps_charged.subject,
        court="Stafford Magistrates' Court",
        hearing_at=hearing_at,
        hearing_type="first_appearance",
    )

    with pytest.raises(ValidationError) as caught:
        decision(cps_charged, officer, decision_at=hearing_at + timedelta(hours=1))

    message = TOO_LATE.format(label="The decision to charge", record=str(hearing), at=formats.when(hearing_at))
    assert caught.value.message_dict == {"decision_at": [message]}
    assert charging_decision_dependants(cps_charged) is not None


def test_a_second_save_of_a_decision_from_an_older_page_is_a_conflict(case, officer, supervisor, cps_charged):
    shown_version = ChargingSubmission.objects.get(pk=cps_charged.pk).version
    decision(cps_charged, officer, decision_notes="Full file.")

    with pytest.raises(VersionConflict) as conflict:
        charging_decision_correct(
            submission=cps_charged,
            actor=supervisor,
            reason="Mine.",
            version=shown_version,
            decision=cps_charged.decision,
            decision_at=cps_charged.decision_at,
            decision_notes="Mine.",
        )

    current = conflict.value.current
    assert isinstance(current, ChargingSubmission) and current.decision_notes == "Full file."


def test_a_withdrawn_decision_takes_its_charges_and_the_submission_awaits_a_decision_again(case, officer, cps_charged):
    charge = cps_charged.charges.get()
    # The last charge of a decision to charge is not withdrawn alone: the decision needs one.
    assert charge_dependants(charge) == CHARGE_LAST_ONE.format(subject=cps_charged.subject)
    other = Charge.objects.create(submission=cps_charged, offence=offence(), counts=1)
    assert charge_dependants(charge) is None
    withdraw("charge", other, officer)

    version = charging_decision_withdraw(submission=cps_charged, actor=officer, reason="Wrong suspect.", version=1)

    cps_charged.refresh_from_db()
    charge.refresh_from_db()
    assert (cps_charged.decision, cps_charged.decision_at) == (ChargingSubmission.Decision.PENDING, None)
    assert charge.withdrawn_at is not None
    assert version.kind == RecordVersion.Kind.WITHDRAWN and version.record_type == "charging_decision"
    assert {c["field"] for c in version.changes} >= {"decision", "decision_at"}
    (target,) = deadlines_of(case, Kind.CHARGING_TARGET)
    assert target.met_at is None  # due again
    figure_facts_refresh(full=True)
    assert not FigureFact.objects.filter(case=case, measure="charged").exists()
    assert Charge.objects.filter(submission=cps_charged).count() == 2  # nothing deleted


def test_a_decision_to_charge_is_withdrawn_only_after_the_hearing_that_follows_it(case, officer, cps_charged):
    hearing = hearing_record(
        case=case,
        actor=officer,
        subject=cps_charged.subject,
        court="Stafford Magistrates' Court",
        hearing_at=cps_charged.decision_at + timedelta(days=1),
        hearing_type="first_appearance",
    )

    with pytest.raises(ValidationError) as refused:
        charging_decision_withdraw(submission=cps_charged, actor=officer, reason="Wrong suspect.", version=1)

    assert refused.value.messages == [HAS_DEPENDANTS.format(record=capfirst(str(hearing)))]


def test_a_charge_is_corrected_under_the_catalogues_rules_with_its_history(case, officer, cps_charged):
    charge = cps_charged.charges.get()

    version = charge_correct(
        charge=charge, actor=officer, reason="Two counts, not three.", version=1, offence=charge.offence, counts=2
    )

    charge.refresh_from_db()
    assert (charge.counts, charge.category) == (2, "")
    assert {c["field"]: (c["before"], c["after"]) for c in version.changes} == {
        "counts": ("3", "2"),
        "category": (ImageCategory("A").label, "Not recorded"),
    }
    with pytest.raises(ValidationError) as caught:
        charge_correct(charge=charge, actor=officer, reason="x", version=2, offence=charge.offence, counts=0)
    assert "charges" in caught.value.message_dict


# --- Extensions of pre-charge bail (PACE ss.47ZD-47ZG) -----------------------------------------


@pytest.fixture
def bail_case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=london(2026, 1, 20, 9))


@pytest.fixture
def on_bail(bail_case, officer) -> Release:
    """Arrested 1 Feb 2026 (the 2022 regime), bailed, and extended by an inspector (s.47ZD, 6 months)
    and a superintendent (s.47ZDA, 9 months)."""
    arrest = ArrestFactory(case=bail_case, arrested_at=london(2026, 2, 1, 10), relevant_time=None)
    release = release_record(arrest=arrest, actor=officer, kind=Release.Kind.BAIL, released_at=london(2026, 2, 1, 14))
    for rank, approved_at in (("inspector", london(2026, 4, 20, 9)), ("superintendent", london(2026, 7, 20, 9))):
        bail_extend(release=release, actor=officer, approved_at=approved_at, approved_by="Officer", approver_rank=rank)
    return release


def extension_values(extension: BailExtension, **changes: Any) -> dict[str, Any]:
    by_court = extension.approver_rank == BailExtension.ApproverRank.MAGISTRATES
    values = {
        "approved_at": extension.approved_at,
        "approved_by": extension.approved_by,
        "approver_rank": extension.approver_rank,
        "new_end": rules.uk_date(extension.new_end) if by_court else None,
        "applied_at": extension.applied_at,
        "within_subsection_7": extension.within_subsection_7,
        "designated_at": extension.designated_at,
        "designated_by": extension.designated_by,
    }
    return {**values, **changes}


def correct_extension(extension: BailExtension, actor: Any, **changes: Any) -> RecordVersion:
    extension = BailExtension.objects.get(pk=extension.pk)
    return bail_extension_correct(
        extension=extension,
        actor=actor,
        reason="Taken from the wrong authority.",
        version=extension.version,
        **extension_values(extension, **changes),
    )


def court_extension(release: Release, actor: Any) -> BailExtension:
    """The magistrates' court's first extension after s.47ZDA, to 20 Dec 2026 (s.47ZF)."""
    return bail_extend(
        release=release,
        actor=actor,
        approved_at=london(2026, 10, 20, 11),
        approved_by="Stafford Magistrates' Court",
        approver_rank=BailExtension.ApproverRank.MAGISTRATES,
        applied_at=london(2026, 10, 15, 9),
        new_end=london(2026, 12, 20).date(),
    )


def test_an_extension_corrected_to_another_authority_rederives_the_end_of_bail(bail_case, officer, on_bail):
    extension = court_extension(on_bail, officer)
    (before,) = deadlines_of(bail_case, Kind.BAIL_END)
    assert before.due_at == rules.end_of_uk_day(london(2026, 12, 20).date())

    # In fact a commander extended it, on the DPP's designation (s.47ZE: to 12 months).
    version = correct_extension(
        extension,
        officer,
        approver_rank=BailExtension.ApproverRank.QUALIFYING_OFFICER,
        approved_by="Commander Hale",
        new_end=None,
        applied_at=None,
        designated_at=london(2026, 10, 18, 9),
        designated_by="CPS Special Crime Division",
    )

    extension.refresh_from_db()
    twelve_months = rules.bail_period_end(arrested_at=on_bail.arrest.arrested_at, months=12)
    assert (extension.section, extension.new_end, extension.applied_at) == ("47ZE", twelve_months, None)
    (after,) = deadlines_of(bail_case, Kind.BAIL_END)
    assert after.due_at == twelve_months
    changed = {change["field"] for change in version.changes}
    assert {"approver_rank", "section", "new_end", "designated_at"} <= changed
    assert version.record_type == "bail_extension" and "Taken from the wrong authority." in last_log(bail_case).text


def test_a_corrected_extension_meets_the_laws_conditions_as_on_first_entry(bail_case, officer, on_bail):
    extension = court_extension(on_bail, officer)

    # s.47ZF(4): after s.47ZDA the court may extend to 12 months beginning with the bail start date.
    with pytest.raises(ValidationError) as beyond_cap:
        correct_extension(extension, officer, new_end=london(2027, 3, 1).date())
    cap = rules.bail_period_end(arrested_at=on_bail.arrest.arrested_at, months=12)
    message = BAIL_COURT_BEYOND_CAP.format(cap=formats.day(cap), citation="PACE s.47ZF(4)")
    assert beyond_cap.value.message_dict == {"new_end": [message]}
    # The first extension is the inspector's (s.47ZD): a superintendent's is not the first.
    first = on_bail.bail_extensions.order_by("approved_at").first()
    assert first is not None
    with pytest.raises(ValidationError) as wrong_rank:
        correct_extension(first, officer, approver_rank=BailExtension.ApproverRank.SUPERINTENDENT)
    steps = rules.bail_next_steps(regime=on_bail.bail_regime, body=on_bail.investigating_body, done=[])
    assert wrong_rank.value.message_dict == {
        "approver_rank": [BAIL_EXTEND_WRONG_RANK.format(rank=bail_steps_in_words(steps))]
    }


def test_an_extension_cannot_be_moved_after_the_one_given_after_it_and_that_one_is_named(bail_case, officer, on_bail):
    first = court_extension(on_bail, officer)  # s.47ZF, applied for before bail ended
    later = bail_extend(
        release=on_bail,
        actor=officer,
        approved_at=london(2026, 12, 1, 11),
        approved_by="Stafford Magistrates' Court",
        approver_rank=BailExtension.ApproverRank.MAGISTRATES,
        new_end=london(2027, 2, 20).date(),
    )  # s.47ZG

    correct_extension(first, officer, approved_by="DJ Khan")  # a name: nothing rests on it
    with pytest.raises(ValidationError) as caught:
        correct_extension(first, officer, approved_at=london(2026, 12, 2, 11))

    named = f"the extension of bail to {formats.day(later.new_end)} (Magistrates' court)"
    message = TOO_LATE.format(label="The approval", record=named, at=formats.when(later.approved_at))
    assert caught.value.message_dict == {"approved_at": [message]}
    assert BailExtension.objects.get(pk=first.pk).approved_by == "DJ Khan"
    # Its section and last day are what the later extension rests on.
    with pytest.raises(ValidationError) as moved_end:
        correct_extension(first, officer, new_end=london(2026, 12, 22).date())
    assert "approver_rank" in moved_end.value.message_dict


def test_a_second_save_of_an_extension_from_an_older_page_is_a_conflict(bail_case, officer, supervisor, on_bail):
    extension = court_extension(on_bail, officer)
    correct_extension(extension, officer, approved_by="District Judge Khan")

    with pytest.raises(VersionConflict) as conflict:
        bail_extension_correct(
            extension=extension,
            actor=supervisor,
            reason="Mine.",
            version=1,
            **extension_values(extension, approved_by="DJ Khan"),
        )

    current = conflict.value.current
    assert isinstance(current, BailExtension) and current.approved_by == "District Judge Khan"


def test_an_extension_is_withdrawn_after_the_later_one_and_the_end_of_bail_goes_back(bail_case, officer, on_bail):
    inspector, superintendent = on_bail.bail_extensions.order_by("approved_at")
    with pytest.raises(ValidationError) as refused:
        withdraw("bail_extension", inspector, officer)
    named = f"The extension of bail to {formats.day(superintendent.new_end)} (Superintendent)"
    assert refused.value.messages == [HAS_DEPENDANTS.format(record=named)]
    assert bail_extension_dependants(superintendent) is None

    withdraw("bail_extension", superintendent, officer)

    (bail,) = deadlines_of(bail_case, Kind.BAIL_END)
    assert bail.due_at == inspector.new_end  # six months again (s.47ZD)
    assert BailExtension.objects.filter(pk=superintendent.pk, withdrawn_at__isnull=False).exists()
