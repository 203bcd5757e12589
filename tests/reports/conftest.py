"""A known data set for the figures: tests/data/figures-west-midlands.jsonl, imported through the
ordinary import (docs/import-format.md). Two forces of the West Midlands regional operation:

| Force, team | Investigations | Warrants executed | Arrests | People charged | Children safeguarded |
|---|---|---|---|---|---|
| Staffordshire, Safenet | 2 | 2 | 3 | 2 | 5 |
| Staffordshire, POLIT | 1 | 0 | 1 | 0 | 0 |
| Staffordshire | 3 | 2 | 4 | 2 | 5 |
| Warwickshire | 2 | 1 | 1 | 1 | 4 |
| West Midlands | 5 | 3 | 5 | 3 | 9 |

for 1 January to 31 March 2026. One Staffordshire POLIT case (STF-2025-000099) falls wholly in
December 2025 and counts in no figure of that period.
"""

import io
import json
from datetime import date
from pathlib import Path

import pytest
from django.db import transaction
from django.test import override_settings

from accounts.models import User
from accounts.roles import OFFICER, SUPERVISOR
from casefiles.io import import_cases
from reports.sql import Period
from tests.factories.people import ForceFactory, TeamFactory, UserFactory

DATA = Path(__file__).resolve().parent.parent / "data" / "figures-west-midlands.jsonl"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
QUARTER = Period(date(2026, 1, 1), date(2026, 3, 31))


def _import(force_code: str, actor) -> None:
    lines = [line for line in DATA.read_text(encoding="utf-8").splitlines() if json.loads(line)["force"] == force_code]
    report = import_cases(io.BytesIO(("\n".join(lines) + "\n").encode()), actor=actor)
    assert report.ok, report


def build_west_midlands() -> dict[str, User]:
    """The forces, teams and people the file names, and the file imported. Returns the people."""
    staffordshire = ForceFactory(code="STF", name="Staffordshire Police", region="West Midlands")
    warwickshire = ForceFactory(code="WAR", name="Warwickshire Police", region="West Midlands")
    safenet = TeamFactory(force=staffordshire, name="Safenet")
    polit = TeamFactory(force=staffordshire, name="POLIT")
    war_safenet = TeamFactory(force=warwickshire, name="Safenet")
    people = {
        "dc.hughes": UserFactory(username="dc.hughes", force=staffordshire, teams=[safenet], roles=[OFFICER]),
        "dc.price": UserFactory(username="dc.price", force=staffordshire, teams=[polit], roles=[OFFICER]),
        "ds.okafor": UserFactory(
            username="ds.okafor",
            first_name="Grace",
            last_name="Okafor",
            rank="DS",
            force=staffordshire,
            teams=[safenet, polit],
            roles=[SUPERVISOR],
        ),
        "dc.evans": UserFactory(username="dc.evans", force=warwickshire, teams=[war_safenet], roles=[OFFICER]),
        "ds.shah": UserFactory(username="ds.shah", force=warwickshire, teams=[war_safenet], roles=[SUPERVISOR]),
    }
    _import("STF", people["ds.okafor"])
    _import("WAR", people["ds.shah"])
    return people


@pytest.fixture(scope="module")
def west_midlands_once(django_db_setup, django_db_blocker):
    """The data set, imported once for a test module in a transaction that is rolled back after its
    last test; each test runs inside it in its own savepoint, rolled back after the test."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
        people = build_west_midlands()
        yield people
        transaction.set_rollback(True)


@pytest.fixture
def west_midlands(west_midlands_once, db):
    return west_midlands_once
