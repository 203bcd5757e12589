"""The audit trail in monthly partitions (docs/audit.md, "Partitions and archiving").

`audit_auditentry` becomes a table partitioned by range of `occurred_at` (UTC months), without
copying a row: the table as it was is renamed `audit_auditentry_before_<YYYY_MM>` (the month after
the newest entry, or after this one), given a CHECK that its entries are all older than that month
(so ATTACH need not scan it) and attached as the partition of everything before it. Its indexes keep
their contents and are attached to the parent's. The primary key becomes (id, occurred_at) and the
place index is no longer unique, since a unique index of a partitioned table must hold the partition
key; a place is still given once: the sealing update is refused for a place already taken
(`safeguard_audit_refuse_change`). Nothing references the table by foreign key.

Row triggers (stamp, chain, append-only) are defined on the parent, so PostgreSQL puts them on every
partition, now and to come. TRUNCATE triggers are not inherited: `safeguard_audit_create_partitions`
puts `audit_entry_no_truncate` on each partition it makes, as this migration does on the parent, the
old table and the DEFAULT partition (an entry dated past every partition lands there: it should stay
empty, and `audit.partitions` reports it). The function makes the partitions months ahead, from
Celery beat (`audit.tasks.create_audit_partitions`), after every migrate, and here. It is SECURITY
DEFINER: the application's role may call it, and the partitions belong to the tables' owner.

At national scale the two index builds here (the key and the place index over the old table) can be
made beforehand without blocking writers, and are then attached (docs/audit.md). Migrating back
copies the entries into one table again.
"""

from django.db import migrations, models

MONTHS_AHEAD = 2  # audit.partitions.MONTHS_AHEAD when this was written
SEQUENCER_LOCK_KEY = 7310452062  # audit/0009
GENESIS = "0" * 64
APP_ROLE = "safeguard_app"  # audit/management/commands/setup_database_roles.py
INDEXES = {
    "audit_occurred_id": "(occurred_at DESC, id DESC)",
    "audit_username_occurred": "(actor_username, occurred_at DESC)",
    "audit_case_occurred": "(case_reference, occurred_at DESC)",
    "audit_kind_occurred": "(kind, occurred_at DESC)",
    "audit_ip_occurred": "(ip, occurred_at DESC)",
    "audit_unsequenced": "(id) WHERE seq IS NULL",
}
# The columns each index's name is made of, when PostgreSQL names it on a partition.
INDEX_NAME_COLUMNS = {
    "audit_occurred_id": "occurred_at_id",
    "audit_username_occurred": "actor_username_occurred_at",
    "audit_case_occurred": "case_reference_occurred_at",
    "audit_kind_occurred": "kind_occurred_at",
    "audit_ip_occurred": "ip_occurred_at",
    "audit_unsequenced": "id",
}
TRIGGERS = """
CREATE TRIGGER audit_entry_by_database BEFORE INSERT ON audit_auditentry
  FOR EACH ROW EXECUTE FUNCTION safeguard_audit_stamp();
CREATE TRIGGER audit_entry_chain BEFORE INSERT ON audit_auditentry
  FOR EACH ROW EXECUTE FUNCTION safeguard_audit_chain();
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
  FOR EACH ROW EXECUTE FUNCTION safeguard_audit_refuse_change();
"""
HASH = """
CREATE FUNCTION safeguard_audit_hash(prev_hash text, e audit_auditentry) RETURNS text
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
"""
# A table made here belongs to the owner of the one it replaces (setup_database_roles may have made
# that another role than the one migrating), and the application's role may only read and add to it.
def owned_like(table: str, like: str) -> str:
    return f"""
EXECUTE format('ALTER TABLE %I OWNER TO %I', {table}, (SELECT relowner::regrole::text FROM pg_class WHERE oid = {like}::regclass));
EXECUTE format('REVOKE ALL ON %I FROM PUBLIC', {table});
IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
  EXECUTE format('REVOKE ALL ON %I FROM {APP_ROLE}', {table});
  EXECUTE format('GRANT SELECT, INSERT ON %I TO {APP_ROLE}', {table});
END IF;
"""


# The hash function takes the table's row type, which goes with the table's name when it is renamed:
# the renamed table's is dropped, the new table's made.
DROP_HASH_OF = "EXECUTE format('DROP FUNCTION safeguard_audit_hash(text, %I)', {table});"

FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION safeguard_audit_refuse_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- A superuser may (an emptied test database); every other role, the owner included, may not.
  IF current_setting('is_superuser') = 'on' THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'Audit entries are append-only: TRUNCATE of % refused.', TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$;

-- Partitions for this month and the next `ahead` (UTC): those missing are made, with the TRUNCATE
-- trigger and the application role's rights (SELECT and INSERT only). A month already covered (by
-- the partition of entries from before partitioning) is skipped. Returns the partitions it made.
CREATE OR REPLACE FUNCTION safeguard_audit_create_partitions(ahead integer) RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  month_start timestamp := date_trunc('month', statement_timestamp() AT TIME ZONE 'UTC');
  name text;
BEGIN
  FOR i IN 0..ahead LOOP
    name := 'audit_auditentry_' || to_char(month_start, 'YYYY_MM');
    IF to_regclass(name) IS NULL THEN
      BEGIN
        EXECUTE format('CREATE TABLE %I PARTITION OF audit_auditentry FOR VALUES FROM (%L) TO (%L)',
                       name, month_start AT TIME ZONE 'UTC', (month_start + interval '1 month') AT TIME ZONE 'UTC');
        EXECUTE format('CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION safeguard_audit_refuse_truncate()', name);
        EXECUTE format('REVOKE ALL ON %I FROM PUBLIC', name);
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
          EXECUTE format('REVOKE ALL ON %I FROM {APP_ROLE}', name);
          EXECUTE format('GRANT SELECT, INSERT ON %I TO {APP_ROLE}', name);
        END IF;
        RETURN NEXT name;
      EXCEPTION WHEN invalid_object_definition THEN
        NULL;  -- the month lies in a partition already (overlap)
      END;
    END IF;
    month_start := month_start + interval '1 month';
  END LOOP;
END
$$;

-- As audit/0009, and the entry's month named, so the update looks in its partition only.
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
      WHERE id = entry.id AND occurred_at = entry.occurred_at RETURNING hash INTO previous;
    last_entry := entry.id;
    sealed := sealed + 1;
  END LOOP;
  IF sealed > 0 THEN
    UPDATE audit_auditchainhead SET last_seq = place, last_id = last_entry, last_hash = previous WHERE id = 1;
  END IF;
  RETURN sealed;
END
$$;

-- As audit/0009, and: a place already taken is refused (the place index is no longer unique).
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
     AND NOT EXISTS (SELECT 1 FROM audit_auditentry WHERE seq = NEW.seq)
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
"""

FORWARD = f"""
LOCK TABLE audit_auditentry IN ACCESS EXCLUSIVE MODE;
DO $$
DECLARE
  bound timestamptz := date_trunc('month', greatest(statement_timestamp(), (SELECT max(occurred_at) FROM audit_auditentry))
                                   AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + interval '1 month';
  old text := 'audit_auditentry_before_' || to_char(bound AT TIME ZONE 'UTC', 'YYYY_MM');
  name text;
  columns text;
  kept_table integer;
  kept_columns integer;
BEGIN
  DROP TRIGGER audit_entry_append_only ON audit_auditentry;
  DROP TRIGGER audit_entry_by_database ON audit_auditentry;
  DROP TRIGGER audit_entry_chain ON audit_auditentry;
  ALTER TABLE audit_auditentry DROP CONSTRAINT audit_auditentry_pkey;
  DROP INDEX audit_entry_seq_unique;
  FOREACH name IN ARRAY ARRAY[{", ".join(f"'{name}'" for name in INDEXES)}] LOOP
    EXECUTE format('ALTER INDEX %I RENAME TO %I', name, name || '_before');
  END LOOP;
  EXECUTE format('ALTER TABLE audit_auditentry RENAME TO %I', old);
  EXECUTE format('CREATE TABLE audit_auditentry (LIKE %I INCLUDING DEFAULTS INCLUDING STORAGE) '
                 'PARTITION BY RANGE (occurred_at)', old);
  {owned_like("'audit_auditentry'", "old")}
  ALTER SEQUENCE audit_auditentry_id_seq OWNED BY audit_auditentry.id;
  {DROP_HASH_OF.format(table="old")}
  EXECUTE format('ALTER TABLE %I ADD CONSTRAINT audit_entry_before_partition CHECK (occurred_at < %L)', old, bound);
  EXECUTE format('ALTER TABLE audit_auditentry ATTACH PARTITION %I FOR VALUES FROM (MINVALUE) TO (%L)', old, bound);
  EXECUTE format('CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON %I '
                 'FOR EACH STATEMENT EXECUTE FUNCTION safeguard_audit_refuse_truncate()', old);
  -- The names PostgreSQL gives a partition's index (makeObjectName), as a rebuild would give them.
  FOREACH name IN ARRAY ARRAY[{", ".join(f"'{name}'" for name in INDEXES)}] LOOP
    columns := (ARRAY[{", ".join(f"'{words}'" for words in INDEX_NAME_COLUMNS.values())}])[
      array_position(ARRAY[{", ".join(f"'{name}'" for name in INDEX_NAME_COLUMNS)}], name)];
    kept_table := length(old);
    kept_columns := length(columns);
    WHILE kept_table + kept_columns > 63 - length('_idx') - 1 LOOP
      IF kept_table > kept_columns THEN kept_table := kept_table - 1; ELSE kept_columns := kept_columns - 1; END IF;
    END LOOP;
    EXECUTE format('ALTER INDEX %I RENAME TO %I', name || '_before',
                   left(old, kept_table) || '_' || left(columns, kept_columns) || '_idx');
  END LOOP;
END
$$;
ALTER TABLE audit_auditentry ADD PRIMARY KEY (id, occurred_at);
{"".join(f"CREATE INDEX {name} ON audit_auditentry {columns};{chr(10)}" for name, columns in INDEXES.items())}
CREATE INDEX audit_entry_seq ON audit_auditentry (seq) WHERE seq IS NOT NULL;
{HASH}
{TRIGGERS}
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_auditentry
  FOR EACH STATEMENT EXECUTE FUNCTION safeguard_audit_refuse_truncate();
CREATE TABLE audit_auditentry_default PARTITION OF audit_auditentry DEFAULT;
DO $$ BEGIN {owned_like("'audit_auditentry_default'", "'audit_auditentry'")} END $$;
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_auditentry_default
  FOR EACH STATEMENT EXECUTE FUNCTION safeguard_audit_refuse_truncate();
SELECT safeguard_audit_create_partitions({MONTHS_AHEAD});
"""

# Back to one table: the entries are copied (every partition still attached).
BACKWARD = f"""
LOCK TABLE audit_auditentry IN ACCESS EXCLUSIVE MODE;
ALTER TABLE audit_auditentry RENAME TO audit_auditentry_partitioned;
CREATE TABLE audit_auditentry (LIKE audit_auditentry_partitioned INCLUDING DEFAULTS INCLUDING STORAGE);
INSERT INTO audit_auditentry SELECT * FROM audit_auditentry_partitioned;
DO $$ BEGIN
  {owned_like("'audit_auditentry'", "'audit_auditentry_partitioned'")}
  {DROP_HASH_OF.format(table="'audit_auditentry_partitioned'")}
END $$;
ALTER SEQUENCE audit_auditentry_id_seq OWNED BY audit_auditentry.id;
DROP TABLE audit_auditentry_partitioned CASCADE;
ALTER TABLE audit_auditentry ADD PRIMARY KEY (id);
{"".join(f"CREATE INDEX {name} ON audit_auditentry {columns};{chr(10)}" for name, columns in INDEXES.items())}
CREATE UNIQUE INDEX audit_entry_seq_unique ON audit_auditentry (seq) WHERE seq IS NOT NULL;
{HASH}
{TRIGGERS}
DROP FUNCTION safeguard_audit_create_partitions(integer);
DROP FUNCTION safeguard_audit_refuse_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0009_sequencer")]

    operations = [
        migrations.RunSQL(FUNCTIONS, migrations.RunSQL.noop),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.RemoveConstraint(model_name="auditentry", name="audit_entry_seq_unique"),
                migrations.AddIndex(
                    model_name="auditentry",
                    index=models.Index(
                        condition=models.Q(("seq__isnull", False)), fields=["seq"], name="audit_entry_seq"
                    ),
                ),
            ],
        ),
    ]
