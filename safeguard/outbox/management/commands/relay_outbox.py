"""Publish pending outbox messages to Celery, in a loop (Procfile `outbox`), or once with --once."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from safeguard.outbox.services import outbox_relay


class Command(BaseCommand):
    help = "Publish pending background tasks from the outbox to Celery; keeps them while Redis is down."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Relay what is pending once, then stop.")
        parser.add_argument("--interval", type=float, default=5.0, help="Seconds between rounds (default 5).")

    def handle(self, *args: Any, once: bool, interval: float, **options: Any) -> None:
        while True:
            report = outbox_relay()
            published = report.published
            while report.published and not report.failed:  # drain a backlog without waiting
                report = outbox_relay()
                published += report.published
            if report.failed:
                self.stderr.write(f"Broker unreachable; pending tasks kept: {report.error}")
            if once:
                self.stdout.write(f"Published {published} task(s).")
                return
            time.sleep(interval)
