"""manage.py api_client_revoke --name NAME --actor USERNAME: refuse an API client's token from now on."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.management.commands.api_client_create import administrator
from api.models import ApiClient
from api.services import revoke_client
from audit.context import acting_as  # audit: the revocation is attributed to the administrator


class Command(BaseCommand):
    help = "Revoke an API client: its token is refused from now on."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="The client's name.")
        parser.add_argument("--actor", required=True, help="Username of the administrator revoking it.")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = administrator(options["actor"])
        try:
            client = ApiClient.objects.get(name=options["name"])
        except ApiClient.DoesNotExist:
            raise CommandError(f'--name: no API client named "{options["name"]}".') from None
        with acting_as(actor, source="command:api_client_revoke"):
            revoke_client(client=client)
        self.stdout.write(f"Revoked {client.name}.")
