"""The demo's forces, teams and people. Roles are Django groups."""

import secrets
from dataclasses import dataclass, field

from django.contrib.auth.models import Group

from accounts.models import Force, Team, User

# Roles are Django groups whose names, table and permissions live in accounts/roles.py.
from accounts.roles import ADMINISTRATOR, AUDITOR, EXAMINER, OFFICER, SUPERVISOR, set_up_role_groups

REGION = "West Midlands"
FORCES = {"STF": "Staffordshire Police", "WAR": "Warwickshire Police", "WMP": "West Mercia Police"}
TEAMS = {"STF": ("Safenet", "POLIT North"), "WAR": ("OCSAE Team",), "WMP": ("Safenet West",)}


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    rank: str
    force: str
    teams: tuple[str, ...]
    role: str
    is_staff: bool = False


# One user per role (the first five), a second administrator, then more officers so that caseloads look real.
USERS = (
    DemoUser("officer", "Amira", "Khan", "DC", "STF", ("Safenet",), OFFICER),
    DemoUser("examiner", "Ravi", "Patel", "", "STF", ("Safenet", "POLIT North"), EXAMINER),
    DemoUser("supervisor", "Grace", "Okafor", "DS", "STF", ("Safenet", "POLIT North"), SUPERVISOR),
    DemoUser("auditor", "Helen", "Marsh", "", "STF", (), AUDITOR),
    DemoUser("admin", "Chris", "Doyle", "", "STF", (), ADMINISTRATOR, is_staff=True),
    # A second administrator of the same force, so that four eyes can be tried: one asks, the other approves.
    DemoUser("admin2", "Morgan", "Reid", "", "STF", (), ADMINISTRATOR),
    DemoUser("dc.bennett", "Tom", "Bennett", "DC", "STF", ("Safenet",), OFFICER),
    DemoUser("dc.sharma", "Priya", "Sharma", "DC", "STF", ("Safenet",), OFFICER),
    DemoUser("dc.walsh", "Niamh", "Walsh", "DC", "STF", ("POLIT North",), OFFICER),
    DemoUser("dc.turner", "Josh", "Turner", "DC", "STF", ("POLIT North",), OFFICER),
    DemoUser("dc.singh", "Harpreet", "Singh", "DC", "WAR", ("OCSAE Team",), OFFICER),
    DemoUser("dc.green", "Laura", "Green", "DC", "WAR", ("OCSAE Team",), OFFICER),
    DemoUser("ds.price", "Owen", "Price", "DS", "WAR", ("OCSAE Team",), SUPERVISOR),
    DemoUser("dfi.osei", "Kwame", "Osei", "", "WAR", ("OCSAE Team",), EXAMINER),
    DemoUser("dc.evans", "Bethan", "Evans", "DC", "WMP", ("Safenet West",), OFFICER),
    DemoUser("dc.morris", "Ollie", "Morris", "DC", "WMP", ("Safenet West",), OFFICER),
    DemoUser("ds.clarke", "Martin", "Clarke", "DS", "WMP", ("Safenet West",), SUPERVISOR),
    DemoUser("dfi.hall", "Sophie", "Hall", "", "WMP", ("Safenet West",), EXAMINER),
)


@dataclass
class DemoResult:
    users_created: list[tuple[DemoUser, str]] = field(default_factory=list)
    referrals_created: int = 0
    referrals_existing: int = 0


def set_up_people(result: DemoResult) -> None:
    """Roles, forces, teams and users, each made only if missing; a new user's random password is
    kept in `result` so that it can be shown once."""
    set_up_role_groups()
    forces: dict[str, Force] = {}
    teams: dict[tuple[str, str], Team] = {}
    for code, name in FORCES.items():
        forces[code], _ = Force.objects.get_or_create(code=code, defaults={"name": name, "region": REGION})
        for team_name in TEAMS[code]:
            teams[(code, team_name)], _ = Team.objects.get_or_create(force=forces[code], name=team_name)
    for spec in USERS:
        if User.objects.filter(username=spec.username).exists():
            continue
        password = secrets.token_urlsafe(12)
        user = User(
            username=spec.username,
            first_name=spec.first_name,
            last_name=spec.last_name,
            rank=spec.rank,
            email=f"{spec.username}@{spec.force.lower()}.police.example",
            force=forces[spec.force],
            is_staff=spec.is_staff,
        )
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name=spec.role))
        user.teams.set([teams[(spec.force, team)] for team in spec.teams])
        result.users_created.append((spec, password))
