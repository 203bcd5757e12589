"""The people the load test signs in as, added to the demo in the load test's throwaway database.

Each simulated user needs an account of its own: a two-factor code is accepted once per device
and time step, so two users sharing an account would refuse each other's sign-in. Accounts are
made like the demo's (casefiles/demo), with a random password and a confirmed authenticator app whose
secret the load test is given. Needs Django set up on the throwaway database.
"""

import secrets
from dataclasses import asdict, dataclass

from django.contrib.auth.models import Group
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Team, User
from accounts.roles import AUDITOR, OFFICER, SUPERVISOR
from cases.models import Case

# Officers and supervisors are spread over the demo's teams, as a regional operation's would be.
TEAMS = (("STF", "Safenet"), ("STF", "POLIT North"), ("WAR", "OCSAE Team"), ("WMP", "Safenet West"))
ROLE_NAMES = {"officer": OFFICER, "supervisor": SUPERVISOR, "auditor": AUDITOR}


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    totp_key: str
    role: str


@transaction.atomic
def create_accounts(counts: dict[str, int]) -> list[Account]:
    """`counts[role]` new accounts per role (officer, supervisor, auditor), named load.<role>.NN."""
    accounts = []
    teams = [Team.objects.select_related("force").get(force__code=code, name=name) for code, name in TEAMS]
    for role, count in counts.items():
        group = Group.objects.get(name=ROLE_NAMES[role])
        for number in range(1, count + 1):
            team = teams[number % len(teams)]
            password = secrets.token_urlsafe(16)
            user = User(
                username=f"load.{role}.{number:02d}",
                first_name="Load",
                last_name=f"{role.title()} {number}",
                rank={"officer": "DC", "supervisor": "DS"}.get(role, ""),
                email=f"load.{role}.{number:02d}@{team.force.code.lower()}.police.example",
                force=team.force,
            )
            user.set_password(password)
            user.save()
            user.groups.add(group)
            if role != "auditor":
                user.teams.add(team)
            device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
            accounts.append(Account(user.username, password, device.key, role))
    return accounts


def plan(accounts: list[Account]) -> dict[str, object]:
    """What the locust process needs: the accounts, and the case references an auditor may look up."""
    return {
        "accounts": [asdict(account) for account in accounts],
        "case_references": list(Case.objects.order_by("reference").values_list("reference", flat=True)),
    }
