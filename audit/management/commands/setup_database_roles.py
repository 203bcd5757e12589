"""manage.py setup_database_roles: the owner and application roles that make the audit trail
append-only in the database itself (docs/audit.md, "Database roles"). Run as a superuser; idempotent.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

OWNER = "safeguard_owner"
APP = "safeguard_app"
# The application may only read and add to these.
AUDIT_TABLES = ("audit_auditentry",)
# The chain head is written only by the sequencer, which runs as the owner (SECURITY DEFINER,
# `safeguard_audit_sequence`, audit/0009).
READ_ONLY_TABLES = ("audit_auditchainhead",)


class Command(BaseCommand):
    help = (
        f"Create the {OWNER} role (owns every table) and the {APP} role (what Safeguard connects as: reads and "
        "writes ordinary tables, only reads and adds to the audit trail). Run as a PostgreSQL superuser; idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--app-password", default="", help=f"Set the password {APP} signs in with.")
        parser.add_argument(
            "--owner-password", default="", help=f"Let {OWNER} sign in (to run migrations) with this password."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
            if not row or not row[0]:
                raise CommandError("setup_database_roles must run as a PostgreSQL superuser.")
            for role, login in ((OWNER, bool(options["owner_password"])), (APP, True)):
                # Roles belong to the whole cluster: several test databases may create them at once.
                cursor.execute(
                    f"DO $$ BEGIN CREATE ROLE {role} {'LOGIN' if login else 'NOLOGIN'}; "
                    "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
                )
            if options["owner_password"]:
                cursor.execute(f"ALTER ROLE {OWNER} LOGIN PASSWORD %s", [options["owner_password"]])
            if options["app_password"]:
                cursor.execute(f"ALTER ROLE {APP} PASSWORD %s", [options["app_password"]])
            with transaction.atomic():
                self._grant(cursor)
        self.stdout.write(
            self.style.SUCCESS(f"Database roles ready: {OWNER} owns the tables, {APP} is the application.")
        )

    def _grant(self, cursor: Any) -> None:
        quote = connection.ops.quote_name
        database = quote(connection.settings_dict["NAME"])
        cursor.execute(f"GRANT CONNECT ON DATABASE {database} TO {OWNER}, {APP}")
        cursor.execute(f"GRANT USAGE, CREATE ON SCHEMA public TO {OWNER}")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {APP}")
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        tables = [name for (name,) in cursor.fetchall()]
        for table in tables:
            cursor.execute(f"ALTER TABLE {quote(table)} OWNER TO {OWNER}")
        cursor.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' AND sequencename NOT IN "
            "(SELECT s.relname FROM pg_class s JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i') "
            "WHERE s.relkind = 'S')"
        )
        for (sequence,) in cursor.fetchall():  # sequences not owned by a table column
            cursor.execute(f"ALTER SEQUENCE {quote(sequence)} OWNER TO {OWNER}")
        cursor.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public' AND p.proname LIKE 'safeguard\\_%%'"
        )
        for (function,) in cursor.fetchall():
            cursor.execute(f"ALTER FUNCTION {function} OWNER TO {OWNER}")

        cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP}")
        # The audit table's partitions (audit/partitions.py) too: a partition is reached directly.
        for table in (*AUDIT_TABLES, *(name for name in tables if name.startswith("audit_auditentry_"))):
            if table in tables:
                cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {table} FROM {APP}, PUBLIC")
        for table in READ_ONLY_TABLES:
            if table in tables:
                cursor.execute(
                    f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {table} FROM {APP}, PUBLIC"
                )
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP}")
        cursor.execute(f"REVOKE ALL ON SEQUENCE audit_auditentry_id_seq FROM {APP}")

        # Tables the owner creates later (migrations run as the owner) are ordinary tables to the app;
        # a new audit table must be added to AUDIT_TABLES and this command run again.
        cursor.execute(
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {OWNER} IN SCHEMA public "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP}"
        )
        cursor.execute(
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {OWNER} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {APP}"
        )
