"""The correction, withdrawal and history pages of every record type (cases.corrections), as every
kind of person: the same answers as the role table gives the first entry of that record, and a
record of another case is "not found" as a missing one."""

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
)
from tests.access.world import build_world
from tests.conftest import BrowserClient

PAGES = {"record_correct": "record", "record_withdraw": "record", "record_history": "view"}


@pytest.fixture
def world(db):
    return build_world()


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
