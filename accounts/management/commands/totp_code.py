"""`manage.py totp_code USERNAME`: the current two-factor code of a demo user (demo mode only).

For trying Safeguard and for browser tests: it prints what the person's authenticator app would show
now. It refuses to run unless SAFEGUARD_DEMO=1, because on a live system it would defeat two-factor
sign-in for anyone who can run management commands.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

NOT_DEMO = "Refusing to print a two-factor code: SAFEGUARD_DEMO is not 1. This command is for demo systems only."
NO_DEVICE = "{username} has not set up an authenticator app yet: sign in as them once to set one up."


class Command(BaseCommand):
    help = "Print the current two-factor code of a user's authenticator app (SAFEGUARD_DEMO=1 only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError(NOT_DEMO)
        username = options["username"]
        device = TOTPDevice.objects.filter(user__username=username, confirmed=True).order_by("pk").first()
        if device is None:
            raise CommandError(NO_DEVICE.format(username=username))
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
