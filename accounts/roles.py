"""Roles and what each may do: the one place the role names and the role table live.

A role is a Django group with one of the names below (DOMAIN.md, "People and access"); a person's
teams and force are data on the user. What a role may do is the table `ROLE_TABLE`; docs/access.md
shows the same table and a test keeps the two the same. Per-case exceptions are grants (django-guardian
rows in `cases.models.access`), made only by `cases.services.access`.

How the capabilities are applied to a case (team membership, grants, restricted cases) is in
`cases.selectors` (`cases_visible_to`, `case_allows`); views reach them through the fetch-and-authorise
helpers in `cases.permissions`.
"""

from enum import StrEnum

from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.db.models import Q

from accounts.models import User

OFFICER = "Officer"
EXAMINER = "Digital forensics examiner"
SUPERVISOR = "Supervisor"
AUDITOR = "Auditor"
ADMINISTRATOR = "Administrator"
ROLES = (OFFICER, EXAMINER, SUPERVISOR, AUDITOR, ADMINISTRATOR)


class Capability(StrEnum):
    READ_TEAM_CASES = "read_team_cases"
    RECORD_TEAM_CASES = "record_team_cases"
    RECORD_DEVICES = "record_devices"
    REFERRALS = "referrals"
    SUPERVISE = "supervise"
    APPROVE_CLOSURE = "approve_closure"
    FIGURES = "figures"
    READ_AUDIT = "read_audit"
    MANAGE_USERS = "manage_users"


# The role table. Read across: what the capability allows, then the roles that have it.
# "Team cases" are the cases of the teams the person is a member of (plus cases they lead or
# supervise); a restricted case is only ever visible to people granted it by name, whatever the role.
ROLE_TABLE: tuple[tuple[Capability, str, frozenset[str]], ...] = (
    (
        Capability.READ_TEAM_CASES,
        "Read team cases",
        frozenset({OFFICER, SUPERVISOR}),
    ),
    (
        Capability.RECORD_TEAM_CASES,
        "Record on team cases and open cases",
        frozenset({OFFICER, SUPERVISOR}),
    ),
    (
        Capability.RECORD_DEVICES,
        "Record searches, devices, triage, image counts and forensic work (examiners: on assigned cases only)",
        frozenset({OFFICER, EXAMINER, SUPERVISOR}),
    ),
    (
        Capability.REFERRALS,
        "Read and record the referrals of their force",
        frozenset({OFFICER, SUPERVISOR}),
    ),
    (
        Capability.SUPERVISE,
        "Assign examiners, grant and revoke access, reassign the officer in the case, restrict a case",
        frozenset({SUPERVISOR}),
    ),
    (
        Capability.APPROVE_CLOSURE,
        "Close a case (approve closure) and record retention reviews",
        frozenset({SUPERVISOR}),
    ),
    (
        Capability.FIGURES,
        "Dashboards and figures",
        frozenset({SUPERVISOR}),
    ),
    (
        Capability.READ_AUDIT,
        "Read the audit trail (records named by reference and label, the fields changed; no case pages) and mark "
        "anomaly flags reviewed",
        frozenset({AUDITOR}),
    ),
    (
        Capability.MANAGE_USERS,
        "Manage the people of their own force: invite, teams, roles, disable, unlock, reset an authenticator "
        "(Auditor, Administrator, Supervisor and other forces' teams need a second administrator)",
        frozenset({ADMINISTRATOR}),
    ),
)

# What each role holds of Django's own permissions, as (app label, permission codename): the
# administrator manages people and teams in Django's admin, and never case content. Naming the app
# keeps a permission apart from one of the same codename in another app.
ROLE_PERMISSIONS: dict[str, tuple[tuple[str, str], ...]] = {
    ADMINISTRATOR: (
        ("accounts", "add_user"),
        ("accounts", "change_user"),
        ("accounts", "view_user"),
        ("accounts", "add_team"),
        ("accounts", "change_team"),
        ("accounts", "view_team"),
        ("accounts", "view_force"),
    ),
}

_ROLES_WITH: dict[Capability, frozenset[str]] = {capability: roles for capability, _, roles in ROLE_TABLE}


def roles_with(capability: Capability) -> frozenset[str]:
    """The names of the roles (groups) that have `capability`."""
    return _ROLES_WITH[capability]


def set_up_role_groups() -> None:
    """Make the role groups that are missing and give each role its `ROLE_PERMISSIONS`. Idempotent.

    A new database gets the same from its data migrations (cases 0005, accounts 0002); this is for
    a database emptied since (Django's `flush` removes what migrations loaded, and its post_migrate
    signal makes the permissions again but not the groups) and for the demo. A permission in
    `ROLE_PERMISSIONS` that does not exist is a `LookupError`."""
    for name in ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        wanted = ROLE_PERMISSIONS.get(name, ())
        if wanted:
            matches = Q()
            for app_label, codename in wanted:
                matches |= Q(content_type__app_label=app_label, codename=codename)
            permissions = list(Permission.objects.filter(matches))
            if len(permissions) != len(wanted):
                # Fail loudly rather than leave a role without what it may do.
                found = {(p.content_type.app_label, p.codename) for p in permissions}
                raise LookupError(f"No such permissions for {name}: {sorted(set(wanted) - found)}")
            group.permissions.add(*permissions)


def roles_of(user: User | AnonymousUser) -> frozenset[str]:
    """The role names of an active, signed-in user; nobody else has a role.

    One query, then kept on the user object: `request.user` is loaded afresh for each request, so a
    page asks once however many checks and links it makes, and a change of roles counts from the
    next request."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    roles = getattr(user, "_safeguard_roles", None)
    if roles is None:
        roles = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._safeguard_roles = roles
    return roles


def user_has_capability(user: User | AnonymousUser, capability: Capability) -> bool:
    """Whether one of the user's roles has `capability` (before any per-case rule)."""
    return bool(roles_of(user) & roles_with(capability))


def may_read_audit(user: User | AnonymousUser) -> bool:
    """Whether the user may read the audit trail's pages (`Capability.READ_AUDIT`)."""
    return user_has_capability(user, Capability.READ_AUDIT)
