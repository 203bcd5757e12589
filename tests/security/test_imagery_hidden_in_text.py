"""Imagery hidden in text: an image, a video or an archive spelled every way an attacker spelled it
is refused in a form field, a query string and a header, by the web and by the importer alike (one
recogniser), and each refusal is an audit entry that says who, where and what kind, never the bytes.
What django-axes keeps of a failed sign-in never holds it either."""

import base64
import os
from urllib.parse import quote_from_bytes

import pytest
from axes.models import AccessAttempt, AccessLog
from django.urls import reverse

from audit.models import AuditEntry
from casefiles.io.screening import string_problem
from cases.models import CaseLogEntry
from safeguard.metadata import recognise
from tests.factories.cases import CaseFactory

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(256)) * 2
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256))
B64 = base64.b64encode(JPEG).decode()
ZIP_OF_A_JPEG = b"PK\x03\x04\x14\x00\x00\x00\x00\x00" + b"\x00" * 16 + b"photo.jpg" + JPEG
PDF_WITH_AN_IMAGE = b"%PDF-1.7\n1 0 obj << /Type /XObject /Subtype /Image /Filter /DCTDecode >>\nstream\n" + JPEG


def _spaced(text: str, every: int, sep: str) -> str:
    return sep.join(text[i : i + every] for i in range(0, len(text), every))


SPELLINGS = {
    "base64 broken by spaces": _spaced(B64, 4, " "),
    "base64 broken by line breaks": _spaced(B64, 20, "\r\n"),
    "base64 broken by punctuation": _spaced(B64, 3, "."),
    "base64 with a stray leading character": "Q" + B64,
    "base64 of a JPEG after a byte-order mark": base64.b64encode(b"\xef\xbb\xbf" + JPEG).decode(),
    "base64 of a JPEG after a leading byte": base64.b64encode(b"\x00" + JPEG).decode(),
    "URL-safe base64 of a PNG": base64.urlsafe_b64encode(PNG).decode(),
    "hex": JPEG.hex(),
    "hex with spaces": _spaced(JPEG.hex(), 2, " "),
    "hex as \\x escapes": "".join(f"\\x{b:02x}" for b in JPEG[:64]),
    "hex as 0x list": ", ".join(f"0x{b:02x}" for b in JPEG[:64]),
    "percent-encoded bytes": quote_from_bytes(JPEG[:64]),
    "percent-encoded twice": quote_from_bytes(JPEG[:64]).replace("%", "%25"),
    "percent-encoded base64": quote_from_bytes(B64.encode(), safe=""),
    "data: URI with a Cyrillic a": "d\u0430ta:image/jpeg;base64," + B64[:40],
    "data: URI in full-width letters": "\uff44\uff41\uff54\uff41\uff1aimage/jpeg;base64," + B64[:40],
    "data: URI with a zero-width space": "da\u200bta:image/jpeg;base64," + B64[:40],
    "data: URI with a soft hyphen and a BOM": "\ufeffdat\u00ada:image/png;base64,iVBORw0KGgo",
    "ZIP of a JPEG in base64": base64.b64encode(ZIP_OF_A_JPEG).decode(),
    "PDF with an image in base64": base64.b64encode(PDF_WITH_AN_IMAGE).decode(),
    "long base64 of random binary": base64.b64encode(os.urandom(400)).decode(),
    "long hex of random binary": os.urandom(300).hex(),
}
PROSE = [
    "Ryan attended the station voluntarily and was interviewed under caution. " * 8,
    "Comms data: resolved, subscriber named at 12 Mill Lane. Exhibit SDH/01 seized; data: not yet reviewed.",
    "IP 203.0.113.7:51413 observed 2026-11-16 21:14:05 UTC; hash list 3f2a9c, case STF-2026-000123.",
    "MOBILE PHONE SEIZED FROM BEDROOM. NO PASSCODE GIVEN. SENT FOR KIOSK EXTRACTION. " * 5,
    "Café on Mill Lane (naïve account), résumé of the interview follows. " * 6,
    "\n".join(os.urandom(32).hex() for _ in range(8)),  # a list of SHA-256 hashes of seized files
    ", ".join(os.urandom(16).hex() for _ in range(12)),  # MD5 hashes, comma-separated
]


@pytest.mark.parametrize("value", SPELLINGS.values(), ids=SPELLINGS.keys())
def test_imagery_spelled_this_way_is_recognised_by_the_one_recogniser(value):
    assert recognise(value) is not None
    assert string_problem(value) is not None  # the importer asks the same recogniser


@pytest.mark.parametrize("text", PROSE)
def test_case_notes_are_not_taken_for_imagery(text):
    assert recognise(text) is None
    assert string_problem(text) is None


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


@pytest.mark.parametrize("value", SPELLINGS.values(), ids=SPELLINGS.keys())
def test_imagery_spelled_this_way_in_a_form_field_is_refused_saved_nowhere_and_audited(client, officer, case, value):
    client.force_login(officer)
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    url = reverse("cases:log_add", kwargs={"reference": case.reference})
    response = client.post(url, {"kind": "note", "text": value})
    assert response.status_code == 400
    assert not CaseLogEntry.objects.filter(case=case).exists()
    [entry] = AuditEntry.objects.filter(id__gt=before, kind=AuditEntry.Kind.MEDIA_REFUSED)
    assert (entry.actor_id, entry.changes["where"], entry.changes["field"]) == (officer.pk, "cases:log_add", "text")
    assert entry.changes["what"] == recognise(value.encode())
    stored = " ".join(str(v) for v in AuditEntry.objects.filter(id__gt=before).values_list("summary", "changes"))
    assert value[:24] not in stored


@pytest.mark.parametrize(
    "name", ["base64 broken by spaces", "hex", "percent-encoded twice", "data: URI with a Cyrillic a"]
)
def test_imagery_in_a_query_string_is_refused(client, officer, name):
    client.force_login(officer)
    response = client.get(reverse("cases:list"), {"q": SPELLINGS[name]})
    assert response.status_code == 400


@pytest.mark.parametrize("name", ["base64 broken by spaces", "hex", "data: URI in full-width letters"])
def test_imagery_in_a_header_is_refused(client, officer, name):
    client.force_login(officer)
    response = client.get(reverse("cases:list"), headers={"X-Note": SPELLINGS[name].replace("\r\n", " ")})
    assert response.status_code == 400


def test_a_failed_sign_in_carrying_imagery_in_its_user_agent_or_query_keeps_none_of_it(client):
    login = reverse("login")
    hidden = SPELLINGS["base64 broken by spaces"]
    response = client.post(login, {"username": "nobody", "password": "wrong"}, headers={"User-Agent": hidden})
    assert response.status_code == 400
    response = client.post(login + "?next=" + quote_from_bytes(B64.encode()), {"username": "nobody", "password": "x"})
    assert response.status_code == 400
    kept = [
        " ".join(str(value) for value in row)
        for model in (AccessAttempt, AccessLog)
        for row in model.objects.values_list()
    ]
    assert not any(B64[:16] in row or hidden[:16] in row for row in kept)
    refusals = AuditEntry.objects.filter(kind=AuditEntry.Kind.MEDIA_REFUSED, changes__where="login")
    assert refusals.count() == 2
    assert {entry.actor_id for entry in refusals} == {None}
