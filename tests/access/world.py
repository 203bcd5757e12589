"""A small world for the access tests: two teams of one force, a case of team A with one record of
every kind, a restricted case of team A, a case of team B, referrals of this force and another of
its region (with a deconfliction match between them), and one person for each role in the
authorisation matrix, with a second administrator of the force, an administrator of another force and
two four-eyes requests waiting (one made by the administrator, one about them)."""

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.utils import timezone
from guardian.shortcuts import assign_perm

from accounts.models import AccessRequest, User
from accounts.roles import ADMINISTRATOR, AUDITOR, EXAMINER, OFFICER, SUPERVISOR
from accounts.services.requests import access_request_create
from cases.models import (
    BailBreach,
    BailExtension,
    Case,
    Charge,
    ChargingSubmission,
    Closure,
    CourtHearing,
    CustodyExtension,
    CustodyReview,
    ExportJob,
    Referral,
    Release,
    SafeguardingReferral,
)
from cases.services.referrals import referral_add_identifier
from tests.factories.cases import (
    CaseFactory,
    CaseLogEntryFactory,
    CommsDataRequestFactory,
    PremisesFactory,
    ReferralFactory,
    ReferralIdentifierFactory,
    SubjectFactory,
)
from tests.factories.custody import ArrestFactory, ChargingSubmissionFactory, ReleaseFactory, offence
from tests.factories.people import ForceFactory, TeamFactory, UserFactory
from tests.factories.warrants import DeviceFactory, FurtherEntryAuthorityFactory, SearchFactory, WarrantFactory
from tests.shared import set_up_once
from warrants.models import Warrant
from work.models import Task

# Everyone the matrix signs in as. "officer_r" is the officer in the restricted case. "administrator" and
# "administrator_2" administer the force (STF); "administrator_other" administers another (WAR).
ACTORS = (
    "anonymous",
    "officer_a",
    "supervisor_a",
    "examiner_assigned",
    "examiner_unassigned",
    "auditor",
    "administrator",
    "officer_b",
    "officer_r",
    "administrator_2",
    "administrator_other",
)


@dataclass
class World:
    users: dict[str, User]
    cases: dict[str, Case]
    # For each case: kind of record -> its id ("device" -> 12).
    records: dict[str, dict[str, int]] = field(default_factory=dict)
    referrals: dict[str, Referral] = field(default_factory=dict)
    comms_requests: dict[str, int] = field(default_factory=dict)
    # Each referral's identifier: the e-mail address both referrals name.
    referral_identifiers: dict[str, int] = field(default_factory=dict)
    # A finished figures export asked for by supervisor_a.
    export_job: int = 0
    # Four-eyes requests waiting: "made_by_administrator" (the Supervisor role for officer_a) and
    # "about_administrator" (the Auditor role for the administrator, asked by administrator_2).
    access_requests: dict[str, int] = field(default_factory=dict)


def _records(case: Case) -> dict[str, int]:
    """One record of every kind that has a page of its own, on `case`."""
    subject = SubjectFactory(case=case)
    premises = PremisesFactory(case=case)
    search = SearchFactory(case=case, premises=premises)
    arrest = ArrestFactory(case=case, subject=subject)
    release = ReleaseFactory(
        arrest=arrest,
        kind=Release.Kind.BAIL,
        bail_regime=Release.BailRegime.PCSCA_2022,
        bail_ends_at=arrest.arrested_at + timedelta(days=90),
    )
    safeguarding = SafeguardingReferral.objects.create(
        case=case,
        pseudonymous_reference="CHILD-A",
        children_count=1,
        relationship=SafeguardingReferral.Relationship.HOUSEHOLD,
        recorded_by=case.officer_in_case,
    )
    submission = ChargingSubmissionFactory(case=case, subject=subject)
    decided = ChargingSubmissionFactory(
        case=case,
        subject=subject,
        decision=ChargingSubmission.Decision.CHARGE,
        decision_at=submission.submitted_at + timedelta(days=1),
    )
    charge = Charge.objects.create(submission=decided, offence=offence(), counts=2)
    assert release.bail_ends_at is not None
    bail_extension = BailExtension.objects.create(
        release=release,
        approved_at=release.released_at + timedelta(days=60),
        approved_by="Insp Clarke",
        approver_rank=BailExtension.ApproverRank.INSPECTOR,
        section=BailExtension.Section.S47ZD,
        previous_end=release.bail_ends_at,
        new_end=release.bail_ends_at + timedelta(days=90),
    )
    assert arrest.relevant_time is not None
    review = CustodyReview.objects.create(
        arrest=arrest,
        reviewed_at=arrest.relevant_time + timedelta(hours=5),
        review_officer="Insp Clarke",
        recorded_by=case.officer_in_case,
    )
    # The referral the case was opened from, with an identifier and a communications-data request.
    referral = ReferralFactory(
        force=case.force, received_at=case.opened_at - timedelta(days=1), created_by=case.officer_in_case
    )
    case.referral = referral
    case.save(update_fields=["referral"])
    identifier = ReferralIdentifierFactory(referral=referral, observed_at=referral.received_at - timedelta(days=1))
    # A closure kept from a closing before the case was reopened (the case is open).
    closure = Closure.objects.create(
        case=case,
        outcome_type=Closure.OutcomeType.NO_SUSPECT_IDENTIFIED,
        closed_at=case.opened_at + timedelta(days=1),
        closed_by=case.supervisor,
        rationale="Closed before new intelligence.",
        reopened_at=timezone.now(),
    )
    return {
        "referral": referral.pk,
        "referral_identifier": identifier.pk,
        "comms_request": CommsDataRequestFactory(referral=referral).pk,
        "closure": closure.pk,
        "subject": subject.pk,
        "premises": premises.pk,
        "log_entry": CaseLogEntryFactory(case=case).pk,
        "warrant": WarrantFactory(case=case, premises=premises, applied=True).pk,
        # An inspector's authority for a further entry under a multiple-entry warrant (PACE s.16(3B)).
        "further_entry": FurtherEntryAuthorityFactory(
            warrant=WarrantFactory(case=case, premises=premises, executed=True, entry=Warrant.Entry.MULTIPLE)
        ).pk,
        "search": search.pk,
        "device": DeviceFactory(case=case, search=search).pk,
        "arrest": arrest.pk,
        "release": release.pk,
        "bail_breach": BailBreach.objects.create(
            release=release,
            occurred_at=release.released_at + timedelta(days=3),
            description="Did not answer bail.",
            noted_by=case.officer_in_case,
        ).pk,
        "submission": submission.pk,
        "charging_submission": submission.pk,
        "charging_decision": decided.pk,
        "charge": charge.pk,
        "bail_extension": bail_extension.pk,
        "custody_review": review.pk,
        "custody_extension": CustodyExtension.objects.create(
            arrest=arrest,
            authority=CustodyExtension.Authority.SUPERINTENDENT,
            authorised_at=arrest.relevant_time + timedelta(hours=20),
            authorised_by="Supt Rees",
            detention_until=arrest.relevant_time + timedelta(hours=36),
        ).pk,
        "safeguarding": safeguarding.pk,
        "hearing": CourtHearing.objects.create(
            case=case,
            subject=subject,
            court="Stafford",
            hearing_at=arrest.arrested_at + timedelta(days=2),
            hearing_type=CourtHearing.Type.FIRST_APPEARANCE,
        ).pk,
        # The case's own details, a record of the case itself (cases.corrections).
        "case": case.pk,
        # A task for the officer in the case, still to do (work).
        "task": Task.objects.create(
            case=case,
            title="Submit devices for examination",
            owner=case.officer_in_case,
            due_on=timezone.localdate() + timedelta(days=3),
            created_by=case.supervisor,
        ).pk,
    }


def build_world() -> World:
    force = ForceFactory(code="STF", name="Staffordshire Police")
    team_a = TeamFactory(force=force, name="Safenet")
    team_b = TeamFactory(force=force, name="POLIT North")
    other_force = ForceFactory(code="WAR", name="Warwickshire Police")

    def person(username: str, role: str, teams: list, **extra) -> User:
        return UserFactory(username=username, force=force, teams=teams, roles=[role], **extra)

    users = {
        "officer_a": person("dc.a", OFFICER, [team_a]),
        "supervisor_a": person("ds.a", SUPERVISOR, [team_a]),
        "examiner_assigned": person("dfi.assigned", EXAMINER, [team_a]),
        "examiner_unassigned": person("dfi.other", EXAMINER, [team_a]),
        "auditor": person("auditor", AUDITOR, []),
        "administrator": person("admin", ADMINISTRATOR, [], is_staff=True),
        "officer_b": person("dc.b", OFFICER, [team_b]),
        "officer_r": person("dc.r", OFFICER, [team_a]),
        "administrator_2": person("admin.2", ADMINISTRATOR, []),
        "administrator_other": UserFactory(username="admin.war", force=other_force, roles=[ADMINISTRATOR]),
    }
    supervisor_b = person("ds.b", SUPERVISOR, [team_b])
    cases = {
        "case": CaseFactory(
            team=team_a, officer_in_case=users["officer_a"], supervisor=users["supervisor_a"], reference="STF-A-1"
        ),
        "restricted": CaseFactory(
            team=team_a,
            officer_in_case=users["officer_r"],
            supervisor=users["supervisor_a"],
            restricted=True,
            reference="STF-A-R",
        ),
        "other_team": CaseFactory(
            team=team_b, officer_in_case=users["officer_b"], supervisor=supervisor_b, reference="STF-B-1"
        ),
    }
    for codename in ("view_case", "record_triage"):
        assign_perm(f"cases.{codename}", users["examiner_assigned"], cases["case"])
    world = World(users=users, cases=cases, records={key: _records(case) for key, case in cases.items()})
    received = timezone.now() - timedelta(days=2)
    world.referrals = {
        "referral": ReferralFactory(force=force, received_at=received, created_by=users["officer_a"]),
        "other_force": ReferralFactory(force=other_force, received_at=received),
    }
    world.comms_requests = {
        key: CommsDataRequestFactory(referral=referral).pk for key, referral in world.referrals.items()
    }
    # A deconfliction match between the two forces' referrals (one region): the same e-mail address.
    world.referral_identifiers = {
        key: referral_add_identifier(
            referral=referral, actor=referral.created_by, kind="email", account_id="suspect@example.com"
        ).pk
        for key, referral in world.referrals.items()
    }
    world.export_job = ExportJob.objects.create(
        requested_by=users["supervisor_a"],
        parameters={"date_from": "2026-01-01", "date_to": "2026-01-31", "as_at": "2026-02-01T00:00:00+00:00"},
        status=ExportJob.Status.DONE,
        progress_done=1,
        progress_total=1,
        result="period_from,period_to\n",
        finished_at=timezone.now(),
    ).pk
    world.access_requests = {
        "made_by_administrator": access_request_create(
            kind=AccessRequest.Kind.ROLE,
            actor=users["administrator"],
            force=force,
            person=users["officer_a"],
            role=SUPERVISOR,
        ).pk,
        "about_administrator": access_request_create(
            kind=AccessRequest.Kind.ROLE,
            actor=users["administrator_2"],
            force=force,
            person=users["administrator"],
            role=AUDITOR,
        ).pk,
    }
    return world


@pytest.fixture(scope="module")
def world_made_once(django_db_setup, django_db_blocker) -> Iterator[World]:
    """The world, made once for the tests of a module (tests/shared.py): a test's own writes are
    rolled back when it ends. Tests of the module that do not ask for `world` but run after one that
    does see its rows too."""
    yield from set_up_once(django_db_blocker, build_world)


@pytest.fixture
def world(world_made_once, db) -> World:
    """The world made once for the module, as a copy of its own for each test (as Django's
    `TestCase.setUpTestData` gives each test), so that a change a test makes to a person or a case in
    memory is not seen by the next."""
    return copy.deepcopy(world_made_once)
