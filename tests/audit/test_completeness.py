"""Every table of case data, people and grants carries the audit triggers."""

import pytest
from django.db import connection

from audit.triggers import DERIVED_MODELS, audited_tables, install_triggers, tables_missing_triggers

pytestmark = pytest.mark.django_db

CASE_DATA = {
    "cases.Referral", "cases.ReferralIdentifier", "cases.CommsDataRequest", "cases.Case", "cases.Subject",
    "cases.Premises", "cases.CaseLogEntry", "cases.Search", "cases.Device", "cases.ImageCount", "cases.Arrest",
    "cases.CustodyExtension", "cases.Release", "cases.BailExtension", "cases.BailBreach", "cases.ChargingSubmission",
    "cases.Charge",
    "cases.CourtHearing", "cases.SafeguardingReferral", "cases.Closure", "cases.RetentionReview",
    "warrants.Warrant", "warrants.FurtherEntryAuthority", "cases.CaseUserObjectPermission",
    "cases.CaseGroupObjectPermission", "cases.User", "cases.User_groups", "cases.User_teams",
    "cases.User_user_permissions", "auth.Group_permissions", "admin.LogEntry",
}  # fmt: skip


def test_every_case_data_model_is_audited():
    assert {table.label for table in audited_tables()} >= CASE_DATA


def test_every_audited_table_has_its_trigger_in_the_database():
    assert tables_missing_triggers(connection, [table.table for table in audited_tables()]) == []


def test_case_children_find_their_case_reference_through_their_parents():
    by_label = {table.label: table for table in audited_tables()}
    assert "cases_device" in by_label["cases.ImageCount"].case_reference_sql
    assert "warrants_warrant" in by_label["warrants.FurtherEntryAuthority"].case_reference_sql
    assert by_label["cases.User"].case_reference_sql == ""


def test_derived_summaries_are_not_audited_and_carry_no_trigger():
    """The summaries are recomputed from audited records; auditing them would copy the trail."""
    labels = {table.label for table in audited_tables()}
    assert not labels & set(DERIVED_MODELS)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE c.relname IN ('cases_outstandingdeadline', 'cases_summarystate') AND NOT t.tgisinternal"
        )
        assert cursor.fetchone()[0] == 0


def test_installing_again_puts_back_a_dropped_disabled_or_changed_trigger_and_keeps_the_rest():
    """`install_triggers` runs after every migrate and flush: it leaves triggers that are right alone,
    and makes any that are missing, switched off or different right again."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER safeguard_audit ON cases_subject")
        cursor.execute("ALTER TABLE cases_premises DISABLE TRIGGER safeguard_audit")
        cursor.execute(
            "CREATE OR REPLACE TRIGGER safeguard_audit AFTER INSERT OR UPDATE OR DELETE ON cases_device "
            "FOR EACH ROW EXECUTE FUNCTION safeguard_audit_row('cases.device', '', '', '', '')"
        )
        cursor.execute("SELECT tgrelid::regclass::text, xmin::text FROM pg_trigger WHERE tgname = 'safeguard_audit'")
        before = dict(cursor.fetchall())

    install_triggers(connection)

    tables = [table.table for table in audited_tables()]
    assert tables_missing_triggers(connection, tables) == []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, xmin::text, tgargs FROM pg_trigger WHERE tgname = 'safeguard_audit'"
        )
        after = {table: (version, bytes(arguments)) for table, version, arguments in cursor.fetchall()}
    device = next(table for table in audited_tables() if table.table == "cases_device")
    assert after["cases_device"][1].split(b"\x00")[1] == device.case_reference_sql.encode() != b""
    assert after["cases_case"][0] == before["cases_case"]  # not rewritten: the same row version
