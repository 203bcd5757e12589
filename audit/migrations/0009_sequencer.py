"""Audited writes in parallel: entries are appended with no lock, and one sequencer at a time gives
them their place in the hash chain afterwards (docs/audit.md, "The hash chain").

- `safeguard_audit_chain()`, BEFORE INSERT (the trigger keeps its name): gives the entry its id and
  leaves it unsequenced (place and hashes NULL, whatever the INSERT said). No lock, no chain head:
  concurrent writers never wait for one another here.
- `safeguard_audit_sequence(batch, wait)`: the sequencer. Under one transaction advisory lock
  (`SEQUENCER_LOCK_KEY`; `wait` false: return -1 at once if another sequencer holds it), reads up to
  `batch` committed, unsequenced entries in id order, gives each the next place, the previous entry's
  hash and its own (`safeguard_audit_hash`, unchanged from 0002), and moves the chain head on; returns
  how many it sealed. SECURITY DEFINER: the application's role may call it, and needs no right to
  change an entry or the head.
- `safeguard_audit_refuse_change()`: UPDATE and DELETE of an entry are refused, whoever asks, but
  for one update: the sequencer's, once per entry. It must set the place and both hashes from NULL,
  change nothing else, be made under the sequencer's lock, carry the hash the entry's content gives,
  and follow the entry at the place before (the genesis hash at place 1).
"""

from django.db import migrations, models

SEQUENCER_LOCK_KEY = 7310452062  # any constant; the sequencer's alone (audit/sequencer.py)
GENESIS = "0" * 64

FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION safeguard_audit_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  NEW.id := nextval('audit_auditentry_id_seq');
  NEW.occurred_at := coalesce(NEW.occurred_at, statement_timestamp());
  NEW.changes := coalesce(NEW.changes, '{{}}'::jsonb);
  NEW.seq := NULL;
  NEW.prev_hash := NULL;
  NEW.hash := NULL;
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION safeguard_audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  before_it text;
BEGIN
  IF TG_OP = 'UPDATE'
     AND OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
     AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
     AND to_jsonb(NEW) - ARRAY['seq', 'prev_hash', 'hash'] = to_jsonb(OLD) - ARRAY['seq', 'prev_hash', 'hash']
     AND pg_try_advisory_xact_lock({SEQUENCER_LOCK_KEY})
     AND NEW.hash = safeguard_audit_hash(NEW.prev_hash, NEW)
  THEN
    IF NEW.seq = 1 THEN
      before_it := '{GENESIS}';
    ELSE
      SELECT hash INTO before_it FROM audit_auditentry WHERE seq = NEW.seq - 1;
    END IF;
    IF NEW.prev_hash = before_it THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION 'Audit entries are append-only: % refused.', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE OR REPLACE FUNCTION safeguard_audit_sequence(batch integer, wait boolean) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  place bigint;
  previous text;
  last_entry bigint;
  entry audit_auditentry;
  sealed integer := 0;
BEGIN
  IF wait THEN
    PERFORM pg_advisory_xact_lock({SEQUENCER_LOCK_KEY});
  ELSIF NOT pg_try_advisory_xact_lock({SEQUENCER_LOCK_KEY}) THEN
    RETURN -1;
  END IF;
  SELECT last_seq, last_id, last_hash INTO place, last_entry, previous
    FROM audit_auditchainhead WHERE id = 1 FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO audit_auditchainhead (id, last_seq, last_id, last_hash) VALUES (1, 0, 0, '{GENESIS}');
    place := 0;
    last_entry := 0;
    previous := '{GENESIS}';
  END IF;
  -- Each statement reads what was committed when it began (READ COMMITTED): an entry whose
  -- transaction has not committed is not seen, and is sealed by a later batch, after these.
  FOR entry IN SELECT * FROM audit_auditentry WHERE seq IS NULL ORDER BY id LIMIT batch LOOP
    place := place + 1;
    UPDATE audit_auditentry SET seq = place, prev_hash = previous, hash = safeguard_audit_hash(previous, entry)
      WHERE id = entry.id RETURNING hash INTO previous;
    last_entry := entry.id;
    sealed := sealed + 1;
  END LOOP;
  IF sealed > 0 THEN
    UPDATE audit_auditchainhead SET last_seq = place, last_id = last_entry, last_hash = previous WHERE id = 1;
  END IF;
  RETURN sealed;
END
$$;
"""

REVERSE = f"""
DROP FUNCTION IF EXISTS safeguard_audit_sequence(integer, boolean);
CREATE OR REPLACE FUNCTION safeguard_audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'Audit entries are append-only: % refused.', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE OR REPLACE FUNCTION safeguard_audit_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  previous text;
BEGIN
  PERFORM pg_advisory_xact_lock(7310452061);
  SELECT last_hash INTO previous FROM audit_auditchainhead WHERE id = 1 FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO audit_auditchainhead (id, last_id, last_hash) VALUES (1, 0, '{GENESIS}');
    previous := '{GENESIS}';
  END IF;
  NEW.id := nextval('audit_auditentry_id_seq');
  NEW.occurred_at := coalesce(NEW.occurred_at, statement_timestamp());
  NEW.changes := coalesce(NEW.changes, '{{}}'::jsonb);
  NEW.prev_hash := previous;
  NEW.hash := safeguard_audit_hash(previous, NEW);
  UPDATE audit_auditchainhead SET last_id = NEW.id, last_hash = NEW.hash WHERE id = 1;
  RETURN NEW;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0008_sequence_existing_entries")]

    operations = [
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.UniqueConstraint(
                condition=models.Q(("seq__isnull", False)), fields=("seq",), name="audit_entry_seq_unique"
            ),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(condition=models.Q(("seq__isnull", True)), fields=["id"], name="audit_unsequenced"),
        ),
        migrations.RunSQL(FUNCTIONS, REVERSE),
    ]
