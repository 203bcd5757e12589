"""Replaying one checked case through the services, in path order, with its historical times.

The services' actor is the person the record names (applicant, executing officer, arresting officer,
examiner, author...), else the importing user. A service's `ValidationError` becomes `StepFailed`
with the path in the file of the field it concerns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from accounts.models import Force, User
from casefiles.io.fields import REQUIRED, join
from casefiles.io.schema import CaseRecord, ClosureRecord, ReferralLineRecord, ReferralRecord
from cases.models import (
    BailExtension,
    Case,
    CaseLogEntry,
    ChargingSubmission,
    CommsDataRequest,
    Device,
    Premises,
    Referral,
    Release,
    Search,
    Subject,
)
from cases.services import access as access_services
from cases.services import case as case_services
from cases.services import charging as charging_services
from cases.services import closure as closure_services
from cases.services import court as court_services
from cases.services import custody as custody_services
from cases.services import referrals as referral_services
from cases.services import safeguarding as safeguarding_services
from cases.services import search as search_services
from warrants import services as warrant_services
from warrants.models import Warrant


class StepFailed(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def _first_message(
    error: ValidationError, path: str, default_field: str, renamed: dict[str, str] | None = None
) -> tuple[str, str]:
    """Where the service said the problem is, as a path in the file, and its text."""
    if hasattr(error, "error_dict"):
        name, errors = next(iter(error.error_dict.items()))
        messages = ValidationError(errors).messages
        target = default_field if name == NON_FIELD_ERRORS else (renamed or {}).get(name, name)
        return join(path, target) if target else path, " ".join(messages)
    return (join(path, default_field) if default_field else path), " ".join(error.messages)


class Replay:
    """Calls the services as the line says, reporting a service's error at the path in the line."""

    def __init__(self, *, actor: User) -> None:
        self.actor = actor
        self.path = ""  # the record being written, for errors the database raises

    def step(
        self,
        path: str,
        default_field: str,
        service: Callable[..., Any],
        renamed: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Call one service; its error is reported at `path`, on the field it names (`renamed` maps
        a service's argument name to the file's field name) or else on `default_field`."""
        self.path = join(path, default_field) if default_field else path
        try:
            return service(**kwargs)
        except ValidationError as error:
            raise StepFailed(*_first_message(error, path, default_field, renamed)) from None

    def needs(self, path: str, name: str, value: object) -> None:
        """A time the next step cannot be recorded without (the record says it happened, not when)."""
        if value is None:
            raise StepFailed(join(path, name), REQUIRED)

    def by(self, person: User | None) -> User:
        return person or self.actor

    def referral(self, item: ReferralRecord, *, force: Force) -> Referral:
        referral: Referral = self.step(
            "referral",
            "",
            referral_services.referral_create,
            actor=self.actor,
            force=force,
            source=item.source,
            source_reference=item.source_reference,
            received_at=item.received_at,
            risk_grade=item.risk_grade,
            platform=item.platform,
            files_reported=item.files_reported,
            summary=item.summary,
        )
        for index, identifier in enumerate(item.identifiers):
            self.step(
                join("referral.identifiers", index),
                "",
                referral_services.referral_add_identifier,
                referral=referral,
                actor=self.actor,
                kind=identifier.kind,
                ip_address=identifier.ip_address,
                port=identifier.port,
                account_id=identifier.account_id,
                observed_original=identifier.observed_original,
                observed_timezone=identifier.observed_timezone,
            )
        for index, request in enumerate(item.comms_requests):
            path = join("referral.comms_requests", index)
            comms = self.step(
                path,
                "submitted_at",
                referral_services.comms_request_submit,
                referral=referral,
                actor=self.actor,
                reference=request.reference,
                submitted_at=request.submitted_at,
                notes=request.notes,
            )
            if request.approved_at or request.approval_route:
                self.needs(path, "approved_at", request.approved_at)
                self.step(
                    path,
                    "approved_at",
                    referral_services.comms_request_record_approval,
                    comms_request=comms,
                    actor=self.actor,
                    approved_at=request.approved_at,
                    approval_route=request.approval_route,
                )
            if request.result_received_at or request.outcome not in ("", CommsDataRequest.Outcome.PENDING):
                self.needs(path, "result_received_at", request.result_received_at)
                self.step(
                    path,
                    "result_received_at",
                    referral_services.comms_request_record_result,
                    comms_request=comms,
                    actor=self.by(request.time_verified_by),
                    result_received_at=request.result_received_at,
                    outcome=request.outcome,
                )
        return referral


class ReferralReplay(Replay):
    """Replays a referral that was not developed into a case, and its outcome if it has one."""

    def __init__(self, data: ReferralLineRecord, *, actor: User) -> None:
        super().__init__(actor=actor)
        self.data = data

    def run(self) -> Referral:
        data = self.data
        assert data.force is not None  # checked with the line
        referral = self.referral(data.referral, force=data.force)
        if data.outcome not in ("", Referral.Outcome.PENDING):
            self.step(
                "",
                "outcome",
                referral_services.referral_record_outcome,
                referral=referral,
                actor=self.by(data.outcome_by),
                outcome=data.outcome,
                outcome_at=data.outcome_at,
                outcome_reason=data.outcome_reason,
                disseminated_to=data.disseminated_to,
            )
        return referral


class CaseReplay(Replay):
    """Replays one cleaned case through the services, in path order."""

    def __init__(self, data: CaseRecord, *, actor: User) -> None:
        super().__init__(actor=actor)
        self.data = data
        self.subjects: dict[str, Subject] = {}
        self.premises: dict[str, Premises] = {}
        self.warrant_by_key: dict[str, Warrant] = {}
        self.search_by_key: dict[str, Search] = {}

    def run(self) -> Case:
        data = self.data
        assert data.force is not None  # checked with the line
        referral = self.referral(data.referral, force=data.force) if data.referral else None
        case: Case = self.step(
            "",
            "",
            case_services.case_open,
            actor=self.actor,
            team=data.team,
            officer_in_case=data.officer_in_case,
            supervisor=data.supervisor,
            opened_at=data.opened_at,
            operation=data.operation,
            district=data.district,
            restricted=data.restricted,
            summary=data.summary,
            referral=referral,
            reference=data.reference or None,
        )
        for index, item in enumerate(data.subjects):
            self.subjects[item.key] = self.step(
                join("subjects", index),
                "",
                case_services.subject_add,
                case=case,
                actor=self.actor,
                full_name=item.full_name,
                date_of_birth=item.date_of_birth,
                pnc_id=item.pnc_id,
                phone=item.phone,
                email=item.email,
                online_account=item.online_account,
                notes=item.notes,
            )
        for index, place in enumerate(data.premises):
            self.premises[place.key] = self.step(
                join("premises", index),
                "",
                case_services.premises_add,
                case=case,
                actor=self.actor,
                address=place.address,
                postcode=place.postcode,
                description=place.description,
            )
        # Some services move the case along on their own copy of it: reload before each stage so a
        # stale copy never writes an earlier stage back.
        for stage in (
            self.warrants,
            self.searches,
            self.examiners,
            self.devices,
            self.warrant_returns,
            self.arrests,
            self.charging,
            self.hearings,
            self.safeguarding,
            self.log,
            self.closure,
        ):
            case.refresh_from_db()
            stage(case)
        return case

    def warrants(self, case: Case) -> None:
        for index, item in enumerate(self.data.warrants):
            path = join("warrants", index)
            applicant = self.by(item.applicant)
            warrant = self.step(
                path,
                "",
                warrant_services.warrant_draft,
                case=case,
                actor=applicant,
                premises=self.premises[item.premises],
                power=item.power,
                entry=item.entry or Warrant.Entry.SINGLE,
                court=item.court,
                warrant_reference=item.warrant_reference,
                court_reference=item.court_reference,
            )
            self.warrant_by_key[item.key] = warrant
            if item.applied_at:
                self.step(
                    path,
                    "applied_at",
                    warrant_services.warrant_apply,
                    warrant=warrant,
                    actor=applicant,
                    applied_at=item.applied_at,
                )
            if item.issued_at:
                self.step(
                    path,
                    "issued_at",
                    warrant_services.warrant_record_issue,
                    warrant=warrant,
                    actor=applicant,
                    issued_at=item.issued_at,
                    issuing_justice=item.issuing_justice,
                )
            if item.refused_at or item.refusal_reason:
                self.needs(path, "refused_at", item.refused_at)
                self.step(
                    path,
                    "refused_at",
                    warrant_services.warrant_record_refusal,
                    warrant=warrant,
                    actor=applicant,
                    refused_at=item.refused_at,
                    refusal_reason=item.refusal_reason,
                )
            if item.executed_at or item.executed_by:
                self.needs(path, "executed_at", item.executed_at)
                self.step(
                    path,
                    "executed_at",
                    warrant_services.warrant_record_execution,
                    warrant=warrant,
                    actor=self.by(item.executed_by),
                    executed_at=item.executed_at,
                    executed_by=item.executed_by,
                    persons_present=item.persons_present,
                    result=item.result,
                )
            for entry_index, entry in enumerate(item.further_entries):
                self.step(
                    join(join(path, "further_entries"), entry_index),
                    "",
                    warrant_services.warrant_authorise_further_entry,
                    warrant=warrant,
                    actor=self.by(item.executed_by),
                    authorised_by=entry.authorised_by,
                    authorised_at=entry.authorised_at,
                    entered_at=entry.entered_at,
                )

    def warrant_returns(self, case: Case) -> None:
        """Returns come after the searches made under the warrants. An issued warrant that was never
        executed nor returned and is past its expiry is marked expired, as the scheduled task would."""
        for index, item in enumerate(self.data.warrants):
            warrant = self.warrant_by_key[item.key]
            warrant.refresh_from_db()
            if item.returned_at:
                self.step(
                    join("warrants", index),
                    "returned_at",
                    warrant_services.warrant_record_return,
                    warrant=warrant,
                    actor=self.by(item.executed_by or item.applicant),
                    returned_at=item.returned_at,
                )
            elif warrant.status == Warrant.Status.ISSUED:
                warrant_services.warrant_mark_expired(warrant=warrant)

    def searches(self, case: Case) -> None:
        for index, item in enumerate(self.data.searches):
            self.search_by_key[item.key] = self.step(
                join("searches", index),
                "",
                search_services.search_record,
                case=case,
                actor=self.by(item.officer_in_charge),
                premises=self.premises[item.premises],
                started_at=item.started_at,
                warrant=self.warrant_by_key[item.warrant] if item.warrant else None,
                ended_at=item.ended_at,
                notes=item.notes,
            )

    def examiners(self, case: Case) -> None:
        for index, examiner in enumerate(self.data.examiners):
            self.step(
                join("examiners", index),
                "",
                access_services.case_assign_examiner,
                renamed={"examiner": ""},
                case=case,
                actor=case.supervisor,
                examiner=examiner,
            )

    def devices(self, case: Case) -> None:
        for index, item in enumerate(self.data.devices):
            path = join("devices", index)
            device = self.step(
                path,
                "",
                search_services.device_record,
                case=case,
                actor=self.actor,
                exhibit_reference=item.exhibit_reference,
                device_type=item.device_type,
                action=item.action,
                search=self.search_by_key[item.search] if item.search else None,
                make_model=item.make_model,
                notes=item.notes,
            )
            examiner = item.examiner
            if item.triaged_at or item.triage_result not in ("", Device.TriageResult.NOT_EXAMINED):
                self.step(
                    path,
                    "triage_result",
                    search_services.device_record_triage,
                    device=device,
                    actor=self.by(examiner),
                    triage_result=item.triage_result,
                    triaged_at=item.triaged_at,
                    examiner=examiner,
                )
            if item.forensic_requested_at:
                self.step(
                    path,
                    "forensic_requested_at",
                    search_services.device_record_forensic_request,
                    renamed={"requested_at": "forensic_requested_at"},
                    device=device,
                    actor=self.actor,
                    requested_at=item.forensic_requested_at,
                )
            if item.forensic_completed_at:
                self.step(
                    path,
                    "forensic_completed_at",
                    search_services.device_record_forensic_completion,
                    renamed={"completed_at": "forensic_completed_at"},
                    device=device,
                    actor=self.by(examiner),
                    completed_at=item.forensic_completed_at,
                )
            for source, counts in item.image_counts.by_source().items():
                self.step(
                    join(path, "image_counts"),
                    source,
                    search_services.device_set_image_counts,
                    renamed={"counts": source, "source": source},
                    device=device,
                    actor=self.by(examiner),
                    source=source,
                    counts=counts,
                )

    def arrests(self, case: Case) -> None:
        for index, item in enumerate(self.data.arrests):
            path = join("arrests", index)
            arrest = self.step(
                path,
                "",
                custody_services.arrest_record,
                case=case,
                actor=self.by(item.arresting_officer),
                subject=self.subjects[item.subject],
                arrested_at=item.arrested_at,
                suspected_offences=item.suspected_offences,
                custody_reference=item.custody_reference,
                relevant_time=item.relevant_time,
                left_custody_at=item.left_custody_at,
            )
            for review_index, review in enumerate(item.custody_reviews):
                self.step(
                    join(join(path, "custody_reviews"), review_index),
                    "",
                    custody_services.custody_review_record,
                    arrest=arrest,
                    actor=self.by(item.arresting_officer),
                    reviewed_at=review.reviewed_at,
                    review_officer=review.review_officer,
                )
            for extension_index, extension in enumerate(item.custody_extensions):
                self.step(
                    join(join(path, "custody_extensions"), extension_index),
                    "",
                    custody_services.custody_extension_record,
                    arrest=arrest,
                    actor=self.by(item.arresting_officer),
                    authority=extension.authority,
                    authorised_at=extension.authorised_at,
                    authorised_by=extension.authorised_by,
                    detention_until=extension.detention_until,
                    applied_at=extension.applied_at,
                    court_not_sitting=bool(extension.court_not_sitting),
                )
            for release_index, release_item in enumerate(item.releases):
                release_path = join(join(path, "releases"), release_index)
                recorder = self.by(release_item.recorded_by)
                release = self.step(
                    release_path,
                    "",
                    custody_services.release_record,
                    arrest=arrest,
                    actor=recorder,
                    kind=release_item.kind,
                    released_at=release_item.released_at,
                    bail_conditions=release_item.bail_conditions,
                    answer_at=release_item.answer_at,
                    answer_place=release_item.answer_place,
                    investigating_body=release_item.investigating_body or Release.InvestigatingBody.STANDARD,
                    body_confirmed_by=release_item.body_confirmed_by,
                )
                for extension_index, bail_extension in enumerate(release_item.bail_extensions):
                    magistrates = bail_extension.approver_rank == BailExtension.ApproverRank.MAGISTRATES
                    self.step(
                        join(join(release_path, "bail_extensions"), extension_index),
                        "",
                        custody_services.bail_extend,
                        release=release,
                        actor=recorder,
                        approved_at=bail_extension.approved_at,
                        approved_by=bail_extension.approved_by,
                        approver_rank=bail_extension.approver_rank,
                        new_end=bail_extension.new_end if magistrates else None,
                        applied_at=bail_extension.applied_at,
                        within_subsection_7=bail_extension.within_subsection_7,
                        designated_at=bail_extension.designated_at,
                        designated_by=bail_extension.designated_by,
                    )
                if release_item.court_applied_at is not None:
                    self.step(
                        release_path,
                        "court_applied_at",
                        custody_services.bail_court_application_record,
                        renamed={"applied_at": "court_applied_at"},
                        release=release,
                        actor=recorder,
                        applied_at=release_item.court_applied_at,
                    )
                for breach_index, breach in enumerate(release_item.bail_breaches):
                    self.step(
                        join(join(release_path, "bail_breaches"), breach_index),
                        "",
                        custody_services.bail_breach_record,
                        release=release,
                        actor=self.by(breach.noted_by),
                        occurred_at=breach.occurred_at,
                        description=breach.description,
                    )

    def charging(self, case: Case) -> None:
        for index, item in enumerate(self.data.charging):
            path = join("charging", index)
            submitter = self.by(item.submitted_by)
            submission = self.step(
                path,
                "",
                charging_services.charging_submit,
                case=case,
                actor=submitter,
                subject=self.subjects[item.subject],
                submitted_at=item.submitted_at,
                test=item.test,
                cps_reference=item.cps_reference,
            )
            if item.decision not in ("", ChargingSubmission.Decision.PENDING) or item.decision_at:
                self.needs(path, "decision_at", item.decision_at)
                charges = [
                    {"offence": charge.offence, "counts": charge.counts or 1, "category": charge.category}
                    for charge in item.charges
                ]
                self.step(
                    path,
                    "decision",
                    charging_services.charging_record_decision,
                    submission=submission,
                    actor=submitter,
                    decision=item.decision or ChargingSubmission.Decision.PENDING,
                    decision_at=item.decision_at,
                    decision_notes=item.decision_notes,
                    charges=charges,
                )
            elif item.charges:
                raise StepFailed(join(path, "charges"), charging_services.CHARGING_CHARGES_ONLY_ON_CHARGE)

    def hearings(self, case: Case) -> None:
        for index, item in enumerate(self.data.hearings):
            self.step(
                join("hearings", index),
                "",
                court_services.hearing_record,
                case=case,
                actor=self.actor,
                subject=self.subjects[item.subject],
                court=item.court,
                hearing_at=item.hearing_at,
                hearing_type=item.hearing_type,
                outcome=item.outcome,
                remand_status=item.remand_status,
                notification_requirements=item.notification_requirements,
                shpo_made=item.shpo_made,
            )

    def safeguarding(self, case: Case) -> None:
        for index, item in enumerate(self.data.safeguarding):
            self.step(
                join("safeguarding", index),
                "",
                safeguarding_services.safeguarding_record,
                case=case,
                actor=self.by(item.recorded_by),
                pseudonymous_reference=item.pseudonymous_reference,
                children_count=item.children_count,
                relationship=item.relationship,
                mash_referred_at=item.mash_referred_at,
                mash_reference=item.mash_reference,
                strategy_discussion=item.strategy_discussion,
                section_47_enquiry=item.section_47_enquiry,
                children_safeguarded=item.children_safeguarded or 0,
                outcome=item.outcome,
                recorded_at=item.recorded_at,
            )

    def log(self, case: Case) -> None:
        entries: list[CaseLogEntry] = []
        for index, item in enumerate(self.data.log):
            path = join("log", index)
            author = self.by(item.author)
            if item.kind == CaseLogEntry.Kind.CORRECTION:
                assert item.corrects is not None  # checked with the line (casefiles.io.parsing)
                entry = self.step(
                    path,
                    "",
                    case_services.case_log_correct,
                    entry=entries[item.corrects],
                    actor=author,
                    text=item.text,
                    at=item.at,
                )
            else:
                entry = self.step(
                    path,
                    "",
                    case_services.case_log_add,
                    case=case,
                    actor=author,
                    kind=item.kind,
                    text=item.text,
                    at=item.at,
                )
            entries.append(entry)

    def closure_confirmations(self, case: Case, item: ClosureRecord) -> dict[str, str]:
        """The confirmations given, matched by their words to the items outstanding at the closing
        time on the case as imported (an item not confirmed is refused by `case_close`)."""
        reasons = {given.item: given.reason for given in item.confirmations}
        outstanding = closure_services.case_closure_outstanding(case, item.closed_at)
        return {found.key: reasons[found.label] for found in outstanding if found.label in reasons}

    def closure(self, case: Case) -> None:
        item = self.data.closure
        if not item:
            if self.data.retention_reviews:
                raise StepFailed("retention_reviews", closure_services.RETENTION_CASE_NOT_CLOSED)
            return
        self.step(
            "closure",
            "",
            closure_services.case_close,
            case=case,
            actor=self.by(item.closed_by),
            outcome_type=item.outcome_type,
            closed_at=item.closed_at,
            rationale=item.rationale,
            retention_group=item.retention_group,
            confirmations=self.closure_confirmations(case, item),
        )
        case.refresh_from_db()
        for index, review in enumerate(self.data.retention_reviews):
            self.step(
                join("retention_reviews", index),
                "",
                closure_services.retention_review_record,
                case=case,
                actor=self.by(review.reviewed_by),
                retention_group=review.retention_group,
                decision=review.decision,
                reviewed_at=review.reviewed_at,
                rationale=review.rationale,
            )
