"""The record pages (correct, withdraw, history) for a search warrant, an extension of bail and a CPS
decision with its charges, as a person uses them from the pages the records are shown on."""

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import BailExtension, ChargingSubmission, Release
from cases.rules import LONDON, warrant_expires_at
from cases.services.custody import bail_extend, release_record
from tests.factories.cases import CaseFactory, PremisesFactory
from tests.factories.custody import ArrestFactory
from tests.factories.warrants import WarrantFactory
from warrants.models import Warrant

pytestmark = pytest.mark.django_db


def local(moment):
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(
        team=team, officer_in_case=officer, supervisor=supervisor, opened_at=timezone.now() - timedelta(days=10)
    )


def url(name, case, key, pk):
    return reverse(f"cases:{name}", kwargs={"reference": case.reference, "record_type": key, "pk": pk})


def test_a_warrant_is_corrected_from_its_page_and_a_stale_save_shows_both_values(client, officer, case):
    warrant = WarrantFactory(case=case, premises=PremisesFactory(case=case), issued=True)
    warrant_page = reverse("warrants:detail", args=[case.reference, warrant.pk])
    client.force_login(officer)
    assert url("record_correct", case, "warrant", warrant.pk) in client.get(warrant_page).content.decode()
    assert warrant.issued_at is not None and warrant.applied_at is not None
    new_issue = warrant.issued_at + timedelta(hours=1)
    form = {
        "premises": warrant.premises_id,
        "power": warrant.power,
        "entry": warrant.entry,
        "court": warrant.court,
        "applied_at": local(warrant.applied_at),
        "issued_at": local(new_issue),
        "issuing_justice": warrant.issuing_justice,
        "version": str(warrant.version),
        "reason": "Issue time read from the endorsement.",
    }

    corrected = client.post(url("record_correct", case, "warrant", warrant.pk), form)
    stale = client.post(url("record_correct", case, "warrant", warrant.pk), form | {"issuing_justice": "DJ Other"})

    assert corrected.status_code == 302 and corrected["Location"] == warrant_page
    warrant.refresh_from_db()
    assert warrant.issued_at is not None and warrant.expires_at == warrant_expires_at(warrant.issued_at)
    assert local(warrant.issued_at) == local(new_issue)
    assert stale.status_code == 409
    assert "DJ Other" in html.unescape(stale.content.decode())
    history = html.unescape(client.get(url("record_history", case, "warrant", warrant.pk)).content.decode())
    assert "Issue time read from the endorsement." in history


def test_a_withdrawn_warrant_is_marked_on_its_page_and_offers_no_step(client, officer, case):
    warrant = WarrantFactory(case=case, premises=PremisesFactory(case=case), applied=True)
    client.force_login(officer)

    response = client.post(
        url("record_withdraw", case, "warrant", warrant.pk),
        {"reason": "Another case's warrant.", "version": str(warrant.version)},
    )

    assert response.status_code == 302
    page = client.get(reverse("warrants:detail", args=[case.reference, warrant.pk])).content.decode()
    assert "withdrawn as entered in error" in page
    assert reverse("warrants:issue", args=[case.reference, warrant.pk]) not in page
    assert Warrant.objects.get(pk=warrant.pk).withdrawn_at is not None


def test_a_cps_decision_is_withdrawn_from_the_case_page_with_its_charges(client, officer, case, cps_charged):
    submission = cps_charged
    client.force_login(officer)
    page = client.get(case.get_absolute_url()).content.decode()
    assert url("record_withdraw", case, "charging_decision", submission.pk) in page
    charge = submission.charges.get()
    assert url("record_correct", case, "charge", charge.pk) in page

    response = client.post(
        url("record_withdraw", case, "charging_decision", submission.pk),
        {"reason": "Recorded on the wrong submission.", "version": "1"},
    )

    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.decision == ChargingSubmission.Decision.PENDING
    page = client.get(case.get_absolute_url()).content.decode()
    assert "<del>3 counts" in page
    assert reverse("cases:charging_decision", args=[case.reference, submission.pk]) in page
    history = html.unescape(
        client.get(url("record_history", case, "charging_decision", submission.pk)).content.decode()
    )
    assert "Recorded on the wrong submission." in history


def test_a_police_extension_of_bail_is_corrected_from_the_arrest_page_with_its_end_worked_out(client, officer, case):
    arrest = ArrestFactory(case=case, arrested_at=case.opened_at + timedelta(days=1), relevant_time=None)
    release = release_record(
        arrest=arrest, actor=officer, kind=Release.Kind.BAIL, released_at=arrest.arrested_at + timedelta(hours=4)
    )
    extension = bail_extend(
        release=release,
        actor=officer,
        approved_at=release.released_at + timedelta(days=2),
        approved_by="Insp Clark",
        approver_rank=BailExtension.ApproverRank.INSPECTOR,
    )
    arrest_page = reverse("cases:arrest_detail", args=[case.reference, arrest.pk])
    client.force_login(officer)
    assert url("record_correct", case, "bail_extension", extension.pk) in client.get(arrest_page).content.decode()
    shown = client.get(url("record_correct", case, "bail_extension", extension.pk)).content.decode()
    assert 'name="new_end"' in shown and 'name="new_end" value=' not in shown  # computed, not typed

    response = client.post(
        url("record_correct", case, "bail_extension", extension.pk),
        {
            "approver_rank": "inspector",
            "approved_at": local(extension.approved_at),
            "approved_by": "Insp Clarke",
            "new_end": "",
            "applied_at": "",
            "designated_at": "",
            "designated_by": "",
            "version": "1",
            "reason": "Name misspelt.",
        },
    )

    assert response.status_code == 302 and response["Location"] == arrest_page
    extension.refresh_from_db()
    assert (extension.approved_by, extension.section) == ("Insp Clarke", "47ZD")
