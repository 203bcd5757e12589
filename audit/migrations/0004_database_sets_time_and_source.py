"""The database, not the writer, says when an entry happened and from where (docs/audit.md).

`safeguard_audit_stamp()`, BEFORE INSERT on the audit table, runs before the chain trigger (triggers
of one event fire in name order: `audit_entry_by_database` < `audit_entry_chain`), so the hash covers
what it sets. It is not SECURITY DEFINER: `current_user` is the role that inserts. For any role but a
superuser or a member of the table's owner role (migrations, an archive restore under the documented
procedure), whatever the INSERT says:

- `occurred_at` is the statement's time;
- `source` is the session's `safeguard.source`, or `database:<role>` when none is set;
- the actor, address and request id are the session's `safeguard.*` values where they are set.
"""

from django.db import migrations

STAMP = """
CREATE OR REPLACE FUNCTION safeguard_audit_stamp() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  setting text;
BEGIN
  IF current_setting('is_superuser') = 'on'
     OR pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
    RETURN NEW;
  END IF;
  NEW.occurred_at := statement_timestamp();
  NEW.source := coalesce(nullif(current_setting('safeguard.source', true), ''), 'database:' || current_user);
  setting := nullif(current_setting('safeguard.actor_id', true), '');
  IF setting IS NOT NULL THEN
    NEW.actor_id := setting::bigint;
    NEW.actor_username := coalesce(current_setting('safeguard.actor_username', true), '');
  END IF;
  setting := nullif(current_setting('safeguard.ip', true), '');
  IF setting IS NOT NULL THEN
    NEW.ip := setting::inet;
  END IF;
  setting := nullif(current_setting('safeguard.request_id', true), '');
  IF setting IS NOT NULL THEN
    NEW.request_id := setting;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER audit_entry_by_database BEFORE INSERT ON audit_auditentry
  FOR EACH ROW EXECUTE FUNCTION safeguard_audit_stamp();
"""

REVERSE = """
DROP TRIGGER IF EXISTS audit_entry_by_database ON audit_auditentry;
DROP FUNCTION IF EXISTS safeguard_audit_stamp();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_lean_indexes")]

    operations = [migrations.RunSQL(STAMP, REVERSE)]
