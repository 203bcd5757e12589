"""The search over every record, the referral list's search and filters, and their bad input."""

from datetime import date

import pytest
from django.db import connection, transaction
from django.db.models.functions import Upper
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEntry
from cases.forms.find import QUERY_CONTROL_CHARACTERS, QUERY_TOO_LONG
from cases.identifiers import EMAIL_INVALID, PHONE_INVALID, POSTCODE_INVALID
from cases.services.case import premises_add, subject_add
from cases.services.search import device_record
from safeguard.dates import DateField
from tests.search.conftest import add_ip, add_value, new_referral, open_case, seen

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(officer, team, supervisor, outsider):
    """A case of the officer's team with a subject, premises and a device, from a referral with an
    IP address, a phone number and an e-mail address; and a case of another team the officer may
    not see, with the same postcode."""
    referral = new_referral(officer, "CEOP-2026-7781")
    add_ip(referral, officer, "2001:db8::42", seen(0), port=51413)
    add_value(referral, officer, "phone", "07911 123456")
    add_value(referral, officer, "email", "Someone@Example.com")
    case = open_case(officer, team, supervisor, referral=referral)
    subject_add(
        case=case, actor=officer, full_name="Jonathan Smyth", date_of_birth=date(1979, 4, 1), pnc_id="98/123456X"
    )
    premises_add(case=case, actor=officer, address="14 Mill Lane\nStafford", postcode="ST16 2DJ")
    device_record(case=case, actor=officer, exhibit_reference="SH/1", device_type="laptop", action="seized")
    from tests.search.test_deconfliction import supervisor_of

    hidden = open_case(outsider, outsider.teams.get(), supervisor_of(outsider))
    premises_add(case=hidden, actor=outsider, address="2 Other Road", postcode="ST16 2DJ")
    return case, hidden


def find(client, q):
    return client.get(reverse("cases:find"), {"q": q})


@pytest.mark.parametrize(
    ("q", "kind"),
    [
        ("2001:DB8:0:0:0:0:0:42", "IP address"),
        ("+44 7911 123456", "Phone number"),
        ("SOMEONE@example.COM", "E-mail address"),
        ("st162dj", "Postcode"),
        ("ceop-2026-7781", "External reference"),
        ("98/0123456x", "PNC ID"),
        ("sh/1", "Exhibit reference"),
        ("Jonathon Smith", "Person"),  # spelt differently: trigram similarity
        ("mill lane", "Address"),
    ],
)
def test_the_search_finds_each_kind_of_identifier_however_written(client, officer, recorded, q, kind):
    case, _ = recorded
    client.force_login(officer)
    response = find(client, q)
    assert response.status_code == 200
    page = response.content.decode()
    assert f">{kind}</h2>" in page
    assert case.reference in page


def test_the_search_shows_only_records_the_person_may_see(client, officer, recorded):
    case, hidden = recorded
    client.force_login(officer)
    page = find(client, "ST16 2DJ").content.decode()
    assert case.reference in page
    assert hidden.reference not in page
    assert "2 Other Road" not in page


def test_a_search_is_audited_with_what_was_asked_and_which_records_were_shown(client, officer, recorded):
    case, _ = recorded
    client.force_login(officer)
    find(client, "07911123456")
    entry = AuditEntry.objects.filter(kind=AuditEntry.Kind.SEARCH, object_type="cases.IndexedIdentifier").get()
    assert entry.changes["filters"] == {"q": "07911123456"}
    assert entry.changes["shown"] == [case.reference]


@pytest.mark.parametrize(
    ("q", "message"),
    [("x" * 201, QUERY_TOO_LONG), ("smith\njones", QUERY_CONTROL_CHARACTERS), ("a\x1bb", QUERY_CONTROL_CHARACTERS)],
)
def test_an_over_long_or_control_character_query_is_refused_with_a_400_naming_the_field(client, officer, q, message):
    client.force_login(officer)
    response = find(client, q)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Search every record: " + message.replace("'", "&#x27;") in page


def test_every_page_has_the_search_box_in_its_header(client, officer):
    client.force_login(officer)
    page = client.get(reverse("cases:referral_list")).content.decode()
    assert f'action="{reverse("cases:find")}"' in page and 'id="header-search-q"' in page


def test_the_search_needs_sign_in(client):
    assert client.get(reverse("cases:find"), {"q": "x"}).status_code == 302


def test_the_search_refuses_post(client, officer):
    client.force_login(officer)
    assert client.post(reverse("cases:find"), {"q": "x"}).status_code == 405


# --- The referral list --------------------------------------------------------------------------


def test_the_referral_list_is_searched_by_identifier_and_filtered(client, officer):
    wanted = new_referral(officer, "CEOP-1")
    add_value(wanted, officer, "email", "wanted@example.com")
    other = new_referral(officer, "NCMEC-99")
    client.force_login(officer)
    url = reverse("cases:referral_list")
    page = client.get(url, {"q": "WANTED@example.com"}).content.decode()
    assert "CEOP-1" in page and "NCMEC-99" not in page
    page = client.get(url, {"q": "ncmec-99"}).content.decode()
    assert "NCMEC-99" in page and "CEOP-1" not in page
    page = client.get(url, {"risk_grade": "low"}).content.decode()
    assert "NCMEC-99" not in page and "CEOP-1" not in page
    page = client.get(url, {"risk_grade": "high", "source": "nca_ceop"}).content.decode()
    assert "NCMEC-99" in page and "CEOP-1" in page
    assert other.pk


def test_a_bad_referral_filter_is_a_400_naming_it(client, officer):
    client.force_login(officer)
    response = client.get(reverse("cases:referral_list"), {"received_from": "31/31/2026", "q": "a\tb"})
    assert response.status_code == 400
    page = response.content.decode()
    assert DateField.default_error_messages["invalid"] in page
    assert QUERY_CONTROL_CHARACTERS in page


# --- Malformed identifiers on the forms that record them ----------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "message"), [("phone", "call me", PHONE_INVALID), ("email", "name@", EMAIL_INVALID)]
)
def test_a_malformed_phone_number_or_email_address_is_refused_on_its_field(client, officer, kind, value, message):
    referral = new_referral(officer, "CEOP-1")
    client.force_login(officer)
    url = reverse("cases:referral_identifier_add", kwargs={"pk": referral.pk})
    response = client.post(url, {"kind": kind, "account_id": value})
    assert response.status_code == 400
    assert 'id="id_account_id_error"' in response.content.decode()
    assert message in response.content.decode()
    assert not referral.identifiers.exists()


def test_a_malformed_postcode_is_refused_on_its_field(client, officer, team, supervisor):
    case = open_case(officer, team, supervisor)
    client.force_login(officer)
    url = reverse("cases:premises_add", kwargs={"reference": case.reference})
    response = client.post(url, {"address": "1 High Street", "postcode": "ST16 2D"})
    assert response.status_code == 400
    assert 'id="id_postcode_error"' in response.content.decode()
    assert POSTCODE_INVALID in response.content.decode()
    assert not case.premises.exists()


def test_people_who_read_no_team_cases_or_referrals_find_nothing_without_an_error(client, examiner, recorded):
    case, _ = recorded
    client.force_login(examiner)
    response = find(client, "ST16 2DJ")
    assert response.status_code == 200
    assert case.reference not in response.content.decode()
    assert "Nothing you may see matches" in response.content.decode()


def test_the_search_reads_the_forces_a_person_may_see_including_a_case_granted_from_another(
    client, officer, neighbours
):
    """The search narrows to the forces of what the person may see (`forces_in_view`) before it
    matches: their own force, and the force of a case granted to them from another."""
    from guardian.shortcuts import assign_perm

    from cases.selectors import forces_in_view

    n_team, neighbour, n_supervisor = neighbours
    theirs = open_case(neighbour, n_team, n_supervisor)
    subject_add(case=theirs, actor=neighbour, full_name="Quentin Arbuthnot", pnc_id="99/424242Q")
    client.force_login(officer)
    assert forces_in_view(officer) == [officer.force_id]
    assert theirs.reference not in find(client, "Arbuthnot").content.decode()
    assign_perm("cases.view_case", officer, theirs)
    assert forces_in_view(officer) == sorted([officer.force_id, neighbour.force_id])
    for q in ("Arbuthnot", "99/424242Q"):
        assert theirs.reference in find(client, q).content.decode(), q


@pytest.mark.parametrize("q", ["Stafford Mill", "lane MILL", "mill lane stafford st16"])
def test_the_words_of_an_address_are_found_in_any_order(client, officer, recorded, q):
    case, hidden = recorded
    client.force_login(officer)
    page = find(client, q).content.decode()
    assert ">Address</h2>" in page and case.reference in page
    assert hidden.reference not in page


def test_the_search_queries_do_not_grow_with_the_rows_found(client, officer, team, supervisor):
    """One row found or fifty: the same queries (the rows come with their case and referral)."""
    client.force_login(officer)
    case = open_case(officer, team, supervisor)
    subject_add(case=case, actor=officer, full_name="Ada Quennell", date_of_birth=date(1980, 1, 1))
    url = reverse("cases:find")
    client.get(url, {"q": "Quennell"})  # warm: session, two-factor device, content types
    with CaptureQueriesContext(connection) as one:
        assert client.get(url, {"q": "Quennell"}).content.decode().count("Ada Quennell") == 1
    for n in range(49):
        other = open_case(officer, team, supervisor)
        subject_add(case=other, actor=officer, full_name=f"Bea Quennell {n}", date_of_birth=date(1980, 1, 1))
    with CaptureQueriesContext(connection) as fifty:
        assert "Bea Quennell 48" in client.get(url, {"q": "Quennell"}).content.decode()
    assert len(one.captured_queries) == len(fifty.captured_queries)


def test_the_search_reads_only_the_trigrams_of_the_forces_searched(officer, recorded):
    """The trigram indexes lead with the force (btree_gin): PostgreSQL takes the force as part of
    the index's condition, so a search reads one force's rows, not every force's, only when the
    force is compared as a bigint (`_in_force`). Shown by the plan, with sequential scans off so
    that the few rows of a test database are read by index as a national table's are."""
    from cases.selectors import IndexedIdentifier, _matches, search_values

    q = "Smyth"
    rows = IndexedIdentifier.objects.alias(upper_value=Upper("value")).filter(
        _matches(q, search_values(q), [officer.force_id], similar_names=False)
    )
    sql, params = rows.values("id").query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    force = f"(force_id = '{officer.force_id}'::bigint)"
    assert f"Index Cond: ({force} AND (upper((value)::text) ~~ '%SMYTH%'::text))" in plan, plan
