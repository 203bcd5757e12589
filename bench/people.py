"""The 43 territorial forces of England and Wales, their teams, and people in every role."""

import random
from dataclasses import dataclass, field

from accounts.usernames import username_skeleton
from bench.sink import Actor, Sink

# (code, name, region, relative size of the caseload)
FORCES = (
    ("AS", "Avon and Somerset Constabulary", "South West", 3),
    ("BDF", "Bedfordshire Police", "Eastern", 1),
    ("CAM", "Cambridgeshire Constabulary", "Eastern", 1),
    ("CHS", "Cheshire Constabulary", "North West", 2),
    ("CoL", "City of London Police", "London", 1),
    ("CLV", "Cleveland Police", "North East", 1),
    ("CMB", "Cumbria Constabulary", "North West", 1),
    ("DBY", "Derbyshire Constabulary", "East Midlands", 2),
    ("DC", "Devon and Cornwall Police", "South West", 3),
    ("DOR", "Dorset Police", "South West", 1),
    ("DUR", "Durham Constabulary", "North East", 1),
    ("DPP", "Dyfed-Powys Police", "Wales", 1),
    ("ESX", "Essex Police", "Eastern", 3),
    ("GLO", "Gloucestershire Constabulary", "South West", 1),
    ("GMP", "Greater Manchester Police", "North West", 6),
    ("GWE", "Gwent Police", "Wales", 1),
    ("HAM", "Hampshire and Isle of Wight Constabulary", "South East", 3),
    ("HRT", "Hertfordshire Constabulary", "Eastern", 2),
    ("HUM", "Humberside Police", "North East", 2),
    ("KNT", "Kent Police", "South East", 3),
    ("LAN", "Lancashire Constabulary", "North West", 3),
    ("LEI", "Leicestershire Police", "East Midlands", 2),
    ("LIN", "Lincolnshire Police", "East Midlands", 1),
    ("MER", "Merseyside Police", "North West", 3),
    ("MPS", "Metropolitan Police Service", "London", 12),
    ("NOR", "Norfolk Constabulary", "Eastern", 2),
    ("NWP", "North Wales Police", "Wales", 1),
    ("NYP", "North Yorkshire Police", "North East", 1),
    ("NTH", "Northamptonshire Police", "East Midlands", 1),
    ("NHB", "Northumbria Police", "North East", 3),
    ("NOT", "Nottinghamshire Police", "East Midlands", 2),
    ("SWP", "South Wales Police", "Wales", 2),
    ("SYP", "South Yorkshire Police", "North East", 3),
    ("STF", "Staffordshire Police", "West Midlands", 2),
    ("SFK", "Suffolk Constabulary", "Eastern", 1),
    ("SRY", "Surrey Police", "South East", 2),
    ("SXP", "Sussex Police", "South East", 3),
    ("TVP", "Thames Valley Police", "South East", 4),
    ("WAR", "Warwickshire Police", "West Midlands", 1),
    ("WMC", "West Mercia Police", "West Midlands", 2),
    ("WMP", "West Midlands Police", "West Midlands", 6),
    ("WYP", "West Yorkshire Police", "North East", 5),
    ("WIL", "Wiltshire Police", "South West", 1),
)
TEAM_NAMES = ("Safenet", "Paedophile Online Investigation Team", "Online Child Abuse Team", "Digital Media Unit")
FIRST_NAMES = (
    "Sam",
    "Alex",
    "Jo",
    "Chris",
    "Priya",
    "Amir",
    "Grace",
    "Tom",
    "Sophie",
    "Ravi",
    "Hannah",
    "Daniel",
    "Aisha",
    "Owen",
    "Megan",
    "Lewis",
    "Chloe",
    "Ben",
    "Fatima",
    "Rhys",
    "Laura",
    "James",
    "Zara",
    "Liam",
    "Emma",
    "Kieran",
    "Niamh",
    "Adam",
    "Ruth",
    "Mark",
)
LAST_NAMES = (
    "Hughes",
    "Okafor",
    "Patel",
    "Morgan",
    "Smith",
    "Jones",
    "Williams",
    "Brown",
    "Taylor",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Roberts",
    "Khan",
    "Walker",
    "Wright",
    "Robinson",
    "Thompson",
    "White",
    "Edwards",
    "Green",
    "Hall",
    "Wood",
    "Clarke",
    "Lewis",
    "Harris",
    "Jackson",
    "Turner",
    "Hill",
)
# Group ids are looked up by name in the database; these are the role names (accounts/roles.py).
OFFICER, EXAMINER, SUPERVISOR, AUDITOR, ADMINISTRATOR = (
    "Officer",
    "Digital forensics examiner",
    "Supervisor",
    "Auditor",
    "Administrator",
)
PER_TEAM = ((OFFICER, "DC", 6), (SUPERVISOR, "DS", 2), (EXAMINER, "Police Staff", 2))
PER_FORCE = ((AUDITOR, "Police Staff", 2), (ADMINISTRATOR, "Police Staff", 1))


@dataclass
class Team:
    id: int
    name: str
    force_code: str
    force_id: int
    officers: list[Actor] = field(default_factory=list)
    supervisors: list[Actor] = field(default_factory=list)
    examiners: list[Actor] = field(default_factory=list)


@dataclass
class People:
    forces: list[tuple[int, str, int]]  # (id, code, weight)
    teams_by_force: dict[int, list[Team]]
    by_role: dict[str, list[Actor]]


def make_people(
    sink: Sink, rng: random.Random, groups: dict[str, int], at_s: int, admin: Actor | None, *, team_sets: int = 1
) -> People:
    """Forces, teams and users with their roles and teams, written with their `create` entries.

    Each force has 2 to 4 teams (by its size) `team_sets` times over: a larger caseload is worked by
    more teams, as a national deployment would be, so that a team's yearly intake stays like a real
    unit's rather than growing with the database."""
    at_us = at_s * 1_000_000
    request = f"{rng.getrandbits(128):032x}"
    forces: list[tuple[int, str, int]] = []
    teams_by_force: dict[int, list[Team]] = {}
    by_role: dict[str, list[Actor]] = {role: [] for role in groups}
    serial = 0

    def add_user(role: str, rank: str, force_id: int, code: str, team: Team | None) -> Actor:
        nonlocal serial
        serial += 1
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        username = f"{first[0].lower()}.{last.lower()}.{code.lower()}{serial}"
        user_id = sink.new_id("cases_user")
        row = {
            "id": user_id,
            "password": f"!{rng.getrandbits(160):040x}",  # unusable: benchmark users sign in by session
            "last_login": None,
            "is_superuser": False,
            "username": username,
            "first_name": first,
            "last_name": last,
            "email": f"{username}@police.example",
            "is_staff": role == ADMINISTRATOR,
            "is_active": True,
            "date_joined": at_s,
            "rank": rank,
            "collar_number": str(1000 + serial),
            "force_id": force_id,
            "username_skeleton": username_skeleton(username),
            "disabled_reason": "",
        }
        sink.created("cases_user", row, at_us, admin, request, "")
        sink.write("cases_user", row)
        link: dict[str, object] = {"id": sink.new_id("cases_user_groups"), "user_id": user_id, "group_id": groups[role]}
        sink.created("cases_user_groups", link, at_us, admin, request, "")
        sink.write("cases_user_groups", link)
        actor = Actor(user_id, username, f"10.{force_id % 250}.{serial // 250 % 250}.{serial % 250 + 1}")
        if team is not None:
            member: dict[str, object] = {"id": sink.new_id("cases_user_teams"), "user_id": user_id, "team_id": team.id}
            sink.created("cases_user_teams", member, at_us, admin, request, "")
            sink.write("cases_user_teams", member)
        by_role[role].append(actor)
        return actor

    for code, name, region, weight in FORCES:
        force_id = sink.new_id("cases_force")
        force = {"id": force_id, "code": code, "name": name, "region": region}
        sink.created("cases_force", force, at_us, admin, request, "")
        sink.write("cases_force", force)
        forces.append((force_id, code, weight))
        teams = []
        names = TEAM_NAMES[: 2 + min(weight, 2)]
        for team_name in [name if n == 1 else f"{name} {n}" for n in range(1, team_sets + 1) for name in names]:
            team_id = sink.new_id("cases_team")
            team_row: dict[str, object] = {"id": team_id, "name": team_name, "force_id": force_id}
            sink.created("cases_team", team_row, at_us, admin, request, "")
            sink.write("cases_team", team_row)
            team = Team(team_id, team_name, code, force_id)
            for role, rank, count in PER_TEAM:
                for _ in range(count):
                    actor = add_user(role, rank, force_id, code, team)
                    {OFFICER: team.officers, SUPERVISOR: team.supervisors, EXAMINER: team.examiners}[role].append(actor)
            teams.append(team)
        teams_by_force[force_id] = teams
        for role, rank, count in PER_FORCE:
            for _ in range(count):
                add_user(role, rank, force_id, code, None)
    return People(forces, teams_by_force, by_role)
