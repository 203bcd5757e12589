"""The entries written before the sequencer keep their hashes and take, as their place in the chain,
their order in it: ids were given under the old chain lock, so id order was chain order (place 1 is
the lowest id). The chain head and the flags' mark (an id until now) move to places. Runs as the
tables' owner, with the append-only trigger off for this one statement's transaction; at a national
scale it rewrites every entry once (docs/audit.md, "Upgrading a trail written before the sequencer")."""

from django.db import migrations

FORWARD = """
ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only;
UPDATE audit_auditentry AS e SET seq = placed.place
FROM (SELECT id, row_number() OVER (ORDER BY id) AS place FROM audit_auditentry) AS placed
WHERE e.id = placed.id;
ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only;
UPDATE audit_auditchainhead AS head
SET last_seq = coalesce((SELECT seq FROM audit_auditentry WHERE id = head.last_id), 0);
UPDATE audit_flagmark AS mark
SET last_seq = coalesce((SELECT max(seq) FROM audit_auditentry WHERE id <= mark.last_seq), 0);
"""

BACKWARD = """
UPDATE audit_flagmark AS mark
SET last_seq = coalesce((SELECT max(id) FROM audit_auditentry WHERE seq <= mark.last_seq), 0);
ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only;
UPDATE audit_auditentry SET seq = NULL WHERE seq IS NOT NULL;
ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0007_entry_seq")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
