"""Writes for stage 4: searches of premises, the devices found, their triage and image counts.

Image counts are metadata: `counts[category][kind]` numbers for one source, never files, hashes or
descriptions of images.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet

from accounts.models import User
from cases.models import Case, Device, ImageCategory, ImageCount, Premises, RecordVersion, Search
from cases.services.common import (
    all_problems,
    case_advance_stage,
    case_log_system,
    ensure_case_open,
    not_in_future,
    stage_recorded,
)
from cases.services.corrections import (
    Event,
    correction_apply,
    correction_start,
    ensure_current,
    first_dependant,
    not_after,
)
from cases.services.identifiers import identifiers_index
from cases.services.versions import version_check, version_save

SEARCH_PREMISES_OTHER_CASE = "Choose premises recorded on this case."
SEARCH_ENDED_BEFORE_START = "The search cannot end before it started."

DEVICE_EXHIBIT_REQUIRED = "Enter the exhibit reference."
DEVICE_EXHIBIT_TAKEN = "That exhibit reference is already used on this case: each device needs its own."
DEVICE_SEARCH_OTHER_CASE = "Choose a search recorded on this case."
DEVICE_TYPE_UNKNOWN = "Choose the type of device."
DEVICE_ACTION_UNKNOWN = "Choose what was done with the device."
TRIAGE_RESULT_UNKNOWN = "Choose the triage result."
TRIAGE_NEEDS_TIME = "Enter when the device was triaged."
TRIAGE_NEEDS_EXAMINER = "Choose the examiner who triaged the device."
TRIAGE_EXAMINER_INACTIVE = "The examiner must be an active user."
TRIAGE_BEFORE_SEARCH = "The device cannot be triaged before the search that found it started."
IMAGE_COUNT_SOURCE_UNKNOWN = "Choose where the counts come from: on-scene triage, CAID match or forensic report."
IMAGE_COUNT_NOT_A_GRID = "Image counts must be given per category (A, B, C) and kind (still, moving)."
IMAGE_COUNT_UNKNOWN_CATEGORY = "Image counts are by category A, B or C only."
IMAGE_COUNT_UNKNOWN_KIND = "Image counts are of still or moving images only."
IMAGE_COUNT_NOT_A_NUMBER = "Image counts must be whole numbers, 0 or more."
FORENSIC_ALREADY_REQUESTED = "A full forensic examination of this device has already been requested."
FORENSIC_NOT_REQUESTED = "Record the request for a forensic examination before its completion."
FORENSIC_ALREADY_COMPLETED = "The forensic examination of this device has already been recorded as complete."
FORENSIC_COMPLETED_BEFORE_REQUEST = "A forensic examination cannot be completed before it was requested."


# A search may be made under a warrant of the case (`Search.warrant`). Which of the case's warrants
# a search may be under, and what a search under one must keep to (PACE 1984 s.16), are the rules
# of warrants, the layer above, given at start-up (`WarrantsConfig.ready`): `choices(case)`, the
# warrants a search may be under; `check(case=, warrant=, premises=, started_at=)`, which raises
# ValidationError when the search may not be under that warrant.
@dataclass(frozen=True)
class SearchWarrants:
    choices: Callable[[Case], QuerySet[Any]]
    check: Callable[..., None]


_SEARCH_WARRANTS: list[SearchWarrants] = []


def register_search_warrants(*, choices: Callable[[Case], QuerySet[Any]], check: Callable[..., None]) -> None:
    """Have searches offer `choices(case)` and check a search's warrant with `check`."""
    _SEARCH_WARRANTS[:] = [SearchWarrants(choices=choices, check=check)]


def _search_warrants() -> SearchWarrants:
    if not _SEARCH_WARRANTS:
        raise ImproperlyConfigured("Searches under a warrant need the warrants app (WarrantsConfig.ready).")
    return _SEARCH_WARRANTS[0]


def search_warrant_choices(case: Case) -> QuerySet[Any]:
    """The case's warrants a search may be under, for its form."""
    return _search_warrants().choices(case)


def _check_search_warrant(*, case: Case, warrant: models.Model, premises: Premises, started_at: datetime) -> None:
    _search_warrants().check(case=case, warrant=warrant, premises=premises, started_at=started_at)


@transaction.atomic
def search_record(
    *,
    case: Case,
    actor: User,
    premises: Premises,
    started_at: datetime,
    warrant: models.Model | None = None,
    ended_at: datetime | None = None,
    notes: str = "",
) -> Search:
    """Record a search of premises on the case, under a warrant of the case when one is given.

    A search under a warrant must start while it is in force (issue to expiry, PACE 1984 s.16(3)),
    at the warrant's premises; the warrant is then issued (being executed now) or executed.
    """
    ensure_case_open(case)
    if premises.case_id != case.pk:
        raise ValidationError({"premises": SEARCH_PREMISES_OTHER_CASE})
    ensure_current(premises, "premises")
    search_check_times(started_at=started_at, ended_at=ended_at)
    if warrant is not None:
        _check_search_warrant(case=case, warrant=warrant, premises=premises, started_at=started_at)
    search = Search.objects.create(
        case=case,
        warrant_id=None if warrant is None else warrant.pk,
        premises=premises,
        started_at=started_at,
        ended_at=ended_at,
        officer_in_charge=actor,
        notes=notes.strip(),
    )
    under = " under a search warrant" if warrant else ""
    case_log_system(case=case, actor=actor, text=f"Search of {premises}{under} recorded.")
    case_advance_stage(case=case, stage=Case.Stage.SEARCH)
    stage_recorded(case=case, actor=actor, event="search", record=search)
    return search


def search_check_times(*, started_at: datetime, ended_at: datetime | None = None) -> None:
    """A search's times: neither in the future, the end not before the start. Also run by its form
    beside the field checks."""

    def in_order() -> None:
        if ended_at is not None and ended_at < started_at:
            raise ValidationError({"ended_at": SEARCH_ENDED_BEFORE_START})

    all_problems(
        lambda: not_in_future(started_at, field="started_at", label="Started at"),
        lambda: not_in_future(ended_at, field="ended_at", label="Ended at"),
        in_order,
    )


def _lock_device(device: Device) -> None:
    Device.objects.select_for_update().filter(pk=device.pk).values_list("pk").get()
    device.refresh_from_db()
    ensure_current(device)


def _device_check_details(
    case: Case, *, exhibit_reference: str, device_type: str, action: str, search: Search | None
) -> str:
    """The checks a device's details meet on first entry and on correction; the exhibit reference
    as stored (stripped)."""
    exhibit_reference = exhibit_reference.strip()
    if not exhibit_reference:
        raise ValidationError({"exhibit_reference": DEVICE_EXHIBIT_REQUIRED})
    if device_type not in Device.Type.values:
        raise ValidationError({"device_type": DEVICE_TYPE_UNKNOWN})
    if action not in Device.Action.values:
        raise ValidationError({"action": DEVICE_ACTION_UNKNOWN})
    if search is not None and search.case_id != case.pk:
        raise ValidationError({"search": DEVICE_SEARCH_OTHER_CASE})
    return exhibit_reference


@transaction.atomic
def device_record(
    *,
    case: Case,
    actor: User,
    exhibit_reference: str,
    device_type: str,
    action: str,
    search: Search | None = None,
    make_model: str = "",
    notes: str = "",
) -> Device:
    """Record a device found, with an exhibit reference unique on the case (compared ignoring case)."""
    ensure_case_open(case)
    exhibit_reference = _device_check_details(
        case, exhibit_reference=exhibit_reference, device_type=device_type, action=action, search=search
    )
    if Device.objects.filter(case=case, exhibit_reference__iexact=exhibit_reference).exists():
        raise ValidationError({"exhibit_reference": DEVICE_EXHIBIT_TAKEN})
    try:
        # A savepoint, so that a race with another recording of the same reference is reported
        # as the same clear error rather than an IntegrityError.
        with transaction.atomic():
            device = Device.objects.create(
                case=case,
                search=search,
                exhibit_reference=exhibit_reference,
                device_type=device_type,
                action=action,
                make_model=make_model.strip(),
                notes=notes.strip(),
            )
    except IntegrityError:
        raise ValidationError({"exhibit_reference": DEVICE_EXHIBIT_TAKEN}) from None
    case_log_system(
        case=case,
        actor=actor,
        text=f"Device {device.exhibit_reference} ({device.get_device_type_display().lower()}) recorded: "
        f"{device.get_action_display().lower()}.",
    )
    case_advance_stage(case=case, stage=Case.Stage.SEARCH)
    identifiers_index(record=device, actor=actor)
    return device


def device_check_triage(*, triage_result: str, triaged_at: datetime | None, examiner: User | None) -> None:
    """A triage's own details: a known result; for any result but "not examined", the time and an
    active examiner; no time in the future. Also run by its form beside the field checks."""
    if triage_result not in Device.TriageResult.values:
        raise ValidationError({"triage_result": TRIAGE_RESULT_UNKNOWN})
    examined = triage_result != Device.TriageResult.NOT_EXAMINED
    errors: dict[str, str] = {}
    if examined and triaged_at is None:
        errors["triaged_at"] = TRIAGE_NEEDS_TIME
    if examined and examiner is None:
        errors["examiner"] = TRIAGE_NEEDS_EXAMINER
    if examiner is not None and not examiner.is_active:
        errors["examiner"] = TRIAGE_EXAMINER_INACTIVE
    all_problems(
        lambda: not_in_future(triaged_at, field="triaged_at", label="Triaged at"),
        lambda: _raise_if(errors),
    )


def _raise_if(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def device_record_triage(
    *,
    device: Device,
    actor: User,
    triage_result: str,
    triaged_at: datetime | None,
    examiner: User | None,
    version: int | None = None,
) -> Device:
    """Record the on-scene triage result.

    Any result but "not examined" needs the time and the examiner. "Not examined" records only the
    result and clears nothing: a time or examiner recorded earlier stays. `version` is the device's
    version when the form was opened (cases.services.versions).
    """
    _lock_device(device)
    version_check(device, version=version)
    ensure_case_open(device.case)
    device_check_triage(triage_result=triage_result, triaged_at=triaged_at, examiner=examiner)
    if triaged_at is not None and device.search is not None and triaged_at < device.search.started_at:
        raise ValidationError({"triaged_at": TRIAGE_BEFORE_SEARCH})
    device.triage_result = triage_result
    if triaged_at is not None:
        device.triaged_at = triaged_at
    if examiner is not None:
        device.examiner = examiner
    version_save(device, version=version, fields=["triage_result", "triaged_at", "examiner"])
    case_log_system(
        case=device.case,
        actor=actor,
        text=f"Triage of device {device.exhibit_reference}: {device.get_triage_result_display().lower()}.",
    )
    return device


def _clean_counts(counts: object) -> dict[tuple[str, str], int]:
    """Every cell of the grid as a whole number 0 or more; a cell not given is 0."""
    if not isinstance(counts, dict):
        raise ValidationError({"counts": IMAGE_COUNT_NOT_A_GRID})
    cells = {(category, kind): 0 for category in ImageCategory.values for kind in ImageCount.Kind.values}
    for category, kinds in counts.items():
        if category not in ImageCategory.values:
            raise ValidationError({"counts": IMAGE_COUNT_UNKNOWN_CATEGORY})
        if not isinstance(kinds, dict):
            raise ValidationError({"counts": IMAGE_COUNT_NOT_A_GRID})
        for kind, number in kinds.items():
            if kind not in ImageCount.Kind.values:
                raise ValidationError({"counts": IMAGE_COUNT_UNKNOWN_KIND})
            # bool is an int in Python; a tick box is not a count.
            if type(number) is not int or number < 0:
                raise ValidationError({"counts": IMAGE_COUNT_NOT_A_NUMBER})
            cells[(category, kind)] = number
    return cells


@transaction.atomic
def device_set_image_counts(
    *, device: Device, actor: User, source: str, counts: dict[str, dict[str, int]], version: int | None = None
) -> list[ImageCount]:
    """Replace the device's counts from `source` with `counts[category][kind]` (e.g. counts["A"]["still"]).

    All six cells are stored, 0 included, so "counted, none found" differs from "not counted".
    The counts are part of the device's record: saving them moves its version on, and `version` is
    the device's version when the form was opened (cases.services.versions).
    """
    _lock_device(device)
    version_check(device, version=version)
    ensure_case_open(device.case)
    if source not in ImageCount.Source.values:
        raise ValidationError({"source": IMAGE_COUNT_SOURCE_UNKNOWN})
    cells = _clean_counts(counts)
    version_save(device, version=version, fields=[])
    ImageCount.objects.filter(device=device, source=source).delete()
    rows = ImageCount.objects.bulk_create(
        ImageCount(device=device, source=source, category=category, kind=kind, count=number)
        for (category, kind), number in cells.items()
    )
    summary = ", ".join(
        f"{category} {cells[(category, 'still')]} still / {cells[(category, 'moving')]} moving"
        for category in ImageCategory.values
    )
    case_log_system(
        case=device.case,
        actor=actor,
        text=f"Image counts for device {device.exhibit_reference} from {ImageCount.Source(source).label}: {summary}.",
    )
    return rows


def device_check_forensic_requested_at(*, requested_at: datetime) -> None:
    """A full forensic examination is recorded as requested once it was (shown with the form's checks)."""
    not_in_future(requested_at, field="requested_at", label="Requested at")


def device_check_forensic_completed_at(*, completed_at: datetime) -> None:
    """A full forensic examination is recorded as completed once it was (shown with the form's checks)."""
    not_in_future(completed_at, field="completed_at", label="Completed at")


@transaction.atomic
def device_record_forensic_request(*, device: Device, actor: User, requested_at: datetime) -> Device:
    _lock_device(device)
    ensure_case_open(device.case)
    if device.forensic_requested_at is not None:
        raise ValidationError(FORENSIC_ALREADY_REQUESTED)
    device_check_forensic_requested_at(requested_at=requested_at)
    device.forensic_requested_at = requested_at
    device.save(update_fields=["forensic_requested_at"])
    case_log_system(
        case=device.case,
        actor=actor,
        text=f"Full forensic examination of device {device.exhibit_reference} requested.",
    )
    return device


@transaction.atomic
def device_record_forensic_completion(*, device: Device, actor: User, completed_at: datetime) -> Device:
    _lock_device(device)
    ensure_case_open(device.case)
    if device.forensic_requested_at is None:
        raise ValidationError(FORENSIC_NOT_REQUESTED)
    if device.forensic_completed_at is not None:
        raise ValidationError(FORENSIC_ALREADY_COMPLETED)
    device_check_forensic_completed_at(completed_at=completed_at)
    if completed_at < device.forensic_requested_at:
        raise ValidationError({"completed_at": FORENSIC_COMPLETED_BEFORE_REQUEST})
    device.forensic_completed_at = completed_at
    device.save(update_fields=["forensic_completed_at"])
    case_log_system(
        case=device.case,
        actor=actor,
        text=f"Full forensic examination of device {device.exhibit_reference} completed.",
    )
    return device


@transaction.atomic
def search_correct(
    *,
    search: Search,
    actor: User,
    reason: str,
    premises: Premises,
    started_at: datetime,
    warrant: models.Model | None = None,
    ended_at: datetime | None = None,
    notes: str = "",
    version: int | None = None,
) -> RecordVersion:
    """Correct a search under the rules of `search_record`; its start stays before the triage of
    every device it found."""
    case = search.case
    locked = correction_start(case=case, record=search, reason=reason, version=version)
    if premises.case_id != case.pk:
        raise ValidationError({"premises": SEARCH_PREMISES_OTHER_CASE})
    ensure_current(premises, "premises")
    search_check_times(started_at=started_at, ended_at=ended_at)
    if warrant is not None:
        _check_search_warrant(case=case, warrant=warrant, premises=premises, started_at=started_at)
    triaged = [
        Event(f"the triage of device {device.exhibit_reference}", device.triaged_at)
        for device in locked.devices.filter(triaged_at__isnull=False)
        if device.triaged_at is not None
    ]
    not_after(started_at, triaged, field="started_at", label="The search")
    return correction_apply(
        case=case,
        record_type="search",
        record=locked,
        actor=actor,
        reason=reason,
        version=version,
        values={
            "premises": premises,
            "warrant": warrant,
            "started_at": started_at,
            "ended_at": ended_at,
            "notes": notes,
        },
        describe=f"Search of {locked.premises}",
    )


def search_dependants(search: Search) -> str | None:
    return first_dependant(search.devices.all())


def device_check_forensic_times(
    *, forensic_requested_at: datetime | None = None, forensic_completed_at: datetime | None = None
) -> None:
    """A forensic examination's times as a correction gives them: none in the future, completed only
    once requested and not before it. Also run by its form beside the field checks."""

    def in_order() -> None:
        if forensic_completed_at is not None and forensic_requested_at is None:
            raise ValidationError({"forensic_completed_at": FORENSIC_NOT_REQUESTED})
        if forensic_completed_at and forensic_requested_at and forensic_completed_at < forensic_requested_at:
            raise ValidationError({"forensic_completed_at": FORENSIC_COMPLETED_BEFORE_REQUEST})

    all_problems(
        lambda: not_in_future(forensic_requested_at, field="forensic_requested_at", label="Requested at"),
        lambda: not_in_future(forensic_completed_at, field="forensic_completed_at", label="Completed at"),
        in_order,
    )


@transaction.atomic
def device_correct(
    *,
    device: Device,
    actor: User,
    reason: str,
    exhibit_reference: str,
    device_type: str,
    action: str,
    triage_result: str,
    search: Search | None = None,
    make_model: str = "",
    notes: str = "",
    triaged_at: datetime | None = None,
    examiner: User | None = None,
    forensic_requested_at: datetime | None = None,
    forensic_completed_at: datetime | None = None,
    version: int | None = None,
) -> RecordVersion:
    """Correct a device, its triage and its forensic examination under the rules of their first
    entries (`device_record`, `device_record_triage`, the forensic request and completion). The
    forensic examination's deadline and the triage figures follow."""
    case = device.case
    locked = correction_start(case=case, record=device, reason=reason, version=version)
    exhibit_reference = _device_check_details(
        case, exhibit_reference=exhibit_reference, device_type=device_type, action=action, search=search
    )
    if search is not None:
        ensure_current(search, "search")
    taken = Device.objects.filter(case=case, exhibit_reference__iexact=exhibit_reference).exclude(pk=locked.pk)
    if taken.exists():
        raise ValidationError({"exhibit_reference": DEVICE_EXHIBIT_TAKEN})
    device_check_triage(triage_result=triage_result, triaged_at=triaged_at, examiner=examiner)
    if triaged_at is not None and search is not None and triaged_at < search.started_at:
        raise ValidationError({"triaged_at": TRIAGE_BEFORE_SEARCH})
    device_check_forensic_times(
        forensic_requested_at=forensic_requested_at, forensic_completed_at=forensic_completed_at
    )
    values = {
        "exhibit_reference": exhibit_reference,
        "device_type": device_type,
        "make_model": make_model,
        "action": action,
        "search": search,
        "notes": notes,
        "triage_result": triage_result,
        "triaged_at": triaged_at,
        "examiner": examiner,
        "forensic_requested_at": forensic_requested_at,
        "forensic_completed_at": forensic_completed_at,
    }
    return correction_apply(
        case=case,
        record_type="device",
        record=locked,
        actor=actor,
        reason=reason,
        version=version,
        values=values,
        describe=f"Device {locked.exhibit_reference}",
    )


def device_dependants(device: Device) -> str | None:
    """Nothing is recorded against a device but its own triage, counts and examination: it can always
    be withdrawn as entered in error, and then takes none of them."""
    return None
