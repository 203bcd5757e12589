"""The deadlines page and the dashboard link a deadline to the form that meets it only where the
person may record on that case: someone granted only a view of a case sees its deadlines, without
links they could not follow."""

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from accounts.roles import Capability
from cases.selectors import case_allows, case_ids_changeable_by
from tests.access.test_links import _get, _links
from tests.access.world import ACTORS, build_world
from tests.conftest import BrowserClient

pytestmark = pytest.mark.django_db


def test_the_cases_one_may_record_on_agree_with_case_allows_for_every_person():
    world = build_world()
    cases = list(world.cases.values())
    for actor in ACTORS[1:]:
        user = world.users[actor]
        expected = {case.pk for case in cases if case_allows(case, user, Capability.RECORD_TEAM_CASES)}
        assert case_ids_changeable_by(user, [case.pk for case in cases]) == expected, actor


def _record_links(client: BrowserClient, case_reference: str) -> list[str]:
    page = _get(client, reverse("cases:deadlines"))
    assert page.status_code == 200
    assert case_reference in page.content.decode()
    return [link for link in _links("/deadlines/", page.content.decode()) if f"/cases/{case_reference}/" in link]


def test_a_person_granted_only_a_view_of_a_case_is_shown_its_deadlines_without_record_links():
    world = build_world()
    case = world.cases["case"]
    viewer, recorder = world.users["officer_b"], world.users["officer_a"]
    assign_perm("cases.view_case", viewer, case)

    as_recorder = BrowserClient()
    as_recorder.force_login(recorder)
    recorder_links = _record_links(as_recorder, case.reference)
    assert len(recorder_links) > 1  # the case page and at least one form to meet a deadline

    as_viewer = BrowserClient()
    as_viewer.force_login(viewer)
    viewer_links = _record_links(as_viewer, case.reference)
    assert viewer_links, "the case itself is still linked"
    assert {_get(as_viewer, link).status_code for link in viewer_links} == {200}
    assert set(viewer_links) < set(recorder_links)
