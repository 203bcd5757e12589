"""One database function makes an audit partition: `safeguard_audit_create_partition`.

It makes the partition `name` of `audit_auditentry` for entries from `low` (NULL: from the
beginning, MINVALUE) up to `high`, with the TRUNCATE trigger, no rights for PUBLIC and only SELECT
and INSERT for the application's role, as its definer (the tables' owner) owns it. Only the owner
may call it. `safeguard_audit_create_partitions`, which makes the months ahead (audit/0013), makes
each month with it, and so does the benchmark's loader (bench/loader.py), so a partition is set up
in one place (docs/audit.md, "Partitions and archiving").
"""

from importlib import import_module

from django.db import migrations

previous = import_module("audit.migrations.0013_partitions_made_past_a_held_month")

APP_ROLE = "safeguard_app"  # audit/management/commands/setup_database_roles.py

ONE = f"""
CREATE FUNCTION safeguard_audit_create_partition(name text, low timestamptz, high timestamptz) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  EXECUTE format('CREATE TABLE %I PARTITION OF audit_auditentry FOR VALUES FROM (%s) TO (%L)',
                 name, coalesce(quote_literal(low), 'MINVALUE'), high);
  EXECUTE format('CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON %I '
                 'FOR EACH STATEMENT EXECUTE FUNCTION safeguard_audit_refuse_truncate()', name);
  EXECUTE format('REVOKE ALL ON %I FROM PUBLIC', name);
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
    EXECUTE format('REVOKE ALL ON %I FROM {APP_ROLE}', name);
    EXECUTE format('GRANT SELECT, INSERT ON %I TO {APP_ROLE}', name);
  END IF;
  RETURN name;
END
$$;
REVOKE EXECUTE ON FUNCTION safeguard_audit_create_partition(text, timestamptz, timestamptz) FROM PUBLIC;
"""

MONTHS_AHEAD = """
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
        RETURN NEXT safeguard_audit_create_partition(name, month_start AT TIME ZONE 'UTC',
                                                     (month_start + interval '1 month') AT TIME ZONE 'UTC');
      EXCEPTION WHEN invalid_object_definition THEN
        NULL;  -- the month lies in a partition already (overlap)
      WHEN check_violation THEN
        RAISE WARNING 'Audit partition % not made: the DEFAULT partition holds entries of that month '
                      '(docs/audit.md, "Partitions and archiving").', name;
      END;
    END IF;
    month_start := month_start + interval '1 month';
  END LOOP;
END
$$;
"""

BACK = "DROP FUNCTION safeguard_audit_create_partition(text, timestamptz, timestamptz);"


class Migration(migrations.Migration):
    dependencies = [("audit", "0013_partitions_made_past_a_held_month")]

    operations = [
        migrations.RunSQL(ONE + MONTHS_AHEAD, previous.function(previous.HELD_MONTH) + BACK),
    ]
