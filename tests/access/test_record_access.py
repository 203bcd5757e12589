"""The correction, withdrawal and history pages of every record type (cases.corrections), as every
kind of person: the same answers as the role table gives the first entry of that record, and a
record of another case is "not found" as a missing one. The same for the pages of a referral not
developed into a case, for every type they take; once developed, they send the person to the case's."""

import pytest
from django.urls import reverse

from accounts.roles import Capability
from cases.corrections import RECORD_TYPES
from tests.access.test_authorisation_matrix import (
    ACTORS,
    Rule,
    _request,
    answer,
    case,
    expected,
    referral,
)
from tests.conftest import BrowserClient

PAGES = {"record_correct": "record", "record_withdraw": "record", "record_history": "view"}


def _url(world, page: str, key: str, target: str, record_from: str | None = None) -> str:
    pk = world.records[record_from or target][key]
    return reverse(f"cases:{page}", kwargs={"reference": world.cases[target].reference, "record_type": key, "pk": pk})


def test_every_record_type_has_a_record_in_the_world(world) -> None:
    assert set(RECORD_TYPES) <= set(world.records["case"])


@pytest.mark.parametrize("key", sorted(RECORD_TYPES))
def test_each_record_types_pages_answer_as_the_role_table_says(world, key) -> None:
    clients = {}
    for actor in ACTORS:
        clients[actor] = BrowserClient()
        if actor != "anonymous":
            clients[actor].force_login(world.users[actor])
    wrong = []
    for page, need in PAGES.items():
        if page == "record_withdraw" and RECORD_TYPES[key].dependants is None:
            continue
        if need == "record" and RECORD_TYPES[key].capability == Capability.RECORD_DEVICES:
            need = "devices"  # devices and their triage: assigned examiners too
        if need == "record" and RECORD_TYPES[key].capability == Capability.APPROVE_CLOSURE:
            need = "supervise"  # the closure: supervisors, as its first entry
        rule: Rule = case(need)
        for target in ("case", "restricted"):
            url = _url(world, page, key, target)
            for actor in ACTORS:
                for method in ("GET", "POST"):
                    want = expected(rule, actor, target, method)
                    got = answer(_request(clients[actor], method, url), reverse("login"))
                    if got != want:
                        wrong.append(f"{method} {url} as {actor}: expected {want}, got {got}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("record_from", ["restricted", "other_team"])
@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("key", sorted(RECORD_TYPES))
def test_a_record_of_another_case_is_not_found_under_this_case(world, key, page, record_from) -> None:
    client = BrowserClient()
    client.force_login(world.users["supervisor_a"])
    if page == "record_withdraw" and RECORD_TYPES[key].dependants is None:
        assert client.get(_url(world, page, key, "case")).status_code == 404
        return
    assert client.get(_url(world, page, key, "case", record_from)).status_code == 404
    assert client.get(_url(world, page, key, "case")).status_code == 200


def test_a_record_type_not_listed_is_not_found(world) -> None:
    client = BrowserClient()
    client.force_login(world.users["supervisor_a"])
    url = reverse(
        "cases:record_correct", kwargs={"reference": world.cases["case"].reference, "record_type": "user", "pk": 1}
    )
    assert client.get(url).status_code == 404


# --- A referral's own record pages (a referral not developed into a case) -----------------------------

REFERRAL_PAGES = {"correct": ("GET", "POST"), "withdraw": ("GET", "POST"), "history": ("GET",)}
REFERRAL_TYPES = sorted(key for key, kind in RECORD_TYPES.items() if kind.on_referral is not None)


def _referral_records(world, target: str) -> dict[str, int]:
    return {
        "referral": world.referrals[target].pk,
        "referral_identifier": world.referral_identifiers[target],
        "comms_request": world.comms_requests[target],
    }


def _referral_url(world, page: str, key: str, *, target: str = "referral", record_from: str | None = None) -> str:
    pk = _referral_records(world, record_from or target)[key]
    return reverse(
        f"cases:referral_record_{page}",
        kwargs={"pk": world.referrals[target].pk, "record_type": key, "record_pk": pk},
    )


def _clients(world) -> dict[str, BrowserClient]:
    clients = {}
    for actor in ACTORS:
        clients[actor] = BrowserClient()
        if actor != "anonymous":
            clients[actor].force_login(world.users[actor])
    return clients


def test_the_referral_pages_take_exactly_the_referrals_own_records() -> None:
    assert REFERRAL_TYPES == ["comms_request", "referral", "referral_identifier"]


@pytest.mark.parametrize("key", REFERRAL_TYPES)
def test_each_referral_record_types_pages_answer_as_the_role_table_says(world, key) -> None:
    """Who may record referrals (officers and supervisors of the force) corrects them; anyone else,
    like someone asking for a missing referral, is told "not found"."""
    clients = _clients(world)
    wrong = []
    for page, methods in REFERRAL_PAGES.items():
        if page == "withdraw" and RECORD_TYPES[key].dependants is None:
            continue
        rule = referral(methods)
        url = _referral_url(world, page, key)
        for actor in ACTORS:
            for method in ("GET", "POST"):
                want = expected(rule, actor, "referral", method)
                got = answer(_request(clients[actor], method, url), reverse("login"))
                if got != want:
                    wrong.append(f"{method} {url} as {actor}: expected {want}, got {got}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("page", sorted(REFERRAL_PAGES))
@pytest.mark.parametrize("key", REFERRAL_TYPES)
def test_a_record_of_another_referral_is_not_found_under_this_referral(world, key, page) -> None:
    client = BrowserClient()
    client.force_login(world.users["supervisor_a"])
    if page == "withdraw" and RECORD_TYPES[key].dependants is None:
        assert client.get(_referral_url(world, page, key)).status_code == 404
        return
    assert client.get(_referral_url(world, page, key, record_from="other_force")).status_code == 404
    assert client.get(_referral_url(world, page, key)).status_code == 200


def test_a_referral_of_another_force_is_not_found_on_its_record_pages(world) -> None:
    client = BrowserClient()
    client.force_login(world.users["officer_a"])
    url = _referral_url(world, "correct", "referral_identifier", target="other_force")
    assert client.get(url).status_code == 404


def test_a_type_not_of_a_referral_is_not_found_on_the_referrals_pages(world) -> None:
    client = BrowserClient()
    client.force_login(world.users["supervisor_a"])
    pk = world.referrals["referral"].pk
    for key, record_pk in (("arrest", world.records["case"]["arrest"]), ("user", 1)):
        url = reverse("cases:referral_record_correct", kwargs={"pk": pk, "record_type": key, "record_pk": record_pk})
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("page", sorted(REFERRAL_PAGES))
def test_a_developed_referrals_pages_send_on_to_the_case_or_refuse_one_who_cannot_see_it(world, page) -> None:
    """The referral of team A's case: its officer is sent to the case's page for the record; an officer
    of team B, who may see the force's referrals but not that case, is refused (403) and told no
    reference."""
    case = world.cases["case"]
    referral_pk = world.records["case"]["referral"]
    identifier = world.records["case"]["referral_identifier"]
    url = reverse(
        f"cases:referral_record_{page}",
        kwargs={"pk": referral_pk, "record_type": "referral_identifier", "record_pk": identifier},
    )
    officer_a, officer_b = BrowserClient(), BrowserClient()
    officer_a.force_login(world.users["officer_a"])
    officer_b.force_login(world.users["officer_b"])

    sent = officer_a.get(url)
    refused = officer_b.get(url)

    assert sent.status_code == 302
    assert sent["Location"] == reverse(
        f"cases:record_{page}",
        kwargs={"reference": case.reference, "record_type": "referral_identifier", "pk": identifier},
    )
    assert refused.status_code == 403
    assert case.reference.encode() not in refused.content
