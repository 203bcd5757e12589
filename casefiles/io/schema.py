"""The case file format: one JSON object per line, one case per object, declared once here.

Each record is a pydantic model, in path order. The importer validates a line against `CaseRecord`
(or `ReferralLineRecord` when it says `"type": "referral"`), the exporter writes each record's
fields in this order, and docs/import-format.md's field tables are generated from these
declarations (`manage.py import_format_doc`; a test keeps them equal).
Lengths and choices come from the Django models (`Chars`), so the format cannot drift from the
database. The base `Record`, the kinds of value and their messages are in casefiles/io/fields.py.

Optional fields may be left out; a left-out or null string is "", list [], true/false false, other
values None. Read-only fields (`ReadOnly`) are written by the export (derived by cases/rules.py or
by the services) and ignored on import, so an exported file imports unchanged.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from accounts.models import Force, Team, User
from casefiles.io.fields import (
    DATE,
    DATETIME,
    FORCE_CODE,
    IP_ADDRESS,
    OFFENCE_CODE,
    TEAM_NAME,
    USERNAME,
    Chars,
    Counts,
    ImageCounts,
    Key,
    Number,
    OffenceCodes,
    OneOf,
    ReadOnly,
    Record,
    Ref,
    Usernames,
)
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
from warrants.models import FurtherEntryAuthority, Warrant

# Longest line accepted, in bytes of UTF-8. A case with hundreds of devices and log entries is
# well under 200 KiB; anything near this limit is almost certainly an embedded file.
MAX_LINE_BYTES = 1024 * 1024

# The `type` of a line that is a referral without a case; a line without a type is a case.
REFERRAL_LINE = "referral"


class IdentifierRecord(Record):
    record_name = "identifier"

    kind: Annotated[str, Chars(ReferralIdentifier, "kind")] = Field(
        description='"ip" (IP address), "account" (account ID), "phone" (phone number) or "email" (e-mail address).'
    )
    ip_address: Annotated[str, IP_ADDRESS] | None = Field(
        None, description="IPv4 or IPv6 address, for an IP identifier."
    )
    port: Annotated[int, Number(0, 65535)] | None = Field(
        None, description="Source port, where the referral gives one."
    )
    account_id: Annotated[str, Chars(ReferralIdentifier, "account_id")] = Field(
        "", description="The account ID, phone number or e-mail address, for those identifiers."
    )
    observed_original: Annotated[str, Chars(ReferralIdentifier, "observed_original")] = Field(
        "", description="The time of observation exactly as the referral gives it."
    )
    observed_timezone: Annotated[str, Chars(ReferralIdentifier, "observed_timezone")] = Field(
        "", description="IANA time zone of that time, e.g. America/New_York."
    )
    observed_at: Annotated[datetime | None, ReadOnly("date-time")] = Field(
        None, description="Read-only: the observation time in UTC, computed from the two fields above."
    )


class CommsRequestRecord(Record):
    record_name = "comms request"

    reference: Annotated[str, Chars(CommsDataRequest, "reference")] = Field(
        description="Communications-data request reference."
    )
    submitted_at: Annotated[datetime, DATETIME] = Field(description="When the request was submitted.")
    notes: Annotated[str, Chars(CommsDataRequest, "notes")] = Field("", description="Free text.")
    approved_at: Annotated[datetime, DATETIME] | None = Field(
        None, description="When it was approved; with approval_route."
    )
    approval_route: Annotated[str, Chars(CommsDataRequest, "approval_route")] = Field(
        "", description='"ocda" or "urgent"; with approved_at.'
    )
    result_received_at: Annotated[datetime, DATETIME] | None = Field(
        None, description="When the result came back; with outcome."
    )
    outcome: Annotated[str, Chars(CommsDataRequest, "outcome")] = Field(
        "", description='"pending" (default), "resolved" or "not_resolved".'
    )
    time_verified_by: Annotated[User | None, USERNAME] = Field(
        None, description="Who checked the conversion of the time to UTC; required with a result."
    )


class ReferralRecord(Record):
    record_name = "referral"

    source: Annotated[str, Chars(Referral, "source")] = Field()
    source_reference: Annotated[str, Chars(Referral, "source_reference")] = Field(
        description="e.g. the CEOP or CyberTipline reference."
    )
    received_at: Annotated[datetime, DATETIME] = Field(description="When the referral was received.")
    risk_grade: Annotated[str, Chars(Referral, "risk_grade")] = Field()
    platform: Annotated[str, Chars(Referral, "platform")] = Field("")
    files_reported: Annotated[int, Number(0)] | None = Field(
        None, description="A count of files reported, never files."
    )
    summary: Annotated[str, Chars(Referral, "summary")] = Field("", description="What the referral says.")
    identifiers: list[IdentifierRecord] = Field(
        default_factory=list, description="IP addresses and accounts the referral names."
    )
    comms_requests: list[CommsRequestRecord] = Field(
        default_factory=list, description="Communications-data requests (Investigatory Powers Act 2016 Part 3)."
    )
    outcome: Annotated[str | None, ReadOnly("string")] = Field(
        None, description='Read-only: "developed" once the case is opened.'
    )
    outcome_at: Annotated[datetime | None, ReadOnly("date-time")] = Field(None, description="Read-only.")


class SubjectRecord(Record):
    record_name = "subject"

    key: Annotated[str, Key("subjects")] = Field(description='Local key other records use for this subject, e.g. "S1".')
    full_name: Annotated[str, Chars(Subject, "full_name")] = Field()
    date_of_birth: Annotated[date, DATE] | None = Field(None, description="Date of birth.")
    pnc_id: Annotated[str, Chars(Subject, "pnc_id")] = Field("", description="Police National Computer ID.")
    phone: Annotated[str, Chars(Subject, "phone")] = Field("", description="Phone number; stored in E.164.")
    email: Annotated[str, Chars(Subject, "email")] = Field("", description="E-mail address.")
    online_account: Annotated[str, Chars(Subject, "online_account")] = Field("", description="User name or account ID.")
    notes: Annotated[str, Chars(Subject, "notes")] = Field("", description="Free text.")


class PremisesRecord(Record):
    record_name = "premises"

    key: Annotated[str, Key("premises")] = Field(
        description='Local key other records use for these premises, e.g. "P1".'
    )
    address: Annotated[str, Chars(Premises, "address")] = Field(description="Address, lines separated by \\n.")
    postcode: Annotated[str, Chars(Premises, "postcode")] = Field("")
    description: Annotated[str, Chars(Premises, "description")] = Field("", description="e.g. home address, workplace.")


class FurtherEntryRecord(Record):
    record_name = "further entry"

    authorised_by: Annotated[str, Chars(FurtherEntryAuthority, "authorised_by")] = Field(
        description="The inspector's name and rank."
    )
    authorised_at: Annotated[datetime, DATETIME] = Field(description="When the authority was given.")
    entered_at: Annotated[datetime, DATETIME] | None = Field(None, description="When the further entry was made.")


class WarrantRecord(Record):
    record_name = "warrant"

    key: Annotated[str, Key("warrants")] = Field(description='Local key searches use for this warrant, e.g. "W1".')
    premises: Annotated[str, Ref("premises")] = Field(description="Key of the premises the warrant is for.")
    power: Annotated[str, Chars(Warrant, "power")] = Field()
    entry: Annotated[str, Chars(Warrant, "entry")] = Field("", description='"single" (default) or "multiple".')
    court: Annotated[str, Chars(Warrant, "court")] = Field()
    warrant_reference: Annotated[str, Chars(Warrant, "warrant_reference")] = Field(
        "", description="The number on the warrant."
    )
    court_reference: Annotated[str, Chars(Warrant, "court_reference")] = Field(
        "", description="The issuing court's own reference."
    )
    applicant: Annotated[User | None, USERNAME] = Field(
        None, description="Who drafted and applied; default the --actor user."
    )
    applied_at: Annotated[datetime, DATETIME] | None = Field(None, description="When the application was made.")
    issued_at: Annotated[datetime, DATETIME] | None = Field(
        None, description="When it was issued (with issuing_justice)."
    )
    issuing_justice: Annotated[str, Chars(Warrant, "issuing_justice")] = Field("")
    refused_at: Annotated[datetime, DATETIME] | None = Field(
        None, description="When the court refused it (with refusal_reason)."
    )
    refusal_reason: Annotated[str, Chars(Warrant, "refusal_reason")] = Field(
        "", description="The court's reason for refusing."
    )
    executed_at: Annotated[datetime, DATETIME] | None = Field(
        None, description="When entry was made (within three months of issue)."
    )
    executed_by: Annotated[User | None, USERNAME] = Field(
        None, description="The constable in charge of the execution; required with executed_at."
    )
    persons_present: Annotated[str, Chars(Warrant, "persons_present")] = Field(
        "", description="Everyone who entered, e.g. forensic staff (PACE s.16(2A))."
    )
    result: Annotated[str, Chars(Warrant, "result")] = Field("", description="What the search under it found.")
    returned_at: Annotated[datetime, DATETIME] | None = Field(
        None, description="When the endorsed warrant was returned to the court (PACE s.16(10))."
    )
    further_entries: list[FurtherEntryRecord] = Field(
        default_factory=list, description="Inspector's authorities for further entries (multiple-entry warrants only)."
    )
    status: Annotated[str | None, ReadOnly("string")] = Field(None, description="Read-only: the warrant's state.")
    expires_at: Annotated[datetime | None, ReadOnly("date-time")] = Field(
        None, description="Read-only: three months from issue (PACE 1984 s.16(3))."
    )


class SearchRecord(Record):
    record_name = "search"

    key: Annotated[str, Key("searches")] = Field(description='Local key devices use for this search, e.g. "SR1".')
    premises: Annotated[str, Ref("premises")] = Field(description="Key of the premises searched.")
    warrant: Annotated[str, Ref("warrants")] | None = Field(
        None, description="Key of the warrant searched under, if any."
    )
    started_at: Annotated[datetime, DATETIME] = Field(
        description="When the search started (within the warrant's validity if under one)."
    )
    ended_at: Annotated[datetime, DATETIME] | None = Field(None, description="When it ended.")
    officer_in_charge: Annotated[User | None, USERNAME] = Field(None, description="Default the --actor user.")
    notes: Annotated[str, Chars(Search, "notes")] = Field("", description="Free text.")


class DeviceRecord(Record):
    record_name = "device"

    exhibit_reference: Annotated[str, Chars(Device, "exhibit_reference")] = Field(
        description="Unique in the case, e.g. RH/1."
    )
    device_type: Annotated[str, Chars(Device, "device_type")] = Field()
    action: Annotated[str, Chars(Device, "action")] = Field()
    make_model: Annotated[str, Chars(Device, "make_model")] = Field("")
    notes: Annotated[str, Chars(Device, "notes")] = Field("", description="Free text.")
    search: Annotated[str, Ref("searches")] | None = Field(
        None, description="Key of the search the device was found in, if any."
    )
    triage_result: Annotated[str, Chars(Device, "triage_result")] = Field("", description='Default "not_examined".')
    triaged_at: Annotated[datetime, DATETIME] | None = Field(
        None, description="When triaged; with triage_result and examiner."
    )
    examiner: Annotated[User | None, USERNAME] = Field(None, description="Who triaged; required with a triage result.")
    forensic_requested_at: Annotated[datetime, DATETIME] | None = Field(
        None, description="When a full forensic examination was requested."
    )
    forensic_completed_at: Annotated[datetime, DATETIME] | None = Field(None, description="When it was completed.")
    image_counts: Counts = Field(
        default_factory=ImageCounts, description='Numbers only: {"triage": {"A": {"still": 12, "moving": 0}}}.'
    )


class CustodyReviewRecord(Record):
    record_name = "custody review"

    reviewed_at: Annotated[datetime, DATETIME] = Field(description="When the review of detention was carried out.")
    review_officer: Annotated[str, Chars(CustodyReview, "review_officer")] = Field(
        description="Name and rank of the review officer."
    )


class CustodyExtensionRecord(Record):
    record_name = "custody extension"

    authority: Annotated[str, Chars(CustodyExtension, "authority")] = Field()
    authorised_at: Annotated[datetime, DATETIME] = Field(description="When authorised.")
    authorised_by: Annotated[str, Chars(CustodyExtension, "authorised_by")] = Field(
        description="Name and rank, or the court."
    )
    detention_until: Annotated[datetime, DATETIME] = Field(description="Detention authorised until.")
    applied_at: Annotated[datetime, DATETIME] | None = Field(
        None,
        description=(
            "Warrants of further detention only, and required for them: when applied for, within 36 hours of "
            "the relevant time (PACE s.43(5))."
        ),
    )
    court_not_sitting: bool = Field(
        False,
        description=(
            "The court could not sit at 36 hours but sat within the 6 hours after, so the application could "
            "be made up to 42 hours (PACE s.43(5)(b)). Default false."
        ),
    )


class BailExtensionRecord(Record):
    record_name = "bail extension"

    approved_at: Annotated[datetime, DATETIME] = Field(description="When approved (before the current bail ends).")
    approved_by: Annotated[str, Chars(BailExtension, "approved_by")] = Field(
        description="Name of the approving officer, or the court."
    )
    approver_rank: Annotated[str, Chars(BailExtension, "approver_rank")] = Field(
        description="`decision_maker`: the appropriate decision-maker of an FCA, HMRC, NCA or SFO case (PACE "
        "s.47ZDB); `qualifying_officer`: a commander or assistant chief constable (s.47ZE)."
    )
    new_end: Annotated[datetime, DATETIME] | None = Field(
        None, description="Used only for a magistrates' extension; otherwise computed (and written by the export)."
    )
    applied_at: Annotated[datetime, DATETIME] | None = Field(
        None,
        description="Magistrates' court only: when the application was made, before bail ended (PACE s.47ZF(2)); "
        "the court may then decide after the end (s.47ZJ(3)). Without it the decision must be before the end.",
    )
    within_subsection_7: bool = Field(
        False,
        description="Magistrates' court, first extension under the 2022 regime only: the court found the case "
        "within PACE s.47ZF(7), so the cap is s.47ZF(6)'s. Default false.",
    )
    designated_at: Annotated[datetime, DATETIME] | None = Field(
        None,
        description="`qualifying_officer` only, and required for it: when the DPP designated the case exceptionally "
        "complex (PACE s.47ZE(2)), after the s.47ZDA extension and before bail ended (s.47ZE(8)).",
    )
    designated_by: Annotated[str, Chars(BailExtension, "designated_by")] = Field(
        "", description="With `designated_at`: who designated the case for the DPP."
    )
    section: Annotated[str | None, ReadOnly("string")] = Field(
        None,
        description="Read-only: the PACE section of the extension (`47ZD`, `47ZDA`, `47ZDB`, `47ZE`, `47ZF`, `47ZG`).",
    )
    previous_end: Annotated[datetime | None, ReadOnly("date-time")] = Field(None, description="Read-only.")


class BailBreachRecord(Record):
    record_name = "bail breach"

    occurred_at: Annotated[datetime, DATETIME] = Field(
        description=(
            "When the breach happened: while this bail ran (after the release, before its end and before a "
            "later release)."
        )
    )
    description: Annotated[str, Chars(BailBreach, "description")] = Field(
        description="What happened: the condition broken, or the failure to answer bail."
    )
    noted_by: Annotated[User | None, USERNAME] = Field(None, description="Default the --actor user.")


class ReleaseRecord(Record):
    record_name = "release"

    kind: Annotated[str, Chars(Release, "kind")] = Field()
    released_at: Annotated[datetime, DATETIME] = Field(description="When released; bail runs from here.")
    bail_conditions: Annotated[str, Chars(Release, "bail_conditions")] = Field("", description="Pre-charge bail only.")
    answer_at: Annotated[datetime, DATETIME] | None = Field(
        None,
        description=(
            "Pre-charge bail only: the date and time to answer bail (PACE s.47(3)(c)), after the release and "
            "on or before the last day of bail (s.47ZA(2)). Required for bail after an arrest before 3 Apr "
            "2017, which had no statutory time limit."
        ),
    )
    answer_place: Annotated[str, Chars(Release, "answer_place")] = Field(
        "", description="Pre-charge bail only: the police station to answer bail at."
    )
    investigating_body: Annotated[str, Chars(Release, "investigating_body")] = Field(
        "",
        description="Pre-charge bail only: who investigates the case (PACE s.47ZB(4)); it sets the initial period "
        "(s.47ZB(1)) and who extends it (s.47ZDB). Default `standard`.",
    )
    body_confirmed_by: Annotated[str, Chars(Release, "body_confirmed_by")] = Field(
        "",
        description="An FCA, HMRC, NCA or SFO case, and required for it: the officer or member of staff of that body "
        "who confirms that it investigates the case (PACE s.47ZB(4)(b)-(c)).",
    )
    court_applied_at: Annotated[datetime, DATETIME] | None = Field(
        None,
        description="Pre-charge bail only: an application to the magistrates' court made before bail ended and not "
        "yet determined, recorded after the extensions; bail is treated as extended until the court decides "
        "(PACE s.47ZJ(3)).",
    )
    recorded_by: Annotated[User | None, USERNAME] = Field(None, description="Default the --actor user.")
    bail_extensions: list[BailExtensionRecord] = Field(
        default_factory=list,
        description="Extensions of this bail, in the regime's order. None for bail before 3 Apr 2017.",
    )
    bail_breaches: list[BailBreachRecord] = Field(
        default_factory=list, description="Breaches of this bail, in time order."
    )
    bail_regime: Annotated[str | None, ReadOnly("string")] = Field(
        None, description="Read-only: chosen by the arrest date (`pre2017` for an arrest before 3 Apr 2017)."
    )
    bail_ends_at: Annotated[datetime | None, ReadOnly("date-time")] = Field(
        None, description="Read-only: computed by cases/rules.py."
    )


class ArrestRecord(Record):
    record_name = "arrest"

    key: Annotated[str, Key("arrests")] = Field(description='Local key for this arrest, e.g. "A1".')
    subject: Annotated[str, Ref("subjects")] = Field(description="Key of the subject arrested.")
    arrested_at: Annotated[datetime, DATETIME] = Field(description="Time of arrest; it chooses the bail regime.")
    arresting_officer: Annotated[User | None, USERNAME] = Field(None, description="Default the --actor user.")
    suspected_offences: OffenceCodes = Field(description="Offence catalogue codes.")
    custody_reference: Annotated[str, Chars(Arrest, "custody_reference")] = Field("")
    relevant_time: Annotated[datetime, DATETIME] | None = Field(
        None, description="When the PACE detention clock started (arrival at the station)."
    )
    left_custody_at: Annotated[datetime, DATETIME] | None = Field(None, description="When the suspect left custody.")
    custody_reviews: list[CustodyReviewRecord] = Field(
        default_factory=list,
        description=(
            "Reviews of detention (PACE s.40), in time order; a superintendent's extension needs two before "
            "it (s.42(4)(b))."
        ),
    )
    custody_extensions: list[CustodyExtensionRecord] = Field(
        default_factory=list, description="Authorities to detain beyond 24 hours, in order."
    )
    releases: list[ReleaseRecord] = Field(
        default_factory=list, description="How the suspect left custody pending a decision, in time order."
    )


class ChargeRecord(Record):
    record_name = "charge"

    offence: Annotated[Offence | None, OFFENCE_CODE] = Field(description="Offence catalogue code.")
    counts: Annotated[int, Number(1, 32767)] | None = Field(None, description="Default 1.")
    category: Annotated[str, Chars(Charge, "category")] = Field("", description='"A", "B", "C" or "".')


class ChargingRecord(Record):
    record_name = "charging submission"

    subject: Annotated[str, Ref("subjects")] = Field(description="Key of an arrested subject.")
    submitted_at: Annotated[datetime, DATETIME] = Field(description="When the file went to the CPS.")
    submitted_by: Annotated[User | None, USERNAME] = Field(None, description="Default the --actor user.")
    test: Annotated[str, Chars(ChargingSubmission, "test")] = Field()
    cps_reference: Annotated[str, Chars(ChargingSubmission, "cps_reference")] = Field("")
    decision: Annotated[str, Chars(ChargingSubmission, "decision")] = Field("", description='Default "pending".')
    decision_at: Annotated[datetime, DATETIME] | None = Field(None, description="When the CPS decided; with decision.")
    decision_notes: Annotated[str, Chars(ChargingSubmission, "decision_notes")] = Field(
        "", description="Notes on the decision."
    )
    charges: list[ChargeRecord] = Field(default_factory=list, description="With a decision to charge only.")


class HearingRecord(Record):
    record_name = "hearing"

    subject: Annotated[str, Ref("subjects")] = Field(description="Key of a subject charged before the hearing.")
    court: Annotated[str, Chars(CourtHearing, "court")] = Field()
    hearing_at: Annotated[datetime, DATETIME] = Field(description="Date and time of the hearing.")
    hearing_type: Annotated[str, Chars(CourtHearing, "hearing_type")] = Field()
    outcome: Annotated[str, Chars(CourtHearing, "outcome")] = Field("", description="What the court decided.")
    remand_status: Annotated[str, Chars(CourtHearing, "remand_status")] = Field("")
    notification_requirements: bool = Field(
        False, description="Sentence hearings only: notification requirements apply (SOA 2003 s.80)."
    )
    shpo_made: bool = Field(False, description="Sentence hearings only: a Sexual Harm Prevention Order was made.")


class SafeguardingRecord(Record):
    record_name = "safeguarding referral"

    pseudonymous_reference: Annotated[str, Chars(SafeguardingReferral, "pseudonymous_reference")] = Field(
        description="Never a name: e.g. CHILD-A."
    )
    children_count: Annotated[int, Number(0, 32767)] = Field(
        description="Children with access to the suspect (at least 1)."
    )
    relationship: Annotated[str, Chars(SafeguardingReferral, "relationship")] = Field()
    mash_referred_at: Annotated[datetime, DATETIME] | None = Field(None, description="When referred to the MASH.")
    mash_reference: Annotated[str, Chars(SafeguardingReferral, "mash_reference")] = Field("")
    strategy_discussion: bool = Field(False, description="A strategy discussion was held.")
    section_47_enquiry: bool = Field(False, description="A s.47 enquiry was opened.")
    children_safeguarded: Annotated[int, Number(0, 32767)] | None = Field(
        None, description="Children under a joint safeguarding response (needs a MASH referral)."
    )
    outcome: Annotated[str, Chars(SafeguardingReferral, "outcome")] = Field(
        "", description="Outcome (never a child's name)."
    )
    recorded_by: Annotated[User | None, USERNAME] = Field(None, description="Default the --actor user.")
    recorded_at: Annotated[datetime, DATETIME] | None = Field(
        None, description="When it was recorded; default the MASH referral time, else the time of import."
    )


class LogEntryRecord(Record):
    record_name = "log entry"

    kind: Annotated[str, OneOf(CaseLogEntry.Kind, exclude=(CaseLogEntry.Kind.SYSTEM,))] = Field()
    text: Annotated[str, Chars(CaseLogEntry, "text")] = Field(description="What happened or was decided.")
    at: Annotated[datetime, DATETIME] = Field(
        description="When (not before the case was opened; a correction not before the entry it corrects)."
    )
    author: Annotated[User | None, USERNAME] = Field(None, description="Default the --actor user.")
    corrects: Annotated[int, Number(0, label="position")] | None = Field(
        None, description="For a correction: the position (from 0) of the entry it corrects."
    )


class ClosureConfirmationRecord(Record):
    record_name = "closure confirmation"

    item: Annotated[str, Chars(ClosureConfirmation, "item")] = Field(
        description=(
            'What was outstanding at the closing time, in the words Safeguard gives it, e.g. "pre-charge bail '
            'of Sam Cole runs until 31 Jul 2025, end of day".'
        )
    )
    reason: Annotated[str, Chars(ClosureConfirmation, "reason")] = Field(
        description="Why the case may close although it is outstanding."
    )


class ClosureRecord(Record):
    record_name = "closure"

    outcome_type: Annotated[str, Chars(Closure, "outcome_type")] = Field(
        description="Home Office outcome type, e.g. 1."
    )
    closed_at: Annotated[datetime, DATETIME] = Field(description="When the case was closed.")
    rationale: Annotated[str, Chars(Closure, "rationale")] = Field(description="Why.")
    retention_group: Annotated[str, Chars(RetentionReview, "retention_group")] = Field(
        description="MoPI group 1, 2 or 3."
    )
    closed_by: Annotated[User | None, USERNAME] = Field(None, description="Default the --actor user.")
    confirmations: list[ClosureConfirmationRecord] = Field(
        default_factory=list,
        description="A supervisor's confirmation of each item outstanding at the closing time (docs/deadlines.md).",
    )
    next_review_at: Annotated[datetime | None, ReadOnly("date-time")] = Field(
        None, description="Read-only: the first MoPI review date, computed."
    )


class RetentionReviewRecord(Record):
    record_name = "retention review"

    retention_group: Annotated[str, Chars(RetentionReview, "retention_group")] = Field()
    decision: Annotated[str, OneOf(RetentionReview.Decision, exclude=(RetentionReview.Decision.SET,))] = Field()
    reviewed_at: Annotated[datetime, DATETIME] = Field(description="When reviewed (after closure and the last review).")
    reviewed_by: Annotated[User | None, USERNAME] = Field(None, description="Default the --actor user.")
    rationale: Annotated[str, Chars(RetentionReview, "rationale")] = Field(description="Why.")
    next_review_at: Annotated[datetime | None, ReadOnly("date-time")] = Field(None, description="Read-only: computed.")


class CaseRecord(Record):
    record_name = "case"

    reference: Annotated[str, Chars(max_length=24)] = Field(
        "",
        description="e.g. STF-2025-000412; unique. Left out: the force's next reference for the year the "
        "case was opened, as when a case is opened on the pages.",
    )
    force: Annotated[Force | None, FORCE_CODE] = Field(description="Force code, e.g. STF.")
    team: Annotated[Team | None, TEAM_NAME] = Field(description="Team name in that force, e.g. Safenet.")
    officer_in_case: Annotated[User | None, USERNAME] = Field(
        description="Officer in the case (OIC): an active officer or supervisor of the team."
    )
    supervisor: Annotated[User | None, USERNAME] = Field(description="Supervisor: an active supervisor of the team.")
    opened_at: Annotated[datetime, DATETIME] = Field(description="When the investigation was opened.")
    operation: Annotated[str, Chars(Case, "operation")] = Field("", description="e.g. Safenet.")
    district: Annotated[str, Chars(Case, "district")] = Field("")
    restricted: bool = Field(False, description="Need-to-know case.")
    summary: Annotated[str, Chars(Case, "summary")] = Field(
        "", description="Free text about the investigation (never imagery)."
    )
    status: Annotated[str, Chars(Case, "status")] = Field(
        "", description='"open" or "closed"; must agree with closure. Default from closure.'
    )
    stage: Annotated[str | None, ReadOnly("string")] = Field(
        None, description="Read-only: how far along the path the case has got."
    )
    referral: ReferralRecord | None = Field(
        None, description="The referral the case was developed from, with its research. Omit if none."
    )
    subjects: list[SubjectRecord] = Field(
        default_factory=list, description="Suspects. Children are never recorded here."
    )
    premises: list[PremisesRecord] = Field(default_factory=list, description="Addresses.")
    warrants: list[WarrantRecord] = Field(default_factory=list, description="Search warrants.")
    searches: list[SearchRecord] = Field(default_factory=list, description="Searches of premises.")
    examiners: Usernames = Field(
        default_factory=list,
        description="Digital forensics examiners the supervisor assigned to the case: each may see it and "
        "record its devices and triage (docs/access.md).",
    )
    devices: list[DeviceRecord] = Field(
        default_factory=list, description="Devices previewed, seized or left, with triage and image counts."
    )
    arrests: list[ArrestRecord] = Field(default_factory=list, description="Arrests with custody, releases and bail.")
    charging: list[ChargingRecord] = Field(
        default_factory=list, description="Submissions to the CPS and their decisions."
    )
    hearings: list[HearingRecord] = Field(default_factory=list, description="Court hearings.")
    safeguarding: list[SafeguardingRecord] = Field(
        default_factory=list, description="Safeguarding referrals: counts and pseudonymous references only."
    )
    log: list[LogEntryRecord] = Field(
        default_factory=list, description="Case log entries by people (lines the services write are not listed)."
    )
    closure: ClosureRecord | None = Field(None, description="Closure; omit or null for an open case.")
    retention_reviews: list[RetentionReviewRecord] = Field(
        default_factory=list, description="MoPI reviews after closure (the review set at closure is not listed)."
    )


class ReferralLineRecord(Record):
    """A line that is a referral not developed into a case: still being researched, disseminated to
    another force, or closed with no further action."""

    record_name = "referral without a case"

    type: Annotated[str, OneOf((REFERRAL_LINE,))] = Field(
        description='"referral": this line is a referral without a case, not a case.'
    )
    force: Annotated[Force | None, FORCE_CODE] = Field(description="Force code, e.g. STF.")
    referral: ReferralRecord = Field(description="The referral, with its research.")
    outcome: Annotated[str, OneOf(Referral.Outcome, exclude=(Referral.Outcome.DEVELOPED,))] = Field(
        "", description='Default "pending" (being researched). A referral developed into a case is a case line.'
    )
    outcome_at: Annotated[datetime, DATETIME] | None = Field(None, description="When the outcome was decided.")
    outcome_reason: Annotated[str, Chars(Referral, "outcome_reason")] = Field(
        "", description="Why no further action; required for it."
    )
    disseminated_to: Annotated[str, Chars(Referral, "disseminated_to")] = Field(
        "", description="The force or unit it went to; required for a dissemination."
    )
    outcome_by: Annotated[User | None, USERNAME] = Field(
        None, description="Who decided the outcome; default the --actor user."
    )
