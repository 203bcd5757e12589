"""One lock order for every transaction of Safeguard that writes case data (docs/audit.md, "Lock
order").

Every audit entry extends the hash chain under one transaction advisory lock, held to commit
(`safeguard_audit_chain`, migration audit/0002). A transaction that took a row lock first and then
waited for the chain lock, while the chain lock's holder waited for that row (an UPDATE, a SELECT
... FOR UPDATE, or a foreign key checked at commit), would deadlock. So the chain lock is always
taken first: before any statement that writes or locks rows of an audited table (or the audit
trail itself), in the same transaction, the connection takes the chain lock. Row locks of case data
are then only ever taken by the one transaction holding it, and nothing waits in a cycle.

Installed on every database connection (AuditConfig.ready); the lock is re-entrant within a
transaction, so taking it before each such statement costs nothing more than the call.
"""

import re
from functools import cache
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from audit.models import AuditEntry
from audit.triggers import audited_models

CHAIN_LOCK_KEY = 7310452061  # the key `safeguard_audit_chain` takes (migration audit/0002)
CHAIN_LOCK_SQL = f"SELECT pg_advisory_xact_lock({CHAIN_LOCK_KEY})"
WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"([^"]+)"', re.IGNORECASE)
LOCKING_SELECT = re.compile(r"\sFOR\s+(?:NO\s+KEY\s+|KEY\s+)?(?:UPDATE|SHARE)\b[^()]*$", re.IGNORECASE)
FIRST_TABLE = re.compile(r'\bFROM\s+"([^"]+)"', re.IGNORECASE)


@cache
def audited_tables() -> frozenset[str]:
    return frozenset({model._meta.db_table for model in audited_models()} | {AuditEntry._meta.db_table})


def locks_audited_rows(sql: str) -> bool:
    """Whether `sql` writes or locks rows of an audited table (Django's own SQL, quoted names)."""
    written = WRITE.match(sql)
    if written:
        return written.group(1) in audited_tables()
    if LOCKING_SELECT.search(sql):
        first = FIRST_TABLE.search(sql)
        return first is not None and first.group(1) in audited_tables()
    return False


def chain_lock_first(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    """Execute wrapper: take the chain lock in the statement's transaction before the statement."""
    if isinstance(sql, str) and locks_audited_rows(sql):
        cursor = context["cursor"].cursor
        if getattr(cursor, "name", None):  # a server-side cursor takes one statement
            with context["connection"].connection.cursor() as plain:
                plain.execute(CHAIN_LOCK_SQL)
        else:
            # One query string: in autocommit it is still one transaction with the statement.
            sql = f"{CHAIN_LOCK_SQL}; {sql}"
    return execute(sql, params, many, context)


def install_chain_lock_first(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """connection_created receiver: every connection keeps the lock order."""
    if connection.vendor == "postgresql" and chain_lock_first not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, chain_lock_first)
