"""Ids from elsewhere: a record's id put in the URL of a case it does not belong to is "not found",
exactly as an id that does not exist, even for someone who may see both cases."""

import re

import pytest
from django.urls import reverse

from audit.models import Flag
from audit.signals import access_denied
from cases.models import Device
from tests.access.test_authorisation_matrix import RULES, URLS
from tests.conftest import BrowserClient

CASE_RECORD_URLS = [
    (name, keys) for name, keys in URLS if RULES.get(name) and RULES[name].kind == "case" and len(keys) > 1
]
REFERRAL_RECORD_URLS = [
    (name, keys) for name, keys in URLS if RULES.get(name) and RULES[name].kind == "referral" and len(keys) > 1
]
MISSING = 999_999_999
# Per-response values (the sign-out form's CSRF token, CSP nonces) differ between any two pages.
PER_RESPONSE = re.compile(rb'(name="csrfmiddlewaretoken" value|nonce)="[^"]*"')


def page(response) -> bytes:
    return PER_RESPONSE.sub(b"", response.content)


def _signed_in(user) -> BrowserClient:
    client = BrowserClient()
    client.force_login(user)
    return client


def _kwargs(world, name, keys, *, case_key: str, record_from: str, missing: bool = False):
    records = dict(RULES[name].records)
    kwargs = {"reference": world.cases[case_key].reference}
    for key in keys:
        if records.get(key, "").startswith("="):  # a value put in the URL as it is (a record type)
            kwargs[key] = records[key].removeprefix("=")
        elif key != "reference":
            kwargs[key] = MISSING if missing else world.records[record_from][records[key]]
    return kwargs


def test_every_case_record_url_is_covered() -> None:
    assert len(CASE_RECORD_URLS) >= 15, "The IDOR tests should cover every URL with a record id in it."


@pytest.mark.parametrize("record_from", ["restricted", "other_team"])
@pytest.mark.parametrize(("name", "keys"), CASE_RECORD_URLS, ids=lambda v: str(v))
def test_a_record_of_another_case_is_not_found_under_this_case(world, name, keys, record_from) -> None:
    client = _signed_in(world.users["supervisor_a"])  # may see case A and the restricted case
    url = reverse(name, kwargs=_kwargs(world, name, keys, case_key="case", record_from=record_from))
    missing_url = reverse(name, kwargs=_kwargs(world, name, keys, case_key="case", record_from="case", missing=True))

    response = client.get(url)

    assert response.status_code == 404, url
    assert page(response) == page(client.get(missing_url))


def _referral_kwargs(world, name, keys, *, record_from: str, missing: bool = False):
    """The URL of this force's referral, naming a record of `record_from`'s referral (or a missing one)."""
    records = dict(RULES[name].records)
    kwargs: dict[str, object] = {}
    for key in keys:
        kind = records[key]
        if kind.startswith("="):
            kwargs[key] = kind.removeprefix("=")
        elif kind == "referral":
            kwargs[key] = world.referrals["referral"].pk
        elif missing:
            kwargs[key] = MISSING
        elif kind == "referral_identifier":
            kwargs[key] = world.referral_identifiers[record_from]
        else:
            kwargs[key] = world.comms_requests[record_from]
    return kwargs


def test_every_referral_record_url_is_covered() -> None:
    assert {name for name, _ in REFERRAL_RECORD_URLS} >= {
        "cases:comms_request_approval",
        "cases:comms_request_result",
        "cases:referral_record_correct",
        "cases:referral_record_withdraw",
        "cases:referral_record_history",
    }


@pytest.mark.parametrize(("name", "keys"), REFERRAL_RECORD_URLS, ids=lambda v: str(v))
def test_a_record_of_another_referral_is_not_found_under_this_referral(world, name, keys) -> None:
    client = _signed_in(world.users["supervisor_a"])
    url = reverse(name, kwargs=_referral_kwargs(world, name, keys, record_from="other_force"))
    missing_url = reverse(name, kwargs=_referral_kwargs(world, name, keys, record_from="referral", missing=True))
    own_url = reverse(name, kwargs=_referral_kwargs(world, name, keys, record_from="referral"))

    response = client.get(url)

    assert response.status_code == 404, url
    assert page(response) == page(client.get(missing_url))
    assert client.get(own_url).status_code == 200


@pytest.mark.parametrize(("name", "keys"), CASE_RECORD_URLS, ids=lambda v: str(v))
def test_a_record_of_the_case_is_found(world, name, keys) -> None:
    """The counterpart, so the test above cannot pass for the wrong reason."""
    client = _signed_in(world.users["supervisor_a"])
    url = reverse(name, kwargs=_kwargs(world, name, keys, case_key="case", record_from="case"))

    assert client.get(url).status_code == 200


def test_a_hidden_case_answers_exactly_as_a_missing_one(world) -> None:
    client = _signed_in(world.users["officer_a"])
    hidden = client.get(reverse("cases:detail", kwargs={"reference": world.cases["restricted"].reference}))
    missing = client.get(reverse("cases:detail", kwargs={"reference": "STF-2026-999999"}))

    assert hidden.status_code == missing.status_code == 404
    assert page(hidden) == page(missing)


def test_a_comms_request_of_another_referral_is_not_found(world) -> None:
    client = _signed_in(world.users["officer_a"])
    pk = world.referrals["referral"].pk
    foreign = reverse(
        "cases:comms_request_approval", kwargs={"pk": pk, "request_pk": world.comms_requests["other_force"]}
    )
    own = reverse("cases:comms_request_approval", kwargs={"pk": pk, "request_pk": world.comms_requests["referral"]})

    assert client.get(foreign).status_code == 404
    assert client.get(own).status_code == 200


def test_a_referral_of_another_force_is_not_found(world) -> None:
    client = _signed_in(world.users["officer_a"])

    response = client.get(reverse("cases:referral_detail", kwargs={"pk": world.referrals["other_force"].pk}))

    assert response.status_code == 404


def test_a_record_id_from_another_case_is_reported_as_denied(world) -> None:
    client = _signed_in(world.users["supervisor_a"])
    heard = []

    def receiver(sender, **kwargs):
        heard.append(kwargs)

    access_denied.connect(receiver)
    try:
        device = world.records["other_team"]["device"]
        client.get(reverse("cases:device_detail", kwargs={"reference": world.cases["case"].reference, "pk": device}))
    finally:
        access_denied.disconnect(receiver)

    assert [(h["user"], h["obj_type"], h["obj_id"], h["action"]) for h in heard] == [
        (world.users["supervisor_a"], Device, str(device), "view")
    ]


def test_a_flag_is_found_only_by_an_auditor_and_to_anyone_else_is_as_missing_as_none(world) -> None:
    """The flag pages take a flag's id: to anyone but an auditor, a real flag's id answers exactly
    as an id that does not exist, so ids reveal nothing; an auditor finds the real one."""
    person = world.users["officer_a"]
    moment = world.cases["case"].opened_at
    flag = Flag.objects.create(
        kind=Flag.Kind.REFUSED, person=person, username=person.username, window_start=moment, window_end=moment,
        entry_ids=[],
    )  # fmt: skip
    real, missing = (reverse("audit:flag_detail", args=[pk]) for pk in (flag.pk, MISSING))
    for actor in ("officer_a", "supervisor_a", "administrator", "officer_b"):
        client = _signed_in(world.users[actor])
        for method in ("get", "post"):
            answers = [getattr(client, method)(url, {"note": "seen"}) for url in (real, missing)]
            assert [response.status_code for response in answers] == [404, 404], (actor, method)
            assert page(answers[0]) == page(answers[1]), (actor, method)
    auditor = _signed_in(world.users["auditor"])
    assert (auditor.get(real).status_code, auditor.get(missing).status_code) == (200, 404)
    flag.refresh_from_db()
    assert flag.status == Flag.Status.OPEN
