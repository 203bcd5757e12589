"""One case's story, from referral to closure, as rows and the audit entries they would have made.

Every other way of building a case's history goes through the services, driven by the import format
(casefiles/io). This one writes rows for PostgreSQL's COPY instead, because a million cases through the
services (a transaction, row locks and audit hashing per call) would take days, and the benchmark
needs them in minutes. So that it cannot drift from the services it uses their rules rather than
copies: the path's order and "the stage only moves forward" (cases.services.common), warrant
expiry, bail regime and end, and retention review dates (cases.rules), the statuses and outcomes
(the models' choices) and the case-log lines the services write (warrants.services,
cases.services.closure). tests/bench checks the result against the constraints and the services'
invariants.

Each step happens after the one before it and never after `now`: a case opened last week is still
at its warrant, one opened in 2018 is long closed. A closed case has a closure and a retention review.
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from bench.people import LAST_NAMES, People, Team
from bench.sink import Actor, Sink
from cases import rules
from cases.models import Case, Closure, Premises
from cases.services.closure import LOG_CLOSED
from cases.services.common import stage_is_later
from warrants.models import Warrant
from warrants.services import LOG_APPLIED, LOG_EXECUTED, LOG_REFUSED, LOG_RETURNED

HOUR = 3600
DAY = 86_400
SOURCES = ("nca_ceop", "nca_ceop", "nca_ceop", "p2p_monitoring", "p2p_monitoring", "uk_force", "overseas")
PLATFORMS = ("Snapchat", "Instagram", "BitTorrent", "Kik", "Discord", "Facebook Messenger", "eMule", "Telegram")
RISK = ("very_high", "high", "high", "medium", "medium", "medium", "low")
COURTS = (
    "Stafford Magistrates' Court",
    "Birmingham Magistrates' Court",
    "Leeds Crown Court",
    "Westminster Magistrates' Court",
)
DEVICE_TYPES = ("computer", "laptop", "phone", "phone", "tablet", "storage", "other")
GIVEN = ("Mark", "Paul", "David", "Steven", "Gary", "Lee", "Craig", "Dean", "Wayne", "Jason", "Karen", "Ian")
STREETS = ("High Street", "Station Road", "Church Lane", "Park Avenue", "Mill Road", "Victoria Street")


class Dice(random.Random):
    """`random.Random` with a cheaper `randint` and `choice` (the generator calls them millions of
    times; the standard ones go through `randrange`'s argument checks). Still seeded and repeatable."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]


def utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def seconds(moment: datetime) -> int:
    return int(moment.timestamp())


@dataclass
class Context:
    sink: Sink
    rng: random.Random
    people: People
    offences: list[int]
    permissions: dict[str, int]
    now: int


class Story:
    """Writes one case; `record` is one request by one person: its entries share a request id."""

    def __init__(self, ctx: Context, case_number: int, opened_at: int, force: tuple[int, str, int]) -> None:
        self.ctx = ctx
        self.sink = ctx.sink
        self.rng = ctx.rng
        self.opened_at = opened_at
        self.force_id, self.force_code, _ = force
        self.team: Team = self.rng.choice(ctx.people.teams_by_force[self.force_id])
        self.oic = self.rng.choice(self.team.officers)
        self.supervisor = self.rng.choice(self.team.supervisors)
        self.examiner = self.rng.choice(self.team.examiners)
        self.ref = ""
        self.rows: list[tuple[str, dict[str, object]]] = []
        self.case: dict[str, object] = {}
        self.clock_us = 0
        self.request = ""
        self.actor = self.oic

    # --- Recording -------------------------------------------------------------------------

    def record(self, at: int, actor: Actor) -> bool:
        """Start a request by `actor` a little after `at`; False (nothing recorded) if after now."""
        recorded = at + self.rng.randint(5 * 60, 4 * HOUR)
        if recorded > self.ctx.now:
            return False
        self.clock_us = max(recorded * 1_000_000 + self.rng.randint(0, 999_999), self.clock_us + 1_000)
        self.request = f"{self.rng.getrandbits(128):032x}"
        self.actor = actor
        return True

    def _tick(self) -> int:
        self.clock_us += self.rng.randint(200, 3000)
        return self.clock_us

    def insert(self, table: str, row: dict[str, object], ref: str | None = None) -> dict[str, object]:
        row["id"] = self.sink.new_id(table)
        self.sink.created(table, row, self._tick(), self.actor, self.request, self.ref if ref is None else ref)
        self.rows.append((table, row))
        return row

    def update(self, table: str, row: dict[str, object], ref: str | None = None, **values: object) -> None:
        self.sink.changed(table, row, values, self._tick(), self.actor, self.request, self.ref if ref is None else ref)

    def log(self, text: str) -> None:
        self.insert(
            "cases_caselogentry",
            {
                "kind": "system",
                "text": text,
                "created_at": self.clock_us // 1_000_000,
                "author_id": self.actor.id,
                "case_id": self.case["id"],
                "corrects_id": None,
            },
        )

    def _next_version(self) -> int:
        return cast(int, self.case["version"]) + 1  # the case row's version, written as an int

    def advance(self, stage: str) -> None:
        if stage_is_later(stage, str(self.case["stage"])):
            self.update("cases_case", self.case, stage=stage, version=self._next_version())

    def read(self, at: int, actor: Actor) -> None:
        """Someone opens the case page (a consultation, recorded by the application). Reads fall
        anywhere in the case's life, so they keep their own time rather than the request clock."""
        read_at = at + self.rng.randint(60, 8 * HOUR)
        if read_at > self.ctx.now:
            return
        self.sink.entry(
            read_at * 1_000_000 + self.rng.randint(0, 999_999),
            actor,
            "read",
            "cases.Case",
            str(self.case["id"]),
            self.ref,
            f"Read case {self.ref}",
            "{}",
            f"{self.rng.getrandbits(128):032x}",
        )

    def days(self, low: float, high: float) -> int:
        return int(self.rng.uniform(low, high) * DAY)

    # --- The path of a case ---------------------------------------------------------------

    def write(self, reference: str) -> None:
        self.ref = reference
        referral = self.referral()
        self.open_case(referral)
        subjects, premises = self.people_and_places()
        end = self.stages(subjects, premises)
        for _ in range(self.rng.randint(1, 3)):
            self.read(self.opened_at + self.days(0, 120), self.rng.choice((self.oic, self.oic, self.supervisor)))
        if end is not None:
            self.close(*end)
        for table, row in self.rows:
            self.sink.write(table, row)

    def referral(self) -> dict[str, object]:
        received = self.opened_at - self.days(6, 30)
        self.record(received, self.oic)
        source = self.rng.choice(SOURCES)
        referral = self.insert(
            "cases_referral",
            {
                "source": source,
                "source_reference": f"{source[:3].upper()}-{self.rng.getrandbits(40):010x}",
                "received_at": received,
                "platform": self.rng.choice(PLATFORMS),
                "files_reported": self.rng.randint(1, 400),
                "risk_grade": self.rng.choice(RISK),
                "summary": "Account uploaded suspected indecent images of children.",
                "outcome": "pending",
                "outcome_at": None,
                "outcome_reason": "",
                "disseminated_to": "",
                "created_at": self.clock_us // 1_000_000,
                "created_by_id": self.oic.id,
                "force_id": self.force_id,
            },
            ref="",
        )
        observed = received - self.days(2, 40)
        self.insert(
            "cases_referralidentifier",
            {
                "kind": "ip",
                "ip_address": f"81.{self.rng.randint(0, 255)}.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}",
                "port": self.rng.randint(1024, 65535),
                "account_id": "",
                "observed_at": observed,
                "observed_original": utc(observed).strftime("%Y-%m-%d %H:%M:%S UTC"),
                "observed_timezone": "UTC",
                "referral_id": referral["id"],
            },
            ref="",
        )
        if self.rng.random() < 0.5:
            self.insert(
                "cases_referralidentifier",
                {
                    "kind": "account",
                    "ip_address": None,
                    "port": None,
                    "account_id": f"user{self.rng.getrandbits(32)}",
                    "observed_at": None,
                    "observed_original": "",
                    "observed_timezone": "",
                    "referral_id": referral["id"],
                },
                ref="",
            )
        # A phone number (E.164, as the services store it) or an e-mail address (lower case) the
        # referral names, as a CyberTipline report often does.
        for kind, share, value in (
            ("phone", 0.3, lambda: f"+447{self.rng.randint(100000000, 999999999)}"),
            ("email", 0.3, lambda: f"user{self.rng.getrandbits(32)}@example.com"),
        ):
            if self.rng.random() < share:
                self.insert(
                    "cases_referralidentifier",
                    {
                        "kind": kind,
                        "ip_address": None,
                        "port": None,
                        "account_id": value(),
                        "observed_at": None,
                        "observed_original": "",
                        "observed_timezone": "",
                        "referral_id": referral["id"],
                    },
                    ref="",
                )
        if self.rng.random() < 0.7:
            submitted = received + self.days(0.5, 2)
            if self.record(submitted, self.oic):
                request = self.insert(
                    "cases_commsdatarequest",
                    {
                        "reference": f"CDR-{self.rng.getrandbits(32):08x}",
                        "submitted_at": submitted,
                        "approved_at": None,
                        "approval_route": "",
                        "result_received_at": None,
                        "outcome": "pending",
                        "notes": "",
                        "time_verified_by_id": None,
                        "referral_id": referral["id"],
                    },
                    ref="",
                )
                result = submitted + self.days(1, 4)
                if result < self.opened_at and self.record(result, self.oic):
                    self.update(
                        "cases_commsdatarequest",
                        request,
                        ref="",
                        approved_at=submitted + self.days(0.2, 0.9),
                        approval_route="ocda",
                        result_received_at=result,
                        outcome="resolved",
                        time_verified_by_id=self.oic.id,
                    )
        return referral

    def open_case(self, referral: dict[str, object]) -> None:
        self.record(self.opened_at, self.oic)
        restricted = self.rng.random() < 0.02
        self.case = self.insert(
            "cases_case",
            {
                "reference": self.ref,
                "operation": "Safenet" if self.rng.random() < 0.3 else "",
                "district": "",
                "status": "open",
                "stage": Case.Stage.INVESTIGATION.value,
                "restricted": restricted,
                "summary": "",
                "opened_at": self.opened_at,
                "version": 1,
                "created_by_id": self.oic.id,
                "officer_in_case_id": self.oic.id,
                "supervisor_id": self.supervisor.id,
                "force_id": self.force_id,
                "referral_id": referral["id"],
                "team_id": self.team.id,
            },
        )
        self.update("cases_referral", referral, outcome="developed", outcome_at=self.opened_at)
        if restricted:
            for person in {self.oic.id: self.oic, self.supervisor.id: self.supervisor}.values():
                self.grant(person, ("view_case", "change_case"), "grant:record")
        self.log(f"Case opened from referral {referral['source_reference']}. Officer in the case: {self.oic.username}.")

    def grant(self, person: Actor, codenames: tuple[str, ...], change: str) -> None:
        for codename in codenames:
            self.insert(
                "cases_caseuserobjectpermission",
                {
                    "content_object_id": self.case["id"],
                    "permission_id": self.ctx.permissions[codename],
                    "user_id": person.id,
                },
            )
        self.sink.entry(
            self._tick(),
            self.actor,
            "permission_change",
            "cases.User",
            str(person.id),
            self.ref,
            f"{change} for {person.username} on {self.ref}",
            f'{{"user": "{person.username}", "change": "{change}"}}',
            self.request,
        )

    def more_rng(self, purpose: str) -> random.Random:
        """Values added to the story later (a subject's contact details, a warrant's references)
        drawn from their own generator, seeded by the case, so that the main sequence, and every
        other value of a seed, stays as it was."""
        return random.Random(f"{purpose}-{self.case['id']}")

    def people_and_places(self) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
        rng = self.rng
        more = self.more_rng("subjects")
        subjects = []
        for _ in range(2 if rng.random() < 0.12 else 1):
            born = datetime(rng.randint(1955, 2004), rng.randint(1, 12), rng.randint(1, 28)).date()
            subjects.append(
                self.insert(
                    "cases_subject",
                    {
                        "full_name": f"{rng.choice(GIVEN)} {rng.choice(LAST_NAMES)}",
                        "date_of_birth": born,
                        "pnc_id": f"{born.year % 100:02d}/{rng.randint(1, 999999):06d}X",
                        # Stored as the services store them: E.164, lower case, as given.
                        "phone": f"+447{more.randint(100000000, 999999999)}" if more.random() < 0.4 else "",
                        "email": f"user{more.getrandbits(32)}@example.com" if more.random() < 0.3 else "",
                        "online_account": f"user{more.getrandbits(32)}" if more.random() < 0.3 else "",
                        "notes": "",
                        "case_id": self.case["id"],
                    },
                )
            )
        premises = []
        for index in range(2 if rng.random() < 0.08 else 1):
            premises.append(
                self.insert(
                    "cases_premises",
                    {
                        "address": f"{rng.randint(1, 200)} {rng.choice(STREETS)}, {self.force_code} district",
                        "postcode": f"ST{rng.randint(1, 21)} {rng.randint(1, 9)}AB",
                        "description": "Home address" if index == 0 else "Workplace",
                        "case_id": self.case["id"],
                    },
                )
            )
        return subjects, premises

    def stages(self, subjects: list[dict[str, object]], premises: list[dict[str, object]]) -> tuple[int, str] | None:
        """Warrant, search, arrest, release, charging and court; returns when and how it closes, or None."""
        rng = self.rng
        if rng.random() < 0.12:  # no warrant: resolved by research or passed to another body
            return self.opened_at + self.days(20, 120), rng.choice(("14", "20", "21"))
        applied = self.opened_at + self.days(2, 21)
        if not self.record(applied, self.oic):
            return None
        more = self.more_rng("warrant")
        warrant = self.insert(
            "warrants_warrant",
            {
                "power": rng.choice(("pace_s8", "poca_s4")),
                "entry": "single",
                "court": rng.choice(COURTS),
                # As the services store them (cases.identifiers.normalise_document_reference).
                "warrant_reference": f"SW/{self.force_code}/{more.randint(1, 9999):04d}" if more.random() < 0.7 else "",
                "court_reference": f"{more.randint(10, 99)}/{more.randint(1, 9999):04d}" if more.random() < 0.5 else "",
                "status": Warrant.Status.APPLIED.value,
                "applied_at": applied,
                "issuing_justice": "",
                "issued_at": None,
                "expires_at": None,
                "refused_at": None,
                "refusal_reason": "",
                "executed_at": None,
                "persons_present": "",
                "result": "",
                "returned_at": None,
                "version": 1,
                "applicant_id": self.oic.id,
                "case_id": self.case["id"],
                "executed_by_id": None,
                "premises_id": premises[0]["id"],
            },
        )
        self.log(LOG_APPLIED.format(court=warrant["court"]))
        self.advance(Case.Stage.WARRANT.value)
        decided = applied + self.days(0.1, 2)
        if not self.record(decided, self.oic):
            return None
        if rng.random() < 0.04:
            self.update(
                "warrants_warrant",
                warrant,
                status=Warrant.Status.REFUSED.value,
                refused_at=decided,
                refusal_reason="Insufficient grounds.",
                version=2,
            )
            self.log(LOG_REFUSED)
            return decided + self.days(5, 40), "21"
        expires = seconds(rules.warrant_expires_at(utc(decided)))
        self.update(
            "warrants_warrant",
            warrant,
            status=Warrant.Status.ISSUED.value,
            issued_at=decided,
            expires_at=expires,
            issuing_justice="District Judge Evans",
            version=2,
        )
        executed = decided + self.days(0.5, 14)
        if not self.record(executed + 6 * HOUR, self.oic):
            return None
        self.update(
            "warrants_warrant",
            warrant,
            status=Warrant.Status.EXECUTED.value,
            executed_at=executed,
            executed_by_id=self.oic.id,
            persons_present=f"{self.oic.username}, {self.examiner.username} (forensic, supervised)",
            result="Entry made; devices seized.",
            version=3,
        )
        place = Premises(address=str(premises[0]["address"]), postcode=str(premises[0]["postcode"]))
        self.log(LOG_EXECUTED.format(premises=place))
        self.advance(Case.Stage.SEARCH.value)
        search = self.insert(
            "cases_search",
            {
                "started_at": executed,
                "ended_at": executed + rng.randint(2, 6) * HOUR,
                "notes": "",
                "case_id": self.case["id"],
                "officer_in_charge_id": self.oic.id,
                "premises_id": premises[0]["id"],
                "warrant_id": warrant["id"],
            },
        )
        positive = self.devices(search, executed)
        returned = executed + self.days(1, 12)
        if self.record(returned, self.oic):
            self.update(
                "warrants_warrant", warrant, status=Warrant.Status.RETURNED.value, returned_at=returned, version=4
            )
            self.log(LOG_RETURNED.format(court=warrant["court"]))
        if not positive and rng.random() < 0.6:
            return executed + self.days(30, 200), "15"
        return self.custody(subjects, executed)

    def devices(self, search: dict[str, object], started: int) -> bool:
        rng = self.rng
        positive = False
        for number in range(1, rng.randint(1, 4) + 1):
            triaged = started + rng.randint(1, 4) * HOUR
            if not self.record(triaged, self.examiner):
                break
            result = rng.choice(("positive", "positive", "negative", "negative", "inconclusive", "encrypted"))
            action = "seized" if result != "negative" or rng.random() < 0.5 else "left"
            device = self.insert(
                "cases_device",
                {
                    "exhibit_reference": f"{self.examiner.username.split('.')[1][:3].upper()}/{number}",
                    "device_type": rng.choice(DEVICE_TYPES),
                    "make_model": "",
                    "action": action,
                    "triage_result": result,
                    "triaged_at": triaged,
                    "forensic_requested_at": None,
                    "forensic_completed_at": None,
                    "notes": "",
                    "case_id": self.case["id"],
                    "examiner_id": self.examiner.id,
                    "search_id": search["id"],
                    "version": 1,
                },
            )
            if result == "positive":
                positive = True
                for category, kind in rng.sample(
                    [(c, k) for c in "ABC" for k in ("still", "moving")], rng.randint(1, 3)
                ):
                    self.insert(
                        "cases_imagecount",
                        {
                            "category": category,
                            "kind": kind,
                            "source": "triage",
                            "count": rng.randint(1, 5000),
                            "device_id": device["id"],
                        },
                    )
            if action == "seized":
                requested = triaged + self.days(1, 7)
                if self.record(requested, self.oic):
                    self.update("cases_device", device, forensic_requested_at=requested)
                    completed = requested + self.days(20, 240)
                    if rng.random() < 0.5 and self.record(completed, self.examiner):
                        self.update("cases_device", device, forensic_completed_at=completed)
        return positive

    def custody(self, subjects: list[dict[str, object]], executed: int) -> tuple[int, str] | None:
        rng = self.rng
        subject = subjects[0]
        arrested = executed + rng.randint(10, 90) * 60
        relevant = arrested + rng.randint(20, 90) * 60
        left = relevant + rng.randint(4, 20) * HOUR
        if not self.record(left, self.oic):
            return None
        arrest = self.insert(
            "cases_arrest",
            {
                "arrested_at": arrested,
                "custody_reference": f"CU/{rng.getrandbits(24):07d}",
                "relevant_time": relevant,
                "left_custody_at": left,
                "arresting_officer_id": self.oic.id,
                "case_id": self.case["id"],
                "subject_id": subject["id"],
            },
        )
        for offence in rng.sample(self.ctx.offences, rng.randint(1, 2)):
            self.insert("cases_arrest_suspected_offences", {"arrest_id": arrest["id"], "offence_id": offence})
        self.log(f"Arrest of {subject['full_name']} recorded.")
        self.advance(Case.Stage.ARREST.value)
        kind = rng.choice(("bail", "bail", "bail", "rui", "rui", "rui", "remanded"))
        regime = rules.bail_regime_for_arrest(utc(arrested)) if kind == "bail" else ""
        self.insert(
            "cases_release",
            {
                "kind": kind,
                "released_at": left,
                "bail_regime": regime,
                "bail_ends_at": seconds(rules.bail_initial_end(regime=regime, arrested_at=utc(arrested)))
                if regime
                else None,
                "bail_conditions": "Not to have unsupervised contact with children." if regime else "",
                "arrest_id": arrest["id"],
                "recorded_by_id": self.oic.id,
                "answer_at": None,
                "answer_place": "",
                "investigating_body": "standard",
                "body_confirmed_by": "",
                "court_applied_at": None,
            },
        )
        if rng.random() < 0.5:
            self.safeguarding(arrested)
        return self.charging(subject, arrested)

    def safeguarding(self, arrested: int) -> None:
        rng = self.rng
        referred = arrested + self.days(0.2, 5)
        if not self.record(referred, self.oic):
            return
        children = rng.randint(1, 4)
        self.insert(
            "cases_safeguardingreferral",
            {
                "pseudonymous_reference": "CHILD-A",
                "children_count": children,
                "relationship": rng.choice(("own_child", "step_child", "relative", "household")),
                "mash_referred_at": referred,
                "mash_reference": f"MASH-{rng.getrandbits(24):07d}",
                "strategy_discussion": True,
                "section_47_enquiry": rng.random() < 0.5,
                "children_safeguarded": rng.randint(0, children),
                "outcome": "",
                "recorded_at": self.clock_us // 1_000_000,
                "case_id": self.case["id"],
                "recorded_by_id": self.oic.id,
                "version": 1,
            },
        )

    def charging(self, subject: dict[str, object], arrested: int) -> tuple[int, str] | None:
        rng = self.rng
        submitted = arrested + self.days(5, 60)
        if not self.record(submitted, self.oic):
            return None
        submission = self.insert(
            "cases_chargingsubmission",
            {
                "submitted_at": submitted,
                "test": "full_code",
                "cps_reference": f"CPS/{rng.getrandbits(24):07d}",
                "decision": "pending",
                "decision_at": None,
                "decision_notes": "",
                "case_id": self.case["id"],
                "submitted_by_id": self.oic.id,
                "subject_id": subject["id"],
            },
        )
        decided = submitted + self.days(1, 45)
        if not self.record(decided, self.oic):
            return None
        decision = rng.choice(("charge", "charge", "charge", "nfa", "nfa", "caution"))
        self.update("cases_chargingsubmission", submission, decision=decision, decision_at=decided)
        if decision == "charge":
            for offence in rng.sample(self.ctx.offences, rng.randint(1, 3)):
                self.insert(
                    "cases_charge",
                    {
                        "counts": rng.randint(1, 8),
                        "category": rng.choice("ABC"),
                        "submission_id": submission["id"],
                        "offence_id": offence,
                    },
                )
        self.log(f"Charging decision: {decision}.")
        self.advance(Case.Stage.CHARGING.value)
        if decision != "charge":
            return decided + self.days(2, 30), "3" if decision == "caution" else "15"
        hearing_at = decided + self.days(7, 28)
        for hearing_type in ("first_appearance", "plea", "sentence"):
            if not self.record(hearing_at, self.oic):
                return None
            sentenced = hearing_type == "sentence"
            self.insert(
                "cases_courthearing",
                {
                    "court": rng.choice(COURTS),
                    "hearing_at": hearing_at,
                    "hearing_type": hearing_type,
                    "outcome": "Sentenced." if sentenced else "Adjourned.",
                    "remand_status": "" if sentenced else "conditional_bail",
                    "notification_requirements": sentenced,
                    "shpo_made": sentenced and rng.random() < 0.7,
                    "case_id": self.case["id"],
                    "subject_id": subject["id"],
                },
            )
            if sentenced:
                self.log("Sentence recorded.")
            self.advance(Case.Stage.COURT.value)
            hearing_at += self.days(21, 90)
        return hearing_at, "1"

    def close(self, closed_at: int, outcome: str) -> None:
        if not self.record(closed_at, self.supervisor):
            return
        closed_at = self.clock_us // 1_000_000 - 60
        self.insert(
            "cases_closure",
            {
                "outcome_type": outcome,
                "closed_at": closed_at,
                "rationale": "Investigation complete.",
                "case_id": self.case["id"],
                "closed_by_id": self.supervisor.id,
            },
        )
        self.advance(Case.Stage.CLOSED.value)
        self.update("cases_case", self.case, status="closed", version=self._next_version())
        self.log(LOG_CLOSED.format(outcome=Closure.OutcomeType(outcome).label))
        self.insert(
            "cases_retentionreview",
            {
                "retention_group": "1",
                "decision": "set",
                "reviewed_at": closed_at,
                "rationale": "Sexual offence: MoPI group 1.",
                "next_review_at": seconds(
                    rules.retention_next_review_at(reviewed_at=utc(closed_at), retention_group="1")
                ),
                "case_id": self.case["id"],
                "reviewed_by_id": self.supervisor.id,
            },
        )


def other_referral(ctx: Context, force: tuple[int, str, int], received: int, officer: Actor) -> None:
    """A referral that did not become a case here: no further action, or passed to another force."""
    rng, sink = ctx.rng, ctx.sink
    decided = received + rng.randint(1, 20) * DAY
    if decided + DAY > ctx.now:
        return
    outcome = rng.choice(("nfa", "nfa", "disseminated"))
    source = rng.choice(SOURCES)
    row: dict[str, object] = {
        "id": sink.new_id("cases_referral"),
        "source": source,
        "source_reference": f"{source[:3].upper()}-{rng.getrandbits(40):010x}",
        "received_at": received,
        "platform": rng.choice(PLATFORMS),
        "files_reported": rng.randint(1, 50),
        "risk_grade": rng.choice(RISK),
        "summary": "",
        "outcome": "pending",
        "outcome_at": None,
        "outcome_reason": "",
        "disseminated_to": "",
        "created_at": received + HOUR,
        "created_by_id": officer.id,
        "force_id": force[0],
    }
    request = f"{rng.getrandbits(128):032x}"
    sink.created("cases_referral", row, (received + HOUR) * 1_000_000, officer, request, "")
    new = {"outcome": outcome, "outcome_at": decided}
    if outcome == "nfa":
        new["outcome_reason"] = "Subscriber not resolved; no further lines of enquiry."
    else:
        new["disseminated_to"] = "Another UK force (suspect resides there)"
    sink.changed("cases_referral", row, new, (decided + HOUR) * 1_000_000, officer, f"{rng.getrandbits(128):032x}", "")
    sink.write("cases_referral", row)
