"""manage.py api_client_create --force CODE --name NAME --scopes S [S ...] --actor USERNAME [--expires DATE]
[--records-for USERNAME]: register an API client and print its token, once (docs/api.md)."""

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Force, User
from accounts.roles import Capability, user_has_capability
from api.models import Scope
from api.services import ClientError, create_client
from audit.context import acting_as  # audit: the client's row is attributed to the administrator

LONDON = ZoneInfo("Europe/London")


def administrator(username: str) -> User:
    """The active administrator `username`, or a CommandError saying why not."""
    try:
        actor = User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise CommandError(f'--actor: no active user with username "{username}".') from None
    if not user_has_capability(actor, Capability.MANAGE_USERS):
        raise CommandError(f'--actor: "{username}" is not an administrator; only administrators manage API clients.')
    return actor


class Command(BaseCommand):
    help = "Register an API client of a force with scopes, and print its token once: it is stored only hashed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", required=True, help="The force's code, e.g. STF.")
        parser.add_argument("--name", required=True, help="What the client is, e.g. 'NCA referral intake'.")
        parser.add_argument("--scopes", required=True, nargs="+", choices=Scope.values, help="One or more scopes.")
        parser.add_argument("--actor", required=True, help="Username of the administrator registering it.")
        parser.add_argument("--expires", help="Last day the token works (YYYY-MM-DD, London); default a year.")
        parser.add_argument(
            "--records-for", help="referral_intake: username of the person of the force its referrals are recorded for."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = administrator(options["actor"])
        try:
            force = Force.objects.get(code=options["force"])
        except Force.DoesNotExist:
            raise CommandError(f'--force: no force with code "{options["force"]}".') from None
        expires_at = None
        if options["expires"]:
            try:
                day = datetime.strptime(options["expires"], "%Y-%m-%d").date()
            except ValueError:
                raise CommandError("--expires: give a date as YYYY-MM-DD.") from None
            expires_at = datetime.combine(day, time.max, tzinfo=LONDON)
        records_for = None
        if options["records_for"]:
            records_for = User.objects.filter(username=options["records_for"]).first()
            if records_for is None:
                raise CommandError(f'--records-for: no user with username "{options["records_for"]}".')
        with acting_as(actor, source="command:api_client_create"):
            try:
                made = create_client(
                    force=force,
                    name=options["name"],
                    scopes=options["scopes"],
                    created_by=actor,
                    records_for=records_for,
                    expires_at=expires_at,
                )
            except ClientError as error:
                raise CommandError(f"--{str(error).replace('records_for', 'records-for', 1)}") from None
        client = made.client
        self.stdout.write(f"Registered {client.name} ({force.code}): {', '.join(client.scopes)}.")
        self.stdout.write(f"Expires {client.expires_at.astimezone(LONDON):%d %b %Y %H:%M}.")
        self.stdout.write("Token (shown this once; Safeguard keeps only its hash):")
        self.stdout.write(made.token)
