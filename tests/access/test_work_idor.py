"""Tasks by id: a task on a case the person may not see is "not found", exactly as a task that does
not exist, on its page and on every action; the refusal is reported for the audit trail."""

import pytest
from django.urls import reverse

from audit.signals import access_denied
from tests.access.test_idor import MISSING, page
from tests.conftest import BrowserClient
from work.models import Task

TASK_URLS = ["work:task_detail", "work:task_complete", "work:task_reassign", "work:task_accept", "work:task_dismiss"]


def _signed_in(user) -> BrowserClient:
    client = BrowserClient()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("who", "hidden"), [("supervisor_a", "other_team"), ("officer_a", "restricted"), ("officer_b", "case")]
)
@pytest.mark.parametrize("name", TASK_URLS)
def test_a_task_on_a_case_hidden_from_the_person_is_not_found(world, who, hidden, name) -> None:
    client = _signed_in(world.users[who])
    method = client.get if name == "work:task_detail" else client.post
    hidden_task = world.records[hidden]["task"]

    response = method(reverse(name, args=[hidden_task]))
    missing = method(reverse(name, args=[MISSING]))

    assert response.status_code == missing.status_code == 404
    assert page(response) == page(missing)
    assert Task.objects.get(pk=hidden_task).status == Task.Status.OPEN


def test_the_refusal_is_reported(world) -> None:
    heard = []

    def receiver(sender, **kwargs):
        heard.append(kwargs)

    access_denied.connect(receiver)
    try:
        _signed_in(world.users["officer_b"]).get(reverse("work:task_detail", args=[world.records["case"]["task"]]))
    finally:
        access_denied.disconnect(receiver)

    assert [(h["user"], h["obj_type"], h["action"]) for h in heard] == [(world.users["officer_b"], Task, "view")]


def test_a_task_on_a_case_the_person_may_see_is_found(world) -> None:
    client = _signed_in(world.users["officer_a"])

    assert client.get(reverse("work:task_detail", args=[world.records["case"]["task"]])).status_code == 200
