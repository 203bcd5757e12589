from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from cases.models import BailExtension, CaseLogEntry, Release
from cases.services.custody import (
    BAIL_EXTEND_AFTER_END,
    BAIL_EXTEND_BEFORE_RELEASE,
    BAIL_EXTEND_NEW_END_COMPUTED,
    BAIL_EXTEND_NEW_END_NOT_LATER,
    BAIL_EXTEND_NEW_END_REQUIRED,
    BAIL_EXTEND_NO_LIMIT,
    BAIL_EXTEND_NOT_BAIL,
    BAIL_EXTEND_SUPERSEDED,
    BAIL_EXTEND_WRONG_RANK,
    bail_extend,
    release_record,
)
from tests.factories.cases import CaseFactory
from tests.factories.custody import ArrestFactory, end_of, london

INSPECTOR = BailExtension.ApproverRank.INSPECTOR
SUPERINTENDENT = BailExtension.ApproverRank.SUPERINTENDENT
MAGISTRATES = BailExtension.ApproverRank.MAGISTRATES


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=london(2020, 1, 6, 9))


@pytest.fixture
def bail_2022(case, officer):
    """Bailed on 31 Jan 2023 at 10:00 under the 2022 regime: initial end 30 Apr 2023."""
    arrest = ArrestFactory(case=case, arrested_at=london(2023, 1, 31, 6), relevant_time=london(2023, 1, 31, 6, 30))
    return release_record(arrest=arrest, actor=officer, kind=Release.Kind.BAIL, released_at=london(2023, 1, 31, 10))


@pytest.fixture
def bail_2017(case, officer):
    """Bailed on 1 Mar 2021 at 10:00 under the 2017 regime: initial end 29 Mar 2021."""
    arrest = ArrestFactory(case=case, arrested_at=london(2021, 3, 1, 6), relevant_time=london(2021, 3, 1, 6, 30))
    return release_record(arrest=arrest, actor=officer, kind=Release.Kind.BAIL, released_at=london(2021, 3, 1, 10))


def extend(release, officer, rank, approved_at, new_end=None):
    return bail_extend(
        release=release,
        actor=officer,
        approved_at=approved_at,
        approved_by="Insp Carter" if rank == INSPECTOR else "Supt Rees",
        approver_rank=rank,
        new_end=new_end,
    )


def test_the_2022_ladder_runs_inspector_to_6_months_superintendent_to_9_then_the_court(bail_2022, officer):
    first = extend(bail_2022, officer, INSPECTOR, london(2023, 4, 20, 12))
    second = extend(bail_2022, officer, SUPERINTENDENT, london(2023, 7, 20, 12))
    third = extend(bail_2022, officer, MAGISTRATES, london(2023, 10, 20, 12), new_end=london(2024, 1, 31, 10))

    # Bail start date 1 Feb 2023: 3 months end 30 Apr, 6 months (s.47ZD) 31 Jul, 9 months (s.47ZDA) 31 Oct.
    assert (first.previous_end, first.new_end) == (end_of(2023, 4, 30), end_of(2023, 7, 31))
    assert (second.previous_end, second.new_end) == (end_of(2023, 7, 31), end_of(2023, 10, 31))
    # The court's extension runs to the end of the day it sets.
    assert (third.previous_end, third.new_end) == (end_of(2023, 10, 31), end_of(2024, 1, 31))
    assert CaseLogEntry.objects.filter(text__startswith="Bail of").count() == 3


def test_the_2017_ladder_runs_superintendent_to_3_months_then_the_court(bail_2017, officer):
    first = extend(bail_2017, officer, SUPERINTENDENT, london(2021, 3, 25, 12))
    second = extend(bail_2017, officer, MAGISTRATES, london(2021, 5, 25, 12), new_end=london(2021, 9, 1, 10))

    # Bail start date 2 Mar 2021: 3 months beginning with it end on 1 Jun.
    assert first.new_end == end_of(2021, 6, 1)
    assert second.new_end == end_of(2021, 9, 1)


def test_the_court_may_extend_again_after_its_first_extension(bail_2017, officer):
    extend(bail_2017, officer, SUPERINTENDENT, london(2021, 3, 25, 12))
    extend(bail_2017, officer, MAGISTRATES, london(2021, 5, 25, 12), new_end=london(2021, 9, 1, 10))
    again = extend(bail_2017, officer, MAGISTRATES, london(2021, 8, 25, 12), new_end=london(2021, 12, 1, 10))

    assert again.previous_end == end_of(2021, 9, 1)


@pytest.mark.parametrize(
    ("rank", "expected"), [(SUPERINTENDENT, "Inspector (PACE s.47ZD)"), (MAGISTRATES, "Inspector (PACE s.47ZD)")]
)
def test_the_2022_regime_refuses_skipping_the_inspector(bail_2022, officer, rank, expected):
    with pytest.raises(ValidationError) as error:
        extend(bail_2022, officer, rank, london(2023, 4, 20, 12), new_end=london(2023, 12, 1, 10))
    assert error.value.message_dict["approver_rank"] == [BAIL_EXTEND_WRONG_RANK.format(rank=expected)]
    assert not BailExtension.objects.exists()


def test_the_2017_regime_refuses_an_inspector(bail_2017, officer):
    with pytest.raises(ValidationError) as error:
        extend(bail_2017, officer, INSPECTOR, london(2021, 3, 25, 12))
    assert error.value.message_dict["approver_rank"] == [
        BAIL_EXTEND_WRONG_RANK.format(rank="Superintendent (PACE s.47ZD)")
    ]
    assert not BailExtension.objects.exists()


def test_bail_may_be_extended_at_any_time_of_its_last_day(bail_2022, officer):
    extension = extend(bail_2022, officer, INSPECTOR, london(2023, 4, 30, 23, 59))
    assert extension.new_end == end_of(2023, 7, 31)


def test_bail_that_has_lapsed_cannot_be_extended(bail_2022, officer):
    with pytest.raises(ValidationError) as error:
        extend(bail_2022, officer, INSPECTOR, london(2023, 5, 1, 0, 0))
    assert error.value.message_dict["approved_at"] == [
        BAIL_EXTEND_AFTER_END.format(end="30 Apr 2023", citation="PACE s.47ZD")
    ]
    assert "Bail lapsed at the end of 30 Apr 2023" in error.value.message_dict["approved_at"][0]
    assert not BailExtension.objects.exists()
    assert not CaseLogEntry.objects.filter(text__startswith="Bail of").exists()


def test_a_police_extension_computes_its_end_and_refuses_a_typed_one(bail_2022, officer):
    with pytest.raises(ValidationError) as error:
        extend(bail_2022, officer, INSPECTOR, london(2023, 4, 20, 12), new_end=london(2023, 8, 1, 10))
    assert error.value.message_dict["new_end"] == [BAIL_EXTEND_NEW_END_COMPUTED]
    assert not BailExtension.objects.exists()


def test_the_court_extension_needs_a_new_end(bail_2017, officer):
    extend(bail_2017, officer, SUPERINTENDENT, london(2021, 3, 25, 12))
    with pytest.raises(ValidationError) as error:
        extend(bail_2017, officer, MAGISTRATES, london(2021, 5, 25, 12))
    assert error.value.message_dict["new_end"] == [BAIL_EXTEND_NEW_END_REQUIRED]
    assert BailExtension.objects.count() == 1


def test_the_court_extension_must_end_after_the_current_end(bail_2017, officer):
    extend(bail_2017, officer, SUPERINTENDENT, london(2021, 3, 25, 12))
    with pytest.raises(ValidationError) as error:
        extend(bail_2017, officer, MAGISTRATES, london(2021, 5, 25, 12), new_end=london(2021, 6, 1, 10))
    assert error.value.message_dict["new_end"] == [BAIL_EXTEND_NEW_END_NOT_LATER]
    assert BailExtension.objects.count() == 1


def test_a_release_under_investigation_cannot_be_extended(case, officer):
    arrest = ArrestFactory(case=case, arrested_at=london(2023, 1, 31, 6), relevant_time=london(2023, 1, 31, 6, 30))
    rui = release_record(arrest=arrest, actor=officer, kind=Release.Kind.RUI, released_at=london(2023, 1, 31, 10))
    with pytest.raises(ValidationError) as error:
        extend(rui, officer, INSPECTOR, london(2023, 2, 20, 12))
    assert error.value.messages == [BAIL_EXTEND_NOT_BAIL]
    assert not BailExtension.objects.exists()


def test_bail_superseded_by_a_later_release_cannot_be_extended(bail_2022, officer):
    release_record(arrest=bail_2022.arrest, actor=officer, kind=Release.Kind.RUI, released_at=london(2023, 3, 1, 10))
    with pytest.raises(ValidationError) as error:
        extend(bail_2022, officer, INSPECTOR, london(2023, 4, 20, 12))
    assert error.value.messages == [BAIL_EXTEND_SUPERSEDED]
    assert not BailExtension.objects.exists()


def test_an_extension_cannot_be_approved_before_the_bail_began(bail_2022, officer):
    with pytest.raises(ValidationError) as error:
        extend(bail_2022, officer, INSPECTOR, bail_2022.released_at - timedelta(minutes=1))
    assert error.value.message_dict["approved_at"] == [BAIL_EXTEND_BEFORE_RELEASE]
    assert not BailExtension.objects.exists()


def test_bail_after_a_2016_arrest_has_no_limit_and_is_not_extended(case, officer):
    arrest = ArrestFactory(case=case, arrested_at=london(2016, 6, 1, 9), relevant_time=london(2016, 6, 1, 9, 20))
    old = release_record(
        arrest=arrest,
        actor=officer,
        kind=Release.Kind.BAIL,
        released_at=london(2016, 6, 1, 18),
        answer_at=london(2016, 9, 1, 10),
    )
    for rank in (INSPECTOR, SUPERINTENDENT, MAGISTRATES):
        with pytest.raises(ValidationError) as error:
            bail_extend(
                release=old,
                actor=officer,
                approved_at=london(2016, 7, 1, 10),
                approved_by="Supt R. Adeyemi",
                approver_rank=rank,
                new_end=london(2016, 12, 1).date(),
            )
        assert error.value.messages == [BAIL_EXTEND_NO_LIMIT]
    assert not BailExtension.objects.exists()
