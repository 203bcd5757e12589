"""The audit app's scheduled work: the sequencer every few seconds; the nightly check, quiet when
the chain is whole, and on a break e-mailing administrators and auditors and recording that it looked."""

import pytest

from accounts.roles import ADMINISTRATOR
from audit.models import AuditEntry
from audit.sequencer import sequence_entries
from audit.services import CHAIN_ALERT_SUBJECT
from audit.tasks import sequence_audit, verify_audit_chain
from tests.audit.conftest import run_as_owner
from tests.emails import links_in
from tests.factories.people import UserFactory

pytestmark = pytest.mark.django_db


def test_a_whole_chain_sends_no_mail(auditor, mailoutbox, new_entries):
    since = new_entries()
    assert verify_audit_chain() is True
    assert mailoutbox == []
    [entry] = since.entries()
    assert entry.kind == AuditEntry.Kind.AUDIT_READ and "OK" in entry.summary


def test_a_break_is_mailed_to_administrators_and_auditors_and_recorded(
    auditor, officer, force, mailoutbox, new_entries
):
    administrator = UserFactory(username="admin.one", force=force, roles=[ADMINISTRATOR])
    UserFactory(username="admin.nomail", force=force, roles=[ADMINISTRATOR], email="")
    entry = AuditEntry.objects.create(kind=AuditEntry.Kind.READ, object_type="cases.Case", actor_username="x")
    # Sealed first: an entry is protected by the chain from when the sequencer seals it (docs/audit.md).
    sequence_entries()
    run_as_owner("UPDATE audit_auditentry SET actor_username = 'y' WHERE id = %s", [entry.id])
    since = new_entries()
    assert verify_audit_chain() is False
    [mail] = mailoutbox
    assert mail.subject == CHAIN_ALERT_SUBJECT
    assert sorted(mail.to) == sorted([administrator.email, auditor.email])
    assert f"entry {entry.id}" in mail.body
    assert links_in(mail.body) == []  # no link: it names the command and the procedure instead
    [record] = since.entries()
    assert record.kind == AuditEntry.Kind.AUDIT_READ and "BROKEN" in record.summary


def test_the_sequencer_task_seals_what_is_waiting_and_is_safe_to_repeat(officer):
    entry = AuditEntry.objects.create(kind=AuditEntry.Kind.READ, object_type="cases.Case", actor_username="x")
    assert sequence_audit.apply().get() >= 1
    entry.refresh_from_db()
    assert entry.seq is not None
    assert sequence_audit.apply().get() == 0


def test_the_sequencer_is_scheduled_every_few_seconds(settings):
    from safeguard.celery import app

    entry = app.conf.beat_schedule["sequence-audit"]
    assert entry["task"] == "audit.tasks.sequence_audit"
    assert entry["schedule"].total_seconds() == settings.SAFEGUARD_AUDIT_SEQUENCE_SECONDS
    assert settings.SAFEGUARD_AUDIT_SEQUENCE_SECONDS < settings.SAFEGUARD_AUDIT_UNSEQUENCED_MAX_SECONDS


def test_the_task_is_scheduled_nightly():
    from safeguard.celery import app

    assert app.conf.beat_schedule["verify-audit-chain-nightly"]["task"] == "audit.tasks.verify_audit_chain"


def test_the_flags_are_raised_every_five_minutes():
    from safeguard.celery import app

    entry = app.conf.beat_schedule["raise-audit-flags"]
    assert entry["task"] == "audit.tasks.raise_flags"
    assert entry["schedule"].minute == set(range(0, 60, 5))
