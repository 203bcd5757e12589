"""Carriage returns, line feeds and terminal escapes in anything a person sends cannot forge a log
line or an audit entry.

The log: Safeguard's one log handler writes each record on one line with control characters
escaped (cases.logs). The test captures that real handler's output while requests carrying such
characters in the path, the user agent and the username are logged by Django and by the sign-in
lockout (axes). The audit trail: entries are database rows written by triggers, so a value is data
in a column, never a new entry; the test saves such a value through a page and checks the entries
written, the value kept exactly, the hash chain and the CSV export.
"""

import csv
import io
import logging
import re
from collections.abc import Iterator

import pytest
from django.urls import reverse

from accounts.roles import AUDITOR
from audit.models import AuditEntry
from audit.services import audit_chain_check
from cases.logs import SingleLineFormatter, escape_controls
from cases.models import CaseLogEntry
from tests.factories.cases import CaseFactory
from tests.factories.people import UserFactory

pytestmark = pytest.mark.django_db

FORGED = "\r\n2026-11-23 14:05:00,000 INFO django.request Signed in as the chief constable\x1b[2K\x1b[1A"
LINE_START = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """What Safeguard's configured log handler writes, captured."""
    handlers = [h for h in logging.getLogger().handlers if isinstance(h.formatter, SingleLineFormatter)]
    assert len(handlers) == 1, "Safeguard logs through one handler with the single-line formatter"
    handler = handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    captured = io.StringIO()
    previous = handler.setStream(captured)
    try:
        yield captured
    finally:
        handler.setStream(previous)


def assert_one_line_per_record(output: str) -> None:
    assert "\x1b" not in output and "\r" not in output
    lines = output.splitlines()
    assert lines, "something was logged"
    for line in lines:
        assert LINE_START.match(line), f"a line that is not a record of its own: {line!r}"


def test_control_characters_in_a_request_cannot_forge_a_log_line(client, officer, log_output):
    # A failed sign-in: axes logs the user agent and the path; Django logs the refused page.
    client.post(
        reverse("login") + "%0d%0aforged",
        {"username": f"dc.hughes{FORGED}", "password": "wrong"},
        HTTP_USER_AGENT=f"Mozilla/5.0{FORGED}",
    )
    client.get("/no-such-page/%0d%0a" + FORGED.replace("\r\n", "%0d%0a").replace(" ", "%20"))
    client.post(reverse("login"), {"username": "dc.hughes", "password": "wrong"}, HTTP_USER_AGENT=f"UA{FORGED}")

    output = log_output.getvalue()
    assert_one_line_per_record(output)
    # The values were logged, escaped, not dropped.
    assert escape_controls(f"UA{FORGED}") in output


def test_the_formatter_keeps_a_traceback_on_the_records_line():
    formatter = SingleLineFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        raise ValueError(f"bad value{FORGED}")
    except ValueError:
        record = logging.getLogger("cases").makeRecord(
            "cases", logging.ERROR, __file__, 1, "Failed: %s", (FORGED,), exc_info=__import__("sys").exc_info()
        )

    assert_one_line_per_record(formatter.format(record))


def test_control_characters_in_a_saved_value_are_kept_as_data_and_cannot_forge_an_audit_entry(
    client, team, officer, supervisor, force
):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    client.force_login(officer)
    url = reverse("cases:log_add", args=[case.reference])

    def saved_with(text: str) -> list[AuditEntry]:
        start = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        assert client.post(url, {"kind": "note", "text": text}).status_code == 302
        return list(AuditEntry.objects.filter(id__gt=start).order_by("id"))

    plain = saved_with("Reviewed the referral package.")
    text = f"Reviewed the referral package.{FORGED}\nkind=delete object=cases.Case actor=admin"
    injected = saved_with(text)

    # The same entries as for a plain value: no more, of the same kinds, on the same records.
    assert [(e.kind, e.object_type) for e in injected] == [(e.kind, e.object_type) for e in plain]
    entry = CaseLogEntry.objects.get(pk=injected[0].object_id)
    assert entry.text == text.strip()
    assert injected[0].changes["text"]["after"] == text.strip()
    assert audit_chain_check().ok

    # The auditor's export: one CSV record per entry, whatever the values hold.
    auditor = UserFactory(username="ps.reid", force=force, roles=[AUDITOR])
    client.force_login(auditor)
    response = client.get(
        reverse("audit:export"), {"case_reference": case.reference, "recipient": "Professional Standards"}
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1 + AuditEntry.objects.filter(case_reference=case.reference).count()


@pytest.mark.django_db(transaction=True)
def test_gunicorns_access_lines_are_single_line_records_with_controls_escaped(tmp_path):
    """gunicorn refuses a header with a C0 control or a line break, but passes bytes from 0x80 up,
    which it reads as Latin-1: NEL (0x85) is a line break to many log readers and to Python's own
    `splitlines`. With Safeguard's gunicorn settings (safeguard/gunicorn_config.py, as in the
    Procfile) its records, access lines included, are Safeguard's single-line records."""
    import urllib.request

    from bench.throwaway import PROXY_HEADERS, gunicorn
    from tests.processes import database_url

    agent = "evil\u0085" + FORGED.strip("\r\n").replace("\x1b", "")
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log, gunicorn(log=log, DATABASE_URL=database_url()) as host:
        headers = {**PROXY_HEADERS, "User-Agent": agent}
        request = urllib.request.Request(f"{host}/health/", headers=headers)  # noqa: S310 (loopback)
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            assert response.status == 200
    output = log_path.read_text()
    access = [line for line in output.splitlines() if " gunicorn.access " in line]
    assert len(access) >= 2  # the start-up check's request and this one
    assert all(LINE_START.match(line) for line in access)
    assert any("evil\\x85" in line for line in access)
    assert "\x85" not in output
    assert not any(line.startswith("2026-11-23 14:05:00,000") for line in output.splitlines())
