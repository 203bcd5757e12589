"""The importer acts as the person named by `--actor`: it records nothing they could not record
through the pages themselves (their roles, and the team the case belongs to)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.roles import ADMINISTRATOR, AUDITOR, OFFICER
from casefiles.io import import_cases
from casefiles.io.importer import ACTOR_MAY_NOT, ACTOR_NOT_IN_TEAM, model_counts
from tests.casefiles.test_import_cases import FULL, as_file, full_cases, importer  # noqa: F401 (importer is a fixture)
from tests.factories.people import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _refused(cases, actor) -> list[str]:
    before = model_counts()
    report = import_cases(as_file(*cases), actor=actor)
    assert not report.ok
    assert model_counts() == before
    return [str(error) for error in report.errors]


@pytest.mark.parametrize("role", [AUDITOR, ADMINISTRATOR])
def test_an_auditor_or_administrator_cannot_import_cases(role, importer, team):  # noqa: F811
    person = UserFactory(username="not.an.officer", force=team.force, teams=[team], roles=[role])
    errors = _refused(full_cases(), person)
    assert f"line 1: team: {ACTOR_MAY_NOT.format(username='not.an.officer', what='open and record cases')}" in errors


def test_an_examiner_cannot_open_cases_by_import(importer, examiner):  # noqa: F811
    errors = _refused(full_cases()[:1], examiner)
    assert any(ACTOR_MAY_NOT.format(username=examiner.username, what="open and record cases") in e for e in errors)


def test_an_officer_cannot_close_a_case_by_import(importer, officer):  # noqa: F811
    closed = [case for case in full_cases() if case.get("closure")]
    assert closed, "the full file has a closed case"
    errors = _refused(closed[:1], officer)
    assert any(ACTOR_MAY_NOT.format(username=officer.username, what="close cases") in e for e in errors)


def test_an_officer_of_another_team_cannot_import_this_teams_cases(importer, team):  # noqa: F811
    elsewhere = UserFactory(
        username="dc.elsewhere", force=team.force, teams=[TeamFactory(force=team.force, name="Other")], roles=[OFFICER]
    )
    open_cases = [case for case in full_cases() if not case.get("closure") and not case.get("restricted")]
    errors = _refused(open_cases[:1], elsewhere)
    assert any(ACTOR_NOT_IN_TEAM.format(username="dc.elsewhere", team=team.name) in e for e in errors)


def test_import_cases_command_refuses_an_actor_who_may_not(importer, team):  # noqa: F811
    UserFactory(username="ps.auditor", force=team.force, teams=[team], roles=[AUDITOR])
    before = model_counts()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_cases", str(FULL), "--actor", "ps.auditor")
    assert model_counts() == before


def test_the_supervisor_of_the_team_still_imports_the_whole_file(importer):  # noqa: F811
    report = import_cases(as_file(*full_cases()), actor=importer)
    assert report.ok, report.errors
