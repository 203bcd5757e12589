"""The rules of work on a case: the tasks suggested when a stage is recorded, and how often a
supervisor reviews a case. All are local targets, not law (settings: SUGGESTED_TASK_DAYS,
SUPERVISORY_REVIEW_DAYS; docs/work.md)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings

from cases.models import Arrest, Case, SafeguardingReferral, Search

LOCAL_TARGET = "Local target (not law)"


@dataclass(frozen=True)
class Suggestion:
    rule: str
    title: str
    due_on: date


def suggestion_for(*, event: str, record: object, today: date) -> Suggestion | None:
    """The task the rules suggest when `event` is recorded as `record`, if any:

    - a search: submit the devices seized for examination;
    - children with access to a suspect, not yet referred: refer them to the MASH;
    - an arrest: prepare the charging file.
    """
    days = settings.SUGGESTED_TASK_DAYS
    if event == "search" and isinstance(record, Search):
        return Suggestion("search_devices", "Submit devices seized for examination", today + timedelta(days["search"]))
    if event == "safeguarding" and isinstance(record, SafeguardingReferral):
        if record.children_count > 0 and record.mash_referred_at is None:
            title = f"Make the MASH referral for {record.pseudonymous_reference}"
            return Suggestion("mash_referral", title, today + timedelta(days["safeguarding"]))
        return None
    if event == "arrest" and isinstance(record, Arrest):
        title = f"Prepare the charging file for {record.subject}"
        return Suggestion("charging_file", title, today + timedelta(days["arrest"]))
    return None


def review_cadence(stage: str) -> timedelta:
    """How long after a review (or the case's opening) the next supervisory review is due, at `stage`."""
    days = settings.SUPERVISORY_REVIEW_DAYS.get(stage, settings.SUPERVISORY_REVIEW_DAYS[Case.Stage.INVESTIGATION])
    return timedelta(days=days)
