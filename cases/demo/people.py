"""The demo's forces, teams and people. Roles are Django groups."""

from dataclasses import dataclass

# Roles are Django groups whose names and table live in accounts/roles.py (re-exported for the builder).
from accounts.roles import ADMINISTRATOR, AUDITOR, EXAMINER, OFFICER, ROLES, SUPERVISOR  # noqa: F401

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


# One user per role (the first five), then more officers so that caseloads look real.
USERS = (
    DemoUser("officer", "Amira", "Khan", "DC", "STF", ("Safenet",), OFFICER),
    DemoUser("examiner", "Ravi", "Patel", "", "STF", ("Safenet", "POLIT North"), EXAMINER),
    DemoUser("supervisor", "Grace", "Okafor", "DS", "STF", ("Safenet", "POLIT North"), SUPERVISOR),
    DemoUser("auditor", "Helen", "Marsh", "", "STF", (), AUDITOR),
    DemoUser("admin", "Chris", "Doyle", "", "STF", (), ADMINISTRATOR, is_staff=True),
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

# What the administrator may manage in Django's admin: people and teams, never case content.
ADMINISTRATOR_PERMISSIONS = (
    "add_user",
    "change_user",
    "view_user",
    "add_team",
    "change_team",
    "view_team",
    "view_force",
)
