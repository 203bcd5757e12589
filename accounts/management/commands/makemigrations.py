"""Django's `makemigrations`, which first records accounts 0001 in a database made before forces,
teams and people moved to the accounts app (accounts/history.py), as `migrate` does: Django checks
each database's history before it looks for changes, and would refuse such a database's. Recording
it changes nothing else: accounts 0001 holds no database operation."""

from contextlib import suppress
from typing import Any

from django.core.management.commands.makemigrations import Command as DjangoMakeMigrations
from django.db import connections
from django.db.utils import OperationalError

from accounts.history import people_move_record


class Command(DjangoMakeMigrations):
    def handle(self, *app_labels: Any, **options: Any) -> None:
        for alias in connections:
            with suppress(OperationalError):  # no database to reach: Django's own check warns about it
                people_move_record(connections[alias])
        super().handle(*app_labels, **options)
