"""Referral intake (POST /api/v1/referrals/): a referral and its identifiers recorded through the
referral form's services, once per Idempotency-Key, its deconfliction matches told as a person's
notice tells them (need-to-know intact), and no file, image or data URI accepted anywhere."""

import base64
import json
from datetime import UTC, datetime

import pytest

from api.models import IdempotentDelivery
from api.services import INTAKE_NO_RECORDER, KEY_REUSED
from api.views import KEY_NEEDED
from audit.models import AuditEntry
from cases.models import DeconflictionMatch, Referral
from cases.services.identifiers import identifiers_attach_case
from cases.services.referrals import IDENTIFIER_OBSERVED_AFTER_RECEIPT, REFERRAL_DUPLICATE
from tests.api.conftest import bearer, referral_body
from tests.factories.cases import CaseFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/referrals/"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def deliver(api, token, body, key="key-1", **headers):
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return api.post(URL, raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **bearer(token), **headers)


def test_it_records_the_referral_and_its_identifiers_through_the_forms_services(api, api_world):
    response = deliver(api, api_world.tokens["all"], referral_body())
    assert response.status_code == 201, response.content
    body = response.json()
    referral = Referral.objects.get(pk=body["id"])
    assert (referral.force, referral.source_reference) == (api_world.home, "CEOP-2026-0001")
    assert referral.risk_grade == "high"
    assert referral.created_by == api_world.recorder
    assert referral.files_reported == 12
    ip, email = referral.identifiers.order_by("id")
    # 21:14:07 in New York (EST, UTC-5) is 02:14:07 UTC the next day; the string is kept as given.
    assert ip.observed_at == datetime(2026, 11, 3, 2, 14, 7, tzinfo=UTC)
    assert (ip.observed_original, ip.observed_timezone, ip.port) == ("2026-11-02 21:14:07", "America/New_York", 51413)
    assert email.account_id == "someone@example.com"
    assert body["identifiers"] == [
        {"kind": "ip", "value": "203.0.113.7:51413", "observed_at": "2026-11-03T02:14:07+00:00"},
        {"kind": "email", "value": "someone@example.com", "observed_at": None},
    ]
    assert body["matches"] == []
    # The row trigger names the client as the actor of every row written.
    created = AuditEntry.objects.filter(kind="create", object_type="cases.Referral", object_id=str(referral.pk)).get()
    assert (created.actor_id, created.actor_username, created.source) == (None, "api:all client", "api")


def test_a_retry_with_the_same_key_and_body_gets_the_first_answer_and_records_nothing_again(api, api_world):
    token = api_world.tokens["all"]
    first = deliver(api, token, referral_body())
    # The same data, its keys in another order and spaced otherwise.
    reordered = json.dumps(dict(reversed(list(referral_body().items()))), indent=2)
    again = deliver(api, token, reordered)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Referral.objects.filter(source_reference="CEOP-2026-0001").count() == 1
    assert IdempotentDelivery.objects.get().response == first.json()
    replay = AuditEntry.objects.filter(kind="read", object_type="cases.Referral").latest("id")
    assert (replay.object_id, replay.actor_username) == (str(first.json()["id"]), "api:all client")


def test_the_same_key_with_another_body_is_refused_and_records_nothing(api, api_world):
    token = api_world.tokens["all"]
    assert deliver(api, token, referral_body()).status_code == 201
    response = deliver(api, token, referral_body(risk_grade="low"))
    assert response.status_code == 422
    assert response.json() == {"detail": KEY_REUSED}
    assert Referral.objects.get().risk_grade == "high"


def test_keys_are_each_clients_own(api, api_world):
    """Another client may use the same key for its own referral."""
    assert deliver(api, api_world.tokens["all"], referral_body("A-1")).status_code == 201
    assert deliver(api, api_world.tokens["intake_only"], referral_body("A-2")).status_code == 201
    assert Referral.objects.count() == 2


def test_a_new_key_for_a_referral_already_recorded_is_the_forms_duplicate_error(api, api_world):
    token = api_world.tokens["all"]
    assert deliver(api, token, referral_body()).status_code == 201
    response = deliver(api, token, referral_body(), key="key-2")
    assert response.status_code == 400
    assert response.json() == {"source_reference": [REFERRAL_DUPLICATE]}


def test_a_refused_delivery_stores_nothing_and_may_be_sent_again_corrected_with_its_key(api, api_world):
    token = api_world.tokens["all"]
    body = referral_body()
    body["identifiers"][0]["observed_original"] = "2026-11-04 10:00:00"  # after the referral was received
    refused = deliver(api, token, body)
    assert refused.status_code == 400
    assert refused.json() == {"identifiers[0].observed_original": [IDENTIFIER_OBSERVED_AFTER_RECEIPT]}
    assert not Referral.objects.exists()
    assert not IdempotentDelivery.objects.exists()
    assert deliver(api, token, referral_body()).status_code == 201


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 400), ({"HTTP_IDEMPOTENCY_KEY": ""}, 400), ({"HTTP_IDEMPOTENCY_KEY": "a key"}, 400)],
    ids=["none", "empty", "with a space"],
)
def test_a_delivery_without_a_usable_key_is_refused(api, api_world, headers, status):
    response = api.post(
        URL, json.dumps(referral_body()), content_type="application/json", **headers, **bearer(api_world.tokens["all"])
    )
    assert response.status_code == status
    assert response.json() == {"Idempotency-Key": [KEY_NEEDED]}
    assert not Referral.objects.exists()


def test_bad_shapes_are_named_field_by_field(api, api_world):
    body = referral_body(source="carrier pigeon", files_reported=-1)
    body["identifiers"][0]["port"] = 70000
    response = deliver(api, api_world.tokens["all"], body)
    assert response.status_code == 400
    problems = response.json()
    assert set(problems) == {"source", "files_reported", "identifiers"}
    assert problems["identifiers"] == {"0": {"port": ["Ensure this value is less than or equal to 65535."]}}


def test_a_client_whose_recorder_may_no_longer_record_referrals_is_refused_and_audited(api, api_world):
    api_world.recorder.is_active = False
    api_world.recorder.save()
    response = deliver(api, api_world.tokens["all"], referral_body())
    assert response.status_code == 403
    assert response.json() == {"detail": INTAKE_NO_RECORDER}
    denied = AuditEntry.objects.filter(kind="access_denied").latest("id")
    assert (denied.actor_username, denied.changes["status"]) == ("api:all client", 403)
    assert not Referral.objects.exists()


# --- Deconfliction ---------------------------------------------------------------------------


@pytest.fixture
def region(api_world):
    """Both forces in one regional operation: their referrals are compared with each other's."""
    for force in (api_world.home, api_world.other):
        force.region = "West Midlands"
        force.save()


def shown_entries(client_name):
    return AuditEntry.objects.filter(kind="link", changes__event="shown", changes__shown_to=client_name)


def test_a_match_with_another_forces_referral_names_only_whom_to_contact(api, api_world, region):
    other = deliver(api, api_world.tokens["other_force"], referral_body("OTH-1"), key="o-1").json()
    ours = deliver(api, api_world.tokens["all"], referral_body("HOM-1"), key="h-1")
    matches = ours.json()["matches"]
    assert {m["kind"] for m in matches} == {"ip", "email"}
    other_referral = Referral.objects.get(pk=other["id"])
    for match in matches:
        assert match["visible"] is False
        assert (match["record"], match["identifier"]) == ("", "")
        assert match["contact"] == (
            f"Referrals, Other Force: recorded by {other_referral.created_by} ({other_referral.created_by.email})"
        )
    assert "OTH-1" not in ours.content.decode()
    assert shown_entries("api:all client").count() == 2
    # Whoever recorded each side is told, as for a referral typed in.
    assert DeconflictionMatch.objects.count() == 2


def test_a_match_with_a_case_the_client_may_read_names_it_and_one_it_may_not_only_whom_to_contact(api, api_world):
    first = deliver(api, api_world.tokens["intake_only"], referral_body("FIRST"), key="f").json()
    referral = Referral.objects.get(pk=first["id"])
    case = CaseFactory(team=api_world.case.team, reference="HOM-2026-000010", referral=referral)
    identifiers_attach_case(referral=referral, case=case)
    seen = deliver(api, api_world.tokens["all"], referral_body("SECOND"), key="s").json()["matches"]
    assert {(m["visible"], m["record"]) for m in seen} == {(True, "Case HOM-2026-000010")}
    # A client without the scope to read cases is told only whom to contact.
    # (It matches the second referral too, which a client of its force may read.)
    unseen = deliver(api, api_world.tokens["intake_only"], referral_body("THIRD"), key="t").json()["matches"]
    assert {m["record"] for m in unseen if m["visible"]} == {"Referral NCA-CEOP package SECOND"}
    to_case = [m for m in unseen if not m["visible"]]
    assert len(to_case) == 2
    assert all(m["contact"].startswith(f"{case.team.name}, Home Force: supervisor") for m in to_case)
    assert "HOM-2026-000010" not in json.dumps(unseen)


def test_a_match_with_a_restricted_case_names_only_whom_to_contact(api, api_world):
    first = deliver(api, api_world.tokens["intake_only"], referral_body("FIRST"), key="f").json()
    referral = Referral.objects.get(pk=first["id"])
    case = CaseFactory(team=api_world.case.team, reference="HOM-2026-000011", referral=referral, restricted=True)
    identifiers_attach_case(referral=referral, case=case)
    matches = deliver(api, api_world.tokens["all"], referral_body("SECOND"), key="s").json()["matches"]
    assert matches and all(not m["visible"] and m["record"] == "" for m in matches)


# --- Metadata only -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "where",
    ["summary", "platform", "identifier", "source_reference"],
)
@pytest.mark.parametrize(
    "payload",
    [
        "data:image/png;base64,iVBORw0KGgo=",
        base64.b64encode(PNG).decode(),
        "ff d8 ff e0 00 10 4a 46 49 46 00 01",
    ],
    ids=["data URI", "base64 PNG", "hex JPEG"],
)
def test_imagery_anywhere_in_the_body_is_refused_nothing_recorded_and_the_client_named(api, api_world, where, payload):
    body = referral_body()
    if where == "identifier":
        body["identifiers"][1]["account_id"] = payload
    else:
        body[where] = payload
    response = deliver(api, api_world.tokens["all"], body, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "value_refused"
    assert not Referral.objects.exists()
    assert not IdempotentDelivery.objects.exists()
    entry = AuditEntry.objects.filter(kind="media_refused").latest("id")
    assert (entry.actor_username, entry.source) == ("api:all client", "api")
    assert entry.changes["where"] == "api:referrals"
    assert payload not in json.dumps(entry.changes)


def test_a_file_upload_and_an_image_body_are_refused(api, api_world):
    token = api_world.tokens["all"]
    upload = api.post(URL, {"file": ("x.png", PNG)}, HTTP_IDEMPOTENCY_KEY="u", **bearer(token))
    assert upload.status_code == 415
    image = api.post(URL, PNG, content_type="image/png", HTTP_IDEMPOTENCY_KEY="i", **bearer(token))
    assert image.status_code == 415
    raw = api.post(URL, PNG, content_type="application/json", HTTP_IDEMPOTENCY_KEY="r", **bearer(token))
    assert raw.status_code == 415
    assert not Referral.objects.exists()
    assert AuditEntry.objects.filter(kind="media_refused", actor_username="api:all client").count() == 3


def test_a_form_encoded_body_is_not_json_and_is_refused(api, api_world):
    response = api.post(
        URL,
        "source=nca_ceop",
        content_type="application/x-www-form-urlencoded",
        HTTP_IDEMPOTENCY_KEY="k",
        **bearer(api_world.tokens["all"]),
    )
    assert response.status_code == 415
