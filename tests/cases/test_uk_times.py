"""Times in the hours the clocks change are never ambiguous: shown with BST or GMT in the hour
repeated in autumn; entered by choosing which; refused, saying why, in the hour skipped in spring.
One field (`cases.forms.fields.DateTimeField`) serves every date-and-time input."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from cases import rules
from cases.formats import when
from cases.forms.custody import ArrestForm, ReleaseForm
from cases.forms.fields import TIME_AMBIGUOUS, TIME_MISSING
from cases.models import Arrest
from tests.factories.cases import CaseFactory, SubjectFactory
from tests.factories.custody import offence

# On 25 Oct 2026 the clocks go back at 02:00 BST (01:00 UTC): 01:30 happens at 00:30 UTC (BST)
# and again at 01:30 UTC (GMT). On 29 Mar 2026 they go forward at 01:00 GMT: 01:30 never happens.
FIRST_0130 = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
SECOND_0130 = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_a_time_in_the_repeated_autumn_hour_is_shown_with_bst_or_gmt():
    assert when(FIRST_0130) == "25 Oct 2026 01:30 BST"
    assert when(SECOND_0130) == "25 Oct 2026 01:30 GMT"
    # Outside that hour a time needs no clock.
    assert when(datetime(2026, 10, 25, 3, 0, tzinfo=UTC)) == "25 Oct 2026 03:00"
    assert when(datetime(2026, 7, 1, 9, 0, tzinfo=UTC)) == "1 Jul 2026 10:00"


def test_the_end_of_a_statutory_day_is_shown_as_the_date():
    assert when(rules.end_of_uk_day(datetime(2023, 1, 28).date())) == "28 Jan 2023, end of day"


def release(data):
    form = ReleaseForm({"kind": "rui", **data})
    return form, form.is_valid()


def test_a_time_in_the_repeated_hour_without_a_clock_is_refused_saying_why():
    form, valid = release({"released_at": "2026-10-25T01:30"})
    assert not valid
    assert form.errors["released_at"] == [TIME_AMBIGUOUS.format(time="01:30", day="25 Oct 2026")]
    # The page then offers the choice of clock beside the time.
    rendered = str(form["released_at"])
    assert 'name="released_at_clock"' in rendered
    assert '<option value="GMT">GMT, the second time</option>' in rendered


@pytest.mark.parametrize(("clock", "expected"), [("BST", FIRST_0130), ("GMT", SECOND_0130)])
def test_a_time_in_the_repeated_hour_is_entered_by_choosing_its_clock(clock, expected):
    form, valid = release({"released_at": "2026-10-25T01:30", "released_at_clock": clock})
    assert valid, form.errors
    assert form.cleaned_data["released_at"] == expected


def test_a_time_skipped_when_the_clocks_go_forward_is_refused_saying_why():
    form, valid = release({"released_at": "2026-03-29T01:30"})
    assert not valid
    assert form.errors["released_at"] == [TIME_MISSING.format(time="01:30", day="29 Mar 2026")]


def test_a_clock_is_not_needed_nor_offered_outside_the_repeated_hour():
    form, valid = release({"released_at": "2026-03-29T02:30"})
    assert valid
    assert form.cleaned_data["released_at"] == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert "_clock" not in str(form["released_at"])


def test_a_stored_time_in_the_repeated_hour_is_shown_again_with_its_clock():
    form = ReleaseForm(initial={"kind": "rui", "released_at": SECOND_0130})
    rendered = str(form["released_at"])
    assert 'value="25 Oct 2026 01:30"' in rendered
    assert '<option value="GMT" selected>' in rendered


@pytest.mark.django_db
def test_an_arrest_in_the_repeated_hour_is_recorded_by_choosing_gmt_and_shown_with_it(
    client, officer, team, supervisor
):
    case = CaseFactory(
        team=team, officer_in_case=officer, supervisor=supervisor, opened_at=datetime(2026, 10, 20, 9, tzinfo=UTC)
    )
    subject = SubjectFactory(case=case, full_name="Daniel Price")
    client.force_login(officer)
    url = reverse("cases:arrest_add", args=[case.reference])
    data = {"subject": subject.pk, "arrested_at": "2026-10-25T01:30", "suspected_offences": [offence().pk]}

    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "Arrested at: 01:30 happens twice on 25 Oct 2026" in refused.content.decode()
    assert not Arrest.objects.filter(subject=subject).exists()

    saved = client.post(url, {**data, "arrested_at_clock": "GMT"})
    assert saved.status_code == 302
    arrest = Arrest.objects.get(subject=subject)
    assert arrest.arrested_at == SECOND_0130
    page = client.get(reverse("cases:arrest_detail", args=[case.reference, arrest.pk])).content.decode()
    assert "25 Oct 2026 01:30 GMT" in page


def test_every_date_and_time_input_of_safeguard_uses_the_uk_field():
    """The whole class: no form takes a time through Django's own field, which refuses the repeated hour."""
    import importlib
    import pkgutil

    from django import forms

    import cases.forms
    import warrants.forms
    from cases.forms.fields import DateTimeField

    for package in (cases.forms,):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
    importlib.import_module(warrants.forms.__name__)
    checked = 0
    for form_class in forms.Form.__subclasses__() + [
        sub for base in forms.Form.__subclasses__() for sub in base.__subclasses__()
    ]:
        for name, field in form_class.base_fields.items():
            if isinstance(field, forms.DateTimeField):
                checked += 1
                assert isinstance(field, DateTimeField), f"{form_class.__name__}.{name}"
    assert checked >= 20
    assert isinstance(ArrestForm.base_fields["arrested_at"], DateTimeField)
