"""Forces, teams and people moved from the cases app to accounts (accounts 0001, cases 0024, accounts
0002): a new database migrates from nothing, and a database made before the move, with data, migrates
forward with nothing lost. Each test migrates a scratch database of its own with Django's
MigrationExecutor, as `manage.py migrate` does."""

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connections
from django.db.migrations.exceptions import InconsistentMigrationHistory
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from accounts.history import PEOPLE_FROM_CASES, people_move_record

# The last migrations of the apps the move changed, as they were before it.
BEFORE_THE_MOVE = {
    "cases": "0023_username_skeleton_m_as_rn",
    "warrants": "0001_initial",
}
MOVED_APPS = {"accounts", *BEFORE_THE_MOVE}


@pytest.fixture
def scratch(django_db_blocker) -> Iterator:
    """An empty database of its own, as the default connection (the data migrations write through
    it), dropped afterwards."""
    original = connections["default"]
    name = f"{original.settings_dict['NAME']}_people_move"
    with django_db_blocker.unblock():
        with original._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        other = type(original)({**original.settings_dict, "NAME": name}, alias="default")
        connections["default"] = other
        try:
            yield other
        finally:
            other.close()
            connections["default"] = original
            with original._nodb_cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _leaves(executor: MigrationExecutor) -> list[tuple[str, str]]:
    return executor.loader.graph.leaf_nodes()


def _before_the_move(executor: MigrationExecutor) -> list[tuple[str, str]]:
    """Every app at its last migration that needs nothing after the move (left out, never migrated,
    if its first does), and the moved apps at theirs before the move."""
    graph = executor.loader.graph
    allowed = {node for target in BEFORE_THE_MOVE.items() for node in graph.forwards_plan(target)}
    others: list[tuple[str, str]] = []
    for app in {node[0] for node in graph.nodes} - MOVED_APPS:
        own = [node for node in graph.nodes if node[0] == app]
        fits = [
            node
            for node in own
            if all(need[0] not in BEFORE_THE_MOVE or need in allowed for need in graph.forwards_plan(node))
        ]
        if fits:
            others.append(max(fits, key=lambda node: len(graph.forwards_plan(node))))
    return others + list(BEFORE_THE_MOVE.items())


def test_a_new_database_migrates_from_nothing(scratch):
    executor = MigrationExecutor(scratch)
    executor.migrate(_leaves(executor))

    apps = MigrationExecutor(scratch).loader.project_state(_leaves(executor)).apps
    content_types = apps.get_model("contenttypes", "ContentType").objects.using("default")
    # (Content types of the accounts app's models are made after migrating, by post_migrate.)
    assert not content_types.filter(app_label="cases", model__in=["user", "team", "force"]).exists()
    assert apps.get_model("accounts", "User")._meta.db_table == "cases_user"
    with scratch.cursor() as cursor:
        tables = scratch.introspection.table_names(cursor)
    assert {"cases_user", "cases_user_groups", "cases_user_teams", "cases_team", "cases_force"} <= set(tables)
    assert people_move_record(scratch) is False  # nothing to record: accounts 0001 ran in its turn


def test_a_database_made_before_the_move_keeps_every_person_grant_and_audit_entry(scratch):
    executor = MigrationExecutor(scratch)
    before = _before_the_move(executor)
    executor.migrate(before)
    # Other apps' migrations depend on accounts 0001 now, so it ran too; a database made before the
    # move has no record of it (its operations change Django's state only).
    MigrationRecorder(scratch).record_unapplied(*PEOPLE_FROM_CASES)
    apps = executor.loader.project_state(before).apps
    db = "default"

    # The people and their case as the cases app held them.
    force = apps.get_model("cases", "Force").objects.using(db).create(code="STF", name="Staffordshire")
    team = apps.get_model("cases", "Team").objects.using(db).create(force=force, name="OCSAE")
    user_model = apps.get_model("cases", "User")
    officer = user_model.objects.using(db).create(
        username="dc.hughes", username_skeleton="dc.hughes", force=force, password="x", rank="DC"
    )
    officer.teams.add(team)
    group = apps.get_model("auth", "Group").objects.using(db).get(name="Officer")  # made by cases 0005
    officer.groups.add(group)
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(db)
    user_type = content_types.get_or_create(app_label="cases", model="user")[0]
    change_user = (
        apps.get_model("auth", "Permission")
        .objects.using(db)
        .get_or_create(content_type=user_type, codename="change_user", defaults={"name": "Can change user"})[0]
    )
    group.permissions.add(change_user)
    case = (
        apps.get_model("cases", "Case")
        .objects.using(db)
        .create(
            reference="STF-2026-000001",
            force=force,
            team=team,
            officer_in_case=officer,
            supervisor=officer,
            created_by=officer,
            opened_at=timezone.now(),
        )
    )
    case_type = content_types.get_or_create(app_label="cases", model="case")[0]
    view_case = (
        apps.get_model("auth", "Permission")
        .objects.using(db)
        .get_or_create(content_type=case_type, codename="view_case", defaults={"name": "Can view case"})[0]
    )
    grant = (
        apps.get_model("cases", "CaseUserObjectPermission")
        .objects.using(db)
        .create(user=officer, permission=view_case, content_object=case)
    )
    entry = (
        apps.get_model("audit", "AuditEntry")
        .objects.using(db)
        .create(actor_id=officer.pk, actor_username="dc.hughes", kind="sign_in", object_type="cases.User")
    )

    # Django refuses the history as it is; `manage.py migrate` records accounts 0001 first.
    with pytest.raises(InconsistentMigrationHistory):
        MigrationExecutor(scratch).loader.check_consistent_history(scratch)
    call_command("migrate", database=db, verbosity=0)
    assert people_move_record(scratch) is False  # recorded once, by the command
    executor = MigrationExecutor(scratch)
    assert executor.migration_plan(_leaves(executor)) == []

    apps = MigrationExecutor(scratch).loader.project_state(_leaves(executor)).apps
    moved = apps.get_model("accounts", "User").objects.using(db).get(pk=officer.pk)
    assert (moved.username, moved.rank, moved.force_id) == ("dc.hughes", "DC", force.pk)
    assert list(moved.teams.values_list("pk", flat=True)) == [team.pk]
    assert list(moved.groups.values_list("name", flat=True)) == ["Officer"]
    assert apps.get_model("accounts", "Team").objects.using(db).get(pk=team.pk).force_id == force.pk
    # The content type keeps its id, so the permission and the group's grant of it still hold.
    user_type_now = apps.get_model("contenttypes", "ContentType").objects.using(db).get(pk=user_type.pk)
    assert (user_type_now.app_label, user_type_now.model) == ("accounts", "user")
    assert apps.get_model("auth", "Group").objects.using(db).get(pk=group.pk).permissions.get().pk == change_user.pk
    assert not apps.get_model("contenttypes", "ContentType").objects.using(db).filter(app_label="cases", model="user")
    case_now = apps.get_model("cases", "Case").objects.using(db).get(pk=case.pk)
    assert (case_now.officer_in_case_id, case_now.team_id, case_now.force_id) == (officer.pk, team.pk, force.pk)
    grant_now = apps.get_model("cases", "CaseUserObjectPermission").objects.using(db).get(pk=grant.pk)
    assert (grant_now.user_id, grant_now.content_object_id) == (officer.pk, case.pk)
    entries = apps.get_model("audit", "AuditEntry").objects.using(db)
    assert list(entries.values_list("pk", "actor_id")) == [(entry.pk, officer.pk)]
