"""Every table of case data, people and grants carries the audit triggers."""

import pytest
from django.db import connection

from audit.triggers import DERIVED_MODELS, audited_tables, tables_missing_triggers

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
