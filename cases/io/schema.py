"""The case file format: one JSON object per line, one case per object.

Every record type is declared once here, in path order. The parser checks a line against these
declarations, the exporter writes them in this field order, and docs/import-format.md describes them.
Lengths and choices come from the models so the format cannot drift from the database.

Field kinds:
  str, text        a string (text has no length limit); null or omitted means ""
  int, bool        a JSON number without a fraction / true or false
  datetime         ISO 8601 with an offset, e.g. 2026-03-02T06:05:00+00:00 (stored in UTC)
  date             YYYY-MM-DD
  choice           one of the model's choices (the stored value, e.g. "pace_s8")
  user             a username; force, team: a force code / a team name in that force
  key              this record's local key (e.g. "S1"), unique in its list
  ref              the key of a record defined earlier in the same case (`refers_to` names the list)
  offence          an offence catalogue code; offences: a list of codes
  index            the position (from 0) of an earlier entry in the same list
  counts           image counts: {"source": {"A": {"still": n, "moving": n}, ...}, ...}
  record, list     a nested object / a list of nested objects
Read-only fields are written by the export (they are derived by cases/rules.py or by the services)
and ignored on import, so an exported file imports unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models

from cases.models import (
    Arrest,
    BailBreach,
    BailExtension,
    Case,
    CaseLogEntry,
    Charge,
    ChargingSubmission,
    Closure,
    ClosureConfirmation,
    CommsDataRequest,
    CourtHearing,
    CustodyExtension,
    CustodyReview,
    Device,
    ImageCategory,
    ImageCount,
    Premises,
    Referral,
    ReferralIdentifier,
    Release,
    RetentionReview,
    SafeguardingReferral,
    Search,
    Subject,
)
from warrants.models import FurtherEntryAuthority, Warrant

# Longest line accepted, in bytes of UTF-8. A case with hundreds of devices and log entries is
# well under 200 KiB; anything near this limit is almost certainly an embedded file.
MAX_LINE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    required: bool = False
    read_only: bool = False
    choices: tuple[str, ...] | None = None
    max_length: int | None = None
    refers_to: str | None = None
    record: Record | None = None
    min_value: int | None = None
    max_value: int | None = None
    help: str = ""


@dataclass(frozen=True)
class Record:
    name: str
    fields: tuple[Field, ...] = field(default_factory=tuple)
    key_space: str | None = None  # the name other records use to refer to these by key

    def get(self, name: str) -> Field | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None


def _model_field(model: type[models.Model], name: str) -> Any:
    return model._meta.get_field(name)


def s(model: type[models.Model], name: str, *, required: bool = False, help: str = "", attr: str = "") -> Field:
    """A string field whose length limit and choices come from `model.attr`."""
    model_field = _model_field(model, attr or name)
    choices = tuple(str(value) for value, _ in model_field.choices) if model_field.choices else None
    kind = "choice" if choices else ("text" if isinstance(model_field, models.TextField) else "str")
    return Field(name, kind, required=required, choices=choices, max_length=model_field.max_length, help=help)


def choice(name: str, values: type[models.TextChoices], *, required: bool = False, exclude=(), help="") -> Field:
    return Field(
        name, "choice", required=required, choices=tuple(v for v in values.values if v not in exclude), help=help
    )


def dt(name: str, *, required: bool = False, read_only: bool = False, help: str = "") -> Field:
    return Field(name, "datetime", required=required, read_only=read_only, help=help)


def user(name: str, *, required: bool = False, help: str = "") -> Field:
    return Field(name, "user", required=required, help=help)


def ref(name: str, refers_to: str, *, required: bool = False, help: str = "") -> Field:
    return Field(name, "ref", required=required, refers_to=refers_to, help=help)


def key(help: str) -> Field:
    return Field("key", "key", required=True, max_length=20, help=help)


def many(name: str, record: Record, help: str = "") -> Field:
    return Field(name, "list", record=record, help=help)


def ro(name: str, kind: str = "datetime", help: str = "") -> Field:
    return Field(name, kind, read_only=True, help=help)


IDENTIFIER = Record(
    "identifier",
    (
        s(ReferralIdentifier, "kind", required=True, help='"ip" (IP address) or "account" (account ID).'),
        Field("ip_address", "ip", help="IPv4 or IPv6 address, for an IP identifier."),
        Field("port", "int", min_value=0, max_value=65535, help="Source port, where the referral gives one."),
        s(ReferralIdentifier, "account_id", help="Account ID, for an account identifier."),
        s(ReferralIdentifier, "observed_original", help="The time of observation exactly as the referral gives it."),
        s(ReferralIdentifier, "observed_timezone", help="IANA time zone of that time, e.g. America/New_York."),
        ro("observed_at", help="Read-only: the observation time in UTC, computed from the two fields above."),
    ),
)

COMMS_REQUEST = Record(
    "comms request",
    (
        s(CommsDataRequest, "reference", required=True, help="Communications-data request reference."),
        dt("submitted_at", required=True),
        s(CommsDataRequest, "notes"),
        dt("approved_at"),
        s(CommsDataRequest, "approval_route", help='"ocda" or "urgent"; with approved_at.'),
        dt("result_received_at"),
        s(CommsDataRequest, "outcome", help='"pending" (default), "resolved" or "not_resolved".'),
        user("time_verified_by", help="Who checked the conversion of the time to UTC; required with a result."),
    ),
)

REFERRAL = Record(
    "referral",
    (
        s(Referral, "source", required=True),
        s(Referral, "source_reference", required=True, help="e.g. the CEOP or CyberTipline reference."),
        dt("received_at", required=True),
        s(Referral, "risk_grade", required=True),
        s(Referral, "platform"),
        Field("files_reported", "int", min_value=0, help="A count of files reported, never files."),
        s(Referral, "summary"),
        many("identifiers", IDENTIFIER),
        many("comms_requests", COMMS_REQUEST),
        ro("outcome", "str", help='Read-only: "developed" once the case is opened.'),
        ro("outcome_at", help="Read-only."),
    ),
)

SUBJECT = Record(
    "subject",
    (
        key('Local key other records use for this subject, e.g. "S1".'),
        s(Subject, "full_name", required=True),
        Field("date_of_birth", "date"),
        s(Subject, "pnc_id", help="Police National Computer ID."),
        s(Subject, "notes"),
    ),
    key_space="subjects",
)

PREMISES = Record(
    "premises",
    (
        key('Local key other records use for these premises, e.g. "P1".'),
        s(Premises, "address", required=True),
        s(Premises, "postcode"),
        s(Premises, "description", help="e.g. home address, workplace."),
    ),
    key_space="premises",
)

FURTHER_ENTRY = Record(
    "further entry",
    (
        s(FurtherEntryAuthority, "authorised_by", required=True, help="The inspector's name and rank."),
        dt("authorised_at", required=True),
        dt("entered_at"),
    ),
)

WARRANT = Record(
    "warrant",
    (
        key('Local key searches use for this warrant, e.g. "W1".'),
        ref("premises", "premises", required=True),
        s(Warrant, "power", required=True),
        s(Warrant, "entry", help='"single" (default) or "multiple".'),
        s(Warrant, "court", required=True),
        user("applicant", help="Who drafted and applied; default the --actor user."),
        dt("applied_at"),
        dt("issued_at"),
        s(Warrant, "issuing_justice"),
        dt("refused_at"),
        s(Warrant, "refusal_reason"),
        dt("executed_at"),
        user("executed_by", help="The constable in charge of the execution; required with executed_at."),
        s(Warrant, "persons_present"),
        s(Warrant, "result"),
        dt("returned_at"),
        many("further_entries", FURTHER_ENTRY),
        ro("status", "str", help="Read-only: the warrant's state."),
        ro("expires_at", help="Read-only: three months from issue (PACE 1984 s.16(3))."),
    ),
    key_space="warrants",
)

SEARCH = Record(
    "search",
    (
        key('Local key devices use for this search, e.g. "SR1".'),
        ref("premises", "premises", required=True),
        ref("warrant", "warrants", help="Key of the warrant searched under, if any."),
        dt("started_at", required=True),
        dt("ended_at"),
        user("officer_in_charge", help="Default the --actor user."),
        s(Search, "notes"),
    ),
    key_space="searches",
)

IMAGE_SOURCES = tuple(ImageCount.Source.values)
IMAGE_CATEGORIES = tuple(ImageCategory.values)
IMAGE_KINDS = tuple(ImageCount.Kind.values)

DEVICE = Record(
    "device",
    (
        s(Device, "exhibit_reference", required=True, help="Unique in the case, e.g. RH/1."),
        s(Device, "device_type", required=True),
        s(Device, "action", required=True),
        s(Device, "make_model"),
        s(Device, "notes"),
        ref("search", "searches", help="Key of the search the device was found in, if any."),
        s(Device, "triage_result", help='Default "not_examined".'),
        dt("triaged_at"),
        user("examiner", help="Who triaged; required with a triage result."),
        dt("forensic_requested_at"),
        dt("forensic_completed_at"),
        Field("image_counts", "counts", help='Numbers only: {"triage": {"A": {"still": 12, "moving": 0}}}.'),
    ),
)

CUSTODY_REVIEW = Record(
    "custody review",
    (
        dt("reviewed_at", required=True),
        s(CustodyReview, "review_officer", required=True, help="Name and rank of the review officer."),
    ),
)

CUSTODY_EXTENSION = Record(
    "custody extension",
    (
        s(CustodyExtension, "authority", required=True),
        dt("authorised_at", required=True),
        s(CustodyExtension, "authorised_by", required=True, help="Name and rank, or the court."),
        dt("detention_until", required=True),
        dt("applied_at", help="Warrants of further detention only (required for them): when applied for."),
        Field("court_not_sitting", "bool", help="The court could not sit at 36 hours (PACE s.43(5)(b))."),
    ),
)

BAIL_EXTENSION = Record(
    "bail extension",
    (
        dt("approved_at", required=True),
        s(BailExtension, "approved_by", required=True, help="Name of the approving officer, or the court."),
        s(BailExtension, "approver_rank", required=True),
        dt("new_end", help="Used only for a magistrates' extension; otherwise computed (and written by the export)."),
        dt(
            "applied_at",
            help="Magistrates' court only: when the application was made, before bail ended (PACE s.47ZF(2)); "
            "the court may then decide after the end (s.47ZJ(3)).",
        ),
        Field(
            "within_subsection_7",
            "bool",
            help="Magistrates' court, first extension only: the court found the case within PACE s.47ZF(7).",
        ),
        dt(
            "designated_at",
            help="Commander or assistant chief constable only (required for it): when the DPP designated the case "
            "exceptionally complex (PACE s.47ZE(2)).",
        ),
        s(BailExtension, "designated_by", help="With designated_at: who designated the case for the DPP."),
        ro("section", "str", help="Read-only: the PACE section of the extension (47ZD to 47ZG)."),
        ro("previous_end", help="Read-only."),
    ),
)

BAIL_BREACH = Record(
    "bail breach",
    (
        dt("occurred_at", required=True),
        s(BailBreach, "description", required=True, help="The condition broken, or the failure to answer bail."),
        user("noted_by", help="Default the --actor user."),
    ),
)

RELEASE = Record(
    "release",
    (
        s(Release, "kind", required=True),
        dt("released_at", required=True),
        s(Release, "bail_conditions"),
        dt(
            "answer_at",
            help="Pre-charge bail only: the date and time to answer bail; required for an arrest before 3 Apr 2017.",
        ),
        s(Release, "answer_place", help="Pre-charge bail only: the police station to answer bail at."),
        s(
            Release,
            "investigating_body",
            help="Pre-charge bail only: who investigates the case (PACE s.47ZB(4)); default `standard`.",
        ),
        s(
            Release,
            "body_confirmed_by",
            help="FCA, HMRC, NCA or SFO case (required for it): who confirmed it (PACE s.47ZB(4)(b)-(c)).",
        ),
        dt(
            "court_applied_at",
            help="Pre-charge bail only: an application to the court made before bail ended and not yet "
            "determined (PACE s.47ZJ); recorded after the extensions.",
        ),
        user("recorded_by", help="Default the --actor user."),
        many("bail_extensions", BAIL_EXTENSION),
        many("bail_breaches", BAIL_BREACH),
        ro("bail_regime", "str", help="Read-only: chosen by the arrest date."),
        ro("bail_ends_at", help="Read-only: computed by cases/rules.py."),
    ),
)

ARREST = Record(
    "arrest",
    (
        key('Local key for this arrest, e.g. "A1".'),
        ref("subject", "subjects", required=True),
        dt("arrested_at", required=True),
        user("arresting_officer", help="Default the --actor user."),
        Field("suspected_offences", "offences", required=True, help="Offence catalogue codes."),
        s(Arrest, "custody_reference"),
        dt("relevant_time"),
        dt("left_custody_at"),
        many("custody_reviews", CUSTODY_REVIEW),
        many("custody_extensions", CUSTODY_EXTENSION),
        many("releases", RELEASE),
    ),
    key_space="arrests",
)

CHARGE = Record(
    "charge",
    (
        Field("offence", "offence", required=True, help="Offence catalogue code."),
        Field("counts", "int", min_value=1, max_value=32767, help="Default 1."),
        s(Charge, "category", help='"A", "B", "C" or "".'),
    ),
)

CHARGING = Record(
    "charging submission",
    (
        ref("subject", "subjects", required=True),
        dt("submitted_at", required=True),
        user("submitted_by", help="Default the --actor user."),
        s(ChargingSubmission, "test", required=True),
        s(ChargingSubmission, "cps_reference"),
        s(ChargingSubmission, "decision", help='Default "pending".'),
        dt("decision_at"),
        s(ChargingSubmission, "decision_notes"),
        many("charges", CHARGE),
    ),
)

HEARING = Record(
    "hearing",
    (
        ref("subject", "subjects", required=True),
        s(CourtHearing, "court", required=True),
        dt("hearing_at", required=True),
        s(CourtHearing, "hearing_type", required=True),
        s(CourtHearing, "outcome"),
        s(CourtHearing, "remand_status"),
        Field("notification_requirements", "bool"),
        Field("shpo_made", "bool"),
    ),
)

SAFEGUARDING = Record(
    "safeguarding referral",
    (
        s(SafeguardingReferral, "pseudonymous_reference", required=True, help="Never a name: e.g. CHILD-A."),
        Field("children_count", "int", required=True, min_value=0, max_value=32767),
        s(SafeguardingReferral, "relationship", required=True),
        dt("mash_referred_at"),
        s(SafeguardingReferral, "mash_reference"),
        Field("strategy_discussion", "bool"),
        Field("section_47_enquiry", "bool"),
        Field("children_safeguarded", "int", min_value=0, max_value=32767),
        s(SafeguardingReferral, "outcome"),
        user("recorded_by", help="Default the --actor user."),
        dt("recorded_at", help="When it was recorded; default the MASH referral time, else the time of import."),
    ),
)

LOG_ENTRY = Record(
    "log entry",
    (
        choice("kind", CaseLogEntry.Kind, required=True, exclude=(CaseLogEntry.Kind.SYSTEM,)),
        s(CaseLogEntry, "text", required=True),
        dt("at", required=True),
        user("author", help="Default the --actor user."),
        Field("corrects", "index", help="For a correction: the position (from 0) of the entry it corrects."),
    ),
)

CLOSURE_CONFIRMATION = Record(
    "closure confirmation",
    (
        s(
            ClosureConfirmation,
            "item",
            required=True,
            help="What was outstanding at the closing time, in the words Safeguard gives it, e.g. "
            '"pre-charge bail of Sam Cole runs until 31 Jul 2025, end of day".',
        ),
        s(ClosureConfirmation, "reason", required=True, help="Why the case may close although it is outstanding."),
    ),
)

CLOSURE = Record(
    "closure",
    (
        s(Closure, "outcome_type", required=True, help="Home Office outcome type, e.g. 1."),
        dt("closed_at", required=True),
        s(Closure, "rationale", required=True),
        s(RetentionReview, "retention_group", required=True, help="MoPI group 1, 2 or 3."),
        user("closed_by", help="Default the --actor user."),
        many(
            "confirmations",
            CLOSURE_CONFIRMATION,
            help="A supervisor's confirmation of each item outstanding at the closing time (docs/deadlines.md).",
        ),
        ro("next_review_at", help="Read-only: the first MoPI review date, computed."),
    ),
)

RETENTION_REVIEW = Record(
    "retention review",
    (
        s(RetentionReview, "retention_group", required=True),
        choice("decision", RetentionReview.Decision, required=True, exclude=(RetentionReview.Decision.SET,)),
        dt("reviewed_at", required=True),
        user("reviewed_by", help="Default the --actor user."),
        s(RetentionReview, "rationale", required=True),
        ro("next_review_at", help="Read-only: computed."),
    ),
)

CASE = Record(
    "case",
    (
        Field("reference", "str", required=True, max_length=24, help="e.g. STF-2025-000412; unique."),
        Field("force", "force", required=True, help="Force code, e.g. STF."),
        Field("team", "team", required=True, help="Team name in that force, e.g. Safenet."),
        user("officer_in_case", required=True),
        user("supervisor", required=True),
        dt("opened_at", required=True),
        s(Case, "operation", help="e.g. Safenet."),
        s(Case, "district"),
        Field("restricted", "bool", help="Need-to-know case."),
        s(Case, "summary"),
        s(Case, "status", help='"open" or "closed"; must agree with closure. Default from closure.'),
        ro("stage", "str", help="Read-only: how far along the path the case has got."),
        Field("referral", "record", record=REFERRAL),
        many("subjects", SUBJECT),
        many("premises", PREMISES),
        many("warrants", WARRANT),
        many("searches", SEARCH),
        many("devices", DEVICE),
        many("arrests", ARREST),
        many("charging", CHARGING),
        many("hearings", HEARING),
        many("safeguarding", SAFEGUARDING),
        many("log", LOG_ENTRY),
        Field("closure", "record", record=CLOSURE),
        many("retention_reviews", RETENTION_REVIEW),
    ),
)
