"""Publish pending outbox messages to Celery, in a loop (Procfile `outbox`), or once with --once.

The loop outlives its database and its broker (docs/reliability.md): a round that cannot reach
PostgreSQL drops the connection and tries again with growing delays (1, 2, 4... seconds, at most
`--max-backoff`), and a round that cannot reach Redis keeps the rows pending for the next round.
Each outage is logged once when it starts and once when it ends, never every round.
"""

import contextlib
import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, InterfaceError, OperationalError, connection

from safeguard.outbox.services import RelayReport, outbox_relay

logger = logging.getLogger("safeguard.outbox.relay")
# A database outage: the server gone, restarting, or the connection cut (InterfaceError: closed).
DATABASE_OUTAGE = (OperationalError, InterfaceError)


class Outages:
    """What is down now, logging one line as each outage starts and one as it ends."""

    def __init__(self) -> None:
        self.since: dict[str, float] = {}

    def down(self, what: str, error: object) -> None:
        if what not in self.since:
            self.since[what] = time.monotonic()
            logger.warning("Outbox relay: %s unreachable (%s); pending tasks kept, retrying.", what, error)

    def up(self, what: str) -> None:
        started = self.since.pop(what, None)
        if started is not None:
            logger.warning("Outbox relay: %s reachable again after %.0f s.", what, time.monotonic() - started)


def relay_round() -> tuple[int, RelayReport]:
    """Relay what is pending, draining a backlog without waiting; the total and the last report."""
    report = outbox_relay()
    published = report.published
    while report.published and not report.failed:
        report = outbox_relay()
        published += report.published
    return published, report


class Command(BaseCommand):
    help = "Publish pending background tasks from the outbox to Celery; keeps them while Redis is down."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Relay what is pending once, then stop.")
        parser.add_argument("--interval", type=float, default=5.0, help="Seconds between rounds (default 5).")
        parser.add_argument(
            "--max-backoff", type=float, default=30.0, help="Longest wait between tries while the database is down."
        )

    def handle(self, *args: Any, once: bool, interval: float, max_backoff: float, **options: Any) -> None:
        if once:
            published, report = relay_round()
            if report.failed:
                self.stderr.write(f"Broker unreachable; pending tasks kept: {report.error}")
            self.stdout.write(f"Published {published} task(s).")
            return
        outages = Outages()
        backoff = 1.0
        while True:
            try:
                _, report = relay_round()
            except DATABASE_OUTAGE as error:
                outages.down("PostgreSQL", error)
                self._drop_connection()
                time.sleep(backoff)
                backoff = min(backoff * 2, max_backoff)
                continue
            backoff = 1.0
            outages.up("PostgreSQL")
            if report.failed:
                outages.down("Redis", report.error)
            else:
                outages.up("Redis")
            time.sleep(interval)

    @staticmethod
    def _drop_connection() -> None:
        """Forget the dead connection; the next round opens a new one."""
        with contextlib.suppress(DatabaseError):
            connection.close()
