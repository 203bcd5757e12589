"""How Safeguard writes a date or a time for people, in one place: stored UTC times shown in
Europe/London as `23 Nov 2026 14:05`, dates as `23 Nov 2026`. The template filters (`|when`,
`|day`, `|when_utc`), the form fields' inputs and the records' names (`__str__`, as in a choice
list) all use these; a test checks that templates and display code format no date another way."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

# What a person may type into a time or date field, besides "now" (or "today"): the way Safeguard
# shows it, with the month's name in full or short, then the numeric forms people and other systems use.
DATETIME_INPUT_FORMATS = [
    "%d %b %Y %H:%M",
    "%d %B %Y %H:%M",
    "%d %b %Y, %H:%M",
    "%d %B %Y, %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y %H:%M",
]
DATE_INPUT_FORMATS = ["%d %b %Y", "%d %B %Y", "%Y-%m-%d", "%d/%m/%Y"]


def when(value: datetime | None) -> str:
    """A moment in London time: `23 Nov 2026 14:05`. Empty for none. A naive value is taken as
    London time already (a form's value).

    The end of a UK day (a period that ends with its last day) is shown as the date: `28 Jan 2023,
    end of day`. A time in the hour repeated when the clocks go back says which it is: `25 Oct 2026
    01:30 BST` (the first) or `01:30 GMT` (the second)."""
    if not value:
        return ""
    if not value.tzinfo:
        return f"{value.day} {value:%b %Y %H:%M}"
    local = value.astimezone(LONDON)
    if local.time() == time.max:
        return f"{day(local)}, end of day"
    text = f"{local.day} {local:%b %Y %H:%M}"
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        text += f" {local.tzname()}"
    return text


def day(value: date | datetime | None) -> str:
    """A date (or the London date of a moment): `23 Nov 2026`."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = (value.astimezone(LONDON) if value.tzinfo else value).date()
    return f"{value.day} {value:%b %Y}"


def when_seconds(value: datetime | None) -> str:
    """A moment in London time to the second, for the audit trail: `23 Nov 2026 14:05:09` (with the
    zone's name in the hour repeated when the clocks go back, as `when`)."""
    if not value:
        return ""
    local = value.astimezone(LONDON)
    text = f"{local.day} {local:%b %Y %H:%M:%S}"
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        text += f" {local.tzname()}"
    return text


def when_utc(value: datetime | None) -> str:
    """A moment to the second in UTC, as stated by a referral's source: `2 Dec 2026 19:42:11 UTC`."""
    if not value:
        return ""
    moment = value.astimezone(UTC)
    return f"{moment.day} {moment:%b %Y %H:%M:%S} UTC"
