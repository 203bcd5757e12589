"""One way to write a date or a time (cases.formats): `23 Nov 2026 14:05` in UK time everywhere,
typed the same way into every date and time field, with "now" and "today" as words."""

import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.forms import ChoiceField
from django.utils import timezone

from cases import formats
from cases.forms.fields import (
    DateField,
    DateInput,
    DateTimeField,
    DateTimeInput,
    Form,
    date_field,
    datetime_field,
)
from safeguard.forms import choices_of

LONDON = ZoneInfo("Europe/London")
BASE_DIR = Path(settings.BASE_DIR)

# Formatting a date in a template other than with |when, |day or |when_utc.
RAW_TEMPLATE_FORMAT = re.compile(r"\|\s*(date|time|naturaltime|naturalday|timesince|timeuntil)\b|\{%\s*now\b")
# Formatting a date in display code: strftime or an f-string format such as {value:%Y-%m-%d}.
RAW_CODE_FORMAT = re.compile(r"strftime\(|:%[-YmdbBHMSjy]")
# Machine formats, not shown as a time to a person: the audit chain's hashed timestamp and its
# verification report, the signed checkpoints' time and their report (UTC), an export file's name,
# the summary tables' own labels (UTC, for the administrator) and Django's input formats for the
# audit search (settings).
MACHINE_FORMATS = {
    "audit/chain.py",
    "audit/checkpoints.py",
    "audit/views.py",
    "cases/models/summaries.py",
    "safeguard/settings.py",
}


def _templates() -> list[Path]:
    return [p for p in BASE_DIR.glob("**/templates/**/*.html") if ".venv" not in p.parts]


def test_no_template_formats_a_date_itself():
    offenders = [
        f"{path.relative_to(BASE_DIR)}: {match.group(0)}"
        for path in _templates()
        for match in RAW_TEMPLATE_FORMAT.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "Use |when, |day or |when_utc (cases.formats)."


def test_no_display_code_formats_a_date_itself():
    offenders = []
    for app in ("casefiles", "cases", "warrants", "audit", "safeguard"):
        for path in (BASE_DIR / app).rglob("*.py"):
            relative = path.relative_to(BASE_DIR).as_posix()
            if "migrations" in path.parts or "io" in path.parts or relative in MACHINE_FORMATS:
                continue
            if relative == "safeguard/formats.py":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if RAW_CODE_FORMAT.search(line):
                    offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == [], "Use safeguard.formats.when or day (cases.formats)."


def test_times_are_shown_in_uk_time_to_the_minute_and_dates_without_a_leading_zero():
    assert formats.when(datetime(2026, 11, 23, 14, 5, tzinfo=UTC)) == "23 Nov 2026 14:05"
    assert formats.when(datetime(2026, 7, 3, 14, 5, tzinfo=UTC)) == "3 Jul 2026 15:05"  # BST
    assert formats.day(date(2026, 7, 3)) == "3 Jul 2026"
    # 23:30 UTC on 30 June is 00:30 on 1 July in London.
    assert formats.day(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == "1 Jul 2026"
    assert formats.when_utc(datetime(2026, 7, 3, 14, 5, 9, tzinfo=LONDON)) == "3 Jul 2026 13:05:09 UTC"
    assert formats.when(None) == formats.day(None) == formats.when_utc(None) == ""


class _Times(Form):
    at = datetime_field("At")
    on = date_field("On", required=False)


@pytest.mark.parametrize(
    "typed",
    [
        "23 Nov 2026 14:05",
        "23 November 2026 14:05",
        "23 nov 2026, 14:05",
        "2026-11-23T14:05",
        "2026-11-23 14:05",
        "23/11/2026 14:05",
    ],
)
def test_a_time_is_typed_as_it_is_shown_or_as_other_systems_write_it(typed):
    form = _Times({"at": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["at"] == datetime(2026, 11, 23, 14, 5, tzinfo=LONDON)


@pytest.mark.parametrize("typed", ["3 Jul 2026", "3 July 2026", "2026-07-03", "03/07/2026"])
def test_a_date_is_typed_as_it_is_shown_or_as_other_systems_write_it(typed):
    form = _Times({"at": "now", "on": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["on"] == date(2026, 7, 3)


def test_the_words_now_and_today_are_the_current_uk_time_and_date():
    before = timezone.now().replace(second=0, microsecond=0)
    form = _Times({"at": " Now ", "on": "today"})
    assert form.is_valid(), form.errors
    after = timezone.now()
    assert before <= form.cleaned_data["at"] <= after
    assert form.cleaned_data["at"].second == 0
    assert form.cleaned_data["on"] == timezone.localdate(timezone=LONDON)


def test_a_time_that_cannot_be_read_says_how_to_write_it():
    form = _Times({"at": "next Tuesday", "on": "31 Feb 2026"})
    assert not form.is_valid()
    assert form.errors["at"] == ["Enter a date and time like 23 Nov 2026 14:05, or now."]
    assert form.errors["on"] == ["Enter a date like 23 Nov 2026, or today."]


def test_a_saved_time_is_shown_in_its_field_as_safeguard_shows_it():
    form = _Times(initial={"at": datetime(2026, 7, 3, 14, 5, tzinfo=UTC), "on": date(2026, 7, 3)})
    assert 'value="3 Jul 2026 15:05"' in str(form["at"])
    assert 'value="3 Jul 2026"' in str(form["on"])
    assert "data-now" in str(form["at"]) and "data-now" not in str(form["on"])
    assert "For example 23 Nov 2026 14:05 (UK time), or now." in form.fields["at"].help_text


def test_every_date_and_time_field_of_every_form_is_the_shared_one():
    """No native date picker (it writes dates in the computer's locale) and no field that misses
    the words "now" and "today": every form's date and time fields are cases.forms.fields'."""
    import django.forms as django_forms

    from tests.cases.test_form_fields import _subclasses

    offenders = []
    for form_class in _subclasses(Form):
        for name, field in form_class.base_fields.items():
            if (
                isinstance(field, django_forms.DateTimeField)
                and not (isinstance(field, DateTimeField) and isinstance(field.widget, DateTimeInput))
            ) or (
                isinstance(field, django_forms.DateField)
                and not (isinstance(field, DateField) and isinstance(field.widget, DateInput))
            ):
                offenders.append(f"{form_class.__name__}.{name}")
    assert offenders == []


def test_the_time_zone_picker_offers_the_uk_utc_and_the_referrals_zones_first_and_each_zone_once():
    from zoneinfo import available_timezones

    from cases.forms.referrals import ReferralIdentifierForm

    field = ReferralIdentifierForm().fields["observed_timezone"]
    assert isinstance(field, ChoiceField)
    empty, (first_group, common), (_, others) = choices_of(field)
    assert empty == ("", "Choose a time zone")
    assert first_group == "Most used"
    assert [zone for zone, _label in common[:3]] == ["Europe/London", "UTC", "America/New_York"]
    offered = [zone for zone, _label in common] + [zone for zone, _label in others]
    assert len(offered) == len(set(offered))
    assert set(offered) == available_timezones()
    form = ReferralIdentifierForm(data={"kind": "ip", "observed_timezone": "UTC"})
    form.is_valid()
    assert "observed_timezone" not in form.errors
