"""Every deadline of a case, computed from its records by the rules in `cases.rules`.

A deadline is derived, never stored: what it is about (`record`), when it falls due (`due_at`, from
a rule), the rule's source (a legal citation, or "Local target (not law)"), whether and when it was
met, and its status now:

- met: done by its due time;
- missed: past its due time and not done, or done late;
- due soon: not done, and due within the threshold for its kind (settings.DEADLINE_DUE_SOON);
- on track: not done, and due later than that.

`case_deadlines` reads only what `with_deadline_records` (or the case page's `load_case_page_records`)
loaded, so a list of cases costs a fixed number of queries whatever its length.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse

from cases import formats, rules
from cases.models import Arrest, Case, ChargingSubmission, CourtHearing, Release
from cases.records import DEADLINE_SETS, load_records


class Kind(models.TextChoices):
    REFERRAL_RESPONSE = "referral_response", "Referral response"
    WARRANT_EXPIRY = "warrant_expiry", "Warrant expiry"
    WARRANT_RETURN = "warrant_return", "Warrant return"
    CUSTODY_REVIEW = "custody_review", "Review of detention"
    CUSTODY_LIMIT = "custody_limit", "Detention limit"
    BAIL_END = "bail_end", "Pre-charge bail"
    CHARGING_TARGET = "charging_target", "Charging target"
    FIRST_COURT = "first_court", "First court appearance"
    MASH_REFERRAL = "mash_referral", "MASH referral"
    FORENSIC_EXAMINATION = "forensic_examination", "Forensic examination"
    RETENTION_REVIEW = "retention_review", "MoPI review"


class Status(models.TextChoices):
    MISSED = "missed", "Missed"
    DUE_SOON = "due_soon", "Due soon"
    ON_TRACK = "on_track", "On track"
    MET = "met", "Met"


# Tag classes of static/css/safeguard.css; the status is always also said in words.
STATUS_TAGS = {
    Status.MISSED: "tag-red",
    Status.DUE_SOON: "tag-orange",
    Status.ON_TRACK: "tag-grey",
    Status.MET: "tag-green",
}
DECIDED = (
    ChargingSubmission.Decision.CHARGE,
    ChargingSubmission.Decision.NO_FURTHER_ACTION,
    ChargingSubmission.Decision.CAUTION,
)


BAIL_TREATED_AS_EXTENDED = "Treated as extended (application pending, s.47ZJ(3))"
# Who gives the next extension of bail, in a sentence.
BAIL_RANK_WORDS = {
    "inspector": "an inspector",
    "superintendent": "a superintendent",
    "decision_maker": "the appropriate decision-maker",
    "qualifying_officer": "a commander or assistant chief constable in a case the DPP designates",
    "magistrates": "the magistrates' court",
}


def due_soon_threshold(kind: str) -> timedelta:
    return settings.DEADLINE_DUE_SOON.get(kind, settings.DEADLINE_DUE_SOON_DEFAULT)


def deadline_status(*, kind: str, due_at: datetime, met_at: datetime | None, now: datetime) -> Status:
    """The status of a deadline at `now`. Exactly at its due time it is still due soon, not missed."""
    if met_at is not None:
        return Status.MET if met_at <= due_at else Status.MISSED
    if now > due_at:
        return Status.MISSED
    if due_at - now <= due_soon_threshold(kind):
        return Status.DUE_SOON
    return Status.ON_TRACK


@dataclass(frozen=True)
class Deadline:
    """One deadline of a case. `outstanding` is False once it is met or can no longer be met
    (a warrant that expired unexecuted: what is due then is its return)."""

    kind: str
    label: str
    due_at: datetime
    source: str
    status: Status
    case: Case
    # The record the deadline is about; None when read back from the summary, which keeps only its
    # model and id (`record_type`, `record_id`, filled in from `record` when it is given).
    record: models.Model | None
    met_at: datetime | None = None
    note: str = ""
    url: str = ""
    lapsed: bool = False
    # Said instead of the status, where the law gives the state its own words.
    status_text: str = ""
    record_type: str = ""
    record_id: int = 0

    def __post_init__(self) -> None:
        if self.record is not None:
            object.__setattr__(self, "record_type", self.record._meta.label_lower)
            object.__setattr__(self, "record_id", self.record.pk)

    @property
    def outstanding(self) -> bool:
        return self.met_at is None and not self.lapsed

    @property
    def status_label(self) -> str:
        if self.status_text:
            return self.status_text
        if self.status == Status.MISSED and self.met_at is not None:
            return "Missed (done late)"
        return str(self.status.label)

    @property
    def tag(self) -> str:
        # A state the law words for itself (bail treated as extended) is neither met nor missed.
        return "tag-orange" if self.status_text else STATUS_TAGS[self.status]

    @property
    def local_target(self) -> bool:
        return self.source.startswith("Local target")

    @property
    def key(self) -> str:
        """Identifies this deadline for reminders: the record and the due time, so a moved due time
        (bail extended, the next review of detention) is a new deadline."""
        return f"{self.kind}:{self.record_type}:{self.record_id}:{self.due_at.isoformat()}"


def _url(name: str, **kwargs: object) -> str:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


class _Builder:
    """Collects a case's deadlines, giving each its status at `now`."""

    def __init__(self, case: Case, now: datetime) -> None:
        self.case = case
        self.now = now
        self.found: list[Deadline] = []

    def add(
        self,
        kind: Kind,
        *,
        label: str,
        due_at: datetime,
        source: str,
        record: models.Model,
        met_at: datetime | None = None,
        **extra: Any,
    ) -> None:
        status = deadline_status(kind=kind, due_at=due_at, met_at=met_at, now=self.now)
        self.found.append(
            Deadline(
                kind=str(kind),
                label=label,
                due_at=due_at,
                source=source,
                status=status,
                case=self.case,
                record=record,
                met_at=met_at,
                **extra,
            )
        )


def _earliest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return min(present) if present else None


def case_deadlines(case: Case, *, now: datetime) -> list[Deadline]:
    """Every deadline of `case`, soonest first. Reads only prefetched relations (no queries).

    On a closed case only what was met (history) and its MoPI reviews are kept: nothing else is due.
    """
    b = _Builder(case, now)
    warrants = [w for w in case.warrants.all() if w.withdrawn_at is None]
    searches = [s for s in case.searches.all() if s.withdrawn_at is None]
    # Records withdrawn as entered in error set no deadline and meet none.
    arrests = [a for a in case.arrests.all() if a.withdrawn_at is None]
    submissions = [s for s in case.charging_submissions.all() if s.withdrawn_at is None]
    hearings = [h for h in case.hearings.all() if h.withdrawn_at is None]
    ref = case.reference

    if case.referral is not None:
        referral = case.referral
        b.add(
            Kind.REFERRAL_RESPONSE,
            label=f"Respond to referral ({referral.get_risk_grade_display().lower()} risk)",
            due_at=rules.referral_response_due_at(received_at=referral.received_at, risk_grade=referral.risk_grade),
            source=rules.referral_response_source(referral.risk_grade),
            record=referral,
            # The first response on the ground: a search, an arrest or a warrant executed.
            met_at=_earliest(
                *(s.started_at for s in searches), *(a.arrested_at for a in arrests), *(w.executed_at for w in warrants)
            ),
            url=_url("cases:referral_detail", pk=referral.pk),
        )

    for warrant in warrants:
        if warrant.issued_at is None or warrant.expires_at is None:
            continue
        link = _url("warrants:detail", reference=ref, pk=warrant.pk)
        expired = warrant.executed_at is None and (warrant.expires_at < now or warrant.status != warrant.Status.ISSUED)
        b.add(
            Kind.WARRANT_EXPIRY,
            label=f"Execute warrant for {warrant.premises} before it expires",
            due_at=warrant.expires_at,
            source=rules.WARRANT_EXPIRY.source,
            record=warrant,
            met_at=warrant.executed_at,
            lapsed=expired,
            url=link,
        )
        if warrant.executed_at is not None or expired:
            b.add(
                Kind.WARRANT_RETURN,
                label=f"Return warrant for {warrant.premises} to {warrant.court}",
                due_at=rules.warrant_return_due_at(executed_at=warrant.executed_at, expires_at=warrant.expires_at),
                source=f"{rules.WARRANT_RETURN.source}; {rules.WARRANT_RETURN_TARGET.source}",
                record=warrant,
                met_at=warrant.returned_at,
                url=link,
            )

    for arrest in arrests:
        _arrest_deadlines(b, arrest, submissions, hearings)

    # Children with access to the suspect are recorded as safeguarding records; each must be referred
    # to children's services. The clock runs from the first arrest; met once every record is referred.
    children = [c for c in case.safeguarding_referrals.all() if c.withdrawn_at is None]
    if arrests and children:
        first = arrests[0]
        referred = [c.mash_referred_at for c in children]
        b.add(
            Kind.MASH_REFERRAL,
            label="Refer children with access to the suspect to children's services (MASH)",
            due_at=rules.mash_referral_due_at(first.arrested_at),
            source=rules.MASH_REFERRAL.source,
            record=first,
            met_at=None if None in referred else max(r for r in referred if r is not None),
            url=_url("cases:safeguarding_add", reference=ref),
        )

    for device in case.devices.all():
        if device.forensic_requested_at is None or device.withdrawn_at is not None:
            continue
        b.add(
            Kind.FORENSIC_EXAMINATION,
            label=f"Forensic examination of {device.exhibit_reference}",
            due_at=rules.forensic_examination_due_at(device.forensic_requested_at),
            source=rules.FORENSIC_EXAMINATION.source,
            record=device,
            met_at=device.forensic_completed_at,
            url=_url("cases:device_detail", reference=ref, pk=device.pk),
        )

    reviews = sorted(case.retention_reviews.all(), key=lambda r: r.reviewed_at)
    for review, following in zip(reviews, [*reviews[1:], None], strict=False):
        if review.next_review_at is None:
            continue
        b.add(
            Kind.RETENTION_REVIEW,
            label=f"MoPI review (group {review.retention_group})",
            due_at=review.next_review_at,
            source=rules.RETENTION_REVIEW.source,
            record=review,
            met_at=following.reviewed_at if following else None,
            url=_url("cases:retention_review_add", reference=ref),
        )

    found = b.found
    if case.status == Case.Status.CLOSED:
        found = [d for d in found if d.kind == Kind.RETENTION_REVIEW or d.met_at is not None]
    return sorted(found, key=lambda d: (d.due_at, d.kind))


def _arrest_deadlines(
    b: _Builder, arrest: Arrest, submissions: list[ChargingSubmission], hearings: list[CourtHearing]
) -> None:
    ref, now, subject = b.case.reference, b.now, arrest.subject
    releases = [r for r in arrest.releases.all() if r.withdrawn_at is None]
    decided = [
        s
        for s in submissions
        if s.subject_id == arrest.subject_id
        and s.decision in DECIDED
        and s.decision_at is not None
        and s.decision_at >= arrest.arrested_at
    ]
    decided_at = _earliest(*(s.decision_at for s in decided))
    charged_at = _earliest(
        *(s.decision_at for s in decided if s.decision == ChargingSubmission.Decision.CHARGE),
        *(r.released_at for r in releases if r.kind == Release.Kind.CHARGED),
    )
    arrest_link = _url("cases:arrest_detail", reference=ref, pk=arrest.pk)

    # PACE custody clock, from the relevant time.
    if arrest.relevant_time is not None:
        rt = arrest.relevant_time
        left = _earliest(arrest.left_custody_at, *(r.released_at for r in releases))
        extensions = [e for e in arrest.custody_extensions.all() if e.withdrawn_at is None]
        limit = max([rules.custody_limit_at(rt), *(e.detention_until for e in extensions)])
        rule = rules.PACE_DETENTION_LIMIT
        if extensions:
            wofd = extensions[-1].authority != "superintendent"
            rule = rules.PACE_WARRANT_OF_FURTHER_DETENTION if wofd else rules.PACE_SUPERINTENDENT_EXTENSION
        # Not known to have left custody but past the 96-hour maximum: the clock is over either way.
        over = left is None and now > rules.custody_maximum_at(rt)
        b.add(
            Kind.CUSTODY_LIMIT,
            label=f"Charge or release {subject} (detention limit)",
            due_at=limit,
            source=rule.source,
            record=arrest,
            met_at=left,
            lapsed=over,
            url=arrest_link,
        )
        # Each review recorded met the one due before it (PACE s.40(3)); the next is due 9 hours
        # after the last held (6 hours after the relevant time for the first) while in custody.
        held = [r.reviewed_at for r in arrest.custody_reviews.all() if r.withdrawn_at is None]
        for number, reviewed_at in enumerate(held, start=1):
            b.add(
                Kind.CUSTODY_REVIEW,
                label=f"Review of detention of {subject} (review {number})",
                due_at=rules.custody_next_review_due(relevant_time=rt, reviews=held[: number - 1]),
                source=rules.PACE_REVIEWS.source,
                record=arrest,
                met_at=reviewed_at,
                url=arrest_link,
            )
        if left is None and not over:
            b.add(
                Kind.CUSTODY_REVIEW,
                label=f"Review of detention of {subject} (review {len(held) + 1})",
                due_at=rules.custody_next_review_due(relevant_time=rt, reviews=held),
                source=rules.PACE_REVIEWS.source,
                record=arrest,
                url=arrest_link,
            )

    # Pre-charge bail, by the regime in force on the arrest date; each bail until it is replaced.
    for release, following in zip(releases, [*releases[1:], None], strict=False):
        if release.kind != Release.Kind.BAIL or release.bail_ends_at is None:
            continue
        bail_extensions = sorted(
            (e for e in release.bail_extensions.all() if e.withdrawn_at is None), key=lambda e: (e.approved_at, e.pk)
        )
        ends = max([release.bail_ends_at, *(e.new_end for e in bail_extensions)])
        done = [e.section for e in bail_extensions]
        body = release.investigating_body
        # The sections applied, each once, in PACE's words ("PACE ss.47ZB(1)(a), 47ZDB, 47ZF"): the
        # initial period's subsection, then each extension's section.
        sections = [rules.bail_initial_period(regime=release.bail_regime, body=body)[2]]
        sections += [section for section in dict.fromkeys(done) if section]
        steps = rules.bail_next_steps(regime=release.bail_regime, body=body, done=done)
        options = []
        for step in steps:
            if step.months is None:
                options.append(f"{BAIL_RANK_WORDS[step.rank]} ({step.citation})")
            else:
                furthest = rules.bail_period_end(arrested_at=arrest.arrested_at, months=step.months)
                options.append(f"{BAIL_RANK_WORDS[step.rank]}, to {formats.when(furthest)} ({step.citation})")
        note = "Next extension: " + " or ".join(options)
        status_text = ""
        if release.court_applied_at is not None:
            note = (
                f"Application to the court made {formats.when(release.court_applied_at)}, not yet determined: "
                "bail is treated as extended until the court decides (PACE s.47ZJ(3))"
            )
            if now > ends:
                status_text = BAIL_TREATED_AS_EXTENDED
        if body != Release.InvestigatingBody.STANDARD:
            note += f". {release.get_investigating_body_display()}, confirmed by {release.body_confirmed_by}"
        if release.answer_text:
            note += f". To{release.answer_text[2:]}"
        if release.bail_conditions:
            note += f". Conditions: {release.bail_conditions}"
        b.add(
            Kind.BAIL_END,
            label=f"Pre-charge bail of {subject} ends",
            due_at=ends,
            source=f"{rules.bail_rule(release.bail_regime).source}: PACE "
            + (f"ss.{', '.join(sections)}" if len(sections) > 1 else f"s.{sections[0]}"),
            record=release,
            # An application made in time keeps the bail running until the court decides (s.47ZJ(3)).
            met_at=_earliest(decided_at, following.released_at if following else None, release.court_applied_at),
            note=note,
            status_text=status_text,
            url=_url("cases:bail_extend", reference=ref, arrest_pk=arrest.pk, pk=release.pk),
        )

    b.add(
        Kind.CHARGING_TARGET,
        label=f"Charging decision for {subject} (four-week target)",
        due_at=rules.charging_target_at(arrest.arrested_at),
        source=rules.CHARGING_TARGET.source,
        record=arrest,
        met_at=_earliest(decided_at, charged_at),
        url=_url("cases:charging_submit", reference=ref),
    )

    if charged_at is not None:
        first = [
            h
            for h in hearings
            if h.subject_id == arrest.subject_id
            and h.hearing_type == CourtHearing.Type.FIRST_APPEARANCE
            and h.hearing_at >= arrest.arrested_at
        ]
        held = [h.hearing_at for h in first if h.hearing_at <= now]
        listed = [h.hearing_at for h in first if h.hearing_at > now]
        b.add(
            Kind.FIRST_COURT,
            label=f"First court appearance of {subject}",
            due_at=rules.first_court_due_at(arrest.arrested_at),
            source=rules.FIRST_COURT.source,
            record=arrest,
            met_at=min(held) if held else None,
            note=f"Listed for {formats.when(min(listed))}" if listed and not held else "",
            url=_url("cases:hearing_add", reference=ref),
        )


def with_deadline_records(cases: QuerySet[Case]) -> list[Case]:
    """`cases` with what `case_deadlines` reads: two queries, whatever their number (cases.records)."""
    loaded = list(cases.select_related("referral", "team", "officer_in_case", "supervisor"))
    load_records(loaded, DEADLINE_SETS)
    return loaded


URGENT = (Status.MISSED, Status.DUE_SOON)


def outstanding_deadlines_of_cases(cases: QuerySet[Case], *, now: datetime, batch: int = 500) -> list[Deadline]:
    """Every outstanding deadline (not met, not lapsed) of `cases`, whatever its status.

    Cases are loaded `batch` at a time with `with_deadline_records`: two queries a batch.
    """
    found: list[Deadline] = []
    ids = list(cases.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        chunk = with_deadline_records(Case.objects.filter(pk__in=ids[start : start + batch]).order_by("pk"))
        for case in chunk:
            found.extend(d for d in case_deadlines(case, now=now) if d.outstanding)
    return found


def most_urgent_first(deadlines: list[Deadline]) -> list[Deadline]:
    return sorted(deadlines, key=lambda d: (d.due_at, d.case.reference, d.kind))


def deadlines_of_cases(cases: QuerySet[Case], *, now: datetime, batch: int = 500) -> list[Deadline]:
    """The outstanding due-soon and missed deadlines of `cases`, most urgent (earliest due) first."""
    found = outstanding_deadlines_of_cases(cases, now=now, batch=batch)
    return most_urgent_first([d for d in found if d.status in URGENT])
