"""The database keeps the warrant's invariants even when the services are bypassed."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from tests.factories.warrants import FurtherEntryAuthorityFactory, WarrantFactory
from warrants.models import Warrant

pytestmark = pytest.mark.django_db


def assert_rejected(queryset, **values):
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(**values)


def test_execution_after_expiry_is_rejected_by_the_database():
    warrant = WarrantFactory(issued=True)

    assert warrant.expires_at is not None
    assert_rejected(
        Warrant.objects.filter(pk=warrant.pk),
        status=Warrant.Status.EXECUTED,
        executed_at=warrant.expires_at + timedelta(minutes=1),
    )


def test_execution_exactly_at_expiry_is_accepted_by_the_database():
    warrant = WarrantFactory(issued=True)

    Warrant.objects.filter(pk=warrant.pk).update(status=Warrant.Status.EXECUTED, executed_at=warrant.expires_at)

    warrant.refresh_from_db()
    assert warrant.executed_at == warrant.expires_at


def test_execution_before_issue_is_rejected_by_the_database():
    warrant = WarrantFactory(issued=True)

    assert warrant.issued_at is not None
    assert_rejected(Warrant.objects.filter(pk=warrant.pk), executed_at=warrant.issued_at - timedelta(minutes=1))


def test_execution_of_an_unissued_warrant_is_rejected_by_the_database():
    warrant = WarrantFactory(applied=True)

    assert_rejected(Warrant.objects.filter(pk=warrant.pk), executed_at=warrant.applied_at)


def test_issue_before_application_is_rejected_by_the_database():
    warrant = WarrantFactory(issued=True)

    assert warrant.applied_at is not None
    assert_rejected(
        Warrant.objects.filter(pk=warrant.pk),
        issued_at=warrant.applied_at - timedelta(hours=1),
        expires_at=warrant.expires_at,
    )


def test_an_issued_warrant_without_expiry_is_rejected_by_the_database():
    warrant = WarrantFactory(issued=True)

    assert_rejected(Warrant.objects.filter(pk=warrant.pk), expires_at=None)


def test_an_issued_status_without_issue_is_rejected_by_the_database():
    warrant = WarrantFactory(applied=True)

    assert_rejected(Warrant.objects.filter(pk=warrant.pk), status=Warrant.Status.ISSUED)


def test_a_refusal_without_its_date_is_rejected_by_the_database():
    warrant = WarrantFactory(applied=True)

    assert_rejected(Warrant.objects.filter(pk=warrant.pk), status=Warrant.Status.REFUSED)


def test_return_before_issue_is_rejected_by_the_database():
    warrant = WarrantFactory(executed=True)

    assert warrant.issued_at is not None
    assert_rejected(Warrant.objects.filter(pk=warrant.pk), returned_at=warrant.issued_at - timedelta(minutes=1))


def test_further_entry_before_its_authority_is_rejected_by_the_database():
    authority = FurtherEntryAuthorityFactory()

    assert_rejected(
        type(authority).objects.filter(pk=authority.pk), entered_at=authority.authorised_at - timedelta(minutes=1)
    )
