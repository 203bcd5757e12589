"""case_open: references, team and officers, times, and developing a referral."""

import re
import threading
from datetime import UTC, datetime, timedelta

import pgtrigger
import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Force, Team, User
from accounts.roles import EXAMINER, SUPERVISOR
from cases.models import Case, CaseLogEntry, Referral
from cases.services import case as svc
from tests.factories.cases import CaseFactory, ReferralFactory
from tests.factories.people import ForceFactory, TeamFactory, UserFactory


def open_case(officer, supervisor, team, **overrides):
    values = {
        "actor": officer,
        "team": team,
        "officer_in_case": officer,
        "supervisor": supervisor,
        "opened_at": timezone.now() - timedelta(hours=1),
        "operation": "Safenet",
    }
    return svc.case_open(**(values | overrides))


def test_case_open_gives_a_reference_of_force_year_and_sequence(officer, supervisor, team):
    case = open_case(officer, supervisor, team, opened_at=datetime(2026, 3, 1, 10, tzinfo=UTC))
    assert case.reference == "STF-2026-000001"
    assert re.fullmatch(r"STF-2026-\d{6}", case.reference)
    assert case.force == team.force
    assert case.status == Case.Status.OPEN
    assert case.stage == Case.Stage.INVESTIGATION
    assert case.created_by == officer


def test_case_references_count_up_per_force_and_year(officer, supervisor, team):
    first = open_case(officer, supervisor, team, opened_at=datetime(2025, 3, 1, 10, tzinfo=UTC))
    second = open_case(officer, supervisor, team, opened_at=datetime(2025, 3, 2, 10, tzinfo=UTC))
    next_year = open_case(officer, supervisor, team, opened_at=datetime(2026, 1, 2, 10, tzinfo=UTC))
    assert [first.reference, second.reference, next_year.reference] == [
        "STF-2025-000001",
        "STF-2025-000002",
        "STF-2026-000001",
    ]


def test_case_reference_sequence_is_per_force(officer, supervisor, team):
    other_force = ForceFactory(code="WMC", name="West Mercia Police")
    other_team = TeamFactory(force=other_force, name="POLIT")
    other_officer = UserFactory(force=other_force, teams=[other_team], roles=[SUPERVISOR])
    CaseFactory(team=other_team, reference="WMC-2026-000041")
    opened = datetime(2026, 5, 1, 9, tzinfo=UTC)
    ours = open_case(officer, supervisor, team, opened_at=opened)
    theirs = open_case(other_officer, other_officer, other_team, opened_at=opened)
    assert ours.reference == "STF-2026-000001"
    assert theirs.reference == "WMC-2026-000042"


def test_case_reference_follows_imported_references_and_ignores_other_shapes(officer, supervisor, team):
    CaseFactory(team=team, reference="STF-2026-000120")
    CaseFactory(team=team, reference="STF-2026-9999999")  # not the generated shape
    case = open_case(officer, supervisor, team, opened_at=datetime(2026, 6, 1, tzinfo=UTC))
    assert case.reference == "STF-2026-000121"


def test_case_open_keeps_a_given_reference_and_refuses_a_taken_one(officer, supervisor, team):
    case = open_case(officer, supervisor, team, reference="STF-2019-000007")
    assert case.reference == "STF-2019-000007"
    with pytest.raises(ValidationError) as caught:
        open_case(officer, supervisor, team, reference="STF-2019-000007")
    assert caught.value.message_dict == {"reference": [svc.CASE_REFERENCE_TAKEN]}
    assert Case.objects.count() == 1


def test_case_open_refuses_a_malformed_given_reference(officer, supervisor, team):
    with pytest.raises(ValidationError) as caught:
        open_case(officer, supervisor, team, reference="STF 2019/7")
    assert caught.value.message_dict == {"reference": [svc.CASE_REFERENCE_INVALID]}
    assert not Case.objects.exists()


def test_case_open_writes_a_system_log_line(officer, supervisor, team):
    case = open_case(officer, supervisor, team)
    entry = case.log_entries.get()
    assert entry.kind == CaseLogEntry.Kind.SYSTEM
    assert entry.author == officer
    assert "Case opened for Safenet" in entry.text


def test_case_open_refuses_a_team_of_another_force(officer, supervisor):
    foreign_team = TeamFactory(force=ForceFactory(code="WMC", name="West Mercia Police"), name="POLIT")
    with pytest.raises(ValidationError) as caught:
        open_case(officer, supervisor, foreign_team)
    assert caught.value.message_dict == {"team": [svc.CASE_TEAM_OTHER_FORCE]}
    assert not Case.objects.exists()


def test_case_open_refuses_an_officer_in_the_case_outside_the_team(officer, supervisor, team, outsider):
    with pytest.raises(ValidationError) as caught:
        open_case(officer, supervisor, team, officer_in_case=outsider)
    assert caught.value.message_dict == {"officer_in_case": [svc.CASE_OIC_NOT_IN_TEAM]}
    assert not Case.objects.exists()


def test_case_open_refuses_a_supervisor_outside_the_team(officer, team, outsider):
    with pytest.raises(ValidationError) as caught:
        open_case(officer, outsider, team)
    assert caught.value.message_dict == {"supervisor": [svc.CASE_SUPERVISOR_NOT_IN_TEAM]}
    assert not Case.objects.exists()


def test_case_open_refuses_a_supervisor_who_is_not_one_and_an_officer_in_the_case_without_the_role(
    officer, supervisor, team
):
    """As reassignment does (case_reassign): the supervisor must hold the Supervisor role, the
    officer in the case the Officer or Supervisor role; a team's examiner is neither."""
    examiner = UserFactory(force=officer.force, teams=[team], roles=[EXAMINER])
    with pytest.raises(ValidationError) as caught:
        open_case(officer, officer, team)
    assert caught.value.message_dict == {"supervisor": [svc.CASE_SUPERVISOR_NOT_IN_TEAM]}
    with pytest.raises(ValidationError) as caught:
        open_case(officer, supervisor, team, officer_in_case=examiner)
    assert caught.value.message_dict == {"officer_in_case": [svc.CASE_OIC_NOT_IN_TEAM]}
    assert open_case(officer, supervisor, team, officer_in_case=supervisor).officer_in_case == supervisor
    assert not Case.objects.exclude(officer_in_case=supervisor).exists()


def test_case_open_refuses_an_inactive_officer(officer, supervisor, team):
    supervisor.is_active = False
    supervisor.save()
    with pytest.raises(ValidationError) as caught:
        open_case(officer, supervisor, team)
    assert caught.value.message_dict == {"supervisor": [svc.CASE_SUPERVISOR_NOT_IN_TEAM]}
    assert not Case.objects.exists()


def test_case_open_refuses_a_time_in_the_future(officer, supervisor, team):
    with pytest.raises(ValidationError) as caught:
        open_case(officer, supervisor, team, opened_at=timezone.now() + timedelta(days=1))
    assert caught.value.message_dict == {"opened_at": ["Opened at cannot be in the future."]}
    assert not Case.objects.exists()


# --- from a referral ---------------------------------------------------------------------------


@pytest.fixture
def referral(force, officer):
    return ReferralFactory(force=force, created_by=officer, received_at=timezone.now() - timedelta(days=3))


def test_case_open_from_a_referral_marks_it_developed_at_the_opening_time(officer, supervisor, team, referral):
    opened_at = timezone.now() - timedelta(days=1)
    case = open_case(officer, supervisor, team, referral=referral, opened_at=opened_at)
    referral.refresh_from_db()
    assert case.referral == referral
    assert referral.outcome == Referral.Outcome.DEVELOPED
    assert referral.outcome_at == opened_at
    assert case.log_entries.get().text.startswith(f"Case opened from referral {referral}.")


def test_a_referral_cannot_be_developed_into_two_cases(officer, supervisor, team, referral):
    open_case(officer, supervisor, team, referral=referral)
    with pytest.raises(ValidationError) as caught:
        open_case(officer, supervisor, team, referral=referral)
    assert caught.value.messages == [svc.CASE_REFERRAL_ALREADY_DEVELOPED]
    assert Case.objects.count() == 1


def test_a_referral_with_another_outcome_cannot_open_a_case(officer, supervisor, team, referral):
    Referral.objects.filter(pk=referral.pk).update(outcome="nfa", outcome_at=timezone.now(), outcome_reason="Dup.")
    with pytest.raises(ValidationError) as caught:
        open_case(officer, supervisor, team, referral=referral)
    assert caught.value.messages == [svc.CASE_REFERRAL_HAS_OUTCOME]
    assert not Case.objects.exists()


def test_a_case_cannot_be_opened_before_its_referral_was_received(officer, supervisor, team, referral):
    with pytest.raises(ValidationError) as caught:
        open_case(officer, supervisor, team, referral=referral, opened_at=referral.received_at - timedelta(minutes=1))
    assert caught.value.message_dict == {"opened_at": [svc.CASE_OPENED_BEFORE_REFERRAL]}
    referral.refresh_from_db()
    assert referral.outcome == Referral.Outcome.PENDING
    assert not Case.objects.exists()


def test_a_referral_of_another_force_cannot_open_a_case(officer, supervisor, team):
    foreign = ReferralFactory(force=ForceFactory(code="WMC", name="West Mercia Police"))
    with pytest.raises(ValidationError) as caught:
        open_case(officer, supervisor, team, referral=foreign)
    assert caught.value.messages == [svc.CASE_REFERRAL_OTHER_FORCE]
    assert not Case.objects.exists()


def _remove_committed(force):
    """Delete what the concurrency test committed. The case log is append-only, so its trigger is
    bypassed here, for these rows only."""
    cases = Case.objects.filter(force=force)
    with pgtrigger.ignore("cases.CaseLogEntry:case_log_append_only"), transaction.atomic():
        CaseLogEntry.objects.filter(case__in=cases).delete()
    cases.delete()
    users = User.objects.filter(force=force)
    User.teams.through.objects.filter(user__in=users).delete()
    users.delete()
    Team.objects.filter(force=force).delete()
    force.delete()


def test_cases_opened_at_the_same_time_get_different_references(django_db_setup, django_db_blocker):
    """Each case_open locks the force row, so concurrent openings number one after the other.

    The openings must really be concurrent, so they commit: the test runs outside pytest-django's
    per-test transaction and removes its own rows afterwards. (A transactional test would instead
    flush every table, emptying the offence catalogue that a data migration loads.)
    """
    with django_db_blocker.unblock():
        force = Force.objects.create(code="CCY", name="Concurrency Test Constabulary")
        try:
            team = Team.objects.create(force=force, name="Safenet")
            people = [User.objects.create(username=f"concurrency.{n}", force=force, is_active=True) for n in range(6)]
            supervisors, _ = Group.objects.get_or_create(name=SUPERVISOR)
            for person in people:
                person.teams.add(team)
                person.groups.add(supervisors)
            opened_at = timezone.now() - timedelta(hours=1)
            barrier = threading.Barrier(len(people))
            references, errors = [], []

            def worker(person):
                try:
                    barrier.wait()
                    case = svc.case_open(
                        actor=person, team=team, officer_in_case=person, supervisor=person, opened_at=opened_at
                    )
                    references.append(case.reference)
                except Exception as error:
                    errors.append(error)
                finally:
                    connection.close()

            threads = [threading.Thread(target=worker, args=(person,)) for person in people]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert errors == []
            year = opened_at.astimezone(svc.LONDON).year
            assert sorted(references) == [f"CCY-{year}-{n:06d}" for n in range(1, 7)]
        finally:
            _remove_committed(force)
