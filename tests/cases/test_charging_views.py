from datetime import timedelta

import pytest
from django.urls import reverse

from cases.models import Charge, ChargingSubmission
from cases.rules import LONDON
from cases.services.charging import CHARGING_CHARGE_NEEDS_CHARGES
from tests.factories.cases import CaseFactory
from tests.factories.custody import ArrestFactory, ChargingSubmissionFactory, offence


def local(moment):
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


@pytest.fixture
def arrest(case):
    return ArrestFactory(case=case)


@pytest.fixture
def submission(case, arrest):
    return ChargingSubmissionFactory(
        case=case, subject=arrest.subject, submitted_at=arrest.arrested_at + timedelta(days=1)
    )


@pytest.fixture
def urls(case, submission):
    return {
        "charging_submit": reverse("cases:charging_submit", args=[case.reference]),
        "charging_decision": reverse("cases:charging_decision", args=[case.reference, submission.pk]),
    }


def charges(*rows):
    """Formset data: up to five rows, unused rows left as the form offers them (one count)."""
    data = {"charges-TOTAL_FORMS": "5", "charges-INITIAL_FORMS": "0", "charges-MAX_NUM_FORMS": "5"}
    for index in range(5):
        offence_pk, counts, category = rows[index] if index < len(rows) else ("", "1", "")
        data |= {
            f"charges-{index}-offence": offence_pk,
            f"charges-{index}-counts": counts,
            f"charges-{index}-category": category,
        }
    return data


@pytest.mark.parametrize("name", ["charging_submit", "charging_decision"])
def test_the_pages_require_sign_in(client, urls, name):
    response = client.get(urls[name])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["charging_submit", "charging_decision"])
def test_the_pages_hide_another_teams_case(client, outsider, urls, name):
    client.force_login(outsider)
    assert client.get(urls[name]).status_code == 404


@pytest.mark.parametrize("name", ["charging_submit", "charging_decision"])
def test_the_pages_refuse_the_wrong_method(client, officer, urls, name):
    client.force_login(officer)
    assert client.put(urls[name]).status_code == 405


def test_a_valid_submission_is_saved(client, officer, case, arrest, submission, urls):
    submission.decision, submission.decision_at = "further_evidence", submission.submitted_at + timedelta(hours=1)
    submission.save()
    client.force_login(officer)
    response = client.post(
        urls["charging_submit"],
        {
            "subject": arrest.subject.pk,
            "submitted_at": local(submission.submitted_at + timedelta(hours=2)),
            "test": "threshold",
        },
    )
    assert response.status_code == 302
    assert case.charging_submissions.filter(test="threshold").exists()


def test_a_submission_before_the_arrest_shows_the_error_and_saves_nothing(client, officer, case, arrest, urls):
    client.force_login(officer)
    response = client.post(
        urls["charging_submit"],
        {
            "subject": arrest.subject.pk,
            "submitted_at": local(arrest.arrested_at - timedelta(hours=2)),
            "test": "full_code",
        },
    )
    assert response.status_code == 400
    assert case.charging_submissions.count() == 1


def test_the_decision_form_offers_five_charge_rows_each_a_fieldset(client, officer, urls):
    client.force_login(officer)
    response = client.get(urls["charging_decision"])
    content = response.content.decode()
    assert response.status_code == 200
    assert content.count('<fieldset class="charge-row">') == 5
    assert "<legend>Charge 5</legend>" in content


def test_a_decision_to_charge_saves_the_filled_rows_and_ignores_empty_ones(client, officer, submission, urls):
    client.force_login(officer)
    data = {"decision": "charge", "decision_at": local(submission.submitted_at + timedelta(days=1))}
    data |= charges((offence().pk, "3", "A"), (offence("CJA1988-160").pk, "2", ""))
    response = client.post(urls["charging_decision"], data)

    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.decision == ChargingSubmission.Decision.CHARGE
    assert sorted(submission.charges.values_list("counts", flat=True)) == [2, 3]


def test_a_decision_to_charge_without_charges_shows_the_error_and_saves_nothing(client, officer, submission, urls):
    client.force_login(officer)
    data = {"decision": "charge", "decision_at": local(submission.submitted_at + timedelta(days=1))} | charges()
    response = client.post(urls["charging_decision"], data)

    assert response.status_code == 400
    assert CHARGING_CHARGE_NEEDS_CHARGES in response.content.decode()
    submission.refresh_from_db()
    assert submission.decision == ChargingSubmission.Decision.PENDING


def test_a_charge_row_without_an_offence_shows_the_error_and_saves_nothing(client, officer, submission, urls):
    client.force_login(officer)
    data = {"decision": "charge", "decision_at": local(submission.submitted_at + timedelta(days=1))}
    data |= charges(("", "4", "B"))
    response = client.post(urls["charging_decision"], data)

    assert response.status_code == 400
    assert "Charge 1, offence: Choose the offence for this charge, or clear the row." in response.content.decode()
    assert not Charge.objects.exists()
