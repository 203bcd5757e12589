"""Demo data: three forces of the West Midlands regional operation, their teams and people, and a
unit's week of referrals and cases at every stage of the path.

The referrals and cases are data, not code: `week.jsonl` is a case file in the import format
(docs/import-format.md), one referral or case per line, loaded through `import_cases` and so through
the same services as the pages, obeying every rule and leaving the same case-log trail. Each line is
imported as its case's supervisor (a referral without a case: as the person who recorded its
outcome, else the force's supervisor).

Dates are relative to the day the demo is loaded, so that it always shows a live week: referrals
received this week, warrants issued last week, arrests nearing the four-week charging target (and
one past it), bail running out, a hearing next week, closed cases. In `week.jsonl` a time is written
`"today-3 09:20"` (three days ago at 09:20 London time), `"today 14:00"`, `"today+3 10:00"` or
`"next Tuesday 10:00"` (the first Tuesday after today); `resolve_dates` turns each into an ISO 8601
time with an offset before the line is imported. A time today or earlier that has not come yet
becomes ten minutes ago (nothing is recorded before it happens). `observed_original`, a time as a
referral gives it in its own time zone, becomes a date and time without an offset. Inside a text,
"{today-159 10:00}" becomes the time as Safeguard shows it ("29 Jun 2026 10:00"), as in a closure
confirmation's words for what is outstanding.

Idempotent: forces by code, teams by name, users by username, and each referral (with the case
developed from it) by its force and source reference; a second run creates nothing. Demo passwords
are random and returned only for users created by this run, so the command can print them once.

Names, addresses and identifiers are invented. IP addresses are from the ranges reserved for
documentation (RFC 5737: 198.51.100.0/24, 203.0.113.0/24; RFC 3849: 2001:db8::/32); street names
are fictional. Image counts are numbers only: nothing here describes an image.
"""

import io
import json
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import ROLES, SUPERVISOR
from casefiles.demo.people import USERS, DemoResult, set_up_people
from casefiles.io import import_cases
from cases import formats
from cases.models import Referral
from cases.rules import LONDON

WEEK = Path(__file__).with_name("week.jsonl")
DEMO_LINE_REFUSED = "The demo's line {line} was refused: {errors}"
# Things are recorded after they happen: a time not yet come today is taken as this long ago.
NOT_YET = timedelta(minutes=10)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_TODAY = r"(?:today(?P<days>[+-]\d+)?|next (?P<weekday>" + "|".join(WEEKDAYS) + r")) (?P<at>\d{2}:\d{2}(?::\d{2})?)"
_RELATIVE = re.compile(_TODAY)
_IN_TEXT = re.compile(r"\{" + _TODAY + r"\}")


class DemoLineRefused(Exception):
    pass


def _days(found: re.Match[str], now: datetime) -> int:
    """Days from `now`'s day in London: as written, or to the next such weekday after today."""
    if found["weekday"]:
        return (WEEKDAYS.index(found["weekday"]) - now.astimezone(LONDON).weekday()) % 7 or 7
    return int(found["days"] or 0)


def _moment(found: re.Match[str], now: datetime) -> datetime:
    days = _days(found, now)
    day = now.astimezone(LONDON).date() + timedelta(days=days)
    moment = datetime.combine(day, time.fromisoformat(found["at"]), tzinfo=LONDON)
    return min(moment, now - NOT_YET) if days <= 0 else moment


def resolve_dates(value: Any, now: datetime, name: str = "") -> Any:
    """`value` with every relative time ("today-3 09:20") made absolute, counted from `now`'s day
    in London, and every "{today-3 09:20}" in a text written as Safeguard shows that time."""
    if isinstance(value, dict):
        return {key: resolve_dates(item, now, key) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve_dates(item, now, name) for item in value]
    if not isinstance(value, str):
        return value
    found = _RELATIVE.fullmatch(value)
    if found is None:
        return _IN_TEXT.sub(lambda inner: formats.when(_moment(inner, now)), value)
    if name == "observed_original":
        day = now.astimezone(LONDON).date() + timedelta(days=_days(found, now))
        return f"{day.isoformat()} {found['at']}"
    return _moment(found, now).astimezone(UTC).isoformat()


def _importer(line: dict[str, Any]) -> User:
    """Who imports a line: the case's supervisor, else who recorded the referral's outcome, else
    the first supervisor of the referral's force."""
    username = line.get("supervisor") or line.get("outcome_by")
    if username is None:
        username = next(spec.username for spec in USERS if spec.force == line["force"] and spec.role == SUPERVISOR)
    return User.objects.get(username=username)


def load_demo(*, now: datetime | None = None) -> DemoResult:
    """Create whatever of the demo is missing. Each referral and its case is one transaction."""
    now = now or timezone.now()
    result = DemoResult()
    with transaction.atomic():
        set_up_people(result)
    for number, text in enumerate(WEEK.read_text(encoding="utf-8").splitlines(), 1):
        line = json.loads(text)
        referral = line["referral"]
        if Referral.objects.filter(force__code=line["force"], source_reference=referral["source_reference"]).exists():
            result.referrals_existing += 1
            continue
        report = import_cases(io.StringIO(json.dumps(resolve_dates(line, now))), actor=_importer(line))
        if not report.ok:
            errors = "; ".join(f"{error.path}: {error.message}" for error in report.errors)
            raise DemoLineRefused(DEMO_LINE_REFUSED.format(line=number, errors=errors))
        result.referrals_created += 1
    return result


__all__ = ["ROLES", "USERS", "DemoLineRefused", "DemoResult", "load_demo", "resolve_dates"]
