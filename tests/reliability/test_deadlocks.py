"""No deadlock between Safeguard's own transactions under ordinary load.

The deadline sweep, the reminder e-mails, people reading case pages (each read writing its audit
entry) and the audit sequencer sealing entries run at the same time, in threads with connections of
their own, against the real database with real commits, round after round. Writers share no audit
lock; any two transactions that each held a row lock the other waited for would end in PostgreSQL's
"deadlock detected": a failed task and a 500 page. None may happen.
"""

import threading
import time
from collections.abc import Callable
from functools import partial

import pytest
from django.db import connection, connections
from django.utils import timezone

from audit.chain import verify_chain
from audit.context import acting_as
from audit.sequencer import sequence_entries
from cases.models import Arrest, Notification
from cases.services.notifications import deadline_sweep, notification_send_email
from tests.conftest import BrowserClient
from tests.deadlines.test_worker import DAY
from tests.factories.cases import CaseFactory, SubjectFactory

ROUNDS = 10
CASES = 8
READS_PER_ROUND = 12


def _in_thread(work: Callable[[], None], errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            work()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    return threading.Thread(target=run)


@pytest.fixture
def busy_team(restores_migration_data, transactional_db, broker, team, officer, supervisor):
    cases = []
    for number in range(CASES):
        case = CaseFactory(
            team=team, officer_in_case=officer, supervisor=supervisor, opened_at=timezone.now() - 40 * DAY
        )
        subject = SubjectFactory(case=case, full_name=f"Subject {number}")
        Arrest.objects.create(
            case=case, subject=subject, arrested_at=timezone.now() - 30 * DAY, arresting_officer=officer
        )
        cases.append(case)
    return cases


def test_sweep_emails_and_page_reads_at_once_never_deadlock(busy_team, officer, supervisor, settings, tmp_path):
    # Messages written to files, as a mail server takes a moment to accept each.
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    readers = []
    for person in (officer, supervisor, officer, supervisor):
        client = BrowserClient()
        client.force_login(person)
        readers.append(client)
    errors: list[BaseException] = []
    statuses: list[int] = []
    emails_sent = 0

    for _ in range(ROUNDS):
        Notification.objects.all().delete()  # the sweep creates every reminder again this round
        sweeping = threading.Event()
        sweeping.set()

        def sweep(done: threading.Event = sweeping) -> None:
            try:
                with acting_as(None, source="task:deadline_sweep"):
                    deadline_sweep()
            finally:
                done.clear()

        def emails(running: threading.Event = sweeping) -> None:
            nonlocal emails_sent
            while True:
                still_sweeping = running.is_set()
                pending = list(Notification.objects.filter(emailed_at__isnull=True).values_list("pk", flat=True))
                for pk in pending:
                    with acting_as(None, source="task:send_notification_email"):
                        emails_sent += notification_send_email(notification_id=pk)
                if not still_sweeping and not pending:
                    return
                time.sleep(0.001)

        def reads(client: BrowserClient) -> None:
            for index in range(READS_PER_ROUND):
                case = busy_team[index % CASES]
                statuses.append(client.get(f"/cases/{case.reference}/").status_code)

        def seal(running: threading.Event = sweeping) -> None:
            while running.is_set():
                sequence_entries()
                time.sleep(0.01)

        threads = [_in_thread(sweep, errors), _in_thread(emails, errors), _in_thread(seal, errors)]
        threads += [_in_thread(partial(reads, client), errors) for client in readers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads), "a transaction is stuck"
        assert not errors, f"failed under concurrent load: {errors!r}"

    assert statuses and set(statuses) == {200}
    # Every round made and e-mailed the missed charging target of each case to each of two people.
    assert emails_sent == ROUNDS * CASES * 2
    connection.close()
    assert verify_chain().ok
