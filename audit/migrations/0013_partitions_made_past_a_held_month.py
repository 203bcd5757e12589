"""Partitions made ahead skip a month the DEFAULT partition already holds entries of, and go on.

As audit/0010's `safeguard_audit_create_partitions`, but a month whose partition cannot be made
because the DEFAULT partition holds entries dated in it (PostgreSQL refuses the new partition:
`check_violation`) is skipped with a warning instead of failing the whole call, so the months after
it are still made ahead. `audit.tasks.create_audit_partitions` logs an error while the DEFAULT
partition holds entries (docs/audit.md, "Partitions and archiving").
"""

from django.db import migrations

APP_ROLE = "safeguard_app"  # audit/management/commands/setup_database_roles.py


def function(on_held_month: str) -> str:
    return f"""
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
        NULL;  -- the month lies in a partition already (overlap){on_held_month}
      END;
    END IF;
    month_start := month_start + interval '1 month';
  END LOOP;
END
$$;
"""


HELD_MONTH = """
      WHEN check_violation THEN
        RAISE WARNING 'Audit partition % not made: the DEFAULT partition holds entries of that month '
                      '(docs/audit.md, "Partitions and archiving").', name;"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0012_entry_time_from_statement")]

    operations = [migrations.RunSQL(function(HELD_MONTH), function(""))]
