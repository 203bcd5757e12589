"""The rules behind every deadline, table-driven over the edges: month ends, leap years, the clock
changes (GMT/BST) and the change of the pre-charge bail regime on 28 Oct 2022."""

from datetime import UTC, date, datetime, timedelta

import pytest

from cases import rules
from tests.factories.custody import end_of, london


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# PACE 1984 s.16(3): "Entry and search under a warrant must be within three months from the date of
# its issue." The last day is the corresponding date three months on (the last of the month where
# there is none), and entry is lawful at any time of that UK day.
@pytest.mark.parametrize(
    ("issued", "last_day"),
    [
        (london(2026, 1, 31, 10), date(2026, 4, 30)),  # 31 Jan: April has no 31st
        (london(2026, 3, 31, 10), date(2026, 6, 30)),
        (london(2025, 11, 30, 10), date(2026, 2, 28)),  # into a February of 28 days
        (london(2023, 11, 30, 10), date(2024, 2, 29)),  # into a leap February
        (london(2023, 11, 29, 10), date(2024, 2, 29)),
        (london(2024, 2, 29, 10), date(2024, 5, 29)),  # from a leap day
        (london(2026, 12, 31, 23, 30), date(2027, 3, 31)),  # across the year end
        (london(2026, 1, 15, 10), date(2026, 4, 15)),  # issued in GMT, last day in BST
        (london(2026, 8, 20, 9), date(2026, 11, 20)),  # issued in BST, last day in GMT
        # 00:30 BST on 1 Aug is 23:30 UTC on 31 Jul: the date of issue is the UK date.
        (utc(2026, 7, 31, 23, 30), date(2026, 11, 1)),
    ],
)
def test_a_warrant_may_be_executed_through_the_whole_of_its_last_day(issued, last_day):
    assert rules.warrant_last_day(issued) == last_day
    expires = rules.warrant_expires_at(issued)
    assert expires == end_of(last_day.year, last_day.month, last_day.day)
    # At one minute to midnight on the last day entry is lawful; a minute after midnight it is not.
    assert london(last_day.year, last_day.month, last_day.day, 23, 59) <= expires
    following = last_day + timedelta(days=1)
    assert london(following.year, following.month, following.day, 0, 1) > expires


def test_a_warrant_issued_in_gmt_has_its_last_day_end_at_midnight_bst():
    expires = rules.warrant_expires_at(london(2026, 1, 15, 10))  # 10:00 GMT
    assert expires + timedelta(microseconds=1) == utc(2026, 4, 15, 23)  # midnight BST is 23:00 UTC


# PACE s.47ZB(4)(a): the bail start date is the day after the day of arrest; s.47ZB(1): the period is
# 3 months (from 28 Oct 2022) or 28 days (3 Apr 2017 to 27 Oct 2022) "beginning with" that date.
@pytest.mark.parametrize(
    ("arrested", "regime", "last_day"),
    [
        # 28 days beginning with 4 Apr 2017: 4 Apr is day 1, 1 May is day 28.
        (london(2017, 4, 3, 0, 5), "pca2017", date(2017, 5, 1)),
        (london(2022, 10, 27, 23, 59), "pca2017", date(2022, 11, 24)),
        # 3 months beginning with 29 Oct 2022 end on 28 Jan 2023.
        (london(2022, 10, 28, 0, 0), "pcsca2022", date(2023, 1, 28)),
        # 00:30 BST on 28 Oct 2022 is 23:30 UTC on 27 Oct: the arrest date is the UK date.
        (utc(2022, 10, 27, 23, 30), "pcsca2022", date(2023, 1, 28)),
        # Across a month end: arrested 31 Jan, bail start 1 Feb, 3 months end on 30 Apr.
        (london(2023, 1, 31, 14), "pcsca2022", date(2023, 4, 30)),
        # Arrested 30 Apr, bail start 1 May: the period ends on 31 Jul, not 30 Jul.
        (london(2023, 4, 30, 14), "pcsca2022", date(2023, 7, 31)),
        # A leap day: arrested 30 Nov 2023, bail start 1 Dec, ends 29 Feb 2024.
        (london(2023, 11, 30, 12), "pcsca2022", date(2024, 2, 29)),
        # Bail start 30 Nov 2022: February 2023 has no 30th, so the period ends on its last day.
        (london(2022, 11, 29, 12), "pcsca2022", date(2023, 2, 28)),
        # 28 days across a leap day: beginning with 15 Feb 2020, day 28 is 13 Mar.
        (london(2020, 2, 14, 12), "pca2017", date(2020, 3, 13)),
    ],
)
def test_bail_runs_from_the_bail_start_date_to_the_end_of_its_last_day(arrested, regime, last_day):
    assert rules.bail_regime_for_arrest(arrested) == regime
    assert rules.bail_initial_end(regime=regime, arrested_at=arrested) == end_of(
        last_day.year, last_day.month, last_day.day
    )


def test_an_arrest_late_in_the_evening_and_a_release_next_morning_count_from_the_day_after_the_arrest():
    # Arrested 23:40 on 10 Jan 2023, released 09:15 on 11 Jan: the bail start date is 11 Jan (the
    # day after the arrest), not 12 Jan (the day after the release), so bail ends on 10 Apr.
    arrested = london(2023, 1, 10, 23, 40)
    assert rules.bail_start_date(arrested) == date(2023, 1, 11)
    assert rules.bail_initial_end(regime="pcsca2022", arrested_at=arrested) == end_of(2023, 4, 10)


def test_bail_across_both_clock_changes_ends_at_midnight_uk_time():
    # Arrested in GMT, last day in BST (spring): the period ends at 23:00 UTC.
    spring = rules.bail_initial_end(regime="pcsca2022", arrested_at=london(2023, 1, 20, 10))
    assert spring + timedelta(microseconds=1) == utc(2023, 4, 20, 23)
    # Arrested in BST, last day in GMT (autumn): the period ends at midnight UTC.
    autumn = rules.bail_initial_end(regime="pcsca2022", arrested_at=london(2023, 8, 20, 10))
    assert autumn + timedelta(microseconds=1) == utc(2023, 11, 21)


def test_bail_before_the_2017_regime_has_no_rule():
    with pytest.raises(rules.NoRuleInForce):
        rules.bail_regime_for_arrest(london(2017, 4, 2, 23, 59))


@pytest.mark.parametrize(
    ("regime", "rank", "last_day"),
    [
        # Arrested 30 Aug 2023, bail start 31 Aug: 6 months (s.47ZD) end on 29 Feb 2024 (no 31 Feb),
        # 9 months (s.47ZDA) on 30 May 2024, 3 months under the 2017 regime (s.47ZD) on 30 Nov 2023.
        ("pcsca2022", "inspector", date(2024, 2, 29)),
        ("pcsca2022", "superintendent", date(2024, 5, 30)),
        ("pca2017", "superintendent", date(2023, 11, 30)),
    ],
)
def test_bail_extensions_run_from_the_bail_start_date(regime, rank, last_day):
    arrested = london(2023, 8, 30, 15)
    expected = end_of(last_day.year, last_day.month, last_day.day)
    assert rules.bail_extension_end(regime=regime, arrested_at=arrested, approver_rank=rank) == expected
    assert rules.bail_extension_end(regime=regime, arrested_at=arrested, approver_rank="magistrates") is None


def test_an_inspector_cannot_extend_bail_under_the_2017_regime():
    with pytest.raises(rules.NoRuleInForce):
        rules.bail_extension_end(regime="pca2017", arrested_at=london(2020, 1, 1), approver_rank="inspector")


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


def test_every_rule_names_its_source_in_words_and_local_targets_say_so(settings):
    settings.CHARGING_TARGET_DAYS = 21
    every = [value for value in vars(rules).values() if isinstance(value, rules.Rule)]
    assert len(every) >= 14
    for rule in every:
        assert rule.source and rule.applies_from
        assert rule.local_target == rule.source.startswith("Local target: ")
        assert "SAFEGUARD_" not in rule.source and "_DAYS" not in rule.source and "_HOURS" not in rule.source
    assert rules.CHARGING_TARGET.source == "Local target: four-week charging target, 21 days"
    assert rules.referral_response_source("high") == (
        "Local target: referral response by risk grade (HMICFRS 2023), 7 days"
    )


@pytest.mark.parametrize(
    ("regime", "body", "done", "expected"),
    [
        # s.47ZD(1)(a): the inspector extends where the period is "the period mentioned in s.47ZB(1)(b)".
        ("pcsca2022", "standard", [], [("47ZD", "inspector", 6)]),
        # s.47ZDA(1)(a): "a relevant officer has authorised an extension ... under section 47ZD".
        ("pcsca2022", "standard", ["47ZD"], [("47ZDA", "superintendent", 9)]),
        # s.47ZE(1) and s.47ZF(1)(b): after s.47ZDA, a designated case's commander, or the court.
        (
            "pcsca2022",
            "standard",
            ["47ZD", "47ZDA"],
            [("47ZF", "magistrates", None), ("47ZE", "qualifying_officer", 12)],
        ),
        # s.47ZF(1)(c): after s.47ZE, the court.
        ("pcsca2022", "standard", ["47ZD", "47ZDA", "47ZE"], [("47ZF", "magistrates", None)]),
        # s.47ZDB(1)(a): "the period mentioned in section 47ZB(1)(a)"; then s.47ZF(1)(ba).
        ("pcsca2022", "nca", [], [("47ZDB", "decision_maker", 12)]),
        ("pcsca2022", "sfo", ["47ZDB"], [("47ZF", "magistrates", None)]),
        # After the court's first extension, s.47ZG.
        ("pcsca2022", "hmrc", ["47ZDB", "47ZF"], [("47ZG", "magistrates", None)]),
        ("pcsca2022", "standard", ["47ZD", "47ZDA", "47ZF", "47ZG"], [("47ZG", "magistrates", None)]),
        # 2017 text: a superintendent to 3 months (s.47ZD as enacted), except an SFO case (already 3).
        ("pca2017", "standard", [], [("47ZD", "superintendent", 3)]),
        ("pca2017", "nca", [], [("47ZD", "superintendent", 3)]),
        ("pca2017", "sfo", [], [("47ZF", "magistrates", None)]),
        ("pca2017", "standard", ["47ZD"], [("47ZF", "magistrates", None)]),
    ],
)
def test_who_may_give_the_next_extension_follows_the_sections_in_order(regime, body, done, expected):
    steps = rules.bail_next_steps(regime=regime, body=body, done=done)
    assert [(step.section, step.rank, step.months) for step in steps] == expected


@pytest.mark.parametrize(
    ("done", "within_7", "months"),
    [
        (["47ZD", "47ZDA"], False, 12),  # s.47ZF(4)(a)
        (["47ZD", "47ZDA"], True, 18),  # s.47ZF(6)(a)
        (["47ZD", "47ZDA", "47ZE"], False, 18),  # s.47ZF(4)(b)
        (["47ZDB"], False, 18),  # s.47ZF(4)(b)
        (["47ZDB"], True, 24),  # s.47ZF(6)(b): text not verified, see docs/deadlines.md
        (["47ZD", "47ZDA", "47ZF"], False, None),  # s.47ZG: no cap checked
    ],
)
def test_the_courts_first_extension_is_capped_by_the_route_the_case_came(done, within_7, months):
    assert rules.bail_court_cap_months(regime="pcsca2022", done=done, within_subsection_7=within_7) == months
    assert rules.bail_court_cap_months(regime="pca2017", done=done, within_subsection_7=within_7) is None
