"""Small SQL helpers for the dashboard and the figures: days between two moments, percentiles,
and a period of London dates as UTC bounds."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Aggregate, DateTimeField, Expression, F, FloatField, Func, Value
from django.utils import timezone

from cases.rules import LONDON

DEFAULT_PERIOD_DAYS = 90


class Days(Func):
    """Days from the second moment to the first, with a fraction (PostgreSQL `EXTRACT(EPOCH ...)`)."""

    template = "(EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0)"
    arg_joiner = " - "
    output_field = FloatField()

    def __init__(self, later: Any, earlier: Any) -> None:
        super().__init__(later, earlier)


class LondonDaysAfter(Func):
    """`expression` plus `days` calendar days in UK time, the same time of day whatever the clocks
    do: cases.rules.add_days_london, in SQL."""

    output_field = DateTimeField()

    def __init__(self, expression: Expression | Func | F, days: int) -> None:
        super().__init__(expression, Value(days))

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        moment_sql, moment_params = compiler.compile(self.source_expressions[0])
        days_sql, days_params = compiler.compile(self.source_expressions[1])
        sql = f"timezone('{LONDON.key}', timezone('{LONDON.key}', {moment_sql}) + make_interval(days => {days_sql}))"
        return sql, (*moment_params, *days_params)


class Percentile(Aggregate):
    """`PERCENTILE_CONT(fraction) WITHIN GROUP (ORDER BY expression)`: the continuous percentile,
    interpolated between the two nearest values (the median of 2, 4 and 9 is 4; of 2 and 4 is 3).
    NULLs are ignored, as by every aggregate."""

    function = "PERCENTILE_CONT"
    name = "Percentile"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Expression | Func, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("A percentile is a fraction from 0 to 1.")
        super().__init__(expression, fraction=float(fraction), **extra)


def median(expression: Expression | Func, **extra: Any) -> Percentile:
    return Percentile(expression, 0.5, **extra)


@dataclass(frozen=True)
class Period:
    """London dates from `first` to `last`, both included."""

    first: date
    last: date

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=LONDON)

    @property
    def ends_before(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=LONDON)

    def bounds(self, field: str) -> dict[str, datetime]:
        """Keyword filters for `field` within the period: `{field}__gte` and `{field}__lt`."""
        return {f"{field}__gte": self.starts_at, f"{field}__lt": self.ends_before}

    def months(self) -> list["Period"]:
        """The period cut at calendar months: the first and last parts may be part months."""
        parts = []
        start = self.first
        while start <= self.last:
            next_month = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
            parts.append(Period(start, min(self.last, next_month - timedelta(days=1))))
            start = next_month
        return parts


def days(value: float | None) -> float | None:
    """A number of days as shown: one decimal place."""
    return None if value is None else round(value, 1)


def default_period(today: date | None = None) -> Period:
    """The last 90 days, today included."""
    today = today or timezone.localdate()
    return Period(today - timedelta(days=DEFAULT_PERIOD_DAYS - 1), today)
