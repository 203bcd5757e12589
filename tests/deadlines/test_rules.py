"""The rules behind every deadline, table-driven over the edges: month ends, leap years, the clock
changes (GMT/BST) and the change of the pre-charge bail regime on 28 Oct 2022."""

from datetime import UTC, datetime, timedelta

import pytest

from cases import rules
from tests.factories.custody import london


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("issued", "expires"),
    [
        (london(2026, 1, 31, 10), london(2026, 4, 30, 10)),  # 31 Jan + 3 months: the end of April
        (london(2026, 3, 31, 10), london(2026, 6, 30, 10)),  # 31 Mar: June has 30 days
        (london(2025, 11, 30, 10), london(2026, 2, 28, 10)),  # into a February of 28 days
        (london(2023, 11, 30, 10), london(2024, 2, 29, 10)),  # into a leap February
        (london(2023, 11, 29, 10), london(2024, 2, 29, 10)),
        (london(2024, 2, 29, 10), london(2024, 5, 29, 10)),  # from 29 Feb
        (london(2026, 12, 31, 23, 30), london(2027, 3, 31, 23, 30)),  # across the year end
        # Issued in GMT, expires in BST: the same wall-clock time, one hour less in UTC.
        (london(2026, 1, 15, 10), london(2026, 4, 15, 10)),
        # Issued in BST, expires in GMT.
        (london(2026, 8, 20, 9), london(2026, 11, 20, 9)),
    ],
)
def test_warrant_expiry_is_three_calendar_months_in_uk_time(issued, expires):
    assert rules.warrant_expires_at(issued) == expires


def test_warrant_expiry_across_the_clock_change_keeps_the_wall_clock_time_not_the_hours():
    issued = london(2026, 1, 15, 10)  # 10:00 GMT = 10:00 UTC
    assert rules.warrant_expires_at(issued) == utc(2026, 4, 15, 9)  # 10:00 BST = 09:00 UTC


@pytest.mark.parametrize(
    ("arrested", "regime", "initial_end_after_bail_on"),
    [
        (london(2017, 4, 3, 0, 5), "pca2017", london(2017, 5, 1, 0, 5)),  # 28 days
        (london(2022, 10, 27, 23, 59), "pca2017", london(2022, 11, 24, 23, 59)),
        (london(2022, 10, 28, 0, 0), "pcsca2022", london(2023, 1, 28, 0, 0)),  # 3 months
        # 00:30 on 28 Oct 2022 in BST is 23:30 on 27 Oct in UTC: the arrest date is the UK date.
        (utc(2022, 10, 27, 23, 30), "pcsca2022", utc(2023, 1, 28, 0, 30)),
        (london(2023, 11, 30, 12), "pcsca2022", london(2024, 2, 29, 12)),  # leap February
    ],
)
def test_bail_regime_follows_the_arrest_date_and_sets_the_initial_end(arrested, regime, initial_end_after_bail_on):
    assert rules.bail_regime_for_arrest(arrested) == regime
    # Bailed at the moment of arrest, to keep the table short.
    assert rules.bail_initial_end(regime=regime, bail_start=arrested) == initial_end_after_bail_on


def test_bail_before_the_2017_regime_has_no_rule():
    with pytest.raises(rules.NoRuleInForce):
        rules.bail_regime_for_arrest(london(2017, 4, 2, 23, 59))


@pytest.mark.parametrize(
    ("regime", "rank", "months"),
    [("pcsca2022", "inspector", 6), ("pcsca2022", "superintendent", 9), ("pca2017", "superintendent", 3)],
)
def test_bail_extensions_run_from_the_bail_start(regime, rank, months):
    start = london(2023, 8, 31, 15)
    expected = rules.add_months_london(start, months)
    assert rules.bail_extension_end(regime=regime, bail_start=start, approver_rank=rank) == expected
    assert rules.bail_extension_end(regime=regime, bail_start=start, approver_rank="magistrates") is None


def test_an_inspector_cannot_extend_bail_under_the_2017_regime():
    with pytest.raises(rules.NoRuleInForce):
        rules.bail_extension_end(regime="pca2017", bail_start=london(2020, 1, 1), approver_rank="inspector")


def test_bail_extended_by_an_inspector_from_31_august_ends_on_the_last_day_of_february():
    assert rules.bail_extension_end(
        regime="pcsca2022", bail_start=london(2023, 8, 31, 15), approver_rank="inspector"
    ) == london(2024, 2, 29, 15)


def test_custody_clock_counts_elapsed_hours_across_the_spring_clock_change():
    # Relevant time 00:30 GMT on 29 Mar 2026; the clocks go forward at 01:00 GMT.
    relevant = utc(2026, 3, 29, 0, 30)
    reviews = rules.custody_reviews_due(relevant_time=relevant, until=rules.custody_limit_at(relevant))
    assert reviews == [utc(2026, 3, 29, 6, 30), utc(2026, 3, 29, 15, 30), utc(2026, 3, 30, 0, 30)]
    assert reviews[0].astimezone(rules.LONDON).hour == 7  # 07:30 BST: six hours, not seven on the clock
    assert rules.custody_limit_at(relevant) == utc(2026, 3, 30, 0, 30)
    assert rules.custody_superintendent_limit_at(relevant) == utc(2026, 3, 30, 12, 30)
    assert rules.custody_maximum_at(relevant) == utc(2026, 4, 2, 0, 30)


def test_custody_clock_counts_elapsed_hours_across_the_autumn_clock_change():
    relevant = london(2026, 10, 25, 0, 30)  # given in BST; the clocks go back at 02:00 BST
    limit = rules.custody_limit_at(relevant)
    assert limit - relevant == timedelta(hours=24)
    assert limit.astimezone(rules.LONDON).replace(tzinfo=None) == datetime(2026, 10, 25, 23, 30)  # 23:30 GMT
    first_review = rules.custody_reviews_due(relevant_time=relevant, until=limit)[0]
    assert first_review.astimezone(rules.LONDON).replace(tzinfo=None) == datetime(2026, 10, 25, 5, 30)


def test_day_targets_keep_the_time_of_day_across_the_clock_change(settings):
    settings.CHARGING_TARGET_DAYS = 28
    arrested = london(2026, 3, 20, 9)  # GMT; the target falls in BST
    assert rules.charging_target_at(arrested) == london(2026, 4, 17, 9)


def test_a_warrant_of_further_detention_never_runs_beyond_96_hours():
    relevant = utc(2026, 5, 1, 8)
    late_issue = relevant + timedelta(hours=80)
    assert rules.custody_warrant_limit_at(relevant_time=relevant, issued_at=late_issue) == relevant + timedelta(
        hours=96
    )


@pytest.mark.parametrize(
    ("function", "setting", "value", "start", "due"),
    [
        (rules.charging_target_at, "CHARGING_TARGET_DAYS", 28, utc(2024, 2, 1, 9), utc(2024, 2, 29, 9)),
        (rules.charging_target_at, "CHARGING_TARGET_DAYS", 14, utc(2024, 2, 1, 9), utc(2024, 2, 15, 9)),
        (rules.first_court_due_at, "FIRST_COURT_TARGET_DAYS", 28, utc(2026, 1, 31, 9), utc(2026, 2, 28, 9)),
        (rules.mash_referral_due_at, "MASH_REFERRAL_HOURS", 24, utc(2024, 2, 28, 18), utc(2024, 2, 29, 18)),
        (rules.forensic_examination_due_at, "FORENSIC_TARGET_DAYS", 90, utc(2024, 1, 1), utc(2024, 3, 31)),
    ],
)
def test_local_targets_are_configurable(settings, function, setting, value, start, due):
    setattr(settings, setting, value)
    assert function(start) == due


def test_warrant_return_is_due_a_configurable_period_after_execution_or_expiry(settings):
    settings.WARRANT_RETURN_DAYS = 7
    executed, expires = utc(2026, 2, 26, 6), utc(2026, 5, 1, 9)
    assert rules.warrant_return_due_at(executed_at=executed, expires_at=expires) == utc(2026, 3, 5, 6)
    assert rules.warrant_return_due_at(executed_at=None, expires_at=expires) == utc(2026, 5, 8, 9)


@pytest.mark.parametrize(
    ("reviewed", "group", "due"),
    [
        (london(2024, 2, 29, 11), "1", london(2034, 2, 28, 11)),  # 29 Feb + 10 years
        (london(2026, 6, 1, 11), "3", london(2032, 6, 1, 11)),
    ],
)
def test_retention_review_interval_by_group(reviewed, group, due):
    assert rules.retention_next_review_at(reviewed_at=reviewed, retention_group=group) == due


def test_every_rule_names_its_source_and_local_targets_say_so():
    every = [value for value in vars(rules).values() if isinstance(value, rules.Rule)]
    assert len(every) >= 14
    for rule in every:
        assert rule.source and rule.applies_from
        assert rule.local_target == rule.source.startswith("Local target") or rule.key == "referral_response"
