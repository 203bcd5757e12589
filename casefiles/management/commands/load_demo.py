"""`manage.py load_demo`: the demo forces, teams, people and a unit's week of cases (casefiles/demo/week.jsonl).

Refuses to run unless SAFEGUARD_DEMO=1 (or --force). Idempotent: a second run creates nothing.
Demo passwords are random; each is printed once, when its user is created, and only in demo mode.
Nothing is written to disk: lose them and run with --reset-passwords.
"""

import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import User
from casefiles.demo import USERS, DemoLineRefused, load_demo

NOT_DEMO = (
    "Refusing to load demo data: SAFEGUARD_DEMO is not 1. Demo data is for trying Safeguard, never for a "
    "live system. Set SAFEGUARD_DEMO=1 (make run does) or pass --force."
)
PASSWORDS_HIDDEN = "Demo passwords are not shown outside demo mode. Set one with: manage.py changepassword <username>"


class Command(BaseCommand):
    help = "Load the demo forces, teams, users and cases (idempotent; needs SAFEGUARD_DEMO=1 or --force)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Load even though SAFEGUARD_DEMO is not 1.")
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Give every demo user a new random password and print them (demo mode only).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        demo_mode = bool(settings.DEMO_MODE)
        if not demo_mode and not options["force"]:
            raise CommandError(NOT_DEMO)
        if options["reset_passwords"]:
            if not demo_mode:
                raise CommandError("--reset-passwords prints passwords, so it works only with SAFEGUARD_DEMO=1.")
            self._print_passwords(self._reset_passwords(), "New demo passwords (shown once):")
            return

        try:
            result = load_demo()
        except DemoLineRefused as error:  # the demo data no longer meets a rule: nothing of that line was stored
            raise CommandError(str(error)) from error
        if result.users_created:
            created = [(spec.username, spec.role, password) for spec, password in result.users_created]
            if demo_mode:
                self._print_passwords(created, "Demo users created. Their passwords are shown once, now:")
            else:
                self.stdout.write(f"{len(created)} demo users created. {PASSWORDS_HIDDEN}")
        self.stdout.write(
            f"Demo: {result.referrals_created} referrals and their cases created, "
            f"{result.referrals_existing} already there."
        )

    @transaction.atomic
    def _reset_passwords(self) -> list[tuple[str, str, str]]:
        rows = []
        for spec in USERS:
            user = User.objects.filter(username=spec.username).first()
            if user is None:
                continue
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save(update_fields=["password"])
            rows.append((spec.username, spec.role, password))
        return rows

    def _print_passwords(self, rows: list[tuple[str, str, str]], heading: str) -> None:
        self.stdout.write(self.style.WARNING(heading))
        width = max((len(username) for username, _, _ in rows), default=8)
        for username, role, password in rows:
            self.stdout.write(f"  {username:<{width}}  {password}  ({role})")
        self.stdout.write("Sign in at http://127.0.0.1:8000/sign-in/. Lost them? manage.py load_demo --reset-passwords")
        self.stdout.write(
            "At first sign-in each person sets up an authenticator app: scan the QR code, or type the key shown. "
            "After that, manage.py totp_code <username> prints the current code (demo mode only)."
        )
