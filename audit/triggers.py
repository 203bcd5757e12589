"""Which tables are audited by database trigger, and putting the triggers on them.

Every table of the `accounts`, `cases`, `warrants` and `work` apps (people, teams, forces, case data,
per-case grants, and their many-to-many tables; not the derived summaries of `DERIVED_MODELS`),
plus roles and permissions (`auth`), django-guardian's generic grants, the admin's log, the
two-factor devices and backup codes (django-otp) and django-axes' record of who is locked out,
carries two triggers calling the functions of migration audit/0002: one row trigger (INSERT,
UPDATE, DELETE) and one TRUNCATE trigger. They are (re)installed after every `migrate`
(post_migrate, see AuditConfig.ready), so a table a later migration adds is audited from then on.
Every other model is in `NOT_AUDITED` with the reason: tests/audit/test_every_model_audited.py
walks every installed model and fails for one that is neither. Triggers live on the tables, but
the definitions live here, so the other apps' models and migrations are untouched. Each table's
rows are named in the trail as `audit.objects.object_type_value` names its model.
"""

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

from audit.objects import object_type_value

ROW_TRIGGER = "safeguard_audit"
TRUNCATE_TRIGGER = "safeguard_audit_truncate"
AUDITED_APPS = ("accounts", "cases", "warrants", "work")
# Models of other apps that hold who may do what, how a person proves who they are, who is locked
# out, or administrators' actions.
AUDITED_MODELS = (
    "auth.Group",
    "auth.Group_permissions",
    "guardian.UserObjectPermission",
    "guardian.GroupObjectPermission",
    "admin.LogEntry",
    "otp_totp.TOTPDevice",
    "otp_static.StaticDevice",
    "otp_static.StaticToken",
    "axes.AccessAttempt",
    "audit.Flag",
    "audit.AuditArchive",
    "api.ApiClient",
    "api.IdempotentDelivery",
)
# Values never copied into the audit trail; the entry says only that they changed.
# A figures export's CSV is recorded as a disclosure when it is downloaded (kind export), not copied
# here. An authenticator app's secret and a backup code would let anyone who reads the trail sign in.
REDACTED_COLUMNS = {
    "cases.User": ("password",),
    # Only a hash of an invitation's token is stored; the trail does not copy even that.
    "accounts.Invitation": ("token_hash",),
    "cases.ExportJob": ("result",),
    "otp_totp.TOTPDevice": ("key",),
    "otp_static.StaticToken": ("token",),
    "axes.AccessAttempt": ("get_data", "post_data"),
    # A hash, but of a secret that lets a system read case data: the trail says only that it changed.
    "api.ApiClient": ("token_hash",),
}
# Columns whose change alone is not worth an entry: sign-in is recorded as sign_in, a wrong code or
# password as sign_in_failed, so the bookkeeping each one does on these rows would only copy them.
_DEVICE_USE = ("last_used_at", "throttling_failure_timestamp", "throttling_failure_count")
QUIET_COLUMNS = {
    "cases.User": ("last_login",),
    "otp_totp.TOTPDevice": ("last_t", "drift", *_DEVICE_USE),
    "otp_static.StaticDevice": _DEVICE_USE,
    "axes.AccessAttempt": (
        "attempt_time",
        "failures_since_start",
        "get_data",
        "post_data",
        "user_agent",
        "http_accept",
        "path_info",
    ),
}
INSERT_KINDS = {"admin.LogEntry": "admin_action"}
# Summaries recomputed from audited records by Celery (cases/models/summaries.py): they hold nothing
# that is not already in the trail, and auditing every refresh would bury the trail in copies.
# The identifier index likewise holds normalised copies of audited records (cases/models/identifiers.py).
DERIVED_MODELS = (
    "cases.IndexedIdentifier",
    "cases.FigureFact",
    "cases.FigureFactsVersion",
    "cases.FiguresCache",
    "cases.OutstandingDeadline",
    "cases.SummaryState",
    "cases.UnsummarisedWrite",
)
# Every installed model that carries no audit trigger, and why. A model that is neither audited nor
# here fails tests/audit/test_every_model_audited.py: audit it, or say here why it need not be.
NOT_AUDITED = {
    **dict.fromkeys(
        DERIVED_MODELS,
        "A summary recomputed from audited records by Celery: it holds nothing the trail does not, and "
        "auditing every refresh would bury the trail in copies.",
    ),
    "audit.AuditEntry": "The audit trail itself: append-only and hash-chained (audit/0002, audit/0009).",
    "audit.AuditChainHead": "The chain's last link, moved by the sequencer with every batch it seals.",
    "audit.FlagMark": "How far the anomaly flags have read the trail: one number, moved every few "
    "minutes; the flags it raises are audited (audit.Flag).",
    "auth.Permission": "Django's catalogue of permission names, written only by migrate; who holds "
    "which is audited (auth.Group_permissions, accounts.User_user_permissions).",
    "contenttypes.ContentType": "Django's catalogue of model names, written only by migrate; holds no one's data.",
    "sessions.Session": "Signing in and out are recorded as sign_in and sign_out; the row is a signed "
    "blob rewritten on many requests.",
    "axes.AccessLog": "django-axes' copy of each sign-in and sign-out, which the trail records as "
    "sign_in and sign_out with the same person, address and time.",
    "axes.AccessFailureLog": "django-axes' copy of each failed sign-in, which the trail records as "
    "sign_in_failed (and lockout) with the same username, address and time.",
    "axes.AccessAttemptExpiration": "When an axes.AccessAttempt (audited) expires; removed with it.",
    "outbox.OutboxMessage": "A queue of Celery tasks still to be sent: a task name and record ids, "
    "no case content; the work each task does is audited where it writes.",
}


@dataclass(frozen=True)
class AuditedTable:
    label: str
    table: str
    case_reference_sql: str
    redacted: tuple[str, ...] = ()
    quiet: tuple[str, ...] = ()
    insert_kind: str = ""


def audited_models(apps: Apps = global_apps) -> list[type[models.Model]]:
    found: list[type[models.Model]] = []
    for app_label in AUDITED_APPS:
        try:
            config = apps.get_app_config(app_label)
        except LookupError:
            continue
        found.extend(config.get_models(include_auto_created=True))
    for label in AUDITED_MODELS:
        app_label, model_name = label.split(".")
        try:
            found.append(apps.get_model(app_label, model_name))
        except LookupError:
            continue
    return [
        model
        for model in found
        if model._meta.managed and not model._meta.proxy and model._meta.label not in DERIVED_MODELS
    ]


def audited_tables(apps: Apps = global_apps) -> list[AuditedTable]:
    tables = []
    for model in audited_models(apps):
        label = object_type_value(model)
        tables.append(
            AuditedTable(
                label=label,
                table=model._meta.db_table,
                case_reference_sql=case_reference_sql(model),
                redacted=REDACTED_COLUMNS.get(label, ()),
                quiet=QUIET_COLUMNS.get(label, ()),
                insert_kind=INSERT_KINDS.get(label, ""),
            )
        )
    return tables


def case_reference_sql(model: type[models.Model]) -> str:
    """SQL giving the case reference of a row of `model` (the row as jsonb is $1), or "".

    Follows foreign keys, shortest path first, to the case; a referral's case is the case developed
    from it.
    """
    if _is(model, "cases", "case"):
        return "$1 ->> 'reference'"
    queue: deque[tuple[type[models.Model], str]] = deque([(model, "")])
    seen = {model}
    while queue:
        current, expression = queue.popleft()
        for field in current._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey) or field.related_model in seen:
                continue
            target = field.related_model
            assert isinstance(target, type)
            # Identifiers come from the models' metadata, never from input.
            table, pk = current._meta.db_table, current._meta.pk.column
            value = (
                f"($1 ->> '{field.column}')"
                if not expression
                else f"(SELECT {field.column} FROM {table} WHERE {pk} = {expression}::bigint)"  # noqa: S608
            )
            if _is(target, "cases", "case"):
                return f"(SELECT reference FROM {target._meta.db_table} WHERE id = {value}::bigint)"  # noqa: S608
            if _is(target, "cases", "referral"):
                return f"(SELECT reference FROM cases_case WHERE referral_id = {value}::bigint)"  # noqa: S608
            seen.add(target)
            queue.append((target, value))
    if _is(model, "cases", "referral"):
        return "(SELECT reference FROM cases_case WHERE referral_id = ($1 ->> 'id')::bigint)"
    return ""


def _is(model: type[models.Model], app_label: str, model_name: str) -> bool:
    return model._meta.app_label == app_label and model._meta.model_name == model_name


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# pg_trigger.tgtype of the two triggers: FOR EACH ROW (1), AFTER (no BEFORE or INSTEAD OF bit),
# on INSERT (4), DELETE (8) and UPDATE (16); and FOR EACH STATEMENT, AFTER, on TRUNCATE (32).
_ROW_TRIGGER_TYPE = 1 | 4 | 8 | 16
_TRUNCATE_TRIGGER_TYPE = 32


def install_triggers(connection: BaseDatabaseWrapper, apps: Apps = global_apps) -> list[str]:
    """Create or replace the audit triggers on every audited table that exists. Idempotent.

    A trigger already in place exactly as it would be created (same function, arguments, events and
    enabled) is left alone: replacing ~200 triggers locks every audited table, and `post_migrate` runs
    this after every `migrate` and every `flush`, when nearly all are already right."""
    existing = set(connection.introspection.table_names())
    installed: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_proc WHERE proname = 'safeguard_audit_row'")
        if cursor.fetchone() is None:  # audit/0002 not applied (or unapplied)
            return installed
        in_place = _triggers_in_place(cursor)
        for audited in audited_tables(apps):
            if audited.table not in existing:
                continue
            row_arguments = (
                audited.label,
                audited.case_reference_sql,
                ",".join(audited.redacted),
                ",".join(audited.quiet),
                audited.insert_kind,
            )
            table = connection.ops.quote_name(audited.table)
            if in_place.get((audited.table, ROW_TRIGGER)) != ("safeguard_audit_row", row_arguments, _ROW_TRIGGER_TYPE):
                arguments = ", ".join(_literal(value) for value in row_arguments)
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {ROW_TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION safeguard_audit_row({arguments})"
                )
            truncate = ("safeguard_audit_truncate", (audited.label,), _TRUNCATE_TRIGGER_TYPE)
            if in_place.get((audited.table, TRUNCATE_TRIGGER)) != truncate:
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {TRUNCATE_TRIGGER} AFTER TRUNCATE ON {table} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION safeguard_audit_truncate({_literal(audited.label)})"
                )
            installed.append(audited.table)
    return installed


def _triggers_in_place(cursor) -> dict[tuple[str, str], tuple[str, tuple[str, ...], int]]:
    """The enabled audit triggers without a column list or WHEN condition, by (table, trigger name):
    their function, arguments and type. A disabled or otherwise different trigger is not listed, so
    it is created again."""
    cursor.execute(
        "SELECT c.relname, t.tgname, p.proname, t.tgargs, t.tgtype FROM pg_trigger t "
        "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
        "WHERE t.tgname IN (%s, %s) AND NOT t.tgisinternal AND t.tgenabled = 'O' AND t.tgqual IS NULL "
        "AND t.tgattr = '' AND pg_table_is_visible(c.oid)",
        [ROW_TRIGGER, TRUNCATE_TRIGGER],
    )
    return {
        (table, name): (function, tuple(bytes(arguments).decode().split("\x00")[:-1]), tgtype)
        for table, name, function, arguments, tgtype in cursor.fetchall()
    }


def tables_missing_triggers(connection: BaseDatabaseWrapper, tables: Iterable[str]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = %s AND t.tgenabled <> 'D'",
            [ROW_TRIGGER],
        )
        with_trigger = {row[0] for row in cursor.fetchall()}
    return sorted(set(tables) - with_trigger)
