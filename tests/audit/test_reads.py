"""Reads of case data (consultation), searches and disclosures: one entry per page, list or export,
written in the request that shows the data, and none for what was refused or failed."""

import io
from binascii import unhexlify
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEntry
from tests.conftest import BrowserClient
from tests.factories.cases import CaseFactory, ReferralFactory
from tests.factories.warrants import DeviceFactory

pytestmark = pytest.mark.django_db
Kind = AuditEntry.Kind
PASSWORD = "correct horse battery staple"


@pytest.fixture
def officer_client(officer):
    client = BrowserClient()
    client.force_login(officer)
    return client


def test_opening_a_case_page_is_one_read_entry_naming_the_case_the_address_and_the_request(
    officer_client, officer, case, new_entries
):
    since = new_entries()

    response = officer_client.get(reverse("cases:detail", args=[case.reference]), REMOTE_ADDR="198.51.100.4")

    assert response.status_code == 200
    [entry] = since.entries(kind=Kind.READ)
    assert (entry.actor_id, entry.object_type, entry.case_reference) == (officer.pk, "cases.Case", case.reference)
    assert (entry.ip, entry.source) == ("198.51.100.4", "web")
    assert entry.request_id == response["X-Request-ID"]


def test_a_record_page_is_one_read_entry_naming_the_record_and_listing_what_it_showed(
    officer_client, case, new_entries
):
    device = DeviceFactory(case=case)
    since = new_entries()

    response = officer_client.get(reverse("cases:device_detail", args=[case.reference, device.pk]))

    assert response.status_code == 200
    [entry] = since.entries(kind=Kind.READ)
    assert (entry.object_type, entry.object_id, entry.case_reference) == (
        "cases.Device",
        str(device.pk),
        case.reference,
    )
    assert entry.changes["read"] == [
        ["cases.Case", str(case.pk), case.reference],
        ["cases.Device", str(device.pk), case.reference],
    ]


def test_a_case_the_person_may_not_see_is_no_read_but_one_refusal(outsider, case, new_entries):
    client = BrowserClient()
    client.force_login(outsider)
    since = new_entries()

    assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 404

    assert since.entries(kind=Kind.READ) == []
    assert len(since.entries(kind=Kind.ACCESS_DENIED)) == 1


def test_saving_a_form_is_recorded_as_the_change_not_as_a_read(officer_client, case, new_entries):
    since = new_entries()

    response = officer_client.post(reverse("cases:subject_add", args=[case.reference]), {"full_name": "Ian Bright"})

    assert response.status_code == 302
    assert since.entries(kind=Kind.READ) == []
    assert [e.object_type for e in since.entries(kind=Kind.CREATE)].count("cases.Subject") == 1


def test_a_page_whose_read_cannot_be_recorded_is_not_shown(officer_client, case):
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION pg_temp.refuse_reads() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN IF NEW.kind = 'read' THEN RAISE EXCEPTION 'audit store unavailable'; END IF; "
            "RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_reads BEFORE INSERT ON audit_auditentry "
            "FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse_reads()"
        )
    officer_client.raise_request_exception = True

    with pytest.raises(DatabaseError, match="audit store unavailable"):
        officer_client.get(reverse("cases:detail", args=[case.reference]))


def test_the_case_list_is_one_search_entry_with_the_filters_and_the_cases_shown(officer_client, case, new_entries):
    since = new_entries()

    response = officer_client.get(reverse("cases:list"), {"q": case.reference[-6:]})

    assert response.status_code == 200
    [entry] = since.entries(kind=Kind.SEARCH)
    assert entry.changes["filters"] == {"q": case.reference[-6:]}
    assert entry.changes["page"] == "newest page"
    assert entry.changes["shown"] == [case.reference]
    assert since.entries(kind=Kind.READ) == []


def test_an_older_page_of_the_case_list_is_recorded_with_its_cursor_and_the_cases_it_showed(
    officer_client, team, officer, supervisor, new_entries
):
    start = timezone.now() - timedelta(days=40)
    made = [
        CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=start + timedelta(days=n))
        for n in range(30)
    ]
    cursor = officer_client.get(reverse("cases:list"), {"status": "open"}).context["page"].older.encode()
    since = new_entries()

    response = officer_client.get(reverse("cases:list"), {"status": "open", "before": cursor})

    assert response.status_code == 200
    [entry] = since.entries(kind=Kind.SEARCH)
    assert entry.changes["filters"] == {"status": "open"}
    assert entry.changes["page"] == f"page older than {cursor}"
    assert entry.changes["shown"] == [case.reference for case in reversed(made[:5])]
    assert entry.summary == f"Listed case (status=open), page older than {cursor}: 5 shown"


def test_a_case_list_link_that_is_not_valid_is_recorded_as_the_newest_page_it_showed(officer_client, case, new_entries):
    since = new_entries()

    response = officer_client.get(reverse("cases:list"), {"before": "not-a-cursor"})

    assert response.status_code == 400
    [entry] = since.entries(kind=Kind.SEARCH)
    assert entry.changes["page"] == "newest page"
    assert entry.changes["shown"] == [case.reference]


def test_the_referral_list_and_a_referral_are_one_search_and_one_read(officer_client, officer, force, new_entries):
    referral = ReferralFactory(force=force, created_by=officer)
    since = new_entries()

    officer_client.get(reverse("cases:referral_list"))
    officer_client.get(reverse("cases:referral_detail", args=[referral.pk]))

    [search] = since.entries(kind=Kind.SEARCH)
    assert str(referral.pk) in search.changes["shown"]
    [read] = since.entries(kind=Kind.READ)
    assert (read.object_type, read.object_id) == ("cases.Referral", str(referral.pk))


def test_an_export_is_one_disclosure_entry_naming_the_recipient(officer, case, new_entries, tmp_path):
    since = new_entries()

    call_command(
        "export_cases",
        "--actor",
        officer.username,
        "--recipient",
        "CPS Midlands",
        "--output",
        str(tmp_path / "out.jsonl"),
        stderr=io.StringIO(),
    )

    [entry] = since.entries(kind=Kind.EXPORT)
    assert (entry.actor_id, entry.recipient, entry.source) == (officer.pk, "CPS Midlands", "export")


def test_an_export_that_fails_is_not_recorded_as_made(officer, case, new_entries, tmp_path):
    since = new_entries()

    with pytest.raises(CommandError, match="Cannot write"):
        call_command(
            "export_cases",
            "--actor",
            officer.username,
            "--recipient",
            "CPS Midlands",
            "--output",
            str(tmp_path / "missing-folder" / "out.jsonl"),
            stderr=io.StringIO(),
        )

    assert since.entries(kind=Kind.EXPORT) == []


def test_an_export_needs_a_recipient(officer, case):
    with pytest.raises(CommandError, match="--recipient"):
        call_command("export_cases", "--actor", officer.username, "--recipient", " ", stdout=io.StringIO())


def test_the_second_sign_in_step_is_its_own_sign_in_entry(officer, new_entries):
    device = TOTPDevice.objects.create(user=officer, name="Authenticator app", confirmed=True)
    client = BrowserClient()
    client.post(reverse("login"), {"username": officer.username, "password": PASSWORD})
    since = new_entries()

    code = f"{TOTP(unhexlify(device.key)).token():06d}"
    response = client.post(reverse("two_factor"), {"code": code})

    assert response.status_code == 302
    [entry] = since.entries(kind=Kind.SIGN_IN)
    assert (entry.actor_id, entry.summary) == (officer.pk, "Second factor verified (authenticator app)")
