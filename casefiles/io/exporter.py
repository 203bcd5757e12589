"""Exporting cases to the case file format (docs/import-format.md), one case per line.

Reads models only. Cases are written in reference order and each case's records in the order they
were recorded, with local keys numbered by position (S1, P1, W1, SR1, A1), so exporting the same
data twice, or exporting what an exported file imported, gives the same bytes. Cases are read in
chunks with their records prefetched, so a large export never holds every case in memory.

A record withdrawn as entered in error (cases.corrections) is left out: the file carries the case
as it stands, and an imported file must not bring a mistake back as a current record. Its history
stays in Safeguard. A record is withdrawn only once nothing current rests on it, so no record left
in the file names one left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any, Protocol

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from casefiles.io.fields import IMAGE_CATEGORIES, IMAGE_KINDS, IMAGE_SOURCES
from casefiles.io.schema import (
    ArrestRecord,
    BailBreachRecord,
    BailExtensionRecord,
    CaseRecord,
    ChargeRecord,
    ChargingRecord,
    ClosureConfirmationRecord,
    ClosureRecord,
    CommsRequestRecord,
    CustodyExtensionRecord,
    CustodyReviewRecord,
    DeviceRecord,
    FurtherEntryRecord,
    HearingRecord,
    IdentifierRecord,
    LogEntryRecord,
    PremisesRecord,
    Record,
    ReferralRecord,
    ReleaseRecord,
    RetentionReviewRecord,
    SafeguardingRecord,
    SearchRecord,
    SubjectRecord,
    WarrantRecord,
)
from cases.models import (
    Arrest,
    BailBreach,
    BailExtension,
    Case,
    CaseLogEntry,
    CaseUserObjectPermission,
    Charge,
    ChargingSubmission,
    ClosureConfirmation,
    CommsDataRequest,
    CourtHearing,
    CustodyExtension,
    CustodyReview,
    Device,
    ImageCount,
    Offence,
    Premises,
    ReferralIdentifier,
    Release,
    RetentionReview,
    SafeguardingReferral,
    Search,
    Subject,
)
from warrants.models import FurtherEntryAuthority, Warrant

CHUNK_SIZE = 100


class TextSink(Protocol):
    """Anything with write(str): a text file, a StringIO, a command's stdout."""

    def write(self, text: str, /) -> object: ...


def _time(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _username(user: User | None) -> str | None:
    return user.username if user is not None else None


def _ordered(spec: type[Record], values: dict[str, Any]) -> dict[str, Any]:
    """The record's fields in the schema's order; every field of the schema, no other."""
    assert set(values) == set(spec.model_fields), set(values) ^ set(spec.model_fields)
    return {name: values[name] for name in spec.model_fields}


# The grant that makes a digital forensics examiner one of a case's examiners (case_assign_examiner).
EXAMINER_GRANT = "record_triage"


def _current(records: QuerySet[Any]) -> QuerySet[Any]:
    """The records not withdrawn as entered in error."""
    return records.filter(withdrawn_at__isnull=True)


def cases_for_export(queryset: QuerySet[Case] | None = None, references: Iterable[str] = ()) -> QuerySet[Case]:
    """Cases in reference order with everything the export writes prefetched, in recorded order."""
    cases = queryset if queryset is not None else Case.objects.all()
    references = list(references)
    if references:
        cases = cases.filter(reference__in=references)
    by_id = "id"
    return (
        cases.order_by("reference")
        .select_related("force", "team", "officer_in_case", "supervisor", "referral", "closure__closed_by")
        .prefetch_related(
            Prefetch("referral__identifiers", _current(ReferralIdentifier.objects.order_by(by_id))),
            Prefetch(
                "referral__comms_requests",
                _current(CommsDataRequest.objects.select_related("time_verified_by").order_by(by_id)),
            ),
            Prefetch("closure__confirmations", ClosureConfirmation.objects.order_by(by_id)),
            Prefetch("subjects", _current(Subject.objects.order_by(by_id))),
            Prefetch("premises", _current(Premises.objects.order_by(by_id))),
            Prefetch("warrants", _current(Warrant.objects.select_related("applicant", "executed_by").order_by(by_id))),
            Prefetch("warrants__further_entries", _current(FurtherEntryAuthority.objects.order_by(by_id))),
            Prefetch("searches", _current(Search.objects.select_related("officer_in_charge").order_by(by_id))),
            Prefetch(
                "user_grants",
                CaseUserObjectPermission.objects.filter(permission__codename=EXAMINER_GRANT)
                .select_related("user")
                .order_by("user__username"),
                to_attr="examiner_grants",
            ),
            Prefetch("devices", _current(Device.objects.select_related("examiner").order_by(by_id))),
            Prefetch("devices__image_counts", ImageCount.objects.order_by(by_id)),
            Prefetch("arrests", _current(Arrest.objects.select_related("arresting_officer").order_by(by_id))),
            Prefetch("arrests__suspected_offences", Offence.objects.order_by("code")),
            Prefetch("arrests__custody_extensions", _current(CustodyExtension.objects.order_by(by_id))),
            Prefetch("arrests__custody_reviews", _current(CustodyReview.objects.order_by(by_id))),
            Prefetch("arrests__releases", _current(Release.objects.select_related("recorded_by").order_by(by_id))),
            Prefetch("arrests__releases__bail_extensions", _current(BailExtension.objects.order_by(by_id))),
            Prefetch(
                "arrests__releases__bail_breaches",
                _current(BailBreach.objects.select_related("noted_by").order_by(by_id)),
            ),
            Prefetch(
                "charging_submissions",
                _current(ChargingSubmission.objects.select_related("submitted_by").order_by(by_id)),
            ),
            Prefetch(
                "charging_submissions__charges", _current(Charge.objects.select_related("offence").order_by(by_id))
            ),
            Prefetch("hearings", _current(CourtHearing.objects.order_by(by_id))),
            Prefetch(
                "safeguarding_referrals",
                _current(SafeguardingReferral.objects.select_related("recorded_by").order_by(by_id)),
            ),
            Prefetch(
                "log_entries",
                CaseLogEntry.objects.exclude(kind=CaseLogEntry.Kind.SYSTEM).select_related("author").order_by(by_id),
            ),
            Prefetch("retention_reviews", RetentionReview.objects.select_related("reviewed_by").order_by(by_id)),
        )
    )


def case_to_dict(case: Case) -> dict[str, Any]:
    """One case in the file format. `case` must come from `cases_for_export` (it reads prefetched sets)."""
    subject_keys = {s.pk: f"S{n}" for n, s in enumerate(case.subjects.all(), 1)}
    premises_keys = {p.pk: f"P{n}" for n, p in enumerate(case.premises.all(), 1)}
    warrant_keys = {w.pk: f"W{n}" for n, w in enumerate(case.warrants.all(), 1)}
    search_keys = {s.pk: f"SR{n}" for n, s in enumerate(case.searches.all(), 1)}
    log = list(case.log_entries.all())
    log_index = {entry.pk: index for index, entry in enumerate(log)}
    reviews = list(case.retention_reviews.all())
    set_review = next((r for r in reviews if r.decision == RetentionReview.Decision.SET), None)
    closure = getattr(case, "closure", None)
    return _ordered(
        CaseRecord,
        {
            "reference": case.reference,
            "force": case.force.code,
            "team": case.team.name,
            "officer_in_case": case.officer_in_case.username,
            "supervisor": case.supervisor.username,
            "opened_at": _time(case.opened_at),
            "operation": case.operation,
            "district": case.district,
            "restricted": case.restricted,
            "summary": case.summary,
            "status": case.status,
            "stage": case.stage,
            "referral": _referral(case.referral) if case.referral else None,
            "subjects": [
                _ordered(
                    SubjectRecord,
                    {
                        "key": subject_keys[s.pk],
                        "full_name": s.full_name,
                        "date_of_birth": _day(s.date_of_birth),
                        "pnc_id": s.pnc_id,
                        "phone": s.phone,
                        "email": s.email,
                        "online_account": s.online_account,
                        "notes": s.notes,
                    },
                )
                for s in case.subjects.all()
            ],
            "premises": [
                _ordered(
                    PremisesRecord,
                    {
                        "key": premises_keys[p.pk],
                        "address": p.address,
                        "postcode": p.postcode,
                        "description": p.description,
                    },
                )
                for p in case.premises.all()
            ],
            "warrants": [_warrant(w, warrant_keys[w.pk], premises_keys) for w in case.warrants.all()],
            "searches": [
                _ordered(
                    SearchRecord,
                    {
                        "key": search_keys[s.pk],
                        "premises": premises_keys[s.premises_id],
                        "warrant": warrant_keys[s.warrant_id] if s.warrant_id else None,
                        "started_at": _time(s.started_at),
                        "ended_at": _time(s.ended_at),
                        "officer_in_charge": s.officer_in_charge.username,
                        "notes": s.notes,
                    },
                )
                for s in case.searches.all()
            ],
            "examiners": [grant.user.username for grant in case.examiner_grants],  # type: ignore[attr-defined]  # Prefetch to_attr
            "devices": [_device(d, search_keys) for d in case.devices.all()],
            "arrests": [_arrest(a, n, subject_keys) for n, a in enumerate(case.arrests.all(), 1)],
            "charging": [_charging(c, subject_keys) for c in case.charging_submissions.all()],
            "hearings": [
                _ordered(
                    HearingRecord,
                    {
                        "subject": subject_keys[h.subject_id],
                        "court": h.court,
                        "hearing_at": _time(h.hearing_at),
                        "hearing_type": h.hearing_type,
                        "outcome": h.outcome,
                        "remand_status": h.remand_status,
                        "notification_requirements": h.notification_requirements,
                        "shpo_made": h.shpo_made,
                    },
                )
                for h in case.hearings.all()
            ],
            "safeguarding": [
                _ordered(
                    SafeguardingRecord,
                    {
                        "pseudonymous_reference": r.pseudonymous_reference,
                        "children_count": r.children_count,
                        "relationship": r.relationship,
                        "mash_referred_at": _time(r.mash_referred_at),
                        "mash_reference": r.mash_reference,
                        "strategy_discussion": r.strategy_discussion,
                        "section_47_enquiry": r.section_47_enquiry,
                        "children_safeguarded": r.children_safeguarded,
                        "outcome": r.outcome,
                        "recorded_by": r.recorded_by.username,
                        "recorded_at": _time(r.recorded_at),
                    },
                )
                for r in case.safeguarding_referrals.all()
            ],
            "log": [
                _ordered(
                    LogEntryRecord,
                    {
                        "kind": e.kind,
                        "text": e.text,
                        "at": _time(e.created_at),
                        "author": e.author.username,
                        "corrects": log_index.get(e.corrects_id) if e.corrects_id else None,
                    },
                )
                for e in log
            ],
            "closure": _ordered(
                ClosureRecord,
                {
                    "outcome_type": closure.outcome_type,
                    "closed_at": _time(closure.closed_at),
                    "rationale": closure.rationale,
                    "retention_group": set_review.retention_group if set_review else None,
                    "closed_by": closure.closed_by.username,
                    "confirmations": [
                        _ordered(ClosureConfirmationRecord, {"item": c.item, "reason": c.reason})
                        for c in closure.confirmations.all()
                    ],
                    "next_review_at": _time(set_review.next_review_at) if set_review else None,
                },
            )
            if closure
            else None,
            "retention_reviews": [
                _ordered(
                    RetentionReviewRecord,
                    {
                        "retention_group": r.retention_group,
                        "decision": r.decision,
                        "reviewed_at": _time(r.reviewed_at),
                        "reviewed_by": r.reviewed_by.username,
                        "rationale": r.rationale,
                        "next_review_at": _time(r.next_review_at),
                    },
                )
                for r in reviews
                if r is not set_review
            ],
        },
    )


def _referral(referral: Any) -> dict[str, Any]:
    return _ordered(
        ReferralRecord,
        {
            "source": referral.source,
            "source_reference": referral.source_reference,
            "received_at": _time(referral.received_at),
            "risk_grade": referral.risk_grade,
            "platform": referral.platform,
            "files_reported": referral.files_reported,
            "summary": referral.summary,
            "identifiers": [
                _ordered(
                    IdentifierRecord,
                    {
                        "kind": i.kind,
                        "ip_address": i.ip_address,
                        "port": i.port,
                        "account_id": i.account_id,
                        "observed_original": i.observed_original,
                        "observed_timezone": i.observed_timezone,
                        "observed_at": _time(i.observed_at),
                    },
                )
                for i in referral.identifiers.all()
            ],
            "comms_requests": [
                _ordered(
                    CommsRequestRecord,
                    {
                        "reference": c.reference,
                        "submitted_at": _time(c.submitted_at),
                        "notes": c.notes,
                        "approved_at": _time(c.approved_at),
                        "approval_route": c.approval_route,
                        "result_received_at": _time(c.result_received_at),
                        "outcome": c.outcome,
                        "time_verified_by": _username(c.time_verified_by),
                    },
                )
                for c in referral.comms_requests.all()
            ],
            "outcome": referral.outcome,
            "outcome_at": _time(referral.outcome_at),
        },
    )


def _warrant(warrant: Warrant, key: str, premises_keys: dict[int, str]) -> dict[str, Any]:
    return _ordered(
        WarrantRecord,
        {
            "key": key,
            "premises": premises_keys[warrant.premises_id],
            "power": warrant.power,
            "entry": warrant.entry,
            "court": warrant.court,
            "warrant_reference": warrant.warrant_reference,
            "court_reference": warrant.court_reference,
            "applicant": warrant.applicant.username,
            "applied_at": _time(warrant.applied_at),
            "issued_at": _time(warrant.issued_at),
            "issuing_justice": warrant.issuing_justice,
            "refused_at": _time(warrant.refused_at),
            "refusal_reason": warrant.refusal_reason,
            "executed_at": _time(warrant.executed_at),
            "executed_by": _username(warrant.executed_by),
            "persons_present": warrant.persons_present,
            "result": warrant.result,
            "returned_at": _time(warrant.returned_at),
            "further_entries": [
                _ordered(
                    FurtherEntryRecord,
                    {
                        "authorised_by": f.authorised_by,
                        "authorised_at": _time(f.authorised_at),
                        "entered_at": _time(f.entered_at),
                    },
                )
                for f in warrant.further_entries.all()
            ],
            "status": warrant.status,
            "expires_at": _time(warrant.expires_at),
        },
    )


def _image_counts(device: Device) -> dict[str, dict[str, dict[str, int]]]:
    rows = sorted(
        device.image_counts.all(),
        key=lambda c: (IMAGE_SOURCES.index(c.source), IMAGE_CATEGORIES.index(c.category), IMAGE_KINDS.index(c.kind)),
    )
    counts: dict[str, dict[str, dict[str, int]]] = {}
    for row in rows:
        counts.setdefault(row.source, {}).setdefault(row.category, {})[row.kind] = row.count
    return counts


def _device(device: Device, search_keys: dict[int, str]) -> dict[str, Any]:
    return _ordered(
        DeviceRecord,
        {
            "exhibit_reference": device.exhibit_reference,
            "device_type": device.device_type,
            "action": device.action,
            "make_model": device.make_model,
            "notes": device.notes,
            "search": search_keys[device.search_id] if device.search_id else None,
            "triage_result": device.triage_result,
            "triaged_at": _time(device.triaged_at),
            "examiner": _username(device.examiner),
            "forensic_requested_at": _time(device.forensic_requested_at),
            "forensic_completed_at": _time(device.forensic_completed_at),
            "image_counts": _image_counts(device),
        },
    )


def _arrest(arrest: Arrest, number: int, subject_keys: dict[int, str]) -> dict[str, Any]:
    return _ordered(
        ArrestRecord,
        {
            "key": f"A{number}",
            "subject": subject_keys[arrest.subject_id],
            "arrested_at": _time(arrest.arrested_at),
            "arresting_officer": arrest.arresting_officer.username,
            "suspected_offences": [o.code for o in arrest.suspected_offences.all()],
            "custody_reference": arrest.custody_reference,
            "relevant_time": _time(arrest.relevant_time),
            "left_custody_at": _time(arrest.left_custody_at),
            "custody_reviews": [
                _ordered(
                    CustodyReviewRecord,
                    {"reviewed_at": _time(r.reviewed_at), "review_officer": r.review_officer},
                )
                for r in arrest.custody_reviews.all()
            ],
            "custody_extensions": [
                _ordered(
                    CustodyExtensionRecord,
                    {
                        "authority": e.authority,
                        "authorised_at": _time(e.authorised_at),
                        "authorised_by": e.authorised_by,
                        "detention_until": _time(e.detention_until),
                        "applied_at": _time(e.applied_at),
                        "court_not_sitting": e.court_not_sitting,
                    },
                )
                for e in arrest.custody_extensions.all()
            ],
            "releases": [
                _ordered(
                    ReleaseRecord,
                    {
                        "kind": r.kind,
                        "released_at": _time(r.released_at),
                        "bail_conditions": r.bail_conditions,
                        "answer_at": _time(r.answer_at),
                        "answer_place": r.answer_place,
                        "investigating_body": r.investigating_body,
                        "body_confirmed_by": r.body_confirmed_by,
                        "court_applied_at": _time(r.court_applied_at),
                        "recorded_by": r.recorded_by.username,
                        "bail_extensions": [
                            _ordered(
                                BailExtensionRecord,
                                {
                                    "approved_at": _time(b.approved_at),
                                    "approved_by": b.approved_by,
                                    "approver_rank": b.approver_rank,
                                    "new_end": _time(b.new_end),
                                    "applied_at": _time(b.applied_at),
                                    "within_subsection_7": b.within_subsection_7,
                                    "designated_at": _time(b.designated_at),
                                    "designated_by": b.designated_by,
                                    "section": b.section,
                                    "previous_end": _time(b.previous_end),
                                },
                            )
                            for b in r.bail_extensions.all()
                        ],
                        "bail_breaches": [
                            _ordered(
                                BailBreachRecord,
                                {
                                    "occurred_at": _time(b.occurred_at),
                                    "description": b.description,
                                    "noted_by": b.noted_by.username,
                                },
                            )
                            for b in r.bail_breaches.all()
                        ],
                        "bail_regime": r.bail_regime,
                        "bail_ends_at": _time(r.bail_ends_at),
                    },
                )
                for r in arrest.releases.all()
            ],
        },
    )


def _charging(submission: ChargingSubmission, subject_keys: dict[int, str]) -> dict[str, Any]:
    return _ordered(
        ChargingRecord,
        {
            "subject": subject_keys[submission.subject_id],
            "submitted_at": _time(submission.submitted_at),
            "submitted_by": submission.submitted_by.username,
            "test": submission.test,
            "cps_reference": submission.cps_reference,
            "decision": submission.decision,
            "decision_at": _time(submission.decision_at),
            "decision_notes": submission.decision_notes,
            "charges": [
                _ordered(ChargeRecord, {"offence": c.offence.code, "counts": c.counts, "category": c.category})
                for c in submission.charges.all()
            ],
        },
    )


def case_to_line(case: Case) -> str:
    return json.dumps(case_to_dict(case), ensure_ascii=False, separators=(",", ":")) + "\n"


def iter_export_lines(
    queryset: QuerySet[Case] | None = None, references: Iterable[str] = (), chunk_size: int = CHUNK_SIZE
) -> Iterator[str]:
    for case in cases_for_export(queryset, references).iterator(chunk_size=chunk_size):
        yield case_to_line(case)


def export_cases(
    out: TextSink,
    *,
    queryset: QuerySet[Case] | None = None,
    references: Iterable[str] = (),
    chunk_size: int = CHUNK_SIZE,
) -> int:
    """Write cases to `out`, one per line; returns how many. Pass `queryset` to limit the cases (for
    example to those a user may see); the management command exports every case."""
    written = 0
    for line in iter_export_lines(queryset, references, chunk_size):
        out.write(line)
        written += 1
    return written
