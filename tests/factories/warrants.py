"""Factories for warrants, searches and devices.

They build rows directly so a test can start from any state (`WarrantFactory(issued=True)`);
tests of the rules call the services. The expiry is always computed by the rule, as the service does.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone

from cases import rules
from cases.models import Device, ImageCount, Search
from tests.factories.cases import CaseFactory, PremisesFactory
from warrants.models import FurtherEntryAuthority, Warrant

LONDON = ZoneInfo("Europe/London")


def london(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A moment given as UK wall-clock time, as an officer would type it."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def typed(moment: datetime) -> str:
    """`moment` as an officer types it in a form: UK wall-clock time, to the minute."""
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


class WarrantFactory(factory.django.DjangoModelFactory[Warrant]):
    """A draft warrant; traits `applied`, `issued`, `executed`, `refused`, `expired`, `returned`."""

    class Meta:
        model = Warrant

    class Params:
        applied = factory.Trait(
            status=Warrant.Status.APPLIED,
            applied_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=3)),
        )
        issued = factory.Trait(
            applied=True,
            status=Warrant.Status.ISSUED,
            issuing_justice="District Judge Khan",
            issued_at=factory.LazyAttribute(lambda w: w.applied_at + timedelta(hours=2)),
            expires_at=factory.LazyAttribute(lambda w: rules.warrant_expires_at(w.issued_at)),
        )
        executed = factory.Trait(
            issued=True,
            status=Warrant.Status.EXECUTED,
            executed_at=factory.LazyAttribute(lambda w: w.issued_at + timedelta(days=1)),
            executed_by=factory.LazyAttribute(lambda w: w.case.officer_in_case),
        )
        refused = factory.Trait(
            applied=True,
            status=Warrant.Status.REFUSED,
            refused_at=factory.LazyAttribute(lambda w: w.applied_at + timedelta(hours=2)),
            refusal_reason="Insufficient grounds.",
        )
        expired = factory.Trait(
            issued=True,
            status=Warrant.Status.EXPIRED,
            applied_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=120)),
        )
        returned = factory.Trait(
            executed=True,
            status=Warrant.Status.RETURNED,
            returned_at=factory.LazyAttribute(lambda w: w.executed_at + timedelta(days=1)),
        )

    case = factory.SubFactory(CaseFactory)
    premises = factory.LazyAttribute(lambda w: PremisesFactory(case=w.case))
    power = Warrant.Power.POCA_S4
    entry = Warrant.Entry.SINGLE
    court = "North Staffordshire Justice Centre"
    applicant = factory.LazyAttribute(lambda w: w.case.officer_in_case)
    status = Warrant.Status.DRAFT


class FurtherEntryAuthorityFactory(factory.django.DjangoModelFactory[FurtherEntryAuthority]):
    class Meta:
        model = FurtherEntryAuthority

    warrant = factory.SubFactory(WarrantFactory, executed=True, entry=Warrant.Entry.MULTIPLE)
    authorised_by = "Inspector Shah"
    authorised_at = factory.LazyAttribute(lambda a: a.warrant.executed_at + timedelta(hours=1))


class SearchFactory(factory.django.DjangoModelFactory[Search]):
    class Meta:
        model = Search

    case = factory.SubFactory(CaseFactory)
    premises = factory.LazyAttribute(lambda s: PremisesFactory(case=s.case))
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    officer_in_charge = factory.LazyAttribute(lambda s: s.case.officer_in_case)


class DeviceFactory(factory.django.DjangoModelFactory[Device]):
    class Meta:
        model = Device

    case = factory.SubFactory(CaseFactory)
    exhibit_reference = factory.Sequence(lambda n: f"SH/{n + 1}")
    device_type = Device.Type.LAPTOP
    make_model = "Dell Latitude"
    action = Device.Action.SEIZED


class ImageCountFactory(factory.django.DjangoModelFactory[ImageCount]):
    class Meta:
        model = ImageCount

    device = factory.SubFactory(DeviceFactory)
    category = "A"
    kind = ImageCount.Kind.STILL
    source = ImageCount.Source.TRIAGE
    count = 1
