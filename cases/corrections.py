"""The record types that can be corrected, withdrawn and read version by version: one registry, read
by one set of pages (`cases.views.records`: correct, withdraw, history) for every type.

Each type names its model, the first entry's form (a correction shows the same fields, labels, hints
and service checks, `cases.forms.corrections.correction_form`), its `<entity>_correct` service (which
runs the first entry's rules and the order of events), what must be withdrawn before it can be
(None: it cannot be withdrawn), and the capability needed: the one its first entry needs.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse

from accounts.models import User
from accounts.roles import Capability
from cases.forms.case import PremisesForm, SubjectForm
from cases.forms.charging import ChargeForm, ChargingDecisionDetailsForm, ChargingSubmissionForm
from cases.forms.closure import ClosureForm
from cases.forms.corrections import BailExtensionRecordForm, CaseDetailsForm, DeviceRecordForm, correction_form
from cases.forms.court import HearingForm
from cases.forms.custody import ArrestForm, BailBreachForm, CustodyExtensionForm, CustodyReviewForm, ReleaseForm
from cases.forms.referrals import CommsRequestRecordForm, ReferralForm, ReferralIdentifierForm
from cases.forms.safeguarding import SafeguardingForm
from cases.forms.search import SearchForm
from cases.models import (
    REFERRAL_RECORD_TYPES,
    Arrest,
    BailBreach,
    BailExtension,
    Case,
    Charge,
    ChargingSubmission,
    Closure,
    CommsDataRequest,
    CourtHearing,
    CustodyExtension,
    CustodyReview,
    Device,
    Premises,
    RecordVersion,
    Referral,
    ReferralIdentifier,
    Release,
    SafeguardingReferral,
    Search,
    Subject,
)
from cases.services.case import case_correct, premises_correct, premises_dependants, subject_correct, subject_dependants
from cases.services.charging import (
    charge_correct,
    charge_dependants,
    charging_decision_correct,
    charging_decision_dependants,
    charging_decision_withdraw,
    charging_submission_correct,
    charging_submission_dependants,
)
from cases.services.closure import closure_correct
from cases.services.corrections import record_field
from cases.services.court import hearing_correct, hearing_dependants
from cases.services.custody import (
    arrest_correct,
    arrest_dependants,
    bail_breach_correct,
    bail_breach_dependants,
    bail_extension_correct,
    bail_extension_dependants,
    custody_extension_correct,
    custody_extension_dependants,
    custody_review_correct,
    custody_review_dependants,
    release_correct,
    release_dependants,
)
from cases.services.referrals import (
    comms_request_correct,
    comms_request_dependants,
    referral_correct,
    referral_identifier_correct,
    referral_identifier_dependants,
)
from cases.services.safeguarding import safeguarding_correct, safeguarding_dependants
from cases.services.search import device_correct, device_dependants, search_correct, search_dependants


@dataclass(frozen=True)
class RecordType:
    key: str  # in the pages' addresses and RecordVersion.record_type
    label: str  # "Arrest"
    model: type[models.Model]
    first_entry_form: type[forms.Form]
    # Called as correct(record, actor, data): data is the form's cleaned values, reason and version.
    correct: Callable[[Any, User, dict[str, Any]], RecordVersion]
    # The first current record that depends on one of this type, or None; None itself: never withdrawn.
    dependants: Callable[[Any], str | None] | None = None
    capability: Capability = Capability.RECORD_TEAM_CASES
    # The first-entry form's own arguments (the case, for choices limited to it).
    takes_case: bool = False
    # Withdrawing, when it is not setting the record's own `withdrawn_at` (`record_withdraw`): called as
    # withdraw(record, actor, data), data the reason and version. A CPS decision withdrawn leaves its
    # submission awaiting a decision again.
    withdraw: Callable[[Any, User, dict[str, Any]], RecordVersion] | None = None
    # The path of foreign keys from the record to its case.
    via: str = "case"
    # Where the record is shown: the case page's section, or its own page.
    anchor: str = ""
    page: Callable[[Case, Any], str] | None = field(default=None)
    # The record named for a person, where its own name (`str`) says too little.
    name: Callable[[Any], str] | None = None
    # A referral's own record (the referral, its identifiers and requests): also corrected from the
    # referral's pages while it has no case, and shown there at this anchor. None: only on a case.
    on_referral: str | None = None

    @property
    def form(self) -> type[forms.Form]:
        return correction_form(self.first_entry_form)

    def make_form(self, case: Case | None, data: Any = None, record: models.Model | None = None) -> forms.Form:
        """The correction form, bound to `data` if given, filled from `record` as it stands."""
        extra: dict[str, Any] = {"case": case} if self.takes_case else {}
        initial = initial_values(self.form, record) if record is not None else None
        return self.form(data, initial=initial, **extra)

    def describe(self, record: Any) -> str:
        if isinstance(record, Case):
            return "The case's details"
        return self.name(record) if self.name is not None else str(record)

    def url(self, case: Case, record: Any) -> str:
        if self.page is not None:
            return self.page(case, record)
        return f"{case.get_absolute_url()}#{self.anchor}"


def _arrest_page(case: Case, arrest: Any) -> str:
    return reverse("cases:arrest_detail", kwargs={"reference": case.reference, "pk": arrest.pk})


def _device_page(case: Case, device: Any) -> str:
    return reverse("cases:device_detail", kwargs={"reference": case.reference, "pk": device.pk})


def _its_arrest_page(case: Case, record: Any) -> str:
    return reverse("cases:arrest_detail", kwargs={"reference": case.reference, "pk": record.arrest_id})


def _its_releases_arrest_page(case: Case, record: Any) -> str:
    return reverse("cases:arrest_detail", kwargs={"reference": case.reference, "pk": record.release.arrest_id})


RECORD_TYPES: dict[str, RecordType] = {
    record_type.key: record_type
    for record_type in (
        RecordType(
            key="case",
            label="Case details",
            model=Case,
            first_entry_form=CaseDetailsForm,
            correct=lambda case, actor, data: case_correct(case=case, actor=actor, **data),
            anchor="summary",
        ),
        RecordType(
            key="subject",
            label="Subject",
            model=Subject,
            first_entry_form=SubjectForm,
            correct=lambda subject, actor, data: subject_correct(subject=subject, actor=actor, **data),
            dependants=subject_dependants,
            anchor="subjects-premises",
        ),
        RecordType(
            key="premises",
            label="Premises",
            model=Premises,
            first_entry_form=PremisesForm,
            correct=lambda premises, actor, data: premises_correct(premises=premises, actor=actor, **data),
            dependants=premises_dependants,
            anchor="subjects-premises",
        ),
        RecordType(
            key="arrest",
            label="Arrest",
            model=Arrest,
            first_entry_form=ArrestForm,
            correct=lambda arrest, actor, data: arrest_correct(arrest=arrest, actor=actor, **data),
            dependants=arrest_dependants,
            takes_case=True,
            page=_arrest_page,
        ),
        RecordType(
            key="search",
            label="Search",
            model=Search,
            first_entry_form=SearchForm,
            correct=lambda search, actor, data: search_correct(search=search, actor=actor, **data),
            dependants=search_dependants,
            takes_case=True,
            anchor="searches",
        ),
        RecordType(
            key="device",
            label="Device",
            model=Device,
            first_entry_form=DeviceRecordForm,
            correct=lambda device, actor, data: device_correct(device=device, actor=actor, **data),
            dependants=device_dependants,
            capability=Capability.RECORD_DEVICES,
            takes_case=True,
            page=_device_page,
        ),
        RecordType(
            key="custody_review",
            label="Review of detention",
            model=CustodyReview,
            first_entry_form=CustodyReviewForm,
            correct=lambda review, actor, data: custody_review_correct(review=review, actor=actor, **data),
            dependants=custody_review_dependants,
            via="arrest__case",
            page=_its_arrest_page,
        ),
        RecordType(
            key="custody_extension",
            label="Extension of detention",
            model=CustodyExtension,
            first_entry_form=CustodyExtensionForm,
            correct=lambda extension, actor, data: custody_extension_correct(extension=extension, actor=actor, **data),
            dependants=custody_extension_dependants,
            via="arrest__case",
            page=_its_arrest_page,
        ),
        RecordType(
            key="release",
            label="Release",
            model=Release,
            first_entry_form=ReleaseForm,
            correct=lambda release, actor, data: release_correct(release=release, actor=actor, **data),
            dependants=release_dependants,
            via="arrest__case",
            page=_its_arrest_page,
        ),
        RecordType(
            key="bail_extension",
            label="Extension of bail",
            model=BailExtension,
            first_entry_form=BailExtensionRecordForm,
            correct=lambda extension, actor, data: bail_extension_correct(extension=extension, actor=actor, **data),
            dependants=bail_extension_dependants,
            via="release__arrest__case",
            page=_its_releases_arrest_page,
        ),
        RecordType(
            key="bail_breach",
            label="Breach of bail",
            model=BailBreach,
            first_entry_form=BailBreachForm,
            correct=lambda breach, actor, data: bail_breach_correct(breach=breach, actor=actor, **data),
            dependants=bail_breach_dependants,
            via="release__arrest__case",
            page=_its_releases_arrest_page,
        ),
        RecordType(
            key="charging_submission",
            label="Submission to the CPS",
            model=ChargingSubmission,
            first_entry_form=ChargingSubmissionForm,
            correct=lambda submission, actor, data: charging_submission_correct(
                submission=submission, actor=actor, **data
            ),
            dependants=charging_submission_dependants,
            takes_case=True,
            anchor="charging",
        ),
        RecordType(
            key="charging_decision",
            label="CPS decision",
            model=ChargingSubmission,
            first_entry_form=ChargingDecisionDetailsForm,
            correct=lambda submission, actor, data: charging_decision_correct(
                submission=submission, actor=actor, **data
            ),
            dependants=charging_decision_dependants,
            withdraw=lambda submission, actor, data: charging_decision_withdraw(
                submission=submission, actor=actor, **data
            ),
            anchor="charging",
        ),
        RecordType(
            key="charge",
            label="Charge",
            model=Charge,
            first_entry_form=ChargeForm,
            correct=lambda charge, actor, data: charge_correct(charge=charge, actor=actor, **data),
            dependants=charge_dependants,
            via="submission__case",
            anchor="charging",
        ),
        RecordType(
            key="hearing",
            label="Court hearing",
            model=CourtHearing,
            first_entry_form=HearingForm,
            correct=lambda hearing, actor, data: hearing_correct(hearing=hearing, actor=actor, **data),
            dependants=hearing_dependants,
            takes_case=True,
            anchor="court",
        ),
        RecordType(
            key="safeguarding",
            label="Safeguarding record",
            model=SafeguardingReferral,
            first_entry_form=SafeguardingForm,
            correct=lambda referral, actor, data: safeguarding_correct(referral=referral, actor=actor, **data),
            dependants=safeguarding_dependants,
            anchor="safeguarding",
        ),
        RecordType(
            key="referral",
            label="Referral",
            model=Referral,
            first_entry_form=ReferralForm,
            correct=lambda referral, actor, data: referral_correct(referral=referral, actor=actor, **data),
            anchor="referral",
            name=lambda referral: f"Referral {referral}",
            on_referral="details",
        ),
        RecordType(
            key="referral_identifier",
            label="Referral identifier",
            model=ReferralIdentifier,
            first_entry_form=ReferralIdentifierForm,
            correct=lambda identifier, actor, data: referral_identifier_correct(
                identifier=identifier, actor=actor, **data
            ),
            dependants=referral_identifier_dependants,
            via="referral__case",
            anchor="referral",
            name=lambda identifier: f"{identifier.get_kind_display()} {identifier}",
            on_referral="identifiers",
        ),
        RecordType(
            key="comms_request",
            label="Communications-data request",
            model=CommsDataRequest,
            first_entry_form=CommsRequestRecordForm,
            correct=lambda request, actor, data: comms_request_correct(comms_request=request, actor=actor, **data),
            dependants=comms_request_dependants,
            via="referral__case",
            anchor="referral",
            name=lambda request: f"Communications-data request {request.reference}",
            on_referral="comms-requests",
        ),
        # Corrected by a supervisor while the case is closed (the one correction of a closed case);
        # its history also holds each reopening and closing again.
        RecordType(
            key="closure",
            label="Closure",
            model=Closure,
            first_entry_form=ClosureForm,
            correct=lambda closure, actor, data: closure_correct(closure=closure, actor=actor, **data),
            capability=Capability.APPROVE_CLOSURE,
            anchor="closure",
            name=lambda closure: "The closure of the case",
        ),
    )
}


# Only the referral's own records have versions without a case (the database's check says so too).
assert {key for key, kind in RECORD_TYPES.items() if kind.on_referral is not None} == set(REFERRAL_RECORD_TYPES)


def register_record_type(record_type: RecordType) -> None:
    """Add a record type of an app above cases (a warrant), from its AppConfig.ready: cases never
    imports those apps (pyproject.toml, the import-linter's layers)."""
    assert record_type.key not in RECORD_TYPES or RECORD_TYPES[record_type.key] == record_type, record_type.key
    RECORD_TYPES[record_type.key] = record_type


def initial_values(form_class: type[forms.Form], record: models.Model) -> dict[str, Any]:
    """The form's fields filled from the record as it stands, and the version it stands at."""
    values: dict[str, Any] = {}
    for name in form_class.base_fields:
        try:
            model_field = record_field(record, name)
        except FieldDoesNotExist:  # the reason, the version
            continue
        if model_field.many_to_many:
            values[name] = [item.pk for item in getattr(record, name).all()]
        elif model_field.is_relation:
            values[name] = getattr(record, model_field.attname)
        else:
            values[name] = getattr(record, name)
    values["version"] = getattr(record, "version", None)
    return values
