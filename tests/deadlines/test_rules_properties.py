"""Property tests of the statutory date arithmetic over 1970-2100, against an oracle written here in
plain calendar logic (day counts and month lengths), independent of the production functions and of
dateutil: PACE s.16(3) (warrants, "within three months from the date of its issue") and ss.47ZB-47ZDA
(pre-charge bail, periods "beginning with" the bail start date, the day after the arrest)."""

import calendar
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cases import rules

LONDON = rules.LONDON
moments = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 12, 31)).map(
    lambda naive: naive.replace(tzinfo=UTC)
)
days = st.dates(min_value=date(1970, 1, 1), max_value=date(2100, 12, 31))


def month_length(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def add_months_oracle(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def oracle_from(day: date, months: int) -> date:
    """`months` from `day`, the day excluded: the corresponding date, or the month's last day."""
    year, month = add_months_oracle(day.year, day.month, months)
    return date(year, month, min(day.day, month_length(year, month)))


def oracle_beginning_with(start: date, months: int) -> date:
    """A period of `months` beginning with `start`: the day before the corresponding date, or, when
    the later month has no corresponding date, that month's last day."""
    year, month = add_months_oracle(start.year, start.month, months)
    if start.day > month_length(year, month):
        return date(year, month, month_length(year, month))
    return date.fromordinal(date(year, month, start.day).toordinal() - 1)


def london_day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def end_of_day(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, 999999, tzinfo=LONDON)


@settings(max_examples=400, deadline=None)
@given(moments)
def test_warrant_last_day_is_three_months_from_the_date_of_issue(issued):
    last = oracle_from(london_day(issued), 3)
    assert rules.warrant_last_day(issued) == last
    expires = rules.warrant_expires_at(issued)
    assert expires == end_of_day(last)
    # Lawful at any time of the last day, unlawful from the first moment of the next.
    assert expires.astimezone(LONDON).date() == last
    assert (expires + timedelta(microseconds=1)).astimezone(LONDON).time() == time(0, 0)


@settings(max_examples=400, deadline=None)
@given(moments.filter(lambda m: london_day(m) >= date(2022, 10, 28)))
def test_2022_bail_is_three_months_beginning_with_the_day_after_the_arrest(arrested):
    start = date.fromordinal(london_day(arrested).toordinal() + 1)
    assert rules.bail_start_date(arrested) == start
    assert rules.bail_initial_end(regime="pcsca2022", arrested_at=arrested) == end_of_day(
        oracle_beginning_with(start, 3)
    )
    for rank, months in (("inspector", 6), ("superintendent", 9)):
        assert rules.bail_extension_end(regime="pcsca2022", arrested_at=arrested, approver_rank=rank) == end_of_day(
            oracle_beginning_with(start, months)
        )


@settings(max_examples=300, deadline=None)
@given(moments)
def test_2017_bail_is_28_days_beginning_with_the_day_after_the_arrest(arrested):
    start = london_day(arrested).toordinal() + 1
    # Day 1 is the bail start date, so day 28 is 27 days after it.
    assert rules.bail_initial_end(regime="pca2017", arrested_at=arrested) == end_of_day(date.fromordinal(start + 27))
    assert rules.bail_extension_end(
        regime="pca2017", arrested_at=arrested, approver_rank="superintendent"
    ) == end_of_day(oracle_beginning_with(date.fromordinal(start), 3))


@settings(max_examples=300, deadline=None)
@given(days, st.integers(min_value=1, max_value=24))
def test_a_period_beginning_with_a_day_is_one_day_shorter_than_from_the_day_before(start, months):
    # "Beginning with" counts the start day; the period is never longer than `months` from it.
    last = rules.last_day_of_period(start, months=months)
    assert last == oracle_beginning_with(start, months)
    assert start <= last < oracle_from(start, months) or start.day > month_length(
        *add_months_oracle(start.year, start.month, months)
    )


bodies = st.sampled_from(["nca", "hmrc", "fca", "sfo"])


@settings(max_examples=400, deadline=None)
@given(moments, bodies)
def test_2022_fca_hmrc_nca_and_sfo_bail_is_six_months_then_twelve_by_the_appropriate_decision_maker(arrested, body):
    # PACE s.47ZB(1)(a), s.47ZDB(2): 6 and 12 months beginning with the bail start date. The rule is
    # counted the same way whatever the year, so the property covers 1970-2100.
    start = date.fromordinal(london_day(arrested).toordinal() + 1)
    assert rules.bail_initial_end(regime="pcsca2022", arrested_at=arrested, body=body) == end_of_day(
        oracle_beginning_with(start, 6)
    )
    [step] = rules.bail_next_steps(regime="pcsca2022", body=body, done=[])
    assert (step.section, step.rank, step.months) == ("47ZDB", "decision_maker", 12)
    assert step.months is not None
    assert rules.bail_period_end(arrested_at=arrested, months=step.months) == end_of_day(
        oracle_beginning_with(start, 12)
    )


@settings(max_examples=400, deadline=None)
@given(moments)
def test_2022_designated_case_extension_is_twelve_months_beginning_with_the_bail_start_date(arrested):
    # PACE s.47ZE(3): after s.47ZD (6 months) and s.47ZDA (9 months), 12 months.
    start = date.fromordinal(london_day(arrested).toordinal() + 1)
    steps = rules.bail_next_steps(regime="pcsca2022", body="standard", done=["47ZD", "47ZDA"])
    [designated] = [step for step in steps if step.section == "47ZE"]
    assert designated.months is not None
    assert rules.bail_period_end(arrested_at=arrested, months=designated.months) == end_of_day(
        oracle_beginning_with(start, 12)
    )
    assert rules.bail_extension_end(
        regime="pcsca2022", arrested_at=arrested, approver_rank="qualifying_officer"
    ) == end_of_day(oracle_beginning_with(start, 12))


@settings(max_examples=400, deadline=None)
@given(
    moments,
    st.sampled_from(
        [
            ("47ZDA", False, 12),
            ("47ZDA", True, 18),
            ("47ZDB", False, 18),
            ("47ZDB", True, 24),
            ("47ZE", False, 18),
            ("47ZE", True, 24),
        ]
    ),
)
def test_2022_courts_first_extension_is_capped_by_the_route_the_case_came(arrested, route):
    # PACE s.47ZF(4), (6): 12 or 18 months after s.47ZDA, 18 or 24 after s.47ZDB or s.47ZE, by whether
    # the case falls within s.47ZF(7).
    last_police, within_7, months = route
    months_found = rules.bail_court_cap_months(regime="pcsca2022", done=[last_police], within_subsection_7=within_7)
    assert months_found == months
    start = date.fromordinal(london_day(arrested).toordinal() + 1)
    assert rules.bail_period_end(arrested_at=arrested, months=months_found) == end_of_day(
        oracle_beginning_with(start, months)
    )


@settings(max_examples=300, deadline=None)
@given(moments, st.sampled_from(["standard", "nca", "hmrc", "fca", "sfo"]))
def test_2017_bail_is_three_months_in_an_sfo_case_and_28_days_in_any_other(arrested, body):
    # PACE s.47ZB(1) as enacted by the Policing and Crime Act 2017.
    start = london_day(arrested).toordinal() + 1
    expected = oracle_beginning_with(date.fromordinal(start), 3) if body == "sfo" else date.fromordinal(start + 27)
    assert rules.bail_initial_end(regime="pca2017", arrested_at=arrested, body=body) == end_of_day(expected)
