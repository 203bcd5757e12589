"""The sequencer: gives committed audit entries their place in the hash chain (docs/audit.md, "The
hash chain").

Writers append entries with no lock (the BEFORE INSERT trigger only gives the id), so audited
requests run in parallel; the chain is built afterwards, as transparency logs build theirs, by the
database function `safeguard_audit_sequence` (migration audit/0009), one batch per transaction, by one
sequencer at a time (an advisory lock that only the sequencer takes). It runs from Celery beat every
SAFEGUARD_AUDIT_SEQUENCE_SECONDS (`audit.tasks.sequence_audit`), from `manage.py sequence_audit`, and
before every check of the chain.

Order: within a batch, by id; across batches, in the order entries became visible (committed). An
entry whose transaction committed after a later id was sealed takes the next free place then, so a
place is never given twice or left empty, and `verify_audit` walks the chain by place, not by id.
"""

from django.db import connection, transaction

BATCH = 1000
# The migration's constant, repeated so this module does not import a migration.
SEQUENCER_LOCK_KEY = 7310452062


def sequence_entries(*, wait: bool = False, batch: int = BATCH) -> int:
    """Seal every committed, unsequenced entry, a batch per transaction; the number sealed.

    With `wait`, wait for a sequencer already running to finish, so that every entry committed before
    the call is sealed when it returns (a check of the chain wants that); without, return at once if
    one is running (it will seal them). Safe to run at any time, twice, or from several processes.
    """
    sealed = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT safeguard_audit_sequence(%s, %s)", [batch, wait])
            (done,) = cursor.fetchone()
        if done < 0:
            return sealed
        sealed += done
        if done < batch:
            return sealed
