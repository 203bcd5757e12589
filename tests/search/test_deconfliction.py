"""Deconfliction (cases.services.identifiers): which identifiers match across investigations, the
inbox notifications (once each) and the audit entries of each combination."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEntry
from cases.models import DeconflictionDecision, DeconflictionMatch, IndexedIdentifier, Notification
from cases.services import identifiers as svc
from cases.services.case import premises_add, subject_add
from tests.search.conftest import add_ip, add_value, new_referral, open_case, seen

pytestmark = pytest.mark.django_db


def test_an_ip_address_seen_within_the_window_matches_another_referral(officer):
    first = new_referral(officer, "CEOP-1")
    add_ip(first, officer, "203.0.113.7", seen(0))
    second = new_referral(officer, "CEOP-2")
    identifier = add_ip(second, officer, "203.0.113.7", seen(59))
    match = DeconflictionMatch.objects.get()
    assert match.kind == IndexedIdentifier.Kind.IP_ADDRESS
    assert {match.first.referral_id, match.second.referral_id} == {first.pk, second.pk}
    assert match.found_by == officer
    assert identifier.pk in {match.first.source_id, match.second.source_id}


@pytest.mark.parametrize("minutes", [61, -61, 24 * 60])
def test_an_ip_address_seen_outside_the_window_does_not_match(officer, minutes):
    add_ip(new_referral(officer, "CEOP-1"), officer, "203.0.113.7", seen(60 * 3))
    add_ip(new_referral(officer, "CEOP-2"), officer, "203.0.113.7", seen(60 * 3 + minutes))
    assert not DeconflictionMatch.objects.exists()


def test_the_window_is_configurable(officer, settings):
    settings.SAFEGUARD_DECONFLICTION_IP_WINDOW_MINUTES = 180
    add_ip(new_referral(officer, "CEOP-1"), officer, "203.0.113.7", seen(0))
    add_ip(new_referral(officer, "CEOP-2"), officer, "203.0.113.7", seen(179))
    assert DeconflictionMatch.objects.count() == 1


def test_a_shared_address_matches_only_on_the_same_port(officer):
    add_ip(new_referral(officer, "CEOP-1"), officer, "198.51.100.1", seen(0), port=40001)
    add_ip(new_referral(officer, "CEOP-2"), officer, "198.51.100.1", seen(5), port=40002)
    assert not DeconflictionMatch.objects.exists()
    add_ip(new_referral(officer, "CEOP-3"), officer, "198.51.100.1", seen(10), port=40001)
    match = DeconflictionMatch.objects.get()
    assert {match.first.port, match.second.port} == {40001}


def test_an_ipv6_address_written_differently_matches(officer):
    add_ip(new_referral(officer, "CEOP-1"), officer, "2001:0DB8:0000:0000:0000:0000:0000:0001", seen(0))
    add_ip(new_referral(officer, "CEOP-2"), officer, "2001:db8::1", seen(1))
    assert DeconflictionMatch.objects.count() == 1


@pytest.mark.parametrize(
    ("kind", "one", "other"),
    [
        ("phone", "07911 123456", "+44 7911 123456"),
        ("email", "Someone@Example.com", "someone@example.com"),
        ("account", "Snapper99", "snapper99"),
    ],
)
def test_phones_emails_and_accounts_match_in_any_written_form(officer, kind, one, other):
    add_value(new_referral(officer, "CEOP-1"), officer, kind, one)
    add_value(new_referral(officer, "CEOP-2"), officer, kind, other)
    assert DeconflictionMatch.objects.get().kind == kind


def test_a_match_is_made_across_the_forces_of_a_region_but_not_beyond(officer, neighbours, distant):
    _, neighbour, _ = neighbours
    _, stranger, _ = distant
    add_value(new_referral(officer, "CEOP-1"), officer, "email", "someone@example.com")
    add_value(new_referral(stranger, "CEOP-9"), stranger, "email", "someone@example.com")
    assert not DeconflictionMatch.objects.exists()
    add_value(new_referral(neighbour, "CEOP-2"), neighbour, "email", "someone@example.com")
    match = DeconflictionMatch.objects.get()
    assert {match.first.force_id, match.second.force_id} == {officer.force_id, neighbour.force_id}


def test_identifiers_of_one_investigation_do_not_match_each_other(officer, team, supervisor):
    referral = new_referral(officer, "CEOP-1")
    add_ip(referral, officer, "203.0.113.7", seen(0))
    add_ip(referral, officer, "203.0.113.7", seen(10))
    case = open_case(officer, team, supervisor, referral=referral)
    subject_add(case=case, actor=officer, full_name="John Smith", pnc_id="98/123456X")
    assert not DeconflictionMatch.objects.exists()
    assert set(IndexedIdentifier.objects.filter(referral=referral).values_list("case_id", flat=True)) == {case.pk}


def test_a_person_matches_by_name_and_date_of_birth_or_by_pnc_id(officer, team, supervisor, neighbours):
    n_team, neighbour, n_supervisor = neighbours
    ours = open_case(officer, team, supervisor)
    theirs = open_case(neighbour, n_team, n_supervisor)
    subject_add(case=ours, actor=officer, full_name="John O'Neil", date_of_birth=None)
    subject_add(case=theirs, actor=neighbour, full_name="JOHN ONEIL", date_of_birth=None)
    assert not DeconflictionMatch.objects.exists()  # a name alone names too many people
    from datetime import date

    subject_add(case=ours, actor=officer, full_name="Jane Doe", date_of_birth=date(1980, 2, 3))
    subject_add(case=theirs, actor=neighbour, full_name="jane  doe", date_of_birth=date(1980, 2, 3))
    subject_add(case=ours, actor=officer, full_name="Sam Roe", pnc_id="98/0123456X")
    subject_add(case=theirs, actor=neighbour, full_name="Samuel Roe", pnc_id="98/123456x")
    assert sorted(DeconflictionMatch.objects.values_list("kind", flat=True)) == ["person", "pnc_id"]


def test_an_address_matches_whatever_its_punctuation_and_postcode_spacing(officer, team, supervisor, outsider):
    ours = open_case(officer, team, supervisor)
    theirs = open_case(outsider, outsider.teams.get(), supervisor_of(outsider))
    premises_add(case=ours, actor=officer, address="1 High St.,\nStafford", postcode="st162dj")
    premises_add(case=theirs, actor=outsider, address="1 HIGH ST, STAFFORD", postcode="ST16 2DJ")
    assert DeconflictionMatch.objects.get().kind == IndexedIdentifier.Kind.ADDRESS


def supervisor_of(user):
    from accounts.roles import SUPERVISOR
    from tests.factories.people import UserFactory

    return UserFactory(
        username=f"sup.{user.username}", force=user.force, teams=list(user.teams.all()), roles=[SUPERVISOR]
    )


def test_both_sides_are_notified_once_each_in_the_inbox(officer, team, supervisor, neighbours):
    n_team, neighbour, n_supervisor = neighbours
    ours = open_case(officer, team, supervisor)
    premises_add(case=ours, actor=officer, address="1 High Street", postcode="ST16 2DJ")
    referral = new_referral(neighbour, "CEOP-7")
    theirs = open_case(neighbour, n_team, n_supervisor, referral=referral)
    premises_add(case=theirs, actor=neighbour, address="1 High Street", postcode="ST16 2DJ")
    match = DeconflictionMatch.objects.get()
    notified = Notification.objects.filter(match=match, threshold=Notification.Threshold.MATCH)
    assert sorted(notified.values_list("recipient__username", flat=True)) == [
        "dc.hughes",
        "dc.war",
        "ds.okafor",
        "ds.war",
    ]
    # The notification names only the recipient's own record.
    mine = notified.get(recipient=officer)
    assert mine.case == ours and ours.reference in mine.label and theirs.reference not in mine.label
    # Found again (another identifier of the same pair, or a re-run): nobody is notified twice.
    svc.deconfliction_check(entry=match.second, actor=neighbour)
    assert notified.count() == 4


def test_a_referral_not_yet_a_case_notifies_the_person_who_recorded_it(officer, neighbours):
    _, neighbour, _ = neighbours
    add_value(new_referral(officer, "CEOP-1"), officer, "phone", "07911 123456")
    add_value(new_referral(neighbour, "CEOP-2"), neighbour, "phone", "07911123456")
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == ["dc.hughes", "dc.war"]
    assert not Notification.objects.filter(case__isnull=False).exists()


def test_each_match_found_is_audited_as_a_combination_naming_both_records(officer, neighbours):
    _, neighbour, _ = neighbours
    first = new_referral(officer, "CEOP-1")
    add_value(first, officer, "account", "snapper99")
    second = new_referral(neighbour, "CEOP-2")
    add_value(second, neighbour, "account", "Snapper99")
    match = DeconflictionMatch.objects.get()
    entry = AuditEntry.objects.get(kind=AuditEntry.Kind.LINK, object_type="cases.DeconflictionMatch")
    assert entry.object_id == str(match.pk)
    assert entry.actor_username == neighbour.username
    assert entry.changes["records"] == [f"referral {first.pk}", f"referral {second.pk}"]
    assert entry.changes["event"] == "found"
    assert sorted(entry.changes["notified"]) == ["dc.hughes", "dc.war"]
    # The index itself is a derived copy: it is not audited row by row.
    assert not AuditEntry.objects.filter(object_type__icontains="indexedidentifier").exists()


def test_a_link_is_confirmed_and_undone_with_who_when_and_why_and_audited(officer, neighbours):
    _, neighbour, _ = neighbours
    add_value(new_referral(officer, "CEOP-1"), officer, "email", "a@example.com")
    add_value(new_referral(neighbour, "CEOP-2"), neighbour, "email", "a@example.com")
    match = DeconflictionMatch.objects.get()
    with pytest.raises(ValidationError) as caught:
        svc.deconfliction_match_confirm(match=match, actor=officer, reason="  ")
    assert caught.value.message_dict == {"reason": [svc.MATCH_REASON_REQUIRED]}
    with pytest.raises(ValidationError):
        svc.deconfliction_match_undo(match=match, actor=officer, reason="Not confirmed yet")
    svc.deconfliction_match_confirm(match=match, actor=officer, reason="Same subscriber per CDR result")
    with pytest.raises(ValidationError):
        svc.deconfliction_match_confirm(match=match, actor=neighbour, reason="Again")
    svc.deconfliction_match_undo(match=match, actor=neighbour, reason="Subscriber differs on review")
    history = list(
        match.decisions.order_by("decided_at", "id").values_list("decision", "decided_by__username", "reason")
    )
    assert history == [
        ("confirmed", "dc.hughes", "Same subscriber per CDR result"),
        ("undone", "dc.war", "Subscriber differs on review"),
    ]
    state = svc.match_state(match)
    assert state is not None and state.decision == DeconflictionDecision.Decision.UNDONE
    events = AuditEntry.objects.filter(kind=AuditEntry.Kind.LINK, object_id=str(match.pk)).order_by("id")
    assert [e.changes["event"] for e in events] == ["found", "confirmed", "undone"]
    last = events.last()
    assert last is not None and last.changes["reason"] == "Subscriber differs on review"


def test_only_someone_who_may_record_on_one_side_may_confirm(officer, neighbours, distant):
    _, neighbour, _ = neighbours
    _, stranger, _ = distant
    add_value(new_referral(officer, "CEOP-1"), officer, "email", "a@example.com")
    add_value(new_referral(neighbour, "CEOP-2"), neighbour, "email", "a@example.com")
    match = DeconflictionMatch.objects.get()
    with pytest.raises(PermissionDenied):
        svc.deconfliction_match_confirm(match=match, actor=stranger, reason="Looks the same")
    assert not DeconflictionDecision.objects.exists()
