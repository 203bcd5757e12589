"""Building blocks of the demo: a clock relative to now, and short calls to the services."""

import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth.models import Group, Permission

from accounts.models import Force, Team, User
from cases.demo.people import ADMINISTRATOR, ADMINISTRATOR_PERMISSIONS, FORCES, REGION, ROLES, TEAMS, USERS, DemoUser
from cases.models import (
    Case,
    ChargingSubmission,
    Closure,
    CommsDataRequest,
    CourtHearing,
    Device,
    ImageCount,
    Offence,
    Premises,
    Referral,
    ReferralIdentifier,
    Release,
    RetentionReview,
    SafeguardingReferral,
    Search,
    Subject,
)
from cases.rules import LONDON
from cases.services.access import case_assign_examiner
from cases.services.case import case_log_add, case_open, premises_add, subject_add
from cases.services.charging import charging_record_decision, charging_submit
from cases.services.closure import case_close, case_closure_outstanding
from cases.services.court import hearing_record
from cases.services.custody import arrest_record, custody_extension_record, custody_review_record, release_record
from cases.services.referrals import (
    comms_request_record_approval,
    comms_request_record_result,
    comms_request_submit,
    referral_add_identifier,
    referral_create,
)
from cases.services.safeguarding import safeguarding_record
from cases.services.search import (
    device_record,
    device_record_forensic_completion,
    device_record_forensic_request,
    device_record_triage,
    device_set_image_counts,
    search_record,
)
from warrants.models import Warrant
from warrants.services import (
    warrant_apply,
    warrant_draft,
    warrant_mark_expired,
    warrant_record_execution,
    warrant_record_issue,
    warrant_record_refusal,
    warrant_record_return,
)


@dataclass
class DemoResult:
    users_created: list[tuple[DemoUser, str]] = field(default_factory=list)
    referrals_created: int = 0
    referrals_existing: int = 0


class Clock:
    """Times relative to now, in UK local time, never in the future (things are recorded after they happen)."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.today = now.astimezone(LONDON).date()

    def ago(self, days: int, at: str = "09:00") -> datetime:
        """`days` days ago at `at` London time; today's times not yet reached become a few minutes ago."""
        moment = self._local(self.today - timedelta(days=days), at)
        return min(moment, self.now - timedelta(minutes=10))

    def ahead(self, days: int, at: str = "10:00") -> datetime:
        return self._local(self.today + timedelta(days=days), at)

    def next_weekday(self, weekday: int, at: str = "10:00") -> datetime:
        """The next such day after today (Monday is 0): "next Tuesday"."""
        days = (weekday - self.today.weekday()) % 7 or 7
        return self.ahead(days, at)

    @staticmethod
    def _local(day: date, at: str) -> datetime:
        hour, minute = (int(part) for part in at.split(":"))
        return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


class Demo:
    """Builds the demo. `users` maps username to user; `offence` looks up the catalogue by code."""

    def __init__(self, *, now: datetime) -> None:
        self.clock = Clock(now)
        self.users: dict[str, User] = {}
        self.teams: dict[tuple[str, str], Team] = {}
        self.forces: dict[str, Force] = {}
        self.offences: dict[str, Offence] = {}

    # People and places.

    def set_up_people(self, result: DemoResult) -> None:
        for name in ROLES:
            Group.objects.get_or_create(name=name)
        admin_group = Group.objects.get(name=ADMINISTRATOR)
        admin_group.permissions.add(
            *Permission.objects.filter(content_type__app_label="cases", codename__in=ADMINISTRATOR_PERMISSIONS)
        )
        for code, name in FORCES.items():
            force, _ = Force.objects.get_or_create(code=code, defaults={"name": name, "region": REGION})
            self.forces[code] = force
            for team_name in TEAMS[code]:
                self.teams[(code, team_name)], _ = Team.objects.get_or_create(force=force, name=team_name)
        for spec in USERS:
            user = User.objects.filter(username=spec.username).first()
            if user is None:
                password = secrets.token_urlsafe(12)
                user = User(
                    username=spec.username,
                    first_name=spec.first_name,
                    last_name=spec.last_name,
                    rank=spec.rank,
                    email=f"{spec.username}@{spec.force.lower()}.police.example",
                    force=self.forces[spec.force],
                    is_staff=spec.is_staff,
                )
                user.set_password(password)
                user.save()
                user.groups.add(Group.objects.get(name=spec.role))
                user.teams.set([self.teams[(spec.force, team)] for team in spec.teams])
                result.users_created.append((spec, password))
            self.users[spec.username] = user
        self.offences = {offence.code: offence for offence in Offence.objects.all()}

    def team(self, force: str, name: str) -> Team:
        return self.teams[(force, name)]

    def user(self, username: str) -> User:
        return self.users[username]

    def offence(self, *codes: str) -> list[Offence]:
        return [self.offences[code] for code in codes]

    # Stage 1: referrals.

    def referral(
        self,
        *,
        force: str,
        source: str,
        reference: str,
        received: datetime,
        risk: str,
        by: str,
        platform: str = "",
        files: int | None = None,
        summary: str = "",
        ips: tuple[tuple[str, int | None, int, str, str], ...] = (),
        accounts: tuple[str, ...] = (),
    ) -> Referral:
        """`ips`: (address, port, days before receipt, local time, IANA zone) as the referral gives them."""
        actor = self.user(by)
        referral = referral_create(
            actor=actor,
            force=self.forces[force],
            source=source,
            source_reference=reference,
            received_at=received,
            risk_grade=risk,
            platform=platform,
            files_reported=files,
            summary=summary,
        )
        received_day = received.astimezone(LONDON).date()
        for address, port, days_before, local_time, zone in ips:
            observed = f"{received_day - timedelta(days=days_before):%Y-%m-%d} {local_time}"
            referral_add_identifier(
                referral=referral,
                actor=actor,
                kind=ReferralIdentifier.Kind.IP_ADDRESS,
                ip_address=address,
                port=port,
                observed_original=observed,
                observed_timezone=zone,
            )
        for account in accounts:
            referral_add_identifier(
                referral=referral, actor=actor, kind=ReferralIdentifier.Kind.ACCOUNT, account_id=account
            )
        return referral

    def comms(
        self,
        referral: Referral,
        *,
        reference: str,
        by: str,
        submitted: datetime,
        approved: datetime | None = None,
        route: str = CommsDataRequest.Route.OCDA,
        result: datetime | None = None,
        outcome: str = CommsDataRequest.Outcome.RESOLVED,
        notes: str = "",
    ) -> CommsDataRequest:
        actor = self.user(by)
        request = comms_request_submit(
            referral=referral, actor=actor, reference=reference, submitted_at=submitted, notes=notes
        )
        if approved is not None:
            comms_request_record_approval(
                comms_request=request, actor=actor, approved_at=approved, approval_route=route
            )
            if result is not None:
                comms_request_record_result(
                    comms_request=request, actor=actor, result_received_at=result, outcome=outcome
                )
        return request

    # Stage 2: the case.

    def open_case(
        self,
        referral: Referral,
        *,
        force: str,
        team: str,
        oic: str,
        supervisor: str,
        opened: datetime,
        operation: str = "Safenet",
        district: str = "",
        summary: str = "",
        restricted: bool = False,
    ) -> Case:
        return case_open(
            actor=self.user(supervisor),
            team=self.team(force, team),
            officer_in_case=self.user(oic),
            supervisor=self.user(supervisor),
            opened_at=opened,
            operation=operation,
            district=district,
            restricted=restricted,
            summary=summary,
            referral=referral,
        )

    def subject(self, case: Case, name: str, born: date | None = None, pnc: str = "", notes: str = "") -> Subject:
        return subject_add(
            case=case, actor=case.officer_in_case, full_name=name, date_of_birth=born, pnc_id=pnc, notes=notes
        )

    def premises(self, case: Case, address: str, postcode: str, description: str = "Home address") -> Premises:
        return premises_add(
            case=case, actor=case.officer_in_case, address=address, postcode=postcode, description=description
        )

    def log(self, case: Case, text: str, *, at: datetime, kind: str = "action", by: str | None = None) -> None:
        actor = self.user(by) if by else case.officer_in_case
        case_log_add(case=case, actor=actor, kind=kind, text=text, at=at)

    # Stage 3: warrants.

    def warrant(
        self,
        case: Case,
        premises: Premises,
        *,
        court: str,
        applied: datetime | None = None,
        issued: datetime | None = None,
        justice: str = "",
        refused: datetime | None = None,
        refusal_reason: str = "",
        executed: datetime | None = None,
        executed_by: str | None = None,
        present: str = "",
        result: str = "",
        returned: datetime | None = None,
        power: str = Warrant.Power.POCA_S4,
        entry: str = Warrant.Entry.SINGLE,
    ) -> Warrant:
        actor = case.officer_in_case
        warrant = warrant_draft(case=case, actor=actor, premises=premises, power=power, entry=entry, court=court)
        if applied is None:
            return warrant
        warrant_apply(warrant=warrant, actor=actor, applied_at=applied)
        if refused is not None:
            return warrant_record_refusal(
                warrant=warrant, actor=actor, refused_at=refused, refusal_reason=refusal_reason
            )
        if issued is None:
            return warrant
        warrant_record_issue(warrant=warrant, actor=actor, issued_at=issued, issuing_justice=justice)
        if executed is not None:
            warrant_record_execution(
                warrant=warrant,
                actor=actor,
                executed_at=executed,
                executed_by=self.user(executed_by) if executed_by else actor,
                persons_present=present,
                result=result,
            )
        else:
            warrant_mark_expired(warrant=warrant, now=self.clock.now)
        if returned is not None:
            warrant_record_return(warrant=warrant, actor=actor, returned_at=returned)
        return warrant

    # Stage 4: search, devices, triage and image counts (numbers only).

    def search(
        self,
        case: Case,
        premises: Premises,
        *,
        started: datetime,
        ended: datetime,
        warrant: Warrant | None = None,
        notes: str = "",
    ) -> "DemoSearch":
        search = search_record(
            case=case,
            actor=case.officer_in_case,
            premises=premises,
            started_at=started,
            ended_at=ended,
            warrant=warrant,
            notes=notes,
        )
        return DemoSearch(self, case, search)

    # Stages 5 and 6: arrest, custody and release.

    def arrest(
        self,
        case: Case,
        subject: Subject,
        *,
        at: datetime,
        offences: tuple[str, ...] = ("POCA1978-1-1-a",),
        custody: str = "",
        in_custody_hours: float = 9,
        release: str = Release.Kind.BAIL,
        conditions: str = "",
    ) -> Release:
        """Arrest, arrival at custody 40 minutes later, interview, then release `in_custody_hours` later."""
        relevant = at + timedelta(minutes=40)
        left = relevant + timedelta(hours=in_custody_hours)
        arrest = arrest_record(
            case=case,
            actor=case.officer_in_case,
            subject=subject,
            arrested_at=at,
            suspected_offences=self.offence(*offences),
            custody_reference=custody,
            relevant_time=relevant,
            left_custody_at=left,
        )
        if in_custody_hours > 24:
            # The second review of detention comes before a superintendent's extension (PACE s.42(4)(b)).
            for hours in (5, 14):
                custody_review_record(
                    arrest=arrest,
                    actor=case.officer_in_case,
                    reviewed_at=relevant + timedelta(hours=hours),
                    review_officer="Insp K. Byrne",
                )
            custody_extension_record(
                arrest=arrest,
                actor=case.officer_in_case,
                authority="superintendent",
                authorised_at=relevant + timedelta(hours=20),
                authorised_by="Supt D. Whitlock",
                detention_until=relevant + timedelta(hours=36),
            )
        return release_record(
            arrest=arrest, actor=case.officer_in_case, kind=release, released_at=left, bail_conditions=conditions
        )

    # Stages 7 to 10.

    def charging(
        self,
        case: Case,
        subject: Subject,
        *,
        submitted: datetime,
        cps: str,
        decision: str | None = None,
        decided: datetime | None = None,
        notes: str = "",
        charges: tuple[tuple[str, int, str], ...] = (),
        test: str = ChargingSubmission.Test.FULL_CODE,
    ) -> ChargingSubmission:
        submission = charging_submit(
            case=case, actor=case.officer_in_case, subject=subject, submitted_at=submitted, test=test, cps_reference=cps
        )
        if decision is not None and decided is not None:
            charging_record_decision(
                submission=submission,
                actor=case.officer_in_case,
                decision=decision,
                decision_at=decided,
                decision_notes=notes,
                charges=[
                    {"offence": self.offences[code], "counts": counts, "category": category}
                    for code, counts, category in charges
                ],
            )
            if decision == ChargingSubmission.Decision.CHARGE:
                # Charged when answering bail (or by post): the last release on the arrest.
                arrest = subject.arrests.order_by("-arrested_at").first()
                if arrest is not None:
                    release_record(
                        arrest=arrest, actor=case.officer_in_case, kind=Release.Kind.CHARGED, released_at=decided
                    )
        return submission

    def hearing(
        self,
        case: Case,
        subject: Subject,
        *,
        court: str,
        at: datetime,
        kind: str,
        outcome: str = "",
        remand: str = "",
        orders: bool = False,
    ) -> CourtHearing:
        return hearing_record(
            case=case,
            actor=case.officer_in_case,
            subject=subject,
            court=court,
            hearing_at=at,
            hearing_type=kind,
            outcome=outcome,
            remand_status=remand,
            notification_requirements=orders,
            shpo_made=orders,
        )

    def safeguarding(
        self,
        case: Case,
        *,
        reference: str,
        children: int,
        relationship: str,
        referred: datetime | None = None,
        mash: str = "",
        safeguarded: int = 0,
        strategy: bool = False,
        section_47: bool = False,
        outcome: str = "",
    ) -> SafeguardingReferral:
        return safeguarding_record(
            case=case,
            actor=case.officer_in_case,
            pseudonymous_reference=reference,
            children_count=children,
            relationship=relationship,
            mash_referred_at=referred,
            mash_reference=mash,
            strategy_discussion=strategy,
            section_47_enquiry=section_47,
            children_safeguarded=safeguarded,
            outcome=outcome,
        )

    def close(self, case: Case, *, outcome: str, at: datetime, rationale: str, confirm: str = "") -> Closure:
        """Close as the case's supervisor, confirming with the reason `confirm` whatever is then
        outstanding (a forensic examination no longer needed, for example)."""
        outstanding = case_closure_outstanding(case, at) if confirm else []
        return case_close(
            case=case,
            actor=case.supervisor,
            outcome_type=outcome,
            closed_at=at,
            rationale=rationale,
            retention_group=RetentionReview.Group.GROUP_1,
            confirmations={item.key: confirm for item in outstanding},
        )


@dataclass
class DemoSearch:
    demo: Demo
    case: Case
    search: Search

    def device(
        self,
        exhibit: str,
        kind: str,
        make_model: str,
        *,
        action: str = Device.Action.SEIZED,
        triage: str | None = None,
        triaged: datetime | None = None,
        examiner: str = "examiner",
        counts: dict[str, dict[str, int]] | None = None,
        forensic_requested: datetime | None = None,
        forensic_completed: datetime | None = None,
        forensic_counts: dict[str, dict[str, int]] | None = None,
    ) -> Device:
        case = self.case
        device = device_record(
            case=case,
            actor=case.officer_in_case,
            exhibit_reference=exhibit,
            device_type=kind,
            action=action,
            search=self.search,
            make_model=make_model,
        )
        person = self.demo.user(examiner)
        if triage is not None and not case.user_grants.filter(user=person).exists():
            # The supervisor assigns the examiner, who may then see the case and record its triage.
            case_assign_examiner(case=case, actor=case.supervisor, examiner=person)
        if triage is not None:
            device_record_triage(device=device, actor=person, triage_result=triage, triaged_at=triaged, examiner=person)
        if counts is not None:
            device_set_image_counts(device=device, actor=person, source=ImageCount.Source.TRIAGE, counts=counts)
        if forensic_requested is not None:
            device_record_forensic_request(device=device, actor=case.officer_in_case, requested_at=forensic_requested)
            if forensic_completed is not None:
                device_record_forensic_completion(device=device, actor=person, completed_at=forensic_completed)
                if forensic_counts is not None:
                    device_set_image_counts(
                        device=device, actor=person, source=ImageCount.Source.FORENSIC, counts=forensic_counts
                    )
        return device


def reference_number(text: str, low: int, high: int) -> int:
    """A number that looks like a reference, the same on every run."""
    return low + zlib.crc32(text.encode()) % (high - low + 1)


def counts(
    a: tuple[int, int] = (0, 0), b: tuple[int, int] = (0, 0), c: tuple[int, int] = (0, 0)
) -> dict[str, dict[str, int]]:
    """Image counts as (still, moving) per category."""
    return {
        category: {"still": still, "moving": moving} for category, (still, moving) in {"A": a, "B": b, "C": c}.items()
    }


# Referral sources and common values, short for the scenarios below.
CEOP = Referral.Source.NCA_CEOP
P2P = Referral.Source.P2P_MONITORING
UK_FORCE = Referral.Source.UK_FORCE
OVERSEAS = Referral.Source.OVERSEAS
PARTNER = Referral.Source.PARTNER_PUBLIC
VERY_HIGH, HIGH, MEDIUM, LOW = "very_high", "high", "medium", "low"
POSITIVE, NEGATIVE = Device.TriageResult.POSITIVE, Device.TriageResult.NEGATIVE
INCONCLUSIVE, ENCRYPTED = Device.TriageResult.INCONCLUSIVE, Device.TriageResult.ENCRYPTED
PHONE, LAPTOP, COMPUTER, TABLET, STORAGE = "phone", "laptop", "computer", "tablet", "storage"
ON_SCENE = "DC and DFI on scene; DFI under the supervision of the officer in charge (PACE s.16(2A))."
STAFFS_COURT = "North Staffordshire Justice Centre"
CANNOCK_COURT = "Cannock Magistrates' Court"
NUNEATON_COURT = "Nuneaton Justice Centre"
WORCESTER_COURT = "Worcester Justice Centre"
TELFORD_COURT = "Telford Magistrates' Court"
STAFFORD_CROWN = "Stafford Crown Court"
WARWICK_CROWN = "Warwick Crown Court"
WORCESTER_CROWN = "Worcester Crown Court"


# A scenario builds one referral (and the case developed from it, if any) and is keyed by the
# referral's force and source reference, which are unique.
# Cases are built oldest first, so that case references run in the order the cases were opened.
@dataclass(frozen=True)
class Scenario:
    force: str
    reference: str
    build: Callable[[Demo, str], None]
    opened_days_ago: int = 0


SCENARIOS: list[Scenario] = []


def scenario(
    force: str, reference: str, opened_days_ago: int = 0
) -> Callable[[Callable[[Demo, str], None]], Callable[[Demo, str], None]]:
    def register(build: Callable[[Demo, str], None]) -> Callable[[Demo, str], None]:
        SCENARIOS.append(Scenario(force, reference, build, opened_days_ago))
        return build

    return register


def case_from_referral(
    d: Demo,
    *,
    force: str,
    ref: str,
    source: str,
    received_days: int,
    risk: str,
    team: str,
    oic: str,
    supervisor: str,
    opened_days: int,
    platform: str,
    files: int,
    ip: str,
    summary: str,
    district: str,
    operation: str = "Safenet",
    restricted: bool = False,
) -> Case:
    """Referral received, resolved by a communications-data request, developed into a case."""
    c = d.clock
    referral = d.referral(
        force=force,
        source=source,
        reference=ref,
        received=c.ago(received_days, "09:20"),
        risk=risk,
        by=oic,
        platform=platform,
        files=files,
        summary=summary,
        ips=((ip, 51413 if platform == "BitTorrent" else None, 3, "21:14:07", "UTC"),),
    )
    d.comms(
        referral,
        reference=f"CDR/{force}/26/{reference_number(ref, 1000, 9999):04d}",
        by=oic,
        submitted=c.ago(received_days, "11:00"),
        approved=c.ago(received_days, "15:00"),
        result=c.ago(opened_days, "08:30"),
    )
    return d.open_case(
        referral,
        force=force,
        team=team,
        oic=oic,
        supervisor=supervisor,
        opened=c.ago(opened_days, "09:00"),
        operation=operation,
        district=district,
        summary=summary,
        restricted=restricted,
    )
