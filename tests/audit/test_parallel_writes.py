"""Audited writes run in parallel: no lock is shared by writers of the audit trail, the sequencer
seals entries in the order they became visible (a smaller id committed late takes a later place), and
a real Celery worker and beat seal what is written.

Real transactions on connections of their own (threads), with real commits: the test database is
emptied afterwards (transactional_db), and what migrations loaded put back.
"""

import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from audit import anomalies
from audit.anomalies import raise_flags
from audit.chain import verify_chain
from audit.context import acting_as
from audit.models import AuditChainHead, AuditEntry, Flag, FlagMark
from audit.objects import ObjectType
from audit.sequencer import sequence_entries
from audit.services import audit_record
from cases.models import Case
from cases.services.case import subject_add
from cases.services.summaries import cases_to_compute, deadline_summary_refresh
from tests.deadlines.conftest import QUEUE
from tests.deadlines.test_worker import wait_until, worker_env
from tests.factories.cases import CaseFactory
from tests.processes import start_beat, start_worker, stop_worker

Kind = AuditEntry.Kind
T = TypeVar("T")
# A statement that waits longer than this for any lock (an advisory lock included) fails.
LOCK_TIMEOUT = "500ms"
WAIT_SECONDS = 60


class Holder:
    """Runs `work` in a thread, in a transaction it keeps open until told to finish (commit or roll back)."""

    def __init__(self, work: Callable[[], object]) -> None:
        self.work = work
        self.ready = threading.Event()
        self.finish = threading.Event()
        self.commit = False
        self.result: object = None
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        try:
            with transaction.atomic():
                self.result = self.work()
                self.ready.set()
                assert self.finish.wait(WAIT_SECONDS)
                if not self.commit:
                    transaction.set_rollback(True)
        except BaseException as error:
            self.errors.append(error)
            self.ready.set()
        finally:
            connections.close_all()

    def __enter__(self) -> "Holder":
        self.thread.start()
        assert self.ready.wait(WAIT_SECONDS)
        assert not self.errors, self.errors
        return self

    def __exit__(self, *exc: object) -> None:
        self.finish.set()
        self.thread.join(WAIT_SECONDS)


def in_thread(work: Callable[[], T]) -> T:
    """`work` on a connection of its own, in a transaction that fails any statement that waits more
    than LOCK_TIMEOUT for a lock; committed. Returns what `work` returned, or raises what it raised."""
    outcome: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
                outcome.append(work())
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(WAIT_SECONDS)
    if errors:
        raise errors[0]
    return outcome[0]


@pytest.fixture
def two_cases(restores_migration_data, transactional_db, team, officer, supervisor) -> Iterator[list[Case]]:
    yield [CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor) for _ in range(2)]


def _audited_writes(case: Case, officer, name: str) -> int:
    """What a request that changes a case does: rows of case data (each audited by its trigger) and
    an entry of its own (a read, as a page writes). The id of that entry."""
    with acting_as(officer, source="web"):
        subject_add(case=case, actor=officer, full_name=name)
        return audit_record(kind=Kind.READ, actor=officer, object_type=Case, object_id=str(case.pk)).id


def test_two_transactions_writing_audited_rows_never_wait_for_each_other(two_cases, officer):
    first, second = two_cases
    with Holder(lambda: _audited_writes(first, officer, "Held Open")) as held:
        # While the first transaction holds its entries uncommitted, the second writes and commits
        # its own: with a lock shared by writers it would wait, and fail after LOCK_TIMEOUT.
        committed = in_thread(lambda: _audited_writes(second, officer, "Not Waiting"))
        held.commit = True
    assert not held.errors, held.errors
    assert AuditEntry.objects.filter(pk__in=[held.result, committed]).count() == 2
    sequence_entries()
    report = verify_chain()
    assert report.ok, report.describe()


def test_the_sequencer_does_not_wait_for_a_writer_and_seals_a_late_commit_at_a_later_place(
    two_cases, officer, settings
):
    settings.SAFEGUARD_AUDIT_FLAG_REFUSALS = 1
    sequence_entries()
    FlagMark.objects.update_or_create(id=1, defaults={"last_seq": 0})
    raise_flags()

    def refused() -> int:
        return audit_record(kind=Kind.ACCESS_DENIED, actor=officer, object_type=ObjectType.PAGE, object_id="x").id

    with Holder(refused) as held:
        later = in_thread(lambda: audit_record(kind=Kind.READ, actor=officer, object_type=ObjectType.PAGE).id)
        # Sealing, and the flags' run, while the earlier id is still uncommitted: neither waits for it.
        assert in_thread(sequence_entries) >= 1
        in_thread(lambda: raise_flags())
        held.commit = True
    assert not held.errors, held.errors
    earlier = held.result
    assert isinstance(earlier, int) and isinstance(later, int) and earlier < later
    assert AuditEntry.objects.get(pk=earlier).seq is None
    sequence_entries()
    earlier_place = AuditEntry.objects.get(pk=earlier).seq
    later_place = AuditEntry.objects.get(pk=later).seq
    assert earlier_place is not None and later_place is not None
    assert earlier_place > later_place  # the order the entries became visible, not their ids
    report = verify_chain()
    assert report.ok, report.describe()
    # The flags' mark had passed the later entry's place before the earlier one committed; the
    # earlier one is read all the same, and flagged.
    raise_flags()
    assert Flag.objects.filter(kind=Flag.Kind.REFUSED, entry_ids__contains=[earlier]).exists()


def test_a_real_worker_and_beat_seal_what_is_written(restores_migration_data, transactional_db, broker, tmp_path):
    entry = AuditEntry.objects.create(kind=Kind.READ, object_type="cases.Case", actor_username="sealed.by.beat")
    assert entry.seq is None
    env = worker_env(tmp_path / "mail", SAFEGUARD_AUDIT_SEQUENCE_SECONDS="1")
    log_path = tmp_path / "processes.log"
    with log_path.open("w") as log:
        worker = start_worker(QUEUE, env=env, stdout=log)
        beat = start_beat(env=env, stdout=log, schedule=str(tmp_path / "celerybeat-schedule"))
        try:
            wait_until(
                lambda: AuditEntry.objects.filter(pk=entry.pk, seq__isnull=False).exists(),
                "beat and the worker to seal the entry",
            )
        finally:
            stop_worker(beat)
            stop_worker(worker)
    assert "audit.tasks.sequence_audit" in log_path.read_text()
    report = verify_chain()
    assert report.ok, report.describe()


def test_with_the_sequencer_stopped_a_flags_run_reads_a_bounded_number_of_unsealed_entries(officer, monkeypatch):
    sequence_entries()
    FlagMark.objects.update_or_create(id=1, defaults={"last_seq": AuditChainHead.objects.get(id=1).last_seq})
    written = [audit_record(kind=Kind.READ, actor=officer, object_type=ObjectType.PAGE).id for _ in range(5)]
    monkeypatch.setattr(anomalies, "BATCH", 3)
    read: list[int] = []

    def detector(entries):
        read.extend(entry.id for entry in entries)
        return []

    raise_flags(detectors=[detector])
    unsealed = sorted(AuditEntry.objects.filter(seq__isnull=True).values_list("id", flat=True))
    assert set(written) <= set(unsealed)
    assert sorted(read) == unsealed[:3]  # the oldest, and no more than a batch


def test_a_write_that_commits_after_a_later_one_was_taken_in_is_not_missed_by_the_summaries(two_cases, officer):
    """Audit ids are taken at insert, and transactions commit in any order: the summary's watermark
    is a place in the chain, which the sequencer gives to committed entries only, so a write that
    commits after a refresh took in a later one is still seen by readers and by the next refresh."""
    slow, quick = two_cases
    deadline_summary_refresh(full=True)
    with Holder(lambda: _audited_writes(slow, officer, "Slow Subject")) as held:
        later_id = in_thread(lambda: _audited_writes(quick, officer, "Quick Subject"))
        in_thread(deadline_summary_refresh)
        held.commit = True
    assert not held.errors, held.errors
    assert isinstance(held.result, int) and held.result < later_id  # the slow write's id is the smaller
    to_compute = cases_to_compute(now=timezone.now())
    assert to_compute is not None and slow.pk in to_compute  # readers recompute it
    deadline_summary_refresh()
    to_compute = cases_to_compute(now=timezone.now())
    assert to_compute is not None and slow.pk not in to_compute  # the refresh took it in
