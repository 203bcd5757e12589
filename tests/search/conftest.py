"""People and records of two forces of one region, and one of another region, for the search and
deconfliction tests. Everything is recorded through the services, as the index is."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import OFFICER, SUPERVISOR
from cases.models import Referral
from cases.services.case import case_open
from cases.services.referrals import referral_add_identifier, referral_create
from tests.access.world import world  # noqa: F401 (fixture: a copy of `world_made_once` for each test)
from tests.factories.people import ForceFactory, TeamFactory, UserFactory


@pytest.fixture
def neighbour_force(db):
    """Another force of the same regional operation (West Midlands)."""
    return ForceFactory(code="WAR", name="Warwickshire Police", region="West Midlands")


@pytest.fixture
def distant_force(db):
    return ForceFactory(code="MET", name="Metropolitan Police", region="London")


def people_of(force, prefix: str):
    team = TeamFactory(force=force, name=f"{prefix} POLIT")
    officer = UserFactory(
        username=f"dc.{prefix}",
        first_name="Alex",
        last_name=prefix.title(),
        rank="DC",
        force=force,
        teams=[team],
        roles=[OFFICER],
        email=f"dc.{prefix}@example.police.uk",
    )
    supervisor = UserFactory(
        username=f"ds.{prefix}",
        first_name="Jo",
        last_name=prefix.title(),
        rank="DS",
        force=force,
        teams=[team],
        roles=[SUPERVISOR],
        email=f"ds.{prefix}@example.police.uk",
    )
    return team, officer, supervisor


@pytest.fixture
def neighbours(neighbour_force):
    return people_of(neighbour_force, "war")


@pytest.fixture
def distant(distant_force):
    return people_of(distant_force, "met")


def new_referral(actor, reference: str, *, hours_ago: int = 1) -> Referral:
    return referral_create(
        actor=actor,
        force=actor.force,
        source=Referral.Source.NCA_CEOP,
        source_reference=reference,
        received_at=timezone.now() - timedelta(hours=hours_ago),
        risk_grade=Referral.RiskGrade.HIGH,
    )


def add_ip(referral, actor, address: str, observed: str, *, port: int | None = None):
    return referral_add_identifier(
        referral=referral,
        actor=actor,
        kind="ip",
        ip_address=address,
        port=port,
        observed_original=observed,
        observed_timezone="UTC",
    )


def add_value(referral, actor, kind: str, value: str):
    return referral_add_identifier(referral=referral, actor=actor, kind=kind, account_id=value)


def open_case(actor, team, supervisor, *, restricted: bool = False, referral: Referral | None = None):
    return case_open(
        actor=actor,
        team=team,
        officer_in_case=actor,
        supervisor=supervisor,
        opened_at=timezone.now() - timedelta(hours=1),
        restricted=restricted,
        referral=referral,
    )


# A fixed moment two days ago: observations are written relative to it, as a referral gives them.
BASE = (timezone.now() - timedelta(days=2)).replace(microsecond=0)


def seen(minutes: int = 0) -> str:
    """The time `minutes` after BASE, written as a referral gives it (UTC)."""
    return (BASE + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M:%S")
