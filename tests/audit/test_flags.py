"""Anomaly flags (audit/anomalies.py): each kind raised by data that should raise it and not by data
just short of it, from entries written as Safeguard writes them where that is how they arise (a role
given through the ORM, so the row triggers and receivers write the entries the flag reads); and the
run is idempotent (a high-water mark; entries behind a flag raise no second one)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import Http404
from guardian.shortcuts import assign_perm

from accounts.roles import ADMINISTRATOR, AUDITOR, SUPERVISOR
from accounts.services.people import user_set_roles
from accounts.services.requests import access_request_approve
from audit.anomalies import is_out_of_hours, network_of, raise_flags
from audit.context import acting_as
from audit.models import AuditEntry, Flag, FlagMark
from audit.selectors import last_place
from audit.sequencer import sequence_entries
from audit.tasks import raise_flags as raise_flags_task
from tests.factories.cases import CaseFactory
from tests.factories.people import ForceFactory, UserFactory
from tests.test_settings import _production_env, _run

pytestmark = pytest.mark.django_db
Kind = AuditEntry.Kind
LONDON = ZoneInfo("Europe/London")
# A Tuesday, in working hours (UK time).
NOON = datetime(2026, 11, 10, 12, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def mark_at_the_newest_entry(db):
    """Each test reads only its own entries: every entry already there is sealed, and the high-water
    mark put at the end of the chain, so only this test's entries (unsealed, or sealed later) are new.
    In a whole run the trail holds entries committed by earlier tests (it is append-only, so a flush
    leaves them)."""
    sequence_entries()
    FlagMark.objects.update_or_create(id=1, defaults={"last_seq": last_place()})


def _entry(person, kind=Kind.READ, at=NOON, **fields):
    return AuditEntry.objects.create(actor=person, actor_username=person.username, kind=kind, occurred_at=at, **fields)


def _flags(kind):
    raise_flags()
    return list(Flag.objects.filter(kind=kind).order_by("id"))


# --- Access refused repeatedly ---


@pytest.fixture
def refusals(settings):
    settings.SAFEGUARD_AUDIT_FLAG_REFUSALS = 3
    settings.SAFEGUARD_AUDIT_FLAG_REFUSALS_MINUTES = 10


def test_refusals_close_together_raise_a_flag(refusals, officer):
    entries = [_entry(officer, Kind.ACCESS_DENIED, NOON + timedelta(minutes=n * 4)) for n in range(3)]
    [flag] = _flags(Flag.Kind.REFUSED)
    assert (flag.username, flag.entry_ids) == (officer.username, [entry.id for entry in entries])
    assert flag.person_id == officer.pk and flag.status == Flag.Status.OPEN


def test_refusals_spread_out_or_too_few_raise_none(refusals, officer, supervisor):
    for n in range(3):
        _entry(officer, Kind.ACCESS_DENIED, NOON + timedelta(minutes=n * 6))  # 12 minutes first to last
    _entry(supervisor, Kind.ACCESS_DENIED, NOON)
    _entry(supervisor, Kind.ACCESS_DENIED, NOON + timedelta(minutes=1))
    assert _flags(Flag.Kind.REFUSED) == []


def test_refusals_across_two_runs_are_counted_together_into_one_flag(refusals, officer):
    _entry(officer, Kind.ACCESS_DENIED, NOON)
    _entry(officer, Kind.ACCESS_DENIED, NOON + timedelta(minutes=1))
    assert _flags(Flag.Kind.REFUSED) == []
    third = _entry(officer, Kind.ACCESS_DENIED, NOON + timedelta(minutes=2))
    fourth = _entry(officer, Kind.ACCESS_DENIED, NOON + timedelta(minutes=3))
    [flag] = _flags(Flag.Kind.REFUSED)
    assert len(flag.entry_ids) == 4 and {third.id, fourth.id} <= set(flag.entry_ids)


# --- Reading restricted cases ---


def test_reading_a_restricted_case_one_is_not_in_charge_of_raises_a_flag(officer, supervisor, outsider, team):
    restricted = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, restricted=True)
    read = _entry(outsider, case_reference=restricted.reference)
    [flag] = _flags(Flag.Kind.RESTRICTED)
    assert (flag.username, flag.entry_ids) == (outsider.username, [read.id])
    assert restricted.reference in flag.detail


def test_reading_an_open_case_or_ones_own_restricted_case_raises_none(officer, supervisor, outsider, team):
    restricted = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, restricted=True)
    open_case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    _entry(officer, case_reference=restricted.reference)
    _entry(supervisor, case_reference=restricted.reference)
    _entry(outsider, case_reference=open_case.reference)
    _entry(outsider, kind=Kind.SIGN_IN)
    assert _flags(Flag.Kind.RESTRICTED) == []


# --- Reading many cases outside one's team ---


@pytest.fixture
def outside(settings):
    settings.SAFEGUARD_AUDIT_FLAG_CASES = 2
    settings.SAFEGUARD_AUDIT_FLAG_MINUTES = 10


def test_many_cases_of_another_team_in_a_short_spell_raise_a_flag(outside, officer, other_team):
    for n, case in enumerate(CaseFactory.create_batch(3, team=other_team)):
        _entry(officer, case_reference=case.reference, at=NOON + timedelta(minutes=n))
    [flag] = _flags(Flag.Kind.OUTSIDE_TEAM)
    assert flag.username == officer.username and len(flag.entry_ids) == 3
    assert flag.detail.startswith("3 cases")


def test_a_long_busy_spell_is_one_flag_with_every_entry_behind_it(outside, officer, other_team):
    reads = [
        _entry(officer, case_reference=case.reference, at=NOON + timedelta(minutes=n * 3))
        for n, case in enumerate(CaseFactory.create_batch(8, team=other_team))
    ]
    [flag] = _flags(Flag.Kind.OUTSIDE_TEAM)
    assert flag.entry_ids == [read.id for read in reads]
    assert (flag.window_start, flag.window_end) == (reads[0].occurred_at, reads[-1].occurred_at)


def test_own_team_cases_or_a_slow_pace_or_too_few_raise_none(outside, officer, other_team, team):
    for n, case in enumerate(CaseFactory.create_batch(3, team=other_team)):
        _entry(officer, case_reference=case.reference, at=NOON + timedelta(minutes=n * 6))
    for n, case in enumerate(CaseFactory.create_batch(4, team=team)):
        _entry(officer, case_reference=case.reference, at=NOON + timedelta(hours=2, minutes=n))
    again = CaseFactory.create_batch(2, team=other_team)
    for n in range(5):  # the same two cases, many times
        _entry(officer, case_reference=again[n % 2].reference, at=NOON + timedelta(hours=4, minutes=n))
    assert _flags(Flag.Kind.OUTSIDE_TEAM) == []


# --- Out of hours ---


def test_access_out_of_hours_in_uk_time_raises_one_flag_per_person_and_day(officer, settings):
    settings.SAFEGUARD_AUDIT_FLAG_OUT_OF_HOURS_START = "20:00"
    settings.SAFEGUARD_AUDIT_FLAG_OUT_OF_HOURS_END = "07:00"
    late = NOON.replace(hour=23, minute=15)
    first = _entry(officer, case_reference="STF-2026-000020", at=late)
    second = _entry(officer, kind=Kind.SEARCH, at=late + timedelta(minutes=20))
    [flag] = _flags(Flag.Kind.OUT_OF_HOURS)
    assert flag.entry_ids == [first.id, second.id]
    assert (flag.window_start, flag.window_end) == (first.occurred_at, second.occurred_at)
    # Early the same UK day, written later: the same flag; the next night: another.
    early = _entry(officer, case_reference="STF-2026-000020", at=late.replace(hour=2))
    next_night = _entry(officer, case_reference="STF-2026-000020", at=late + timedelta(days=1))
    flags = _flags(Flag.Kind.OUT_OF_HOURS)
    assert [flag.entry_ids for flag in flags] == [[first.id, second.id, early.id], [next_night.id]]
    assert flags[0].window_start == early.occurred_at


def test_access_in_working_hours_or_signing_in_late_raises_none(officer, settings):
    settings.SAFEGUARD_AUDIT_FLAG_OUT_OF_HOURS_START = "20:00"
    settings.SAFEGUARD_AUDIT_FLAG_OUT_OF_HOURS_END = "07:00"
    _entry(officer, case_reference="STF-2026-000021", at=NOON)
    _entry(officer, case_reference="STF-2026-000021", at=NOON.replace(hour=19, minute=59))
    _entry(officer, kind=Kind.SIGN_IN, at=NOON.replace(hour=23))
    assert _flags(Flag.Kind.OUT_OF_HOURS) == []


def test_working_hours_are_uk_time_and_configurable(settings):
    settings.SAFEGUARD_AUDIT_FLAG_OUT_OF_HOURS_START = "18:00"
    settings.SAFEGUARD_AUDIT_FLAG_OUT_OF_HOURS_END = "08:00"
    summer = datetime(2026, 7, 1, 17, 30, tzinfo=ZoneInfo("UTC"))  # 18:30 BST
    assert is_out_of_hours(summer)
    assert not is_out_of_hours(summer.replace(hour=16))  # 17:00 BST
    settings.SAFEGUARD_AUDIT_FLAG_OUT_OF_HOURS_START = "12:00"  # a span within one day
    settings.SAFEGUARD_AUDIT_FLAG_OUT_OF_HOURS_END = "13:00"
    assert is_out_of_hours(NOON) and not is_out_of_hours(NOON.replace(hour=13))


# --- A role or grant change to oneself, or by a new administrator ---


@pytest.fixture
def old_administrator(force):
    return UserFactory(username="adm.old", force=force, roles=[ADMINISTRATOR], date_joined=NOON - timedelta(days=400))


def test_giving_oneself_a_role_raises_a_flag_whatever_page_did_it(old_administrator):
    with acting_as(old_administrator, source="web"):
        old_administrator.groups.add(Group.objects.get(name=AUDITOR))
    [flag] = _flags(Flag.Kind.ROLE_CHANGE)
    assert flag.username == "adm.old" and flag.detail == "Changed their own roles or grants"
    behind = AuditEntry.objects.filter(id__in=flag.entry_ids)
    assert {entry.object_type for entry in behind} >= {"cases.User_groups"}


def test_making_oneself_a_superuser_raises_a_flag(old_administrator):
    with acting_as(old_administrator, source="web"):
        old_administrator.is_superuser = True
        old_administrator.save(update_fields=["is_superuser"])
    [flag] = _flags(Flag.Kind.ROLE_CHANGE)
    assert flag.username == "adm.old"


def test_a_per_case_grant_to_oneself_raises_a_flag(old_administrator, case):
    with acting_as(old_administrator, source="web"):
        assign_perm("cases.view_case", old_administrator, case)
    [flag] = _flags(Flag.Kind.ROLE_CHANGE)
    behind = AuditEntry.objects.filter(id__in=flag.entry_ids)
    assert "cases.CaseUserObjectPermission" in {entry.object_type for entry in behind}


def test_a_new_administrator_giving_anyone_a_team_raises_a_flag(force, officer, other_team, settings):
    settings.SAFEGUARD_AUDIT_FLAG_NEW_ADMIN_DAYS = 30
    new = UserFactory(username="adm.new", force=force, roles=[ADMINISTRATOR])  # joined today
    with acting_as(new, source="web"):
        officer.teams.add(other_team)
    [flag] = _flags(Flag.Kind.ROLE_CHANGE)
    assert flag.username == "adm.new" and "under 30 days" in flag.detail


def test_an_established_administrator_giving_someone_else_a_role_raises_none(old_administrator, officer):
    with acting_as(old_administrator, source="web"):
        officer.groups.add(Group.objects.get(name=AUDITOR))
        officer.teams.clear()
    assert _flags(Flag.Kind.ROLE_CHANGE) == []


def test_a_refused_attempt_to_give_oneself_a_role_or_approve_ones_own_request_raises_a_flag(old_administrator, officer):
    [asked] = user_set_roles(actor=old_administrator, person=officer, roles=[SUPERVISOR])
    with pytest.raises(PermissionDenied):
        user_set_roles(actor=old_administrator, person=old_administrator, roles=[ADMINISTRATOR, AUDITOR])
    with pytest.raises(PermissionDenied):
        access_request_approve(access_request=asked, actor=old_administrator)

    [flag] = _flags(Flag.Kind.ROLE_CHANGE)

    assert flag.username == "adm.old" and "(refused)" in flag.detail
    behind = AuditEntry.objects.filter(id__in=flag.entry_ids, kind=Kind.ACCESS_DENIED)
    assert sorted(entry.changes["four_eyes"] for entry in behind) == ["own_account", "own_request"]


def test_a_refusal_for_another_forces_person_raises_no_role_change_flag(old_administrator):
    stranger = UserFactory(username="dc.war", force=ForceFactory(code="WAR"), roles=[AUDITOR])
    with pytest.raises(Http404):
        user_set_roles(actor=old_administrator, person=stranger, roles=[])

    assert _flags(Flag.Kind.ROLE_CHANGE) == []


def test_a_role_given_with_no_one_acting_raises_none(officer):
    officer.groups.add(Group.objects.get(name=AUDITOR))  # a migration, a command outside any person
    assert _flags(Flag.Kind.ROLE_CHANGE) == []


# --- Unusually large exports ---


@pytest.fixture
def exports(settings):
    settings.SAFEGUARD_AUDIT_FLAG_EXPORT_CASES = 25


@pytest.mark.parametrize(
    "changes,object_type",
    [
        ({"references": [f"STF-2026-{n:06d}" for n in range(26)]}, "cases.Case"),
        ({"references": "all"}, "cases.Case"),
        ({"filters": {}}, "audit.AuditEntry"),
    ],
)
def test_a_large_export_raises_a_flag(exports, supervisor, changes, object_type):
    export = _entry(supervisor, Kind.EXPORT, changes=changes, object_type=object_type, recipient="CPS")
    [flag] = _flags(Flag.Kind.LARGE_EXPORT)
    assert flag.entry_ids == [export.id] and flag.detail.endswith("to CPS")


@pytest.mark.parametrize(
    "changes,object_type",
    [
        ({"references": [f"STF-2026-{n:06d}" for n in range(25)]}, "cases.Case"),
        ({"filters": {"username": "dc.hughes"}}, "audit.AuditEntry"),
        ({"date_from": "2026-01-01", "date_to": "2026-03-31"}, "cases.Figures"),
    ],
)
def test_an_ordinary_export_raises_none(exports, supervisor, changes, object_type):
    _entry(supervisor, Kind.EXPORT, changes=changes, object_type=object_type, recipient="CPS")
    assert _flags(Flag.Kind.LARGE_EXPORT) == []


# --- A first sign-in from a new network ---


def _sign_in(person, ip, minutes):
    return _entry(person, Kind.SIGN_IN, NOON + timedelta(minutes=minutes), ip=ip)


def test_a_sign_in_from_a_network_never_used_before_raises_a_flag(officer):
    _sign_in(officer, "192.0.2.10", 0)
    elsewhere = _sign_in(officer, "198.51.100.7", 1)
    _sign_in(officer, "198.51.100.8", 2)  # that network is known now
    v6 = _sign_in(officer, "2001:db8:1::1", 3)
    far = _sign_in(officer, "2001:db8:2::1", 4)
    flags = _flags(Flag.Kind.NEW_NETWORK)
    assert [flag.entry_ids for flag in flags] == [[elsewhere.id], [v6.id], [far.id]]
    assert flags[0].detail == "First sign-in from 198.51.100.0/24"


def test_sign_ins_from_a_known_network_or_a_first_ever_sign_in_raise_none(officer, supervisor):
    _sign_in(supervisor, "203.0.113.5", 0)  # the first sign-in: nothing to compare with
    _sign_in(officer, "192.0.2.10", 0)
    _sign_in(officer, "192.0.2.200", 1)  # the same /24
    _sign_in(officer, "2001:db8:1::1", 2)
    _sign_in(officer, "2001:db8:1:ff::9", 3)  # the same /48
    assert [flag.entry_ids for flag in _flags(Flag.Kind.NEW_NETWORK)] == [
        [AuditEntry.objects.get(ip="2001:db8:1::1").id]
    ]


def test_the_network_prefixes_are_configurable(settings):
    settings.SAFEGUARD_AUDIT_FLAG_NETWORK_PREFIX_V4 = 16
    settings.SAFEGUARD_AUDIT_FLAG_NETWORK_PREFIX_V6 = 32
    assert network_of("192.0.2.10") == "192.0.0.0/16"
    assert network_of("2001:db8:1::1") == "2001:db8::/32"


# --- One mechanism, idempotent ---


def test_running_twice_raises_no_duplicate_flags(officer, settings):
    settings.SAFEGUARD_AUDIT_FLAG_REFUSALS = 2
    _entry(officer, Kind.ACCESS_DENIED, NOON)
    _entry(officer, Kind.ACCESS_DENIED, NOON + timedelta(minutes=1))
    _entry(officer, case_reference="STF-2026-000030", at=NOON.replace(hour=23))
    assert raise_flags_task.apply().get() == 2
    flags = list(Flag.objects.values_list("kind", "username", "entry_ids").order_by("kind"))
    assert raise_flags_task.apply().get() == 0
    # Even read again from the start, the same entries raise nothing new.
    FlagMark.objects.filter(id=1).update(last_seq=0)
    assert raise_flags_task.apply().get() == 0
    assert list(Flag.objects.values_list("kind", "username", "entry_ids").order_by("kind")) == flags


def test_a_run_with_nothing_new_reads_nothing(officer):
    _entry(officer, Kind.SIGN_IN)
    raise_flags()
    raise_flags()  # the entries the first run's flags wrote, if any
    run = raise_flags()
    assert (run.read_from, run.filed) == (run.read_to, 0)


def test_a_run_keeps_a_high_water_mark_and_raising_is_audited(officer, settings, new_entries):
    settings.SAFEGUARD_AUDIT_FLAG_REFUSALS = 1
    refused = _entry(officer, Kind.ACCESS_DENIED, NOON)
    since = new_entries()
    raise_flags_task.apply()  # raised from the unsealed entry: flags do not wait for the sequencer
    sequence_entries()
    refused.refresh_from_db()
    raise_flags_task.apply()
    assert FlagMark.objects.get().last_seq >= refused.seq
    [created] = since.entries(object_type="audit.Flag")
    assert (created.kind, created.source) == (Kind.CREATE, "task:raise_flags")


def test_new_entries_after_a_reviewed_flag_raise_a_new_one(officer, settings, auditor):
    settings.SAFEGUARD_AUDIT_FLAG_REFUSALS = 1
    _entry(officer, Kind.ACCESS_DENIED, NOON)
    [flag] = _flags(Flag.Kind.REFUSED)
    Flag.objects.filter(pk=flag.pk).update(
        status=Flag.Status.REVIEWED, reviewed_by=auditor, reviewed_at=NOON, review_note="Checked"
    )
    later = _entry(officer, Kind.ACCESS_DENIED, NOON + timedelta(minutes=1))
    flags = _flags(Flag.Kind.REFUSED)
    assert len(flags) == 2 and later.id in flags[1].entry_ids and flags[1].status == Flag.Status.OPEN


# --- Settings that make no sense stop start-up, naming the setting ---


@pytest.mark.parametrize(
    "name,value",
    [
        ("SAFEGUARD_AUDIT_FLAG_REFUSALS", "0"),
        ("SAFEGUARD_AUDIT_FLAG_NEW_ADMIN_DAYS", "0"),
        ("SAFEGUARD_AUDIT_FLAG_NETWORK_PREFIX_V4", "40"),
        ("SAFEGUARD_AUDIT_FLAG_OUT_OF_HOURS_START", "25:00"),
    ],
)
def test_a_flag_setting_that_makes_no_sense_stops_start_up(name, value):
    result = _run(["-c", "import django; django.setup()"], _production_env(**{name: value}))
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name} must be" in result.stderr
