"""The database half of the audit trail (docs/audit.md).

- `safeguard_audit_hash(prev_hash, entry)`: the entry's hash, SHA-256 over the previous hash and the
  entry's canonical content (each value as a netstring, so no value can spill into the next).
  audit/chain.py recomputes exactly this in Python for `verify_audit`.
- `safeguard_audit_chain()`, BEFORE INSERT on the audit table: takes the chain lock (a transaction
  advisory lock, held to commit, and the chain head's row lock), gives the entry the next id, its
  previous hash and its hash, and moves the chain head on. Writers cannot choose any of these.
- `safeguard_audit_refuse_change()`: UPDATE and DELETE of an entry are refused, whoever asks.
- `safeguard_audit_row()` / `safeguard_audit_truncate()`: the row and TRUNCATE triggers that
  audit/triggers.py puts on every table of case data, writing one entry per row written, in the
  same transaction, with the acting person from the transaction's `safeguard.*` settings.
"""

from django.db import migrations

CHAIN_LOCK_KEY = 7310452061  # any constant; the same in every writer

FUNCTIONS = f"""
-- Ids come only from the chain trigger, under the chain lock (no column default to take one early).
ALTER TABLE audit_auditentry ALTER COLUMN id DROP IDENTITY IF EXISTS;
CREATE SEQUENCE IF NOT EXISTS audit_auditentry_id_seq OWNED BY audit_auditentry.id;
SELECT setval('audit_auditentry_id_seq', coalesce(max(id), 0) + 1, false) FROM audit_auditentry;

CREATE OR REPLACE FUNCTION safeguard_audit_netstring(value text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT octet_length(coalesce(value, ''))::text || ':' || coalesce(value, '') || ','
$$;

CREATE OR REPLACE FUNCTION safeguard_audit_hash(prev_hash text, e audit_auditentry) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT encode(sha256(convert_to(
       safeguard_audit_netstring(prev_hash)
    || safeguard_audit_netstring(e.id::text)
    || safeguard_audit_netstring(to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
    || safeguard_audit_netstring(e.actor_id::text)
    || safeguard_audit_netstring(e.actor_username)
    || safeguard_audit_netstring(e.kind)
    || safeguard_audit_netstring(e.object_type)
    || safeguard_audit_netstring(e.object_id)
    || safeguard_audit_netstring(e.case_reference)
    || safeguard_audit_netstring(e.summary)
    || safeguard_audit_netstring(e.changes::text)
    || safeguard_audit_netstring(e.recipient)
    || safeguard_audit_netstring(host(e.ip))
    || safeguard_audit_netstring(e.request_id)
    || safeguard_audit_netstring(e.source),
    'UTF8')), 'hex')
$$;

-- SECURITY DEFINER: it runs as the tables' owner, so the application's role needs no right to
-- the chain head or the id sequence, only INSERT on the audit table.
CREATE OR REPLACE FUNCTION safeguard_audit_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  previous text;
BEGIN
  PERFORM pg_advisory_xact_lock({CHAIN_LOCK_KEY});
  SELECT last_hash INTO previous FROM audit_auditchainhead WHERE id = 1 FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO audit_auditchainhead (id, last_id, last_hash) VALUES (1, 0, repeat('0', 64));
    previous := repeat('0', 64);
  END IF;
  -- The id is taken under the lock, so id order is chain order.
  NEW.id := nextval('audit_auditentry_id_seq');
  NEW.occurred_at := coalesce(NEW.occurred_at, statement_timestamp());
  NEW.changes := coalesce(NEW.changes, '{{}}'::jsonb);
  NEW.prev_hash := previous;
  NEW.hash := safeguard_audit_hash(previous, NEW);
  UPDATE audit_auditchainhead SET last_id = NEW.id, last_hash = NEW.hash WHERE id = 1;
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION safeguard_audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'Audit entries are append-only: % refused.', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

-- Row trigger on case data. Arguments: object type (model label), SQL giving the case reference
-- from the row as jsonb ($1, or '' for none), comma-separated columns whose values are never copied
-- (passwords), comma-separated columns whose change alone is not worth an entry (last_login), and
-- the kind for an INSERT when it is not 'create' (the admin's log: 'admin_action').
CREATE OR REPLACE FUNCTION safeguard_audit_row() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  object_type text := TG_ARGV[0];
  reference_sql text := TG_ARGV[1];
  redacted text[] := string_to_array(TG_ARGV[2], ',');
  quiet text[] := string_to_array(TG_ARGV[3], ',');
  insert_kind text := coalesce(nullif(TG_ARGV[4], ''), 'create');
  old_row jsonb;
  new_row jsonb;
  row_data jsonb;
  diff jsonb := '{{}}'::jsonb;
  worth_recording boolean := TG_OP <> 'UPDATE';
  field text;
  before_value jsonb;
  after_value jsonb;
  reference text;
  verb text;
BEGIN
  IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD); END IF;
  IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW); END IF;
  row_data := coalesce(new_row, old_row);
  FOR field IN SELECT jsonb_object_keys(row_data) LOOP
    before_value := old_row -> field;
    after_value := new_row -> field;
    IF TG_OP = 'UPDATE' AND before_value IS NOT DISTINCT FROM after_value THEN
      CONTINUE;
    END IF;
    IF NOT field = ANY(quiet) THEN
      worth_recording := true;
    END IF;
    IF field = ANY(redacted) THEN
      before_value := CASE WHEN old_row IS NULL THEN NULL ELSE '"[not recorded]"'::jsonb END;
      after_value := CASE WHEN new_row IS NULL THEN NULL ELSE '"[not recorded]"'::jsonb END;
    END IF;
    diff := diff || jsonb_build_object(
      field,
      jsonb_build_object('before', coalesce(before_value, 'null'::jsonb), 'after', coalesce(after_value, 'null'::jsonb))
    );
  END LOOP;
  IF NOT worth_recording THEN
    RETURN NULL;
  END IF;
  IF reference_sql <> '' THEN
    EXECUTE 'SELECT (' || reference_sql || ')::text' INTO reference USING row_data;
  END IF;
  verb := CASE TG_OP WHEN 'INSERT' THEN 'Created' WHEN 'UPDATE' THEN 'Changed' ELSE 'Deleted' END;
  INSERT INTO audit_auditentry (
    occurred_at, actor_id, actor_username, kind, object_type, object_id, case_reference, summary,
    changes, recipient, ip, request_id, source
  ) VALUES (
    statement_timestamp(),
    nullif(current_setting('safeguard.actor_id', true), '')::bigint,
    coalesce(current_setting('safeguard.actor_username', true), ''),
    CASE TG_OP WHEN 'INSERT' THEN insert_kind WHEN 'UPDATE' THEN 'change' ELSE 'delete' END,
    object_type,
    coalesce(row_data ->> 'id', ''),
    coalesce(reference, ''),
    verb || ' ' || object_type || ' ' || coalesce(row_data ->> 'id', ''),
    diff,
    '',
    nullif(current_setting('safeguard.ip', true), '')::inet,
    coalesce(current_setting('safeguard.request_id', true), ''),
    coalesce(nullif(current_setting('safeguard.source', true), ''), 'database:' || current_user)
  );
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION safeguard_audit_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit_auditentry (
    occurred_at, actor_id, actor_username, kind, object_type, object_id, case_reference, summary,
    changes, recipient, ip, request_id, source
  ) VALUES (
    statement_timestamp(),
    nullif(current_setting('safeguard.actor_id', true), '')::bigint,
    coalesce(current_setting('safeguard.actor_username', true), ''),
    'delete',
    TG_ARGV[0],
    '',
    '',
    'Deleted every ' || TG_ARGV[0] || ' row (TRUNCATE)',
    '{{}}'::jsonb,
    '',
    nullif(current_setting('safeguard.ip', true), '')::inet,
    coalesce(current_setting('safeguard.request_id', true), ''),
    coalesce(nullif(current_setting('safeguard.source', true), ''), 'database:' || current_user)
  );
  RETURN NULL;
END
$$;

CREATE TRIGGER audit_entry_chain BEFORE INSERT ON audit_auditentry
  FOR EACH ROW EXECUTE FUNCTION safeguard_audit_chain();
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
  FOR EACH ROW EXECUTE FUNCTION safeguard_audit_refuse_change();
INSERT INTO audit_auditchainhead (id, last_id, last_hash) VALUES (1, 0, repeat('0', 64)) ON CONFLICT DO NOTHING;
"""

REVERSE = """
DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry;
DROP TRIGGER IF EXISTS audit_entry_chain ON audit_auditentry;
DROP FUNCTION IF EXISTS safeguard_audit_truncate() CASCADE;
DROP FUNCTION IF EXISTS safeguard_audit_row() CASCADE;
DROP FUNCTION IF EXISTS safeguard_audit_refuse_change();
DROP FUNCTION IF EXISTS safeguard_audit_chain();
DROP FUNCTION IF EXISTS safeguard_audit_hash(text, audit_auditentry);
DROP FUNCTION IF EXISTS safeguard_audit_netstring(text);
DROP SEQUENCE IF EXISTS audit_auditentry_id_seq;
ALTER TABLE audit_auditentry ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY;
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_audit_entry")]

    operations = [migrations.RunSQL(FUNCTIONS, REVERSE)]
