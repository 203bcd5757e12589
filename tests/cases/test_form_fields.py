"""cases.forms.fields: the choices of records a form offers."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.forms.case import CaseListFilterForm

pytestmark = pytest.mark.django_db


def test_a_choice_of_records_is_read_with_one_plain_query_not_a_server_side_cursor(officer, supervisor):
    form = CaseListFilterForm(user=officer, initial={"officer": supervisor.pk})

    with CaptureQueriesContext(connection) as queries:
        select = str(form["officer"])

    assert len(queries) == 1
    assert "DECLARE" not in queries[0]["sql"]
    assert f'<option value="{officer.pk}">' in select
    assert f'<option value="{supervisor.pk}" selected>' in select
    assert '<option value="">Anyone</option>' in select
