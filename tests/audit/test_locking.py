"""The lock order (audit/locking.py): which statements take the audit chain's lock first."""

import pytest
from django.db import connection

from audit.locking import audited_tables, chain_lock_first, locks_audited_rows
from cases.models import Case, Notification
from safeguard.outbox.models import OutboxMessage


@pytest.mark.parametrize(
    ("sql", "locks"),
    [
        ('INSERT INTO "cases_notification" ("recipient_id") VALUES (%s) RETURNING "id"', True),
        ('UPDATE "cases_case" SET "version" = ("version" + 1) WHERE "id" = %s', True),
        ('DELETE FROM "cases_caselogentry" WHERE "id" IN (%s)', True),
        ('INSERT INTO "audit_auditentry" ("kind") VALUES (%s)', True),
        ('SELECT "cases_case"."id" FROM "cases_case" WHERE "cases_case"."id" = %s FOR UPDATE', True),
        ('SELECT "cases_case"."id" FROM "cases_case" WHERE "cases_case"."id" = %s FOR NO KEY UPDATE', True),
        ('SELECT "cases_case"."id" FROM "cases_case" WHERE "cases_case"."id" = %s', False),
        ('SELECT "cases_case"."id" FROM "cases_case" WHERE "cases_case"."id" IN (SELECT 1 FOR UPDATE) LIMIT 1', False),
        ('SELECT "outbox_outboxmessage"."id" FROM "outbox_outboxmessage" FOR UPDATE SKIP LOCKED', False),
        ('UPDATE "outbox_outboxmessage" SET "published_at" = %s WHERE "id" = %s', False),
        ('UPDATE "cases_figurefact" SET "count" = 1', False),  # a derived summary, not audited
    ],
)
def test_writes_and_row_locks_of_audited_tables_take_the_chain_lock_first(sql, locks):
    assert locks_audited_rows(sql) is locks


def test_every_audited_table_and_the_audit_trail_are_covered():
    assert {Case._meta.db_table, Notification._meta.db_table, "audit_auditentry"} <= audited_tables()
    assert OutboxMessage._meta.db_table not in audited_tables()


@pytest.mark.django_db
def test_every_connection_keeps_the_order():
    connection.ensure_connection()
    assert connection.execute_wrappers[0] is chain_lock_first
