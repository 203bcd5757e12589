"""Factories for arrests, releases and charging submissions, built directly (no services) so a
test can set up any state; tests of the rules call the services. Offences come from the catalogue
loaded by migration 0003, looked up by code."""

import importlib
from datetime import datetime, timedelta

import factory
from django.apps import apps as django_apps

from cases.models import Arrest, ChargingSubmission, CustodyReview, Offence, Release
from cases.rules import LONDON
from tests.factories.cases import CaseFactory, SubjectFactory

CATALOGUE = importlib.import_module("cases.migrations.0003_offence_catalogue")


def offence(code: str = "POCA1978-1-1-a") -> Offence:
    """A catalogue offence. The catalogue is reloaded if a transactional test elsewhere flushed the
    reused test database (a flush removes data that migrations loaded)."""
    if Offence.objects.count() < len(CATALOGUE.OFFENCES):
        CATALOGUE.load_offences(django_apps, None)
    return Offence.objects.get(code=code)


class ArrestFactory(factory.django.DjangoModelFactory[Arrest]):
    class Meta:
        model = Arrest
        skip_postgeneration_save = True

    case = factory.SubFactory(CaseFactory)
    subject = factory.LazyAttribute(lambda a: SubjectFactory(case=a.case))
    arrested_at = factory.LazyAttribute(lambda a: a.case.opened_at + timedelta(days=1))
    arresting_officer = factory.LazyAttribute(lambda a: a.case.officer_in_case)
    custody_reference = factory.Sequence(lambda n: f"ST/{n:05d}/26")
    relevant_time = factory.LazyAttribute(lambda a: a.arrested_at + timedelta(minutes=30))

    @factory.post_generation
    def suspected_offences(self, create, extracted, **kwargs):
        if create:
            self.suspected_offences.set(extracted or [offence()])


class ReleaseFactory(factory.django.DjangoModelFactory[Release]):
    """A release other than bail (bail needs its computed end: use the service)."""

    class Meta:
        model = Release

    arrest = factory.SubFactory(ArrestFactory)
    kind = Release.Kind.RUI
    released_at = factory.LazyAttribute(lambda r: r.arrest.arrested_at + timedelta(hours=8))
    recorded_by = factory.LazyAttribute(lambda r: r.arrest.arresting_officer)


class ChargingSubmissionFactory(factory.django.DjangoModelFactory[ChargingSubmission]):
    class Meta:
        model = ChargingSubmission

    case = factory.SubFactory(CaseFactory)
    subject = factory.LazyAttribute(lambda s: SubjectFactory(case=s.case))
    submitted_at = factory.LazyAttribute(lambda s: s.case.opened_at + timedelta(days=2))
    submitted_by = factory.LazyAttribute(lambda s: s.case.officer_in_case)
    test = ChargingSubmission.Test.FULL_CODE


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment given in UK local time (Europe/London)."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def end_of(year: int, month: int, day: int) -> datetime:
    """The last instant of a UK day, written out by hand (23:59:59.999999 in Europe/London): where a
    period that ends with its last day is stored."""
    return datetime(year, month, day, 23, 59, 59, 999999, tzinfo=LONDON)


def reviewed_twice(arrest: Arrest) -> Arrest:
    """Two reviews of detention, at 5 and 14 hours after the relevant time: a superintendent may then
    extend (PACE s.42(4)(b))."""
    assert arrest.relevant_time is not None
    for hours in (5, 14):
        CustodyReview.objects.create(
            arrest=arrest,
            reviewed_at=arrest.relevant_time + timedelta(hours=hours),
            review_officer="Insp Shah",
            recorded_by=arrest.case.officer_in_case,
        )
    return arrest
