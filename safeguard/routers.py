"""The database router: the read replica (safeguard.replica) for the reads that ask for it, the
primary for everything else."""

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from safeguard.replica import REPLICA, current_read_alias


class ReplicaRouter:
    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        alias = current_read_alias()
        # A read inside a write transaction must see that transaction: it stays on the primary.
        if alias is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        # Explicit, so that saving a row read from the replica writes to the primary.
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA
