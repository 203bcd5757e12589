import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.formats import when
from cases.models import Case, Closure, ClosureConfirmation, Release, RetentionReview
from cases.rules import LONDON
from cases.services.closure import RETENTION_CASE_NOT_CLOSED, case_close
from tests.factories.cases import CaseFactory, PremisesFactory
from tests.factories.custody import ArrestFactory
from tests.factories.warrants import DeviceFactory
from warrants.models import Warrant
from warrants.services import CLOSURE_WARRANTS_NOT_RETURNED


def local(moment):
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


@pytest.fixture
def urls(case):
    return {
        "case_close": reverse("cases:case_close", args=[case.reference]),
        "retention_review_add": reverse("cases:retention_review_add", args=[case.reference]),
    }


def closing(case, **overrides):
    data = {
        "outcome_type": "15",
        "closed_at": local(case.opened_at + timedelta(days=2)),
        "rationale": "Evidential difficulties.",
        "retention_group": "1",
    }
    return data | overrides


@pytest.mark.parametrize("name", ["case_close", "retention_review_add"])
def test_the_pages_require_sign_in(client, urls, name):
    response = client.get(urls[name])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["case_close", "retention_review_add"])
def test_the_pages_hide_another_teams_case(client, outsider, urls, name):
    client.force_login(outsider)
    assert client.get(urls[name]).status_code == 404


@pytest.mark.parametrize("name", ["case_close", "retention_review_add"])
def test_the_pages_refuse_the_wrong_method(client, supervisor, urls, name):
    client.force_login(supervisor)
    assert client.delete(urls[name]).status_code == 405


def test_a_valid_closure_closes_the_case(client, supervisor, case, urls):
    client.force_login(supervisor)
    response = client.post(urls["case_close"], closing(case))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert RetentionReview.objects.get(case=case).next_review_at is not None


def test_a_closure_with_an_unreturned_warrant_names_it_and_saves_nothing(client, supervisor, officer, case, urls):
    issued_at = case.opened_at + timedelta(hours=4)
    premises = PremisesFactory(case=case, address="14 Mill Lane\nStone", postcode="ST15 8AA")
    warrant = Warrant.objects.create(
        case=case,
        premises=premises,
        power=Warrant.Power.POCA_S4,
        court="Stafford Magistrates",
        applicant=officer,
        status=Warrant.Status.ISSUED,
        applied_at=issued_at - timedelta(hours=2),
        issued_at=issued_at,
        expires_at=issued_at + timedelta(days=90),
    )
    client.force_login(supervisor)
    response = client.post(urls["case_close"], closing(case))

    assert response.status_code == 400
    expected = CLOSURE_WARRANTS_NOT_RETURNED.format(
        warrants=f"warrant {warrant.pk} for 14 Mill Lane, ST15 8AA (issued)"
    )
    assert expected in response.content.decode()
    assert not Closure.objects.exists()


def test_a_retention_review_on_an_open_case_shows_the_error(client, supervisor, case, urls):
    client.force_login(supervisor)
    response = client.post(
        urls["retention_review_add"],
        {"retention_group": "1", "decision": "retain", "reviewed_at": local(timezone.now()), "rationale": "Kept."},
    )
    assert response.status_code == 400
    assert RETENTION_CASE_NOT_CLOSED in response.content.decode()
    assert not RetentionReview.objects.exists()


def test_a_valid_retention_review_is_saved_and_shown_on_the_case_page(client, supervisor, case, urls):
    case_close(
        case=case,
        actor=supervisor,
        outcome_type="15",
        closed_at=case.opened_at + timedelta(days=1),
        rationale="Evidential difficulties.",
        retention_group="1",
    )
    client.force_login(supervisor)
    response = client.post(
        urls["retention_review_add"],
        {"retention_group": "1", "decision": "retain", "reviewed_at": local(timezone.now()), "rationale": "Kept."},
    )
    assert response.status_code == 302
    assert case.retention_reviews.count() == 2
    content = client.get(case.get_absolute_url()).content.decode()
    assert "15: Evidential difficulties: suspect identified" in content
    assert "Retain and review again" in content


def outstanding_device(case):
    return DeviceFactory(case=case, exhibit_reference="SH/7", forensic_requested_at=case.opened_at + timedelta(hours=1))


def test_the_page_asks_a_supervisor_to_confirm_each_outstanding_item_with_a_reason(client, supervisor, case, urls):
    device = outstanding_device(case)
    client.force_login(supervisor)
    content = client.get(urls["case_close"]).content.decode()

    assert f'type="checkbox" name="confirm_forensic-{device.pk}"' in content
    assert "I confirm this case may close although the full forensic examination of device SH/7" in content
    assert f'name="reason_forensic-{device.pk}"' in content


def test_a_closure_with_an_unconfirmed_item_names_it_and_saves_nothing(client, supervisor, case, urls):
    device = outstanding_device(case)
    client.force_login(supervisor)
    response = client.post(urls["case_close"], closing(case, **{f"reason_forensic-{device.pk}": "Encrypted."}))

    assert response.status_code == 400
    item = html.escape(
        f"the full forensic examination of device SH/7, requested {when(device.forensic_requested_at)}, "
        "is not completed"
    )
    assert f"The case cannot close while {item}" in response.content.decode()
    assert not Closure.objects.exists()


def test_a_confirmation_ticked_without_a_reason_asks_for_the_reason(client, supervisor, case, urls):
    device = outstanding_device(case)
    client.force_login(supervisor)
    response = client.post(urls["case_close"], closing(case, **{f"confirm_forensic-{device.pk}": "on"}))

    assert response.status_code == 400
    assert "Give a reason for confirming that the case may close although" in response.content.decode()
    assert not Closure.objects.exists()


def test_a_supervisors_confirmed_closure_closes_the_case_and_keeps_the_reason(client, supervisor, case, urls):
    device = outstanding_device(case)
    client.force_login(supervisor)
    response = client.post(
        urls["case_close"],
        closing(
            case,
            **{f"confirm_forensic-{device.pk}": "on", f"reason_forensic-{device.pk}": "Encrypted beyond recovery."},
        ),
    )

    assert response.status_code == 302
    confirmation = ClosureConfirmation.objects.get(closure__case=case)
    assert (confirmation.item_key, confirmation.reason) == (f"forensic-{device.pk}", "Encrypted beyond recovery.")
    assert "Encrypted beyond recovery." in client.get(reverse("cases:log", args=[case.reference])).content.decode()
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Closed although</dt><dd>The full forensic examination of device SH/7" in page
    assert "Encrypted beyond recovery." in page


def test_an_item_outstanding_at_the_closing_time_typed_is_asked_for(client, supervisor, officer, case, urls):
    """Bail that ended before now but after the closing time typed is outstanding at that time: the
    page shows its confirmation once the closing time is typed."""
    arrest = ArrestFactory(case=case, arrested_at=case.opened_at + timedelta(hours=2))
    release = Release.objects.create(
        arrest=arrest,
        kind=Release.Kind.BAIL,
        released_at=arrest.arrested_at + timedelta(hours=6),
        bail_regime=Release.BailRegime.PCSCA_2022,
        bail_ends_at=arrest.arrested_at + timedelta(days=3),
        recorded_by=officer,
    )
    client.force_login(supervisor)
    assert f"confirm_bail-{release.pk}" not in client.get(urls["case_close"]).content.decode()

    response = client.post(urls["case_close"], closing(case))
    assert response.status_code == 400
    assert f'name="confirm_bail-{release.pk}"' in response.content.decode()
    assert not Closure.objects.exists()
