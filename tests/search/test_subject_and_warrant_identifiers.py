"""A subject's phone number, e-mail address and online account, and a warrant's and its court's
references: normalised, refused on their own field when malformed, indexed for the search, and (the
subject's) deconflicted as a referral's are. Exhibit references are searched, not deconflicted."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from cases import identifiers as ids
from cases.models import DeconflictionMatch, IndexedIdentifier
from cases.services.case import premises_add, subject_add, subject_correct
from cases.services.search import device_record
from tests.search.conftest import add_value, new_referral, open_case
from tests.search.test_deconfliction import supervisor_of
from warrants.services import warrant_apply, warrant_draft, warrant_record_issue

pytestmark = pytest.mark.django_db

Kind = IndexedIdentifier.Kind

REFERENCE_CHARACTERS = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


# --- Normalisation ------------------------------------------------------------------------------


@st.composite
def document_references(draw):
    """References as courts print them: parts of letters and digits joined by one separator."""
    parts = draw(st.lists(st.text(REFERENCE_CHARACTERS, min_size=1, max_size=6), min_size=1, max_size=4))
    separators = [draw(st.sampled_from(["/", "-", ".", " "])) for _ in parts[1:]]
    return parts[0] + "".join(sep + part for sep, part in zip(separators, parts[1:], strict=True))


@given(document_references(), st.data())
def test_a_court_reference_however_cased_and_spaced_normalises_to_one_form(reference, data):
    written = "".join(c.lower() if data.draw(st.booleans()) else c for c in reference)
    written = data.draw(st.sampled_from(["", " ", "  "])) + written.replace(
        " ", data.draw(st.sampled_from([" ", "  ", "\t"]))
    )
    normalised = ids.normalise_document_reference(written, field="court_reference")
    assert normalised == reference
    assert ids.normalise_document_reference(normalised, field="court_reference") == normalised  # idempotent


@given(st.text(min_size=1, max_size=60).filter(lambda t: t.strip()))
def test_any_text_is_a_reference_in_its_one_form_or_refused_naming_the_field(text):
    try:
        normalised = ids.normalise_document_reference(text, field="warrant_reference")
    except ValidationError as error:
        assert error.message_dict == {"warrant_reference": [ids.DOCUMENT_REFERENCE_INVALID]}
    else:
        assert len(normalised) <= 40
        assert ids.normalise_document_reference(normalised, field="warrant_reference") == normalised


@pytest.mark.parametrize("bad", ["/123", "123/", "W#1", "A" * 41, "Ünïcode 1"])
def test_a_malformed_court_reference_is_refused(bad):
    with pytest.raises(ValidationError) as caught:
        ids.normalise_document_reference(bad, field="court_reference")
    assert caught.value.message_dict == {"court_reference": [ids.DOCUMENT_REFERENCE_INVALID]}


@given(st.integers(min_value=900000, max_value=900999), st.sampled_from(["07700 {}", "+44 7700 {}", "00447700{}"]))
def test_a_subjects_phone_number_is_stored_in_e164_however_written(number, shape):
    assert ids.normalise_phone(shape.format(number), field="phone") == f"+447700{number}"


# --- Subjects: stored normalised, refused on their own field, indexed and deconflicted ------------


def test_a_subjects_contact_details_are_stored_normalised_and_indexed(officer, team, supervisor):
    case = open_case(officer, team, supervisor)
    subject = subject_add(
        case=case,
        actor=officer,
        full_name="Lee Hart",
        phone="07700 900123",
        email="Lee.Hart@Example.COM",
        online_account=" LeeH_99 ",
    )
    assert (subject.phone, subject.email, subject.online_account) == (
        "+447700900123",
        "lee.hart@example.com",
        "LeeH_99",
    )
    rows = dict(
        IndexedIdentifier.objects.filter(source_type="cases.Subject", source_id=subject.pk).values_list("kind", "value")
    )
    assert rows[Kind.PHONE] == "+447700900123"
    assert rows[Kind.EMAIL] == "lee.hart@example.com"
    assert rows[Kind.ACCOUNT] == "leeh_99"


@pytest.mark.parametrize(
    ("field", "value", "message"), [("phone", "call me", ids.PHONE_INVALID), ("email", "lee@", ids.EMAIL_INVALID)]
)
def test_a_malformed_phone_or_email_of_a_subject_is_refused_on_its_field(
    officer, team, supervisor, field, value, message
):
    case = open_case(officer, team, supervisor)
    with pytest.raises(ValidationError) as caught:
        subject_add(case=case, actor=officer, full_name="Lee Hart", **{field: value})
    assert caught.value.message_dict == {field: [message]}
    assert not case.subjects.exists()


def test_the_subject_form_names_the_field_of_a_malformed_phone_number(client, officer, team, supervisor):
    case = open_case(officer, team, supervisor)
    client.force_login(officer)
    url = reverse("cases:subject_add", kwargs={"reference": case.reference})
    response = client.post(url, {"full_name": "Lee Hart", "phone": "12", "email": "lee@"})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_phone_error"' in page and ids.PHONE_INVALID in page
    assert 'id="id_email_error"' in page and ids.EMAIL_INVALID in page
    assert not case.subjects.exists()


@pytest.mark.parametrize(
    ("kind", "on_subject", "on_referral"),
    [
        ("phone", "07700 900777", "+44 7700 900777"),
        ("email", "Dark.Horse@example.com", "dark.horse@EXAMPLE.com"),
        ("online_account", "DarkHorse", "darkhorse"),
    ],
)
def test_a_subjects_contact_detail_matches_a_referrals_in_a_neighbouring_force(
    officer, team, supervisor, neighbours, kind, on_subject, on_referral
):
    _, neighbour, _ = neighbours
    case = open_case(officer, team, supervisor)
    subject_add(case=case, actor=officer, full_name="Lee Hart", **{kind: on_subject})
    referral_kind = "account" if kind == "online_account" else kind
    add_value(new_referral(neighbour, "CEOP-77"), neighbour, referral_kind, on_referral)
    match = DeconflictionMatch.objects.get()
    assert match.kind == referral_kind
    assert {match.first.case_id, match.second.case_id} == {case.pk, None}


def test_two_subjects_of_two_cases_with_one_phone_number_match(officer, team, supervisor, outsider):
    ours = open_case(officer, team, supervisor)
    theirs = open_case(outsider, outsider.teams.get(), supervisor_of(outsider))
    subject_add(case=ours, actor=officer, full_name="Lee Hart", phone="07700 900555")
    subject_add(case=theirs, actor=outsider, full_name="L. Hart", phone="+447700900555")
    assert DeconflictionMatch.objects.get().kind == Kind.PHONE


def test_a_corrected_phone_number_is_indexed_again(officer, team, supervisor):
    case = open_case(officer, team, supervisor)
    subject = subject_add(case=case, actor=officer, full_name="Lee Hart", phone="07700 900111")
    subject_correct(
        subject=subject,
        actor=officer,
        reason="Misread.",
        full_name="Lee Hart",
        phone="07700 900222",
        version=subject.version,
    )
    current = IndexedIdentifier.objects.filter(
        source_type="cases.Subject", source_id=subject.pk, kind=Kind.PHONE, superseded_at__isnull=True
    )
    assert list(current.values_list("value", flat=True)) == ["+447700900222"]


# --- Exhibit references: searched, never deconflicted ---------------------------------------------


def test_the_same_exhibit_reference_in_two_cases_of_one_force_is_no_match(officer, team, supervisor):
    """An exhibit reference is the producer's initials and a number (JS/1): two cases of one force
    hold the same one by chance, so it is searched but never compared across investigations."""
    one, two = open_case(officer, team, supervisor), open_case(officer, team, supervisor)
    device_record(case=one, actor=officer, exhibit_reference="JS/1", device_type="laptop", action="seized")
    device_record(case=two, actor=officer, exhibit_reference="js/1", device_type="phone", action="seized")
    assert not DeconflictionMatch.objects.exists()
    assert IndexedIdentifier.objects.filter(kind=Kind.EXHIBIT, value="JS/1").count() == 2


# --- Warrants: their references indexed, found, and refused on their own field --------------------


def draft(case, officer, **references):
    premises = premises_add(case=case, actor=officer, address="3 Brook Lane\nStone", postcode="ST15 8AA")
    return warrant_draft(
        case=case,
        actor=officer,
        premises=premises,
        power="poca_s4",
        entry="single",
        court="Stafford Magistrates' Court",
        **references,
    )


def test_a_warrants_references_are_stored_normalised_and_found_by_the_search(client, officer, team, supervisor):
    case = open_case(officer, team, supervisor)
    warrant = draft(case, officer, warrant_reference=" sw/2026/0042 ", court_reference="smc  26-118")
    assert (warrant.warrant_reference, warrant.court_reference) == ("SW/2026/0042", "SMC 26-118")
    client.force_login(officer)
    for q, kind in (("SW/2026/0042", "Warrant reference"), ("smc 26-118", "Court reference")):
        page = client.get(reverse("cases:find"), {"q": q}).content.decode()
        assert f">{kind}</h2>" in page, q
        assert case.reference in page
    page = client.get(warrant.get_absolute_url()).content.decode()
    assert "SW/2026/0042" in page and "SMC 26-118" in page


def test_a_reference_given_on_issue_replaces_the_drafts_in_the_index(officer, team, supervisor):
    case = open_case(officer, team, supervisor)
    warrant = draft(case, officer, court_reference="SMC 26-118")
    warrant_apply(warrant=warrant, actor=officer, applied_at=timezone.now() - timedelta(minutes=30))
    warrant_record_issue(
        warrant=warrant,
        actor=officer,
        issued_at=timezone.now() - timedelta(minutes=10),
        issuing_justice="Ms A. Clarke JP",
        warrant_reference="SW/2026/0043",
    )
    warrant.refresh_from_db()
    assert (warrant.warrant_reference, warrant.court_reference) == ("SW/2026/0043", "SMC 26-118")
    current = IndexedIdentifier.objects.filter(
        source_type="warrants.Warrant", source_id=warrant.pk, superseded_at__isnull=True
    )
    assert sorted(current.values_list("kind", "value")) == [
        (Kind.COURT_REFERENCE, "SMC 26-118"),
        (Kind.WARRANT_REFERENCE, "SW/2026/0043"),
    ]
    assert not DeconflictionMatch.objects.exclude(kind=Kind.ADDRESS).exists()  # references are not deconflicted


def test_the_same_court_reference_in_two_cases_is_no_match(officer, team, supervisor):
    draft(open_case(officer, team, supervisor), officer, court_reference="SMC 26-118")
    draft(open_case(officer, team, supervisor), officer, court_reference="SMC 26-118")
    # The two premises' one address matches; the court reference does not.
    assert list(DeconflictionMatch.objects.values_list("kind", flat=True)) == [Kind.ADDRESS]


def test_a_malformed_reference_on_the_warrant_form_is_a_400_naming_its_field(client, officer, team, supervisor):
    case = open_case(officer, team, supervisor)
    premises = premises_add(case=case, actor=officer, address="3 Brook Lane", postcode="ST15 8AA")
    client.force_login(officer)
    url = reverse("warrants:create", kwargs={"reference": case.reference})
    data = {
        "premises": premises.pk,
        "power": "poca_s4",
        "entry": "single",
        "court": "Stafford Magistrates' Court",
        "warrant_reference": "SW#1",
        "court_reference": "/26",
    }
    response = client.post(url, data)
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_warrant_reference_error"' in page and 'id="id_court_reference_error"' in page
    assert ids.DOCUMENT_REFERENCE_INVALID in page
    assert not case.warrants.exists()
    with pytest.raises(ValidationError) as caught:
        warrant_draft(
            case=case,
            actor=officer,
            premises=premises,
            power="poca_s4",
            entry="single",
            court="Stafford",
            warrant_reference="SW#1",
        )
    assert caught.value.message_dict == {"warrant_reference": [ids.DOCUMENT_REFERENCE_INVALID]}
