"""Statements prepared once per connection (safeguard.prepared), against PostgreSQL."""

import threading

import pytest
from django.db import connection, transaction

from audit.context import acting_as
from safeguard.prepared import fetch_prepared, numbered, statement_name

pytestmark = pytest.mark.django_db

SQL = "SELECT n * 2, %s::text || '%%' FROM unnest(%s::int[]) AS t(n) ORDER BY n"


def prepared_here(sql):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = %s", [statement_name(sql)])
        return cursor.fetchone()[0]


def test_placeholders_are_numbered_and_escaped_percent_signs_stay_escaped():
    assert numbered(SQL) == ("SELECT n * 2, $1::text || '%%' FROM unnest($2::int[]) AS t(n) ORDER BY n", 2)
    assert numbered("SELECT 1") == ("SELECT 1", 0)


@pytest.mark.parametrize("sql", ["SELECT %(name)s", "SELECT %d", "SELECT '100%'"])
def test_a_placeholder_psycopg2_would_read_otherwise_is_refused(sql):
    with pytest.raises(ValueError):
        numbered(sql)


def test_the_rows_are_those_of_the_statement_run_plainly():
    with connection.cursor() as cursor:
        cursor.execute(SQL, ["a", "{3,1,2}"])
        plain = cursor.fetchall()

    assert fetch_prepared(SQL, ["a", "{3,1,2}"]) == plain == [(2, "a%"), (4, "a%"), (6, "a%")]
    assert fetch_prepared(SQL, ["b", "{}"]) == []


def test_preparing_costs_no_query_of_its_own(django_assert_num_queries):
    sql = "SELECT %s::int * 3 + 0 * 1"
    with django_assert_num_queries(1):
        assert fetch_prepared(sql, [2]) == [(6,)]  # prepared and run
    with django_assert_num_queries(1):
        assert fetch_prepared(sql, [3]) == [(9,)]  # run


def test_a_statement_is_prepared_once_per_connection_and_again_on_another():
    for values in ("{1}", "{2}", "{3}"):
        fetch_prepared(SQL, ["x", values])
    assert prepared_here(SQL) == 1

    seen = {}

    def on_another_connection():  # Django gives each thread a connection of its own
        try:
            seen["rows"] = fetch_prepared(SQL, ["y", "{5}"])
            seen["prepared"] = prepared_here(SQL)
        finally:
            connection.close()

    thread = threading.Thread(target=on_another_connection)
    thread.start()
    thread.join()
    assert seen == {"rows": [(10, "y%")], "prepared": 1}


def test_a_statement_prepared_in_a_rolled_back_transaction_is_still_there():
    with pytest.raises(RuntimeError), transaction.atomic():
        fetch_prepared(SQL, ["x", "{1}"])
        raise RuntimeError("roll back")

    assert fetch_prepared(SQL, ["x", "{2}"]) == [(4, "x%")]


def test_it_runs_under_the_audit_context_which_prefixes_every_statement():
    from accounts.models import User

    user = User.objects.create(username="prepared.user")
    with acting_as(user, source="web"):
        assert fetch_prepared(SQL, ["z", "{7}"]) == [(14, "z%")]
        assert fetch_prepared("SELECT current_setting('safeguard.actor_username', true)", []) == [("prepared.user",)]


def test_the_wrong_number_of_parameters_is_refused_before_preparing():
    sql = "SELECT %s::int + %s::int + 0"
    with pytest.raises(ValueError):
        fetch_prepared(sql, [1])
    assert prepared_here(sql) == 0
    assert fetch_prepared(sql, [1, 2]) == [(3,)]


def test_the_case_pages_one_statement_is_prepared_once_and_run_again(team, officer):
    from cases.records import load_case_page_records
    from tests.factories.cases import CaseFactory, SubjectFactory

    case = CaseFactory(team=team, officer_in_case=officer)
    SubjectFactory(case=case, full_name="Jon Smith")

    def runs():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*), coalesce(sum(generic_plans + custom_plans), 0) FROM pg_prepared_statements "
                "WHERE statement LIKE '%%json_build_object%%'"
            )
            return cursor.fetchone()

    load_case_page_records(case)
    statements, before = runs()
    loaded = load_case_page_records(case)

    assert [subject.full_name for subject in loaded.subjects.all()] == ["Jon Smith"]
    assert statements >= 1
    assert runs() == (statements, before + 1)
