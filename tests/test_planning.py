"""Joins planned in their written order (safeguard.planning), against PostgreSQL: the setting holds
inside the block only, whether the block ends well or fails, in a transaction or not."""

import pytest
from django.db import connection, transaction

from safeguard.planning import joins_in_written_order

pytestmark = pytest.mark.django_db


def limit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('join_collapse_limit')")
        return cursor.fetchone()[0]


def test_joins_are_planned_in_written_order_inside_the_block_only():
    default = limit()
    assert default != "1"

    with joins_in_written_order():
        assert limit() == "1"

    assert limit() == default


def test_the_setting_does_not_outlast_a_block_inside_a_longer_transaction():
    default = limit()
    with transaction.atomic():
        with joins_in_written_order():
            assert limit() == "1"
        assert limit() == default


def test_a_failed_block_leaves_the_setting_as_it_was_and_the_transaction_usable():
    default = limit()
    with transaction.atomic():
        with pytest.raises(ZeroDivisionError), joins_in_written_order():
            assert limit() == "1"
            raise ZeroDivisionError
        assert limit() == default


def test_the_case_page_reads_its_case_so(client, team, officer):
    from django.urls import reverse

    from tests.factories.cases import CaseFactory

    case = CaseFactory(team=team, officer_in_case=officer)
    client.force_login(officer)
    default = limit()

    page = client.get(reverse("cases:detail", kwargs={"reference": case.reference}))

    assert page.status_code == 200 and case.reference in page.content.decode()
    assert limit() == default
