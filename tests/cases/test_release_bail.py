from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cases.models import Case, CaseLogEntry, Release
from cases.services.custody import (
    BAIL_ANSWER_AFTER_END,
    BAIL_ANSWER_BEFORE_RELEASE,
    BAIL_ANSWER_ONLY_ON_BAIL,
    BAIL_BEFORE_2017_NEEDS_ANSWER,
    BAIL_CONDITIONS_ONLY_ON_BAIL,
    CHOICE_INVALID,
    RELEASE_BEFORE_ARREST,
    RELEASE_BEFORE_PREVIOUS,
    RELEASE_STILL_ON_BAIL,
    release_record,
)
from tests.factories.cases import CaseFactory
from tests.factories.custody import ArrestFactory, end_of, london


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=london(2016, 1, 4, 9))


def arrest_at(case, moment):
    return ArrestFactory(case=case, arrested_at=moment, relevant_time=moment + timedelta(minutes=20))


def bail(arrest, officer, released_at, **extra):
    return release_record(arrest=arrest, actor=officer, kind=Release.Kind.BAIL, released_at=released_at, **extra)


def test_an_arrest_late_on_27_october_2022_gets_the_2017_regime_of_28_days(case, officer):
    arrest = arrest_at(case, london(2022, 10, 27, 23, 30))  # 22:30 UTC
    release = bail(arrest, officer, london(2022, 10, 28, 9, 0))

    assert release.bail_regime == Release.BailRegime.PCA_2017
    # 28 days beginning with the bail start date, 28 Oct (the day after the arrest): to 24 Nov.
    assert release.bail_ends_at == end_of(2022, 11, 24)


def test_an_arrest_early_on_28_october_2022_gets_the_2022_regime_of_three_months(case, officer):
    arrest = arrest_at(case, london(2022, 10, 28, 0, 30))  # 27 Oct 23:30 UTC
    release = bail(arrest, officer, london(2022, 10, 28, 9, 0))

    assert release.bail_regime == Release.BailRegime.PCSCA_2022
    # 3 months beginning with 29 Oct 2022 (the day after the arrest): bail ends on 28 Jan 2023.
    assert release.bail_ends_at == end_of(2023, 1, 28)
    assert "bail ends 28 Jan 2023, end of day" in CaseLogEntry.objects.get(case=case).text


def test_bail_after_an_arrest_on_31_january_ends_at_the_end_of_30_april(case, officer):
    arrest = arrest_at(case, london(2023, 1, 31, 6, 0))
    release = bail(arrest, officer, london(2023, 1, 31, 10, 0))

    # Bail start date 1 Feb; 3 months beginning with it end on 30 Apr, at midnight BST.
    assert release.bail_ends_at == end_of(2023, 4, 30)


def test_an_arrest_late_in_the_evening_and_a_release_next_morning_count_from_the_day_after_the_arrest(case, officer):
    arrest = arrest_at(case, london(2023, 1, 10, 23, 40))
    release = bail(arrest, officer, london(2023, 1, 11, 9, 15))

    # Bail start date 11 Jan (the day after the arrest), not 12 Jan (the day after the release).
    assert release.bail_ends_at == end_of(2023, 4, 10)


def test_bail_after_a_2016_arrest_is_recorded_with_its_answer_date_and_no_limit(case, officer):
    # Before the Policing and Crime Act 2017 (in force 3 Apr 2017) pre-charge bail had no
    # statutory time limit: the date to answer bail is its only date.
    arrest = arrest_at(case, london(2016, 6, 1, 10, 0))
    answer = london(2017, 3, 1, 10, 0)
    release = bail(arrest, officer, london(2016, 6, 1, 18, 0), answer_at=answer, answer_place="Hanley police station")

    assert release.bail_regime == Release.BailRegime.PRE_2017
    assert release.get_bail_regime_display() == "Pre-charge bail before 3 Apr 2017: no statutory time limit"
    assert release.bail_ends_at is None
    assert release.answer_at == answer
    text = CaseLogEntry.objects.get(case=case).text
    assert "no statutory time limit" in text
    assert "to answer bail 1 Mar 2017 10:00 at Hanley police station" in text


def test_bail_after_an_arrest_late_on_2_april_2017_has_no_limit_and_needs_its_answer_date(case, officer):
    arrest = arrest_at(case, london(2017, 4, 2, 22, 0))
    with pytest.raises(ValidationError) as error:
        bail(arrest, officer, london(2017, 4, 3, 8, 0))
    assert error.value.message_dict["answer_at"] == [BAIL_BEFORE_2017_NEEDS_ANSWER]
    assert not Release.objects.exists()
    assert not CaseLogEntry.objects.exists()

    release = bail(arrest, officer, london(2017, 4, 3, 8, 0), answer_at=london(2018, 1, 2, 9, 0))
    assert release.bail_regime == Release.BailRegime.PRE_2017
    assert release.bail_ends_at is None


def test_an_arrest_just_after_midnight_on_3_april_2017_falls_under_the_2017_act(case, officer):
    arrest = arrest_at(case, london(2017, 4, 3, 0, 5))
    release = bail(arrest, officer, london(2017, 4, 3, 8, 0))
    assert release.bail_regime == Release.BailRegime.PCA_2017


def test_bail_before_2017_may_be_given_again_with_a_new_answer_date(case, officer):
    arrest = arrest_at(case, london(2016, 6, 1, 10, 0))
    bail(arrest, officer, london(2016, 6, 1, 18, 0), answer_at=london(2016, 9, 1, 10, 0))
    again = bail(arrest, officer, london(2016, 9, 1, 11, 0), answer_at=london(2016, 12, 1, 10, 0))
    assert again.answer_at == london(2016, 12, 1, 10, 0)


def test_the_time_to_answer_bail_is_recorded_and_shown_in_the_log(case, officer):
    arrest = arrest_at(case, london(2023, 1, 10, 9, 0))
    release = bail(
        arrest, officer, london(2023, 1, 10, 15, 0), answer_at=london(2023, 2, 7, 10, 0), answer_place=" Hanley  "
    )
    assert release.answer_place == "Hanley"
    assert release.answer_text == "to answer bail 7 Feb 2023 10:00 at Hanley"
    assert "bail ends 10 Apr 2023, end of day; to answer bail 7 Feb 2023 10:00 at Hanley" in (
        CaseLogEntry.objects.get(case=case).text
    )


def test_the_time_to_answer_bail_may_be_on_the_last_day_of_bail_but_not_after_it(case, officer):
    # PACE s.47ZA(2): the time appointed is on the day the applicable bail period ends. Arrest 10 Jan
    # 2023: bail start date 11 Jan; 3 months beginning with it end on 10 Apr 2023.
    arrest = arrest_at(case, london(2023, 1, 10, 9, 0))
    with pytest.raises(ValidationError) as error:
        bail(arrest, officer, london(2023, 1, 10, 15, 0), answer_at=london(2023, 4, 11, 0, 0))
    assert error.value.message_dict["answer_at"] == [BAIL_ANSWER_AFTER_END.format(end="10 Apr 2023")]
    release = bail(arrest, officer, london(2023, 1, 10, 15, 0), answer_at=london(2023, 4, 10, 23, 59))
    assert release.answer_at == london(2023, 4, 10, 23, 59)


def test_the_time_to_answer_bail_is_after_the_release(case, officer):
    arrest = arrest_at(case, london(2023, 1, 10, 9, 0))
    with pytest.raises(ValidationError) as error:
        bail(arrest, officer, london(2023, 1, 10, 15, 0), answer_at=london(2023, 1, 10, 15, 0))
    assert error.value.message_dict["answer_at"] == [BAIL_ANSWER_BEFORE_RELEASE]


@pytest.mark.parametrize(
    ("field", "value"), [("answer_place", "Hanley police station"), ("answer_at", london(2023, 2, 1, 9, 0))]
)
def test_a_time_or_place_to_answer_bail_is_refused_on_a_release_that_is_not_bail(case, officer, field, value):
    arrest = arrest_at(case, london(2023, 1, 10, 9, 0))
    with pytest.raises(ValidationError) as error:
        release_record(
            arrest=arrest,
            actor=officer,
            kind=Release.Kind.RUI,
            released_at=london(2023, 1, 10, 15, 0),
            **{field: value},
        )
    assert error.value.message_dict[field] == [BAIL_ANSWER_ONLY_ON_BAIL]


def test_released_under_investigation_has_no_end_and_no_regime(case, officer):
    arrest = arrest_at(case, london(2023, 3, 1, 6, 0))
    release = release_record(arrest=arrest, actor=officer, kind=Release.Kind.RUI, released_at=london(2023, 3, 1, 15))

    assert release.bail_ends_at is None
    assert release.bail_regime == ""
    assert "Released under investigation" in CaseLogEntry.objects.get(case=case).text


def test_a_release_before_the_arrest_is_refused(case, officer):
    arrest = arrest_at(case, london(2023, 3, 1, 6, 0))
    with pytest.raises(ValidationError) as error:
        bail(arrest, officer, london(2023, 3, 1, 5, 0))
    assert error.value.message_dict["released_at"] == [RELEASE_BEFORE_ARREST]
    assert not Release.objects.exists()


def test_a_second_bail_while_the_first_is_running_is_refused(case, officer):
    arrest = arrest_at(case, london(2023, 3, 1, 6, 0))
    bail(arrest, officer, london(2023, 3, 1, 15, 0))
    with pytest.raises(ValidationError) as error:
        bail(arrest, officer, london(2023, 4, 1, 15, 0))
    assert error.value.message_dict["kind"] == [RELEASE_STILL_ON_BAIL]
    assert arrest.releases.count() == 1


def test_bail_may_follow_a_later_release_that_superseded_the_first_bail(case, officer):
    arrest = arrest_at(case, london(2023, 3, 1, 6, 0))
    bail(arrest, officer, london(2023, 3, 1, 15, 0))
    release_record(arrest=arrest, actor=officer, kind=Release.Kind.RUI, released_at=london(2023, 4, 1, 12))
    again = bail(arrest, officer, london(2023, 5, 2, 12, 0))

    # The applicable bail period still begins with the day after the arrest (PACE s.47ZB).
    assert again.bail_ends_at == end_of(2023, 6, 1)


def test_a_release_before_the_last_release_is_refused(case, officer):
    arrest = arrest_at(case, london(2023, 3, 1, 6, 0))
    release_record(arrest=arrest, actor=officer, kind=Release.Kind.RUI, released_at=london(2023, 3, 2, 12))
    with pytest.raises(ValidationError) as error:
        bail(arrest, officer, london(2023, 3, 1, 15, 0))
    assert error.value.message_dict["released_at"] == [RELEASE_BEFORE_PREVIOUS]
    assert arrest.releases.count() == 1


def test_bail_conditions_are_refused_on_a_release_under_investigation(case, officer):
    arrest = arrest_at(case, london(2023, 3, 1, 6, 0))
    with pytest.raises(ValidationError) as error:
        release_record(
            arrest=arrest,
            actor=officer,
            kind=Release.Kind.RUI,
            released_at=london(2023, 3, 1, 15),
            bail_conditions="Not to contact the complainant.",
        )
    assert error.value.message_dict["bail_conditions"] == [BAIL_CONDITIONS_ONLY_ON_BAIL]
    assert not Release.objects.exists()


def test_a_release_on_charge_moves_the_case_to_charging(case, officer):
    arrest = arrest_at(case, london(2023, 3, 1, 6, 0))
    release_record(arrest=arrest, actor=officer, kind=Release.Kind.CHARGED, released_at=london(2023, 3, 2, 12))

    case.refresh_from_db()
    assert case.stage == Case.Stage.CHARGING


def test_an_unknown_kind_of_release_is_refused_on_its_field(case, officer):
    arrest = arrest_at(case, london(2023, 3, 1, 6, 0))
    with pytest.raises(ValidationError) as error:
        release_record(arrest=arrest, actor=officer, kind="street_bail", released_at=london(2023, 3, 1, 15))
    assert error.value.message_dict["kind"] == [CHOICE_INVALID]
    assert not Release.objects.exists()


def test_the_database_refuses_bail_with_no_end_unless_before_2017_with_its_answer_date(case, officer):
    arrest = arrest_at(case, london(2016, 6, 1, 10, 0))
    fields = {"arrest": arrest, "kind": "bail", "released_at": london(2016, 6, 1, 18, 0), "recorded_by": officer}
    for regime in ("pca2017", "pre2017"):
        with pytest.raises(IntegrityError), transaction.atomic():
            Release.objects.create(bail_regime=regime, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Release.objects.create(
            arrest=arrest,
            kind="rui",
            released_at=london(2016, 6, 1, 18, 0),
            recorded_by=officer,
            answer_place="Hanley police station",
        )
    assert Release.objects.create(bail_regime="pre2017", answer_at=london(2016, 9, 1, 10, 0), **fields).pk
