"""Django's `migrate`, which first records accounts 0001 in a database made before forces, teams and
people moved to the accounts app (accounts/history.py). Everything else is Django's own command."""

from typing import Any

from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from accounts.history import people_move_record


class Command(DjangoMigrate):
    def handle(self, *args: Any, **options: Any) -> None:
        if people_move_record(connections[options["database"]]) and options["verbosity"] >= 1:
            self.stdout.write("Recorded accounts.0001_people_from_cases: forces, teams and people moved from cases.")
        super().handle(*args, **options)
