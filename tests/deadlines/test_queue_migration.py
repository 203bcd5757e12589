"""Upgrading to the queue of unsummarised writes (cases/0043): each summary's writes not yet taken
in by its watermark (sealed after it, or not sealed yet) are queued, so nothing written before the
upgrade is missed by the summaries. Migrated back and forward inside the test's transaction, which
undoes it all."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from audit.selectors import last_place
from audit.sequencer import sequence_entries
from cases.models import UnsummarisedWrite

pytestmark = pytest.mark.django_db

BEFORE = [("cases", "0042_summary_watermark_is_a_place")]
AFTER = [("cases", "0043_queue_of_unsummarised_writes")]


def _migrate(targets: list[tuple[str, str]]) -> None:
    MigrationExecutor(connection).migrate(targets)


def _entry(cursor, kind: str, reference: str, object_type: str = "cases.Subject") -> None:
    cursor.execute(
        "INSERT INTO audit_auditentry (actor_username, kind, object_type, object_id, case_reference, summary, "
        "changes, recipient, request_id, source) VALUES ('dc.hale', %s, %s, '1', %s, '', '{}', '', '', 'web')",
        [kind, object_type, reference],
    )


def test_the_writes_each_summary_had_not_taken_in_are_queued():
    _migrate(BEFORE)
    with connection.cursor() as cursor:
        _entry(cursor, "create", "STS-2026-000001")  # taken in by both summaries
        sequence_entries()
        taken_in = last_place()
        _entry(cursor, "change", "STS-2026-000002")  # sealed after the deadlines' watermark
        sequence_entries()
        cursor.execute(
            "INSERT INTO cases_summarystate (name, audit_watermark, refreshed_at, full_refresh_at) "
            "VALUES ('deadlines', %s, now(), now()), ('figures', %s, now(), now())",
            [taken_in, last_place()],
        )
        _entry(cursor, "delete", "STS-2026-000003")  # not sealed: after both watermarks
        _entry(cursor, "read", "STS-2026-000004")  # a read: no summary recomputes for it
        _entry(cursor, "change", "")  # no case named

    _migrate(AFTER)

    def queued(summary: str) -> set[str]:
        return set(UnsummarisedWrite.objects.filter(summary=summary).values_list("case_reference", flat=True))

    assert queued("deadlines") == {"STS-2026-000002", "STS-2026-000003"}
    assert queued("figures") == {"STS-2026-000003"}
    # And from now on the trigger queues each write as it is made.
    with connection.cursor() as cursor:
        _entry(cursor, "create", "STS-2026-000005")
    assert "STS-2026-000005" in queued("deadlines") & queued("figures")
