"""Fixtures for the audit trail's tests."""

from typing import Any

import pytest
from django.db import connection

from accounts.roles import AUDITOR
from audit.chain import ChainReport, verify_chain
from audit.models import AuditEntry
from audit.sequencer import sequence_entries
from tests.factories.cases import CaseFactory
from tests.factories.people import UserFactory


@pytest.fixture
def auditor(force):
    return UserFactory(username="ps.auditor", first_name="Jo", last_name="Reid", force=force, roles=[AUDITOR])


@pytest.fixture
def as_auditor(client, auditor):
    """The test client, signed in as the auditor."""
    client.force_login(auditor)
    return client


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


class NewEntries:
    """The audit entries written since this was made: `entries()` or `of(kind=...)`."""

    def __init__(self) -> None:
        self.start = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def entries(self, **filters):
        return list(AuditEntry.objects.filter(id__gt=self.start, **filters).order_by("id"))


@pytest.fixture
def new_entries(db):
    """Call to start counting: `since = new_entries()` ... `since.entries(kind="read")`."""
    return NewEntries


def run_as_owner(sql: str, params: list[Any] | None = None) -> None:
    """What an owner (or superuser) who tampers would do: switch the append-only trigger off for
    this transaction, run `sql`, switch it on again. The test's transaction undoes it all."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only")


# The test broker and putting back data a transactional test removes (tests/deadlines/conftest.py),
# for the tests of writes in parallel and of the sequencer under a real worker.
from tests.deadlines.conftest import broker, restores_migration_data  # noqa: E402, F401


def verify_after_sealing() -> ChainReport:
    """Seal what is waiting, then verify, as `verify_audit` does. In a whole run, entries committed by
    earlier tests wait unsealed (no sequencer runs between tests), and one older than the bound fails
    the chain on its own."""
    sequence_entries()
    return verify_chain()
