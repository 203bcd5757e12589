"""`manage.py load_demo`: a realistic unit's week, a case file imported through the services, once."""

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from accounts.models import Force, User
from casefiles.demo import ROLES, USERS, WEEK, resolve_dates
from casefiles.management.commands.load_demo import NOT_DEMO, PASSWORDS_HIDDEN
from cases.models import (
    Arrest,
    Case,
    CaseUserObjectPermission,
    ChargingSubmission,
    CourtHearing,
    ImageCount,
    Referral,
    Release,
    SafeguardingReferral,
)
from cases.rules import LONDON, charging_target_at
from tests.shared import set_up_once
from warrants.models import Warrant

pytestmark = pytest.mark.django_db

PASSWORD_LINE = re.compile(r"^\s+(\S+)\s+(\S{16})\s+\((.+)\)$", re.MULTILINE)


def _load(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "cases": Case.objects.count(),
        "referrals": Referral.objects.count(),
        "warrants": Warrant.objects.count(),
        "arrests": Arrest.objects.count(),
        "hearings": CourtHearing.objects.count(),
    }


def test_it_refuses_outside_demo_mode_and_creates_nothing(settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match=re.escape(NOT_DEMO)):
        _load()
    assert not Force.objects.exists()
    assert not User.objects.filter(username__in=[spec.username for spec in USERS]).exists()


def test_it_creates_the_demo_once_and_prints_passwords_only_on_creation(settings):
    settings.DEMO_MODE = True
    first = _load()
    created = _counts()
    second = _load()

    assert _counts() == created
    assert 25 <= created["cases"] <= 40
    printed = {username: (password, role) for username, password, role in PASSWORD_LINE.findall(first)}
    assert set(printed) == {spec.username for spec in USERS}
    for username, (password, _role) in printed.items():
        assert User.objects.get(username=username).check_password(password)
    assert PASSWORD_LINE.findall(second) == []
    assert "0 referrals and their cases created" in second


def _load_in_demo_mode() -> None:
    with override_settings(DEMO_MODE=True):
        _load()


@pytest.fixture(scope="class")
def demo_loaded(django_db_setup, django_db_blocker) -> Iterator[None]:
    """The demo loaded in demo mode, once for the tests of a class, which only read what it made
    (tests/shared.py)."""
    yield from set_up_once(django_db_blocker, _load_in_demo_mode)


@pytest.mark.usefixtures("demo_loaded")
class TestTheDemoLoadedInDemoMode:
    def test_it_makes_one_user_per_role_in_groups_of_those_names(self):
        assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)
        for role in ROLES:
            assert User.objects.filter(groups__name=role).exists(), role
        assert set(ROLES) == {"Officer", "Digital forensics examiner", "Supervisor", "Auditor", "Administrator"}
        administrator = User.objects.get(username="admin")
        assert administrator.is_staff and not administrator.is_superuser
        # Two administrators of one force, so that one can approve what the other asks (four eyes).
        administrators = User.objects.filter(groups__name="Administrator", force__code="STF")
        assert sorted(administrators.values_list("username", flat=True)) == ["admin", "admin2"]

    def test_every_stage_of_the_path_is_represented_with_dates_relative_to_now(self):
        now = timezone.now()

        assert set(Case.objects.values_list("stage", flat=True)) == set(Case.Stage.values)
        assert set(Referral.objects.values_list("outcome", flat=True)) == set(Referral.Outcome.values)
        assert set(Warrant.objects.values_list("status", flat=True)) == set(Warrant.Status.values)
        assert {"bail", "rui", "charged"} <= set(Release.objects.values_list("kind", flat=True))
        assert {code for code in Force.objects.values_list("code", flat=True)} == {"STF", "WAR", "WMP"}
        assert Case.objects.filter(restricted=True).exists()

        # Referrals received this week; warrants issued last week, not yet executed.
        assert Referral.objects.filter(received_at__gte=now - timedelta(days=7), outcome="pending").count() >= 3
        assert Warrant.objects.filter(
            status="issued", issued_at__range=(now - timedelta(days=14), now - timedelta(days=3))
        ).exists()
        # Arrests nearing the charging target, and one past it with no decision.
        undecided = [
            arrest
            for arrest in Arrest.objects.select_related("case")
            if not arrest.case.charging_submissions.exclude(decision="pending").exists()
        ]
        targets = [charging_target_at(arrest.arrested_at) for arrest in undecided]
        assert any(now < target <= now + timedelta(days=8) for target in targets)
        assert any(target < now for target in targets)
        # Bail running out within a week; a hearing next week; safeguarding and image counts recorded.
        assert Release.objects.filter(kind="bail", bail_ends_at__range=(now, now + timedelta(days=7))).exists()
        assert CourtHearing.objects.filter(hearing_at__range=(now, now + timedelta(days=8))).exists()
        assert SafeguardingReferral.objects.filter(children_safeguarded__gt=0).exists()
        assert ImageCount.objects.filter(count__gt=0).exists()
        assert ChargingSubmission.objects.filter(decision="pending").exists()
        assert Case.objects.filter(status="closed", closure__isnull=False).count() >= 2

    def test_the_demo_assigns_examiners_and_gives_no_case_a_reference_of_its_own(self):
        assert CaseUserObjectPermission.objects.filter(permission__codename="record_triage").count() >= 10
        for case in Case.objects.all():  # numbered as the pages number them, by the year of opening
            assert case.reference.startswith(f"{case.force.code}-{case.opened_at.astimezone(LONDON).year}-"), case


def test_it_loads_with_force_outside_demo_mode_without_showing_passwords(settings):
    settings.DEMO_MODE = False
    output = _load("--force")
    assert PASSWORDS_HIDDEN in output
    assert PASSWORD_LINE.findall(output) == []
    assert Case.objects.exists()


def test_reset_passwords_prints_new_working_passwords_in_demo_mode_only(settings):
    settings.DEMO_MODE = True
    _load()
    output = _load("--reset-passwords")
    rows = PASSWORD_LINE.findall(output)
    assert len(rows) == len(USERS)
    username, password, _ = rows[0]
    assert User.objects.get(username=username).check_password(password)
    settings.DEMO_MODE = False
    with pytest.raises(CommandError):
        _load("--reset-passwords")


def test_the_demo_is_a_case_file_whose_times_are_all_relative_to_today():
    lines = [json.loads(text) for text in WEEK.read_text(encoding="utf-8").splitlines()]

    assert len(lines) >= 30
    assert all(line.get("type") in (None, "referral") for line in lines)
    assert not re.search(r"\d{4}-\d{2}-\d{2}T|\d{1,2} [A-Z][a-z]{2} \d{4}", WEEK.read_text(encoding="utf-8"))


def test_relative_times_are_counted_from_the_day_of_loading_in_london():
    now = datetime(2026, 7, 15, 11, 0, tzinfo=UTC)  # 12:00 in London (BST)
    line = {
        "opened_at": "today-3 09:20",
        "hearing_at": "today+2 10:00",
        "first_appearance": "next Tuesday 10:00",  # 15 Jul 2026 is a Wednesday
        "plea": "next Wednesday 10:00",
        "later_today": "today 15:00",
        "identifier": {"observed_original": "today-5 21:14:07"},
        "item": "requested {today-1 10:00}, is not completed",
        "notes": "today is not a time",
    }

    resolved = resolve_dates(line, now)

    assert resolved == {
        "opened_at": "2026-07-12T08:20:00+00:00",
        "hearing_at": "2026-07-17T09:00:00+00:00",
        "first_appearance": "2026-07-21T09:00:00+00:00",
        "plea": "2026-07-22T09:00:00+00:00",
        "later_today": "2026-07-15T10:50:00+00:00",  # not yet come: ten minutes ago
        "identifier": {"observed_original": "2026-07-10 21:14:07"},
        "item": "requested 14 Jul 2026 10:00, is not completed",
        "notes": "today is not a time",
    }


def test_a_demo_line_the_services_refuse_stops_the_load_naming_the_line_and_rule(settings, tmp_path, monkeypatch):
    settings.DEMO_MODE = True
    lines = WEEK.read_text(encoding="utf-8").splitlines()
    bad = json.loads(lines[0])
    bad["team"] = "Burglary"
    week = tmp_path / "week.jsonl"
    week.write_text(lines[1] + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    monkeypatch.setattr("casefiles.demo.WEEK", week)

    with pytest.raises(CommandError, match=re.escape('line 2 was refused: team: No team "Burglary" in force STF.')):
        _load()
    assert Referral.objects.count() == 1  # the good line before it stays: each line is its own transaction
