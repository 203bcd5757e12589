"""Need-to-know on every deconfliction notice: the people of the authorisation matrix see a match's
other record only if they may see that record; otherwise, for another force's referral or a
restricted case, only that a match is held and whom to contact (team and supervisor)."""

from collections.abc import Iterator

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from cases.models import DeconflictionMatch, Notification
from cases.services.case import premises_add, subject_add
from tests.access.world import ACTORS, World, build_world
from tests.conftest import BrowserClient
from tests.shared import set_up_once

pytestmark = pytest.mark.django_db

HIDDEN = "A match is held in an investigation you may not see."

# For the match between this force's referral (recorded by officer_a) and the other force's:
# what each person sees of it. "404": not at all; "one side": this force's referral, and for the
# other force's only the contact.
REFERRAL_MATCH = {
    "officer_a": "one side",
    "supervisor_a": "one side",
    "officer_b": "one side",
    "officer_r": "one side",
    "examiner_assigned": "404",
    "examiner_unassigned": "404",
    "auditor": "404",
    "administrator": "404",
    "administrator_2": "404",
    "administrator_other": "404",
}

# For the match between the team A case and the restricted case (same PNC ID).
RESTRICTED_MATCH = {
    "officer_a": "one side",
    "supervisor_a": "both",  # named on the restricted case
    "officer_r": "both",
    "examiner_assigned": "one side",  # assigned to the team A case only
    "officer_b": "404",
    "examiner_unassigned": "404",
    "auditor": "404",
    "administrator": "404",
    "administrator_2": "404",
    "administrator_other": "404",
}


def signed_in(user):
    client = BrowserClient()
    client.force_login(user)
    return client


def _world_with_a_pnc_match() -> World:
    world = build_world()
    case, restricted = world.cases["case"], world.cases["restricted"]
    subject_add(case=case, actor=world.users["officer_a"], full_name="Pat Doe", pnc_id="01/555555K")
    subject_add(case=restricted, actor=world.users["officer_r"], full_name="Patrick Doe", pnc_id="01/555555K")
    return world


@pytest.fixture(scope="module")
def world_made_once(django_db_setup, django_db_blocker) -> Iterator[World]:
    """The world, with a subject of the same PNC ID in the team A case and the restricted case, made
    once for the module; each test has its own copy (`world`, tests/access/world.py)."""
    yield from set_up_once(django_db_blocker, _world_with_a_pnc_match)


def the_match(kind: str) -> DeconflictionMatch:
    return DeconflictionMatch.objects.get(kind=kind)


@pytest.mark.parametrize("actor", [a for a in ACTORS if a != "anonymous"])
def test_the_referral_match_shows_another_forces_referral_as_a_contact_only(world, actor):
    match = the_match("email")
    other = world.referrals["other_force"]
    response = signed_in(world.users[actor]).get(reverse("cases:match_detail", kwargs={"pk": match.pk}))
    expected = REFERRAL_MATCH[actor]
    if expected == "404":
        assert response.status_code == 404
        return
    page = response.content.decode()
    assert response.status_code == 200
    assert HIDDEN in page
    assert f"Referrals, {other.force.name}: recorded by {other.created_by}" in page
    assert other.source_reference not in page
    assert reverse("cases:referral_detail", kwargs={"pk": other.pk}) not in page
    assert reverse("cases:referral_detail", kwargs={"pk": world.referrals["referral"].pk}) in page


@pytest.mark.parametrize("actor", [a for a in ACTORS if a != "anonymous"])
def test_the_restricted_case_match_names_the_case_only_to_those_granted_it(world, actor):
    match = the_match("pnc_id")
    restricted = world.cases["restricted"]
    response = signed_in(world.users[actor]).get(reverse("cases:match_detail", kwargs={"pk": match.pk}))
    expected = RESTRICTED_MATCH[actor]
    if expected == "404":
        assert response.status_code == 404
        return
    page = response.content.decode()
    assert response.status_code == 200
    if expected == "both":
        assert restricted.reference in page and HIDDEN not in page
    else:
        assert HIDDEN in page
        assert restricted.reference not in page
        assert "Patrick Doe" not in page
        assert f"{restricted.team.name}, {restricted.team.force.name}: supervisor {restricted.supervisor}" in page


def test_each_match_page_shown_is_audited_as_a_combination(world):
    match = the_match("pnc_id")
    signed_in(world.users["officer_a"]).get(reverse("cases:match_detail", kwargs={"pk": match.pk}))
    shown = AuditEntry.objects.filter(kind=AuditEntry.Kind.LINK, object_id=str(match.pk), changes__event="shown")
    entry = shown.get()
    assert entry.actor_username == world.users["officer_a"].username
    assert entry.changes["records"] == [
        f"case {world.cases['case'].reference}",
        f"case {world.cases['restricted'].reference}",
    ]


def test_the_inbox_notification_names_only_the_recipients_own_record(world):
    match = the_match("pnc_id")
    officer_a = world.users["officer_a"]
    notification = Notification.objects.get(recipient=officer_a, match=match)
    assert world.cases["restricted"].reference not in notification.label
    page = signed_in(officer_a).get(reverse("cases:inbox")).content.decode()
    assert reverse("cases:match_detail", kwargs={"pk": match.pk}) in page
    assert world.cases["restricted"].reference not in page


def test_the_notice_on_recording_gives_only_the_contact_for_a_record_the_person_may_not_see(world):
    officer_a = world.users["officer_a"]
    referral = world.referrals["referral"]
    restricted = world.cases["restricted"]
    client = signed_in(officer_a)
    url = reverse("cases:referral_identifier_add", kwargs={"pk": referral.pk})
    response = client.post(url, {"kind": "account", "account_id": "Snapper99"}, follow=True)
    assert "Deconfliction:" not in response.content.decode()  # nothing to match yet
    premises_add(case=restricted, actor=world.users["officer_r"], address="9 Quiet Close\nLeek", postcode="ST13 5AA")
    premises_url = reverse("cases:premises_add", kwargs={"reference": world.cases["case"].reference})
    response = client.post(premises_url, {"address": "9 Quiet Close, Leek", "postcode": "st135aa"}, follow=True)
    page = response.content.decode()
    assert "Deconfliction: this address matches one held in another investigation" in page
    assert "9 Quiet Close" not in page.split("Deconfliction:")[1].split("</p>")[0]
    assert f"contact {restricted.team.name}, {restricted.team.force.name}: supervisor" in page
    assert restricted.reference not in page


def test_only_auditors_list_every_match_and_see_references_not_identifiers(world):
    auditor = world.users["auditor"]
    page = signed_in(auditor).get(reverse("cases:match_list")).content.decode()
    assert world.cases["restricted"].reference in page
    assert "01/555555K" not in page and "suspect@example.com" not in page
    assert AuditEntry.objects.filter(kind=AuditEntry.Kind.SEARCH, object_type="cases.DeconflictionMatch").exists()
    assert signed_in(world.users["officer_a"]).get(reverse("cases:match_list")).status_code == 403


# The deconfliction panel of the team A case's page, whose PNC ID matches the restricted case's:
# "404" the case page is not theirs to see; "contact" the restricted case is shown only as whom to
# contact; "both" it is named.
CASE_PANEL = {
    "officer_a": "contact",
    "supervisor_a": "both",
    "officer_r": "both",
    "examiner_assigned": "contact",
    "officer_b": "404",
    "examiner_unassigned": "404",
    "auditor": "404",
    "administrator": "404",
    "administrator_2": "404",
    "administrator_other": "404",
}


@pytest.mark.parametrize("actor", [a for a in ACTORS if a != "anonymous"])
def test_the_case_pages_deconfliction_panel_names_the_other_case_only_to_those_who_may_see_it(world, actor):
    case, restricted = world.cases["case"], world.cases["restricted"]
    match = the_match("pnc_id")
    response = signed_in(world.users[actor]).get(case.get_absolute_url())
    expected = CASE_PANEL[actor]
    shown = AuditEntry.objects.filter(kind=AuditEntry.Kind.LINK, object_id=str(match.pk), changes__event="shown")
    if expected == "404":
        assert response.status_code == 404
        assert not shown.exists()
        return
    assert response.status_code == 200
    panel = response.content.decode().split('id="deconfliction-title"')[1].split("</section>")[0]
    assert reverse("cases:match_detail", kwargs={"pk": match.pk}) in panel
    assert "01/555555K" in panel  # this case's own identifier, as recorded here
    if expected == "both":
        assert restricted.reference in panel and HIDDEN not in panel
        assert "Patrick Doe" not in panel  # the matching identifier, not the rest of the other record
    else:
        assert HIDDEN in panel
        assert restricted.reference not in panel
        assert restricted.get_absolute_url() not in panel
        assert f"{restricted.team.name}, {restricted.team.force.name}: supervisor {restricted.supervisor}" in panel
    entry = shown.get()
    assert entry.actor_username == world.users[actor].username
    assert entry.changes["shown_to"] == world.users[actor].username
    assert entry.changes["records"] == [f"case {case.reference}", f"case {restricted.reference}"]


def test_a_case_without_matches_says_so_and_audits_nothing(world):
    other_team = world.cases["other_team"]
    page = signed_in(world.users["officer_b"]).get(other_team.get_absolute_url()).content.decode()
    assert "None of this case's identifiers matches one held in another investigation." in page
    assert not AuditEntry.objects.filter(kind=AuditEntry.Kind.LINK, changes__event="shown").exists()
