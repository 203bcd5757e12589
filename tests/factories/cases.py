"""Factories for referrals, cases, subjects, premises and the case log.

They build rows directly (no services) so a test can set up any state quickly; tests of the rules
themselves call the services.
"""

from datetime import timedelta

import factory
from django.utils import timezone
from guardian.shortcuts import assign_perm

from cases.models import (
    Case,
    CaseLogEntry,
    CommsDataRequest,
    Premises,
    Referral,
    ReferralIdentifier,
    Subject,
)
from tests.factories.people import ForceFactory, TeamFactory, UserFactory


def _team_member(obj):
    """A user of the case's force and team, so the case passes the same checks case_open makes."""
    return UserFactory(force=obj.team.force, teams=[obj.team])


class ReferralFactory(factory.django.DjangoModelFactory[Referral]):
    class Meta:
        model = Referral

    force = factory.SubFactory(ForceFactory)
    source = Referral.Source.NCA_CEOP
    source_reference = factory.Sequence(lambda n: f"CEOP-{n:06d}")
    received_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    platform = "BitTorrent"
    files_reported = 12
    risk_grade = Referral.RiskGrade.HIGH
    summary = "Peer-to-peer sharing observed."
    created_by = factory.LazyAttribute(lambda r: UserFactory(force=r.force))


class ReferralIdentifierFactory(factory.django.DjangoModelFactory[ReferralIdentifier]):
    class Meta:
        model = ReferralIdentifier

    referral = factory.SubFactory(ReferralFactory)
    kind = ReferralIdentifier.Kind.IP_ADDRESS
    ip_address = "203.0.113.7"
    port = 51413
    observed_at = factory.LazyAttribute(lambda i: i.referral.received_at - timedelta(days=3))
    observed_original = factory.LazyAttribute(lambda i: i.observed_at.strftime("%Y-%m-%d %H:%M:%S"))
    observed_timezone = "UTC"


class CommsDataRequestFactory(factory.django.DjangoModelFactory[CommsDataRequest]):
    class Meta:
        model = CommsDataRequest

    referral = factory.SubFactory(ReferralFactory)
    reference = factory.Sequence(lambda n: f"CD-{n:05d}")
    submitted_at = factory.LazyAttribute(lambda c: c.referral.received_at + timedelta(hours=2))


def _grant_named(case: Case, create: bool, extracted: object, **kwargs: object) -> None:
    """A restricted case is granted by name to its officer in the case and supervisor, as
    case_open does (cases.services.access.case_grant_named)."""
    if create and case.restricted:
        for person in {case.officer_in_case, case.supervisor}:
            for codename in ("view_case", "change_case"):
                assign_perm(f"cases.{codename}", person, case)


class CaseFactory(factory.django.DjangoModelFactory[Case]):
    """A case of `team` (one of the force's teams). Pass officer_in_case/supervisor to use fixtures."""

    class Meta:
        model = Case
        skip_postgeneration_save = True

    team = factory.SubFactory(TeamFactory)
    force = factory.LazyAttribute(lambda c: c.team.force)
    reference = factory.Sequence(lambda n: f"TST-2026-{n:06d}")
    officer_in_case = factory.LazyAttribute(_team_member)
    supervisor = factory.LazyAttribute(_team_member)
    created_by = factory.LazyAttribute(lambda c: c.officer_in_case)
    opened_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=5))
    operation = "Safenet"
    district = "North"
    summary = ""

    named_grants = factory.PostGeneration(_grant_named)


class SubjectFactory(factory.django.DjangoModelFactory[Subject]):
    class Meta:
        model = Subject

    case = factory.SubFactory(CaseFactory)
    full_name = factory.Sequence(lambda n: f"Subject Person {n}")
    pnc_id = ""


class PremisesFactory(factory.django.DjangoModelFactory[Premises]):
    class Meta:
        model = Premises

    case = factory.SubFactory(CaseFactory)
    address = factory.Sequence(lambda n: f"{n} Station Road\nStafford")
    postcode = "ST16 2AA"
    description = "Home address"


class CaseLogEntryFactory(factory.django.DjangoModelFactory[CaseLogEntry]):
    class Meta:
        model = CaseLogEntry

    case = factory.SubFactory(CaseFactory)
    author = factory.LazyAttribute(lambda e: e.case.officer_in_case)
    kind = CaseLogEntry.Kind.NOTE
    text = "Reviewed the referral package."
