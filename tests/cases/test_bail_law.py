"""The pre-charge bail law beyond the standard ladder, tested against the words of PACE 1984 as
amended by the Police, Crime, Sentencing and Courts Act 2022 Sch 4 (and, for the 2017 regime, as
enacted by the Policing and Crime Act 2017): the investigating body (s.47ZB), the appropriate
decision-maker (s.47ZDB), designated cases (s.47ZE), the court (ss.47ZF, 47ZG) and applications the
court has not yet determined (s.47ZJ). Each refusal names its field and stores nothing."""

import pytest
from django.core.exceptions import ValidationError

from audit.context import acting_as
from audit.models import AuditEntry
from cases.models import BailExtension, CaseLogEntry, Release
from cases.services.custody import (
    BAIL_BODY_CONFIRMER_ONLY_NON_STANDARD,
    BAIL_BODY_CONFIRMER_REQUIRED,
    BAIL_BODY_ONLY_ON_BAIL,
    BAIL_COURT_APPLICATION_NOT_NEXT,
    BAIL_COURT_APPLICATION_PENDING,
    BAIL_COURT_APPLIED_AFTER_END,
    BAIL_COURT_BEYOND_CAP,
    BAIL_COURT_DECIDED_BEFORE_APPLIED,
    BAIL_COURT_SUBSECTION_7_FIRST_ONLY,
    BAIL_DESIGNATION_AFTER_AUTHORISATION,
    BAIL_DESIGNATION_BEFORE_47ZDA,
    BAIL_DESIGNATION_ONLY_47ZE,
    BAIL_DESIGNATION_REQUIRED,
    BAIL_EXTEND_AFTER_END,
    BAIL_EXTEND_WRONG_RANK,
    bail_court_application_record,
    bail_extend,
    release_record,
)
from tests.factories.cases import CaseFactory
from tests.factories.custody import ArrestFactory, end_of, london

INSPECTOR = BailExtension.ApproverRank.INSPECTOR
SUPERINTENDENT = BailExtension.ApproverRank.SUPERINTENDENT
DECISION_MAKER = BailExtension.ApproverRank.DECISION_MAKER
QUALIFYING = BailExtension.ApproverRank.QUALIFYING_OFFICER
COURT = BailExtension.ApproverRank.MAGISTRATES


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=london(2020, 1, 6, 9))


def bail(case, officer, *, arrested, body="standard", confirmed_by=""):
    arrest = ArrestFactory(case=case, arrested_at=arrested, relevant_time=arrested)
    return release_record(
        arrest=arrest,
        actor=officer,
        kind=Release.Kind.BAIL,
        released_at=arrested.replace(hour=arrested.hour + 4),
        investigating_body=body,
        body_confirmed_by=confirmed_by,
    )


@pytest.fixture
def nca_bail(case, officer):
    """Arrested 31 Jan 2023 06:00, bail start date 1 Feb 2023, an NCA case confirmed by an NCA officer."""
    return bail(case, officer, arrested=london(2023, 1, 31, 6), body="nca", confirmed_by="NCA officer J. Patel")


@pytest.fixture
def standard_bail(case, officer):
    """Arrested 31 Jan 2023 06:00, bail start date 1 Feb 2023, a standard case."""
    return bail(case, officer, arrested=london(2023, 1, 31, 6))


def extend(release, officer, rank, approved_at, **extra):
    return bail_extend(
        release=release, actor=officer, approved_at=approved_at, approved_by=f"{rank} Lowe", approver_rank=rank, **extra
    )


def to_47zda(release, officer):
    extend(release, officer, INSPECTOR, london(2023, 4, 20, 12))
    return extend(release, officer, SUPERINTENDENT, london(2023, 7, 20, 12))


def refused(call, **kwargs):
    with pytest.raises(ValidationError) as error:
        call(**kwargs)
    return error.value.message_dict


# --- s.47ZB: the investigating body and the initial period ----------------------------------------


def test_nca_case_initial_bail_is_six_months_beginning_with_bail_start_date(nca_bail):
    # s.47ZB(1)(a): "in an FCA case, HMRC case, NCA case or SFO case, the period of 6 months beginning
    # with the person's bail start date"; 6 months beginning with 1 Feb 2023 end on 31 Jul 2023.
    assert nca_bail.bail_ends_at == end_of(2023, 7, 31)
    assert (nca_bail.investigating_body, nca_bail.body_confirmed_by) == ("nca", "NCA officer J. Patel")
    assert nca_bail.initial_period_citation == "PACE s.47ZB(1)(a)"
    entry = CaseLogEntry.objects.get(text__contains="bail ends")
    assert "National Crime Agency (NCA case), confirmed by NCA officer J. Patel; PACE s.47ZB(1)(a)" in entry.text


@pytest.mark.parametrize("body", ["hmrc", "fca", "sfo"])
def test_hmrc_fca_and_sfo_cases_initial_bail_is_six_months_under_the_2022_regime(case, officer, body):
    release = bail(case, officer, arrested=london(2023, 1, 31, 6), body=body, confirmed_by="Officer Grey")
    assert release.bail_ends_at == end_of(2023, 7, 31)


def test_standard_case_initial_bail_is_three_months_beginning_with_bail_start_date(standard_bail):
    # s.47ZB(1)(b): "in any other case, the period of 3 months beginning with the bail start date".
    assert standard_bail.bail_ends_at == end_of(2023, 4, 30)
    assert standard_bail.initial_period_citation == "PACE s.47ZB(1)(b)"


def test_sfo_case_under_the_2017_regime_is_three_months_and_goes_straight_to_the_court(case, officer):
    # s.47ZB(1)(a) as enacted by the Policing and Crime Act 2017: "in an SFO case, the period of 3
    # months"; arrested 1 Mar 2021, bail start date 2 Mar, last day 1 Jun 2021.
    release = bail(case, officer, arrested=london(2021, 3, 1, 6), body="sfo", confirmed_by="SFO case controller")
    assert release.bail_ends_at == end_of(2021, 6, 1)
    problems = refused(
        bail_extend,
        release=release,
        actor=officer,
        approved_at=london(2021, 5, 1, 10),
        approved_by="Supt Rees",
        approver_rank=SUPERINTENDENT,
    )
    assert problems["approver_rank"] == [
        BAIL_EXTEND_WRONG_RANK.format(rank="Magistrates' court (PACE s.47ZF)"),
    ]
    court = extend(release, officer, COURT, london(2021, 5, 20, 10), new_end=london(2021, 9, 1))
    assert (court.section, court.new_end) == ("47ZF", end_of(2021, 9, 1))


@pytest.mark.parametrize("body", ["nca", "hmrc", "fca"])
def test_nca_hmrc_and_fca_cases_under_the_2017_regime_are_28_days_as_any_other_case(case, officer, body):
    # s.47ZB(1)(b) as enacted: "in an FCA case or any other case, the period of 28 days".
    release = bail(case, officer, arrested=london(2021, 3, 1, 6), body=body, confirmed_by="Officer Grey")
    assert release.bail_ends_at == end_of(2021, 3, 29)


def test_a_non_standard_case_without_its_confirming_officer_is_refused_naming_the_field(case, officer):
    arrest = ArrestFactory(case=case, arrested_at=london(2023, 1, 31, 6))
    problems = refused(
        release_record,
        arrest=arrest,
        actor=officer,
        kind=Release.Kind.BAIL,
        released_at=london(2023, 1, 31, 10),
        investigating_body="nca",
        body_confirmed_by="  ",
    )
    assert problems == {"body_confirmed_by": [BAIL_BODY_CONFIRMER_REQUIRED.format(body="the National Crime Agency")]}
    assert "s.47ZB(4)(b)-(c)" in problems["body_confirmed_by"][0]
    assert not Release.objects.exists()
    assert not CaseLogEntry.objects.filter(text__contains="bail").exists()


def test_a_confirming_officer_on_a_standard_case_is_refused(case, officer):
    arrest = ArrestFactory(case=case, arrested_at=london(2023, 1, 31, 6))
    problems = refused(
        release_record,
        arrest=arrest,
        actor=officer,
        kind=Release.Kind.BAIL,
        released_at=london(2023, 1, 31, 10),
        body_confirmed_by="NCA officer J. Patel",
    )
    assert problems == {"body_confirmed_by": [BAIL_BODY_CONFIRMER_ONLY_NON_STANDARD]}
    assert not Release.objects.exists()


def test_an_investigating_body_on_a_release_under_investigation_is_refused(case, officer):
    arrest = ArrestFactory(case=case, arrested_at=london(2023, 1, 31, 6))
    problems = refused(
        release_record,
        arrest=arrest,
        actor=officer,
        kind=Release.Kind.RUI,
        released_at=london(2023, 1, 31, 10),
        investigating_body="nca",
        body_confirmed_by="NCA officer J. Patel",
    )
    assert problems["investigating_body"] == [BAIL_BODY_ONLY_ON_BAIL]
    assert not Release.objects.exists()


def test_an_unknown_investigating_body_is_refused(case, officer):
    arrest = ArrestFactory(case=case, arrested_at=london(2023, 1, 31, 6))
    problems = refused(
        release_record,
        arrest=arrest,
        actor=officer,
        kind=Release.Kind.BAIL,
        released_at=london(2023, 1, 31, 10),
        investigating_body="interpol",
    )
    assert list(problems) == ["investigating_body"]
    assert not Release.objects.exists()


# --- s.47ZDB: the appropriate decision-maker ------------------------------------------------------


def test_appropriate_decision_maker_extends_an_nca_case_to_twelve_months_beginning_with_bail_start_date(
    nca_bail, officer
):
    # s.47ZDB(2): "so that it ends at the end of the period of 12 months beginning with the person's
    # bail start date": 31 Jan 2024.
    extension = extend(nca_bail, officer, DECISION_MAKER, london(2023, 7, 20, 12))
    assert (extension.section, extension.previous_end, extension.new_end) == (
        "47ZDB",
        end_of(2023, 7, 31),
        end_of(2024, 1, 31),
    )
    assert CaseLogEntry.objects.filter(text__contains="PACE s.47ZDB").exists()


@pytest.mark.parametrize("rank", [INSPECTOR, SUPERINTENDENT, QUALIFYING])
def test_only_the_appropriate_decision_maker_extends_an_nca_case_by_a_police_authority(nca_bail, officer, rank):
    problems = refused(extend, release=nca_bail, officer=officer, rank=rank, approved_at=london(2023, 7, 20, 12))
    expected = "Appropriate decision-maker (FCA, HMRC, NCA or SFO case) (PACE s.47ZDB)"
    assert problems["approver_rank"] == [BAIL_EXTEND_WRONG_RANK.format(rank=expected)]
    assert not BailExtension.objects.exists()


def test_an_nca_case_extension_after_its_six_months_ended_is_refused_saying_when_it_lapsed(nca_bail, officer):
    # s.47ZDB(1)(b): "that period has not ended".
    problems = refused(extend, release=nca_bail, officer=officer, rank=DECISION_MAKER, approved_at=london(2023, 8, 1))
    assert problems["approved_at"] == [BAIL_EXTEND_AFTER_END.format(end="31 Jul 2023", citation="PACE s.47ZDB")]
    assert not BailExtension.objects.exists()


# --- s.47ZE: designated cases ---------------------------------------------------------------------


def test_designated_case_is_extended_by_a_commander_to_twelve_months_beginning_with_bail_start_date(
    standard_bail, officer
):
    to_47zda(standard_bail, officer)
    # s.47ZE(3): "so that it ends at the end of the period of 12 months beginning with the person's
    # bail start date": 31 Jan 2024, after 9 months (s.47ZDA) ended on 31 Oct 2023.
    extension = extend(
        standard_bail,
        officer,
        QUALIFYING,
        london(2023, 10, 25, 12),
        designated_at=london(2023, 10, 24, 9),
        designated_by="CPS Special Crime Division",
    )
    assert (extension.section, extension.previous_end, extension.new_end) == (
        "47ZE",
        end_of(2023, 10, 31),
        end_of(2024, 1, 31),
    )
    assert (extension.designated_at, extension.designated_by) == (london(2023, 10, 24, 9), "CPS Special Crime Division")
    log = CaseLogEntry.objects.get(text__contains="PACE s.47ZE")
    assert "designated exceptionally complex for the DPP by CPS Special Crime Division, 24 Oct 2023 09:00" in log.text


def test_a_commander_cannot_extend_without_the_dpps_designation(standard_bail, officer):
    to_47zda(standard_bail, officer)
    problems = refused(
        extend, release=standard_bail, officer=officer, rank=QUALIFYING, approved_at=london(2023, 10, 25)
    )
    assert problems == {"designated_at": [BAIL_DESIGNATION_REQUIRED], "designated_by": [BAIL_DESIGNATION_REQUIRED]}
    assert BailExtension.objects.count() == 2


def test_a_commander_cannot_extend_before_the_superintendents_47zda_extension(standard_bail, officer):
    # s.47ZE(1): "This section applies ... if a senior officer has authorised an extension ... under
    # section 47ZDA".
    extend(standard_bail, officer, INSPECTOR, london(2023, 4, 20, 12))
    problems = refused(
        extend,
        release=standard_bail,
        officer=officer,
        rank=QUALIFYING,
        approved_at=london(2023, 5, 20),
        designated_at=london(2023, 5, 19),
        designated_by="DPP",
    )
    assert problems["approver_rank"] == [BAIL_EXTEND_WRONG_RANK.format(rank="Superintendent (PACE s.47ZDA)")]
    assert BailExtension.objects.count() == 1


def test_a_designation_before_the_47zda_extension_is_refused(standard_bail, officer):
    superintendent = to_47zda(standard_bail, officer)
    problems = refused(
        extend,
        release=standard_bail,
        officer=officer,
        rank=QUALIFYING,
        approved_at=london(2023, 10, 25),
        designated_at=london(2023, 7, 19),
        designated_by="DPP",
    )
    assert problems == {
        "designated_at": [BAIL_DESIGNATION_BEFORE_47ZDA.format(when="20 Jul 2023 12:00")],
    }
    assert superintendent.approved_at == london(2023, 7, 20, 12)
    assert BailExtension.objects.count() == 2


def test_a_designation_after_the_commanders_authorisation_is_refused(standard_bail, officer):
    to_47zda(standard_bail, officer)
    problems = refused(
        extend,
        release=standard_bail,
        officer=officer,
        rank=QUALIFYING,
        approved_at=london(2023, 10, 25, 9),
        designated_at=london(2023, 10, 25, 10),
        designated_by="DPP",
    )
    assert problems == {"designated_at": [BAIL_DESIGNATION_AFTER_AUTHORISATION]}
    assert BailExtension.objects.count() == 2


def test_designation_and_authorisation_after_the_period_ended_are_refused_saying_when_it_lapsed(standard_bail, officer):
    # s.47ZE(8): "Any designation ... must be made, and any authorisation ... must be given, before the
    # applicable bail period ... has ended": 9 months ended at the end of 31 Oct 2023.
    to_47zda(standard_bail, officer)
    problems = refused(
        extend,
        release=standard_bail,
        officer=officer,
        rank=QUALIFYING,
        approved_at=london(2023, 11, 1, 9),
        designated_at=london(2023, 11, 1, 8),
        designated_by="DPP",
    )
    assert problems == {"approved_at": [BAIL_EXTEND_AFTER_END.format(end="31 Oct 2023", citation="PACE s.47ZE")]}
    assert BailExtension.objects.count() == 2


def test_a_designation_belongs_to_the_commanders_extension_only(standard_bail, officer):
    problems = refused(
        extend,
        release=standard_bail,
        officer=officer,
        rank=INSPECTOR,
        approved_at=london(2023, 4, 20),
        designated_at=london(2023, 4, 19),
        designated_by="DPP",
    )
    assert problems == {"designated_at": [BAIL_DESIGNATION_ONLY_47ZE]}
    assert not BailExtension.objects.exists()


# --- s.47ZF: the court's first extension and its caps ---------------------------------------------


def test_court_after_a_47zda_extension_may_extend_to_twelve_months_s47zf_4_a(standard_bail, officer):
    to_47zda(standard_bail, officer)
    # s.47ZF(4)(a): "at the end of the period of 12 months beginning with the person's bail start date".
    problems = refused(
        extend,
        release=standard_bail,
        officer=officer,
        rank=COURT,
        approved_at=london(2023, 10, 20),
        new_end=london(2024, 2, 1),
    )
    assert problems == {"new_end": [BAIL_COURT_BEYOND_CAP.format(cap="31 Jan 2024", citation="PACE s.47ZF(4)")]}
    assert BailExtension.objects.count() == 2
    court = extend(standard_bail, officer, COURT, london(2023, 10, 20), new_end=london(2024, 1, 31))
    assert (court.section, court.new_end) == ("47ZF", end_of(2024, 1, 31))


def test_court_after_a_47zda_extension_in_a_subsection_7_case_may_extend_to_eighteen_months_s47zf_6_a(
    standard_bail, officer
):
    to_47zda(standard_bail, officer)
    problems = refused(
        extend,
        release=standard_bail,
        officer=officer,
        rank=COURT,
        approved_at=london(2023, 10, 20),
        new_end=london(2024, 8, 1),
        within_subsection_7=True,
    )
    assert problems == {"new_end": [BAIL_COURT_BEYOND_CAP.format(cap="31 Jul 2024", citation="PACE s.47ZF(6)")]}
    court = extend(
        standard_bail, officer, COURT, london(2023, 10, 20), new_end=london(2024, 7, 31), within_subsection_7=True
    )
    assert (court.new_end, court.within_subsection_7) == (end_of(2024, 7, 31), True)


def test_court_after_a_designated_case_extension_may_extend_to_eighteen_months_s47zf_4_b(standard_bail, officer):
    to_47zda(standard_bail, officer)
    extend(
        standard_bail,
        officer,
        QUALIFYING,
        london(2023, 10, 25),
        designated_at=london(2023, 10, 24),
        designated_by="DPP",
    )
    problems = refused(
        extend,
        release=standard_bail,
        officer=officer,
        rank=COURT,
        approved_at=london(2024, 1, 20),
        new_end=london(2024, 8, 1),
    )
    assert problems == {"new_end": [BAIL_COURT_BEYOND_CAP.format(cap="31 Jul 2024", citation="PACE s.47ZF(4)")]}
    assert extend(standard_bail, officer, COURT, london(2024, 1, 20), new_end=london(2024, 7, 31)).section == "47ZF"


def test_court_after_a_47zdb_extension_in_a_subsection_7_case_may_extend_to_twenty_four_months_s47zf_6_b(
    nca_bail, officer
):
    extend(nca_bail, officer, DECISION_MAKER, london(2023, 7, 20))
    problems = refused(
        extend,
        release=nca_bail,
        officer=officer,
        rank=COURT,
        approved_at=london(2024, 1, 20),
        new_end=london(2025, 2, 1),
        within_subsection_7=True,
    )
    assert problems == {"new_end": [BAIL_COURT_BEYOND_CAP.format(cap="31 Jan 2025", citation="PACE s.47ZF(6)")]}
    court = extend(nca_bail, officer, COURT, london(2024, 1, 20), new_end=london(2025, 1, 31), within_subsection_7=True)
    assert court.new_end == end_of(2025, 1, 31)


def test_court_before_the_police_ladder_is_refused(standard_bail, officer):
    # s.47ZF(1): the court's first extension follows s.47ZDA, s.47ZDB or s.47ZE.
    problems = refused(
        extend,
        release=standard_bail,
        officer=officer,
        rank=COURT,
        approved_at=london(2023, 4, 1),
        new_end=london(2023, 6, 1),
    )
    assert list(problems) == ["approver_rank"]
    assert not BailExtension.objects.exists()


# --- s.47ZG: the court's later extensions ---------------------------------------------------------


def test_court_later_extension_s47zg_is_recorded_as_the_court_states_it(standard_bail, officer):
    to_47zda(standard_bail, officer)
    extend(standard_bail, officer, COURT, london(2023, 10, 20), new_end=london(2024, 1, 31))
    # No cap is checked: the text of s.47ZG is not verified (docs/deadlines.md).
    later = extend(standard_bail, officer, COURT, london(2024, 1, 20), new_end=london(2025, 6, 30))
    assert (later.section, later.new_end) == ("47ZG", end_of(2025, 6, 30))
    log = CaseLogEntry.objects.get(text__contains="PACE s.47ZG")
    assert "the court's stated end, no statutory cap checked" in log.text


def test_a_subsection_7_finding_on_a_later_court_extension_is_refused(standard_bail, officer):
    to_47zda(standard_bail, officer)
    extend(standard_bail, officer, COURT, london(2023, 10, 20), new_end=london(2024, 1, 31))
    problems = refused(
        extend,
        release=standard_bail,
        officer=officer,
        rank=COURT,
        approved_at=london(2024, 1, 20),
        new_end=london(2024, 6, 30),
        within_subsection_7=True,
    )
    assert problems == {"within_subsection_7": [BAIL_COURT_SUBSECTION_7_FIRST_ONLY]}
    assert BailExtension.objects.count() == 3


# --- s.47ZJ: applications the court has not yet determined ----------------------------------------


def test_application_made_before_the_end_lets_the_court_decide_after_it_s47zj(standard_bail, officer):
    to_47zda(standard_bail, officer)
    # s.47ZJ(3): "The applicable bail period ... is to be treated as extended until the application is
    # determined": applied 30 Oct 2023, the 9 months ended 31 Oct, the court decided 3 Nov.
    court = extend(
        standard_bail,
        officer,
        COURT,
        london(2023, 11, 3, 14),
        new_end=london(2024, 1, 31),
        applied_at=london(2023, 10, 30, 10),
    )
    assert (court.applied_at, court.previous_end, court.new_end) == (
        london(2023, 10, 30, 10),
        end_of(2023, 10, 31),
        end_of(2024, 1, 31),
    )


def test_a_court_decision_after_the_end_without_an_application_in_time_is_refused(standard_bail, officer):
    to_47zda(standard_bail, officer)
    problems = refused(
        extend,
        release=standard_bail,
        officer=officer,
        rank=COURT,
        approved_at=london(2023, 11, 3),
        new_end=london(2024, 1, 31),
        applied_at=london(2023, 11, 1, 9),
    )
    assert problems == {"applied_at": [BAIL_COURT_APPLIED_AFTER_END.format(end="31 Oct 2023")]}
    problems = refused(
        extend,
        release=standard_bail,
        officer=officer,
        rank=COURT,
        approved_at=london(2023, 11, 3),
        new_end=london(2024, 1, 31),
    )
    assert problems == {"approved_at": [BAIL_EXTEND_AFTER_END.format(end="31 Oct 2023", citation="PACE s.47ZF")]}
    assert BailExtension.objects.count() == 2


def test_a_court_decision_before_its_application_is_refused(standard_bail, officer):
    to_47zda(standard_bail, officer)
    problems = refused(
        extend,
        release=standard_bail,
        officer=officer,
        rank=COURT,
        approved_at=london(2023, 10, 20),
        new_end=london(2024, 1, 31),
        applied_at=london(2023, 10, 21),
    )
    assert problems == {"approved_at": [BAIL_COURT_DECIDED_BEFORE_APPLIED]}


def test_a_pending_application_is_recorded_and_determined_by_the_courts_extension(standard_bail, officer):
    to_47zda(standard_bail, officer)
    release = bail_court_application_record(release=standard_bail, actor=officer, applied_at=london(2023, 10, 30, 10))
    assert release.court_applied_at == london(2023, 10, 30, 10)
    assert CaseLogEntry.objects.filter(text__contains="treated as extended until the court determines it").exists()
    again = refused(bail_court_application_record, release=release, actor=officer, applied_at=london(2023, 10, 31))
    assert again == {"applied_at": [BAIL_COURT_APPLICATION_PENDING.format(when="30 Oct 2023 10:00")]}

    court = extend(release, officer, COURT, london(2023, 11, 6, 11), new_end=london(2024, 1, 31))
    assert court.applied_at == london(2023, 10, 30, 10)
    release.refresh_from_db()
    assert release.court_applied_at is None


def test_an_application_to_the_court_after_the_end_is_refused_saying_when_bail_lapsed(standard_bail, officer):
    to_47zda(standard_bail, officer)
    problems = refused(
        bail_court_application_record, release=standard_bail, actor=officer, applied_at=london(2023, 11, 1)
    )
    assert problems == {"applied_at": [BAIL_COURT_APPLIED_AFTER_END.format(end="31 Oct 2023")]}
    standard_bail.refresh_from_db()
    assert standard_bail.court_applied_at is None


def test_an_application_to_the_court_before_the_police_ladder_is_refused(standard_bail, officer):
    problems = refused(
        bail_court_application_record, release=standard_bail, actor=officer, applied_at=london(2023, 4, 1)
    )
    assert problems == {"applied_at": [BAIL_COURT_APPLICATION_NOT_NEXT.format(rank="Inspector (PACE s.47ZD)")]}
    standard_bail.refresh_from_db()
    assert standard_bail.court_applied_at is None


# --- Audit --------------------------------------------------------------------------------------


def test_a_designated_case_extension_and_an_application_to_the_court_are_audited(standard_bail, officer, case):
    to_47zda(standard_bail, officer)
    with acting_as(officer, source="web"):
        extension = extend(
            standard_bail,
            officer,
            QUALIFYING,
            london(2023, 10, 25, 12),
            designated_at=london(2023, 10, 24, 9),
            designated_by="CPS Special Crime Division",
        )
        bail_court_application_record(release=standard_bail, actor=officer, applied_at=london(2024, 1, 20, 10))
    [created] = AuditEntry.objects.filter(object_type="cases.BailExtension", object_id=str(extension.pk))
    assert (created.kind, created.case_reference, created.actor_id) == (
        AuditEntry.Kind.CREATE,
        case.reference,
        officer.pk,
    )
    assert created.changes["designated_by"] == {"before": None, "after": "CPS Special Crime Division"}
    [updated] = AuditEntry.objects.filter(
        object_type="cases.Release", object_id=str(standard_bail.pk), kind=AuditEntry.Kind.CHANGE
    )
    assert (updated.case_reference, updated.actor_id) == (case.reference, officer.pk)
    assert list(updated.changes) == ["court_applied_at"]
