"""Stage 9: safeguarding, in parallel with the investigation. Children are never named.

A pseudonymous reference is capital letters and digits in parts joined by hyphens, at most 40
characters, and must contain a digit or end in a single character after a hyphen: `CHILD-A`, `C1`,
`CHILD-2`, `HH1-C3`. Lower case and spaces are refused, so a name as people type it ("Jane Smith",
"Jane") cannot be entered; a name typed in capitals without a digit or single-letter ending
("JANE") is refused too. This is a guard against mistakes, not a proof that a string is not a name.
"""

import re
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from cases.models import Case, RecordVersion, SafeguardingReferral
from cases.services.common import case_log_system, ensure_case_open, not_in_future, stage_recorded
from cases.services.corrections import correction_apply, correction_start, ensure_current
from cases.services.versions import version_check, version_save

PSEUDONYM_PATTERN = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$")
PSEUDONYM_MARKER = re.compile(r"[0-9]|-[A-Z0-9]$")
PSEUDONYM_MAX_LENGTH = 40

SAFEGUARDING_REFERENCE_NOT_PSEUDONYMOUS = (
    "Use a pseudonymous reference, never a name: capital letters and digits joined by hyphens, up to 40 "
    "characters, containing a digit or ending in a single letter after a hyphen (e.g. CHILD-A or C1)."
)
SAFEGUARDING_REFERENCE_TAKEN = "This case already has a safeguarding record with that reference."
SAFEGUARDING_CHILDREN_AT_LEAST_ONE = "Count at least one child with access to the suspect."
SAFEGUARDING_SAFEGUARDED_OVER_COUNT = "Children safeguarded cannot be more than the children counted."
SAFEGUARDING_SAFEGUARDED_NEEDS_MASH = "Children can be counted as safeguarded only after a referral to the MASH."
SAFEGUARDING_MASH_BEFORE_CASE = "The MASH referral cannot be before the case was opened."
SAFEGUARDING_MASH_REFERENCE_NEEDS_DATE = "Enter when the MASH referral was made with its reference."
CHOICE_INVALID = "Choose one of the options offered."
EDITABLE_FIELDS = (
    "pseudonymous_reference",
    "children_count",
    "relationship",
    "mash_referred_at",
    "mash_reference",
    "strategy_discussion",
    "section_47_enquiry",
    "children_safeguarded",
    "outcome",
)


def _choice(choices: Any, value: str, field: str) -> Any:
    """One of the model's choices, or a ValidationError on `field` (importers pass raw strings)."""
    try:
        return choices(value)
    except ValueError:
        raise ValidationError({field: CHOICE_INVALID}) from None


def safeguarding_check_values(
    *,
    pseudonymous_reference: str,
    children_count: int,
    mash_referred_at: datetime | None = None,
    mash_reference: str = "",
    children_safeguarded: int = 0,
) -> None:
    """The rules a safeguarding record's own values must meet, every one reported at once (the form
    shows them beside its field checks): a pseudonymous reference, never a name; at least one child;
    a MASH referral not in the future, and its date with its reference; no more children
    safeguarded than have access, and none without a MASH referral."""
    problems: dict[str, str] = {}
    if (
        len(pseudonymous_reference) > PSEUDONYM_MAX_LENGTH
        or not PSEUDONYM_PATTERN.match(pseudonymous_reference)
        or not PSEUDONYM_MARKER.search(pseudonymous_reference)
    ):
        problems["pseudonymous_reference"] = SAFEGUARDING_REFERENCE_NOT_PSEUDONYMOUS
    if children_count < 1:
        problems["children_count"] = SAFEGUARDING_CHILDREN_AT_LEAST_ONE
    if mash_referred_at is not None:
        try:
            not_in_future(mash_referred_at, field="mash_referred_at", label="The MASH referral")
        except ValidationError as error:
            problems.update({name: messages[0] for name, messages in error.message_dict.items()})
    elif mash_reference:
        problems["mash_referred_at"] = SAFEGUARDING_MASH_REFERENCE_NEEDS_DATE
    if children_safeguarded > children_count:
        problems["children_safeguarded"] = SAFEGUARDING_SAFEGUARDED_OVER_COUNT
    elif children_safeguarded > 0 and mash_referred_at is None:
        problems["children_safeguarded"] = SAFEGUARDING_SAFEGUARDED_NEEDS_MASH
    if problems:
        raise ValidationError(problems)


def _check(
    *,
    case: Case,
    referral: SafeguardingReferral | None,
    pseudonymous_reference: str,
    children_count: int,
    mash_referred_at: datetime | None,
    mash_reference: str,
    children_safeguarded: int,
) -> None:
    safeguarding_check_values(
        pseudonymous_reference=pseudonymous_reference,
        children_count=children_count,
        mash_referred_at=mash_referred_at,
        mash_reference=mash_reference,
        children_safeguarded=children_safeguarded,
    )
    taken = case.safeguarding_referrals.filter(pseudonymous_reference=pseudonymous_reference)
    if referral is not None:
        taken = taken.exclude(pk=referral.pk)
    if taken.exists():
        raise ValidationError({"pseudonymous_reference": SAFEGUARDING_REFERENCE_TAKEN})
    if mash_referred_at is not None and mash_referred_at < case.opened_at:
        raise ValidationError({"mash_referred_at": SAFEGUARDING_MASH_BEFORE_CASE})


@transaction.atomic
def safeguarding_record(
    *,
    case: Case,
    actor: User,
    pseudonymous_reference: str,
    children_count: int,
    relationship: str,
    mash_referred_at: datetime | None = None,
    mash_reference: str = "",
    strategy_discussion: bool = False,
    section_47_enquiry: bool = False,
    children_safeguarded: int = 0,
    outcome: str = "",
    recorded_at: datetime | None = None,
) -> SafeguardingReferral:
    """Record children with access to a suspect, by count and pseudonymous reference only.

    `recorded_at` is for imports that keep the historical time; otherwise it is now.
    """
    ensure_case_open(case)
    pseudonymous_reference = pseudonymous_reference.strip()
    mash_reference = mash_reference.strip()
    relationship = _choice(SafeguardingReferral.Relationship, relationship, "relationship")
    _check(
        case=case,
        referral=None,
        pseudonymous_reference=pseudonymous_reference,
        children_count=children_count,
        mash_referred_at=mash_referred_at,
        mash_reference=mash_reference,
        children_safeguarded=children_safeguarded,
    )
    referral = SafeguardingReferral(
        case=case,
        pseudonymous_reference=pseudonymous_reference,
        children_count=children_count,
        relationship=relationship,
        mash_referred_at=mash_referred_at,
        mash_reference=mash_reference,
        strategy_discussion=strategy_discussion,
        section_47_enquiry=section_47_enquiry,
        children_safeguarded=children_safeguarded,
        outcome=outcome.strip(),
        recorded_by=actor,
    )
    if recorded_at is not None:
        referral.recorded_at = recorded_at
    referral.save()
    case_log_system(
        case=case,
        actor=actor,
        text=f"Safeguarding {pseudonymous_reference} recorded: {children_count} children, "
        f"{children_safeguarded} safeguarded.",
    )
    stage_recorded(case=case, actor=actor, event="safeguarding", record=referral)
    return referral


@transaction.atomic
def safeguarding_update(
    *,
    referral: SafeguardingReferral,
    actor: User,
    pseudonymous_reference: str,
    children_count: int,
    relationship: str,
    mash_referred_at: datetime | None = None,
    mash_reference: str = "",
    strategy_discussion: bool = False,
    section_47_enquiry: bool = False,
    children_safeguarded: int = 0,
    outcome: str = "",
    version: int | None = None,
) -> SafeguardingReferral:
    """Update a safeguarding record as the MASH referral, strategy discussion and outcome come in.

    `version` is the record's version when the form was opened: if someone saved since, nothing is
    saved and `VersionConflict` says who (cases.services.versions).
    """
    referral = SafeguardingReferral.objects.select_for_update().select_related("case").get(pk=referral.pk)
    version_check(referral, version=version)
    ensure_current(referral)
    case = referral.case
    ensure_case_open(case)
    pseudonymous_reference = pseudonymous_reference.strip()
    mash_reference = mash_reference.strip()
    relationship = _choice(SafeguardingReferral.Relationship, relationship, "relationship")
    _check(
        case=case,
        referral=referral,
        pseudonymous_reference=pseudonymous_reference,
        children_count=children_count,
        mash_referred_at=mash_referred_at,
        mash_reference=mash_reference,
        children_safeguarded=children_safeguarded,
    )
    referral.pseudonymous_reference = pseudonymous_reference
    referral.children_count = children_count
    referral.relationship = relationship
    referral.mash_referred_at = mash_referred_at
    referral.mash_reference = mash_reference
    referral.strategy_discussion = strategy_discussion
    referral.section_47_enquiry = section_47_enquiry
    referral.children_safeguarded = children_safeguarded
    referral.outcome = outcome.strip()
    version_save(referral, version=version, fields=EDITABLE_FIELDS)
    case_log_system(
        case=case,
        actor=actor,
        text=f"Safeguarding {pseudonymous_reference} updated: {children_count} children, "
        f"{children_safeguarded} safeguarded.",
    )
    return referral


@transaction.atomic
def safeguarding_correct(
    *,
    referral: SafeguardingReferral,
    actor: User,
    reason: str,
    pseudonymous_reference: str,
    children_count: int,
    relationship: str,
    mash_referred_at: datetime | None = None,
    mash_reference: str = "",
    strategy_discussion: bool = False,
    section_47_enquiry: bool = False,
    children_safeguarded: int = 0,
    outcome: str = "",
    version: int | None = None,
) -> RecordVersion:
    """Correct a safeguarding record entered wrongly, with a reason kept in its history, under the
    rules of `safeguarding_record` (adding what comes in later is `safeguarding_update`)."""
    case = referral.case
    locked = correction_start(case=case, record=referral, reason=reason, version=version)
    pseudonymous_reference = pseudonymous_reference.strip()
    relationship = _choice(SafeguardingReferral.Relationship, relationship, "relationship")
    _check(
        case=case,
        referral=locked,
        pseudonymous_reference=pseudonymous_reference,
        children_count=children_count,
        mash_referred_at=mash_referred_at,
        mash_reference=mash_reference.strip(),
        children_safeguarded=children_safeguarded,
    )
    values = {
        "pseudonymous_reference": pseudonymous_reference,
        "children_count": children_count,
        "relationship": relationship,
        "mash_referred_at": mash_referred_at,
        "mash_reference": mash_reference,
        "strategy_discussion": strategy_discussion,
        "section_47_enquiry": section_47_enquiry,
        "children_safeguarded": children_safeguarded,
        "outcome": outcome,
    }
    return correction_apply(
        case=case,
        record_type="safeguarding",
        record=locked,
        actor=actor,
        reason=reason,
        version=version,
        values=values,
        describe=f"Safeguarding {locked.pseudonymous_reference}",
    )


def safeguarding_dependants(referral: SafeguardingReferral) -> str | None:
    """Nothing is recorded against a safeguarding record: it can always be withdrawn as entered in
    error (its pseudonymous reference stays taken on the case, with its history)."""
    return None
