"""manage.py identifiers_reindex --actor USER: put in the identifier index every record not yet in it
(records made before the index existed, or by the benchmark's bulk loader), finding deconfliction
matches as when they are recorded. Safe to run again: indexed records are skipped."""

from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models, transaction

from accounts.models import User
from audit.context import acting_as
from cases.models import Case, CommsDataRequest, Device, Premises, Referral, ReferralIdentifier, Subject
from cases.services.identifiers import identifiers_reindex, indexed_models

# Cases before their subjects and premises, referrals before their identifiers: the order the
# services record them in.
MODELS: tuple[type[models.Model], ...] = (
    Referral,
    Case,
    ReferralIdentifier,
    CommsDataRequest,
    Subject,
    Premises,
    Device,
)
CHUNK = 500


def _chunks(model: type[models.Model]) -> Iterator[list[models.Model]]:
    last = 0
    while True:
        rows = list(model._default_manager.filter(pk__gt=last).order_by("pk")[:CHUNK])
        if not rows:
            return
        yield rows
        last = rows[-1].pk


class Command(BaseCommand):
    help = "Index every record not yet in the identifier index (docs/search.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--actor", required=True, help="Username recorded as having found any matches.")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(username=options["actor"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {options['actor']!r}.")
        total = 0
        with acting_as(actor, source="reindex"):
            # Cases' own record types, then those other apps register (a warrant), after the cases.
            for model in (*MODELS, *(model for model in indexed_models() if model not in MODELS)):
                for rows in _chunks(model):
                    with transaction.atomic():
                        total += identifiers_reindex(rows, actor=actor)
        self.stdout.write(f"Indexed {total} records.")
