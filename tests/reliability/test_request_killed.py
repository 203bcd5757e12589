"""A request cut off mid-write leaves nothing half-stored.

The real web server (gunicorn, one worker) is sent a safeguarding record: the service writes the
record (and its audit entry), then the case log entry saying so. Another session holds the case log
table, so the request waits between the two writes; its gunicorn worker is then killed with
SIGKILL. The transaction never commits: neither the record, nor the log entry, nor an audit entry
of either is stored, the audit chain verifies, and the next request is served by the worker gunicorn
starts in its place.
"""

import re
import subprocess
import threading
import urllib.error
import urllib.request
from urllib.parse import urlencode

import psycopg2
from django.conf import settings
from django.db import connection
from django.utils import timezone

from audit.chain import verify_chain
from audit.models import AuditEntry
from cases.models import CaseLogEntry, SafeguardingReferral
from tests.conftest import BrowserClient
from tests.deadlines.test_worker import wait_until
from tests.factories.cases import CaseFactory
from tests.processes import database_url
from tests.reliability.test_database_restart import serving
from tests.reliability.test_worker_killed import _waiting_on_a_lock

CHILD = "CHILD-K9"


def _open(request: urllib.request.Request) -> tuple[int, str, list[str]]:
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  (http://127.0.0.1 only)
            return response.status, response.read().decode(), response.headers.get_all("Set-Cookie") or []
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), []


def _worker_pids(master: subprocess.Popen[bytes]) -> set[int]:
    children = subprocess.run(  # noqa: S603  (a fixed command about our own process)
        ["ps", "-o", "pid=", "--ppid", str(master.pid)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return {int(pid) for pid in children.split()}


def test_a_worker_killed_inside_a_write_leaves_nothing_half_stored(
    restores_migration_data, transactional_db, team, officer, supervisor
):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=timezone.now())
    browser = BrowserClient()
    browser.force_login(officer)
    session = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    entries_before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    database = connection.settings_dict["NAME"]

    with serving() as (base, master):
        url = f"{base}/cases/{case.reference}/safeguarding/add/"
        status, page, cookies = _open(urllib.request.Request(url, headers={"Cookie": session}))  # noqa: S310
        assert status == 200, page[:500]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None
        csrf_cookie = next(c.split(";", 1)[0] for c in cookies if settings.CSRF_COOKIE_NAME in c)
        body = urlencode(
            {
                "csrfmiddlewaretoken": token.group(1),
                "pseudonymous_reference": CHILD,
                "children_count": "1",
                "relationship": "household",
                "children_safeguarded": "0",
            }
        ).encode()
        post = urllib.request.Request(  # noqa: S310
            url,
            data=body,
            headers={"Cookie": f"{session}; {csrf_cookie}", "Content-Type": "application/x-www-form-urlencoded"},
        )
        [worker] = _worker_pids(master)
        blocker = psycopg2.connect(database_url())
        outcome: list[object] = []
        try:
            with blocker.cursor() as cursor:
                cursor.execute("LOCK TABLE cases_caselogentry IN EXCLUSIVE MODE")
            sender = threading.Thread(target=lambda: outcome.append(_try(post)))
            sender.start()
            wait_until(lambda: _waiting_on_a_lock(database) or outcome, "the request to wait between its two writes")
            assert not outcome, f"the request was answered before its second write: {outcome}"
            subprocess.run(["kill", "-KILL", str(worker)], check=True)  # noqa: S603, S607
            sender.join(timeout=30)
        finally:
            blocker.rollback()
            blocker.close()
        assert outcome and not isinstance(outcome[0], tuple), outcome  # no answer: the connection was cut
        wait_until(lambda: _worker_pids(master) - {worker}, "gunicorn to start a new worker")
        wait_until(lambda: not _waiting_on_a_lock(database), "the killed request's session to end")
        status, page, _ = _open(urllib.request.Request(f"{base}/cases/{case.reference}/", headers={"Cookie": session}))  # noqa: S310
        assert status == 200, page[:500]

    assert not SafeguardingReferral.objects.filter(pseudonymous_reference=CHILD).exists()
    assert not CaseLogEntry.objects.filter(case=case, text__contains=CHILD).exists()
    written = AuditEntry.objects.filter(id__gt=entries_before, kind="create")
    assert not written.filter(object_type__in=["cases.SafeguardingReferral", "cases.CaseLogEntry"]).exists()
    assert verify_chain().ok


def _try(request: urllib.request.Request) -> object:
    try:
        status, page, _ = _open(request)
        return status, page[:3000]
    except (urllib.error.URLError, ConnectionError) as error:
        return error
