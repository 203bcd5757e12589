"""Optimistic locking: two people editing the same record never overwrite each other unseen (no
lost update).

A record that is edited in place (rather than added to, as a stage event is) carries a `version`
number. Its edit page sends the version it showed in a hidden field; the service saves with one
conditional `UPDATE ... SET ..., version = version + 1 WHERE id = %s AND version = %s`. If someone
else saved in between, no row matches, nothing is written, and `VersionConflict` says who changed the
record and when (from the audit trail), so the page can show the person's typed values back to
them beside the current ones.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol, cast

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F

from audit.models import AuditEntry
from cases.formats import when

VERSION_CONFLICT = (
    "This record was changed by {name} at {time} after you opened it. Check the current values below and save again."
)
VERSION_CONFLICT_UNKNOWN = (
    "This record was changed by someone else after you opened it. Check the current values below and save again."
)


class Versioned(Protocol):
    """A record edited in place: each such model declares its own `version` field (no shared base)."""

    version: int


def _versioned(instance: models.Model) -> Versioned:
    # Only records with a `version` field reach these functions (their services pass them).
    return cast(Versioned, instance)


class VersionConflict(ValidationError):
    """The record moved on since the form was opened. `current` is the record as it now stands."""

    def __init__(self, message: str, *, current: models.Model) -> None:
        super().__init__(message, code="version_conflict")
        self.current = current

    @property
    def current_version(self) -> int:
        return int(_versioned(self.current).version)


def version_check(instance: models.Model, *, version: int | None) -> None:
    """Refuse early, before any rule is checked, if the form's `version` is not the record's.

    Call it after locking the row; `version_save` is the guarantee, this only makes the conflict the
    first thing the person is told. None (imports, the demo, scripts) means "the record as loaded".
    """
    if version is not None and version != _versioned(instance).version:
        raise version_conflict(instance)


def version_save(instance: models.Model, *, version: int | None, fields: Sequence[str]) -> None:
    """Write `fields` of `instance` and move its version on, only if the stored version is `version`.

    One conditional UPDATE, so the check and the write cannot be separated by another save. None
    means the version `instance` was loaded with.
    """
    expected = _versioned(instance).version if version is None else version
    values: dict[str, Any] = {name: getattr(instance, name) for name in fields}
    updated = (
        type(instance)
        ._default_manager.filter(pk=instance.pk, version=expected)
        .update(version=F("version") + 1, **values)
    )
    if updated != 1:
        raise version_conflict(instance)
    _versioned(instance).version = expected + 1


def version_conflict(instance: models.Model) -> VersionConflict:
    """The conflict for `instance`: the record as it now is, and who last changed it and when."""
    current = type(instance)._default_manager.get(pk=instance.pk)
    change = last_change(current)
    if change is None:
        return VersionConflict(VERSION_CONFLICT_UNKNOWN, current=current)
    name = str(change.actor) if change.actor is not None else change.actor_username or "someone else"
    return VersionConflict(VERSION_CONFLICT.format(name=name, time=when(change.occurred_at)), current=current)


def last_change(instance: models.Model) -> AuditEntry | None:
    """The audit trail's latest entry for a change that moved this row's version on."""
    changes = _entries_of(instance, kind=AuditEntry.Kind.CHANGE, changes__has_key="version")
    return _searched_from_first_entered(instance, changes.order_by("-occurred_at", "-id"))


def _case_reference(instance: models.Model) -> str:
    reference = getattr(instance, "reference", None)
    if isinstance(reference, str):
        return reference
    case = getattr(instance, "case", None)
    return str(getattr(case, "reference", "") or "")


def first_entry(instance: models.Model) -> AuditEntry | None:
    """The audit trail's entry for the row's first entry: who recorded it and when."""
    created = _entries_of(instance, kind=AuditEntry.Kind.CREATE)
    return _searched_from_first_entered(instance, created.order_by("occurred_at", "id"))


def _entries_of(instance: models.Model, **conditions: Any) -> "models.QuerySet[AuditEntry]":
    """The row's entries in the audit trail that meet `conditions`, with their actors (found through
    the case reference's index when the row has a case)."""
    entries = AuditEntry.objects.filter(object_type=instance._meta.label, object_id=str(instance.pk), **conditions)
    reference = _case_reference(instance)
    if reference:
        entries = entries.filter(case_reference=reference)
    return entries.select_related("actor")


def _searched_from_first_entered(instance: models.Model, entries: "models.QuerySet[AuditEntry]") -> AuditEntry | None:
    """The first of the row's `entries`, ordered.

    None of a row's entries is older than the time it was first entered (`first_entered_at`, the
    database's time of the INSERT, which the entries' times cannot precede), so a row that knows it is
    searched for in the month partitions from then on only. A row that does not, or whose entries
    are not found there (it came in by another way, such as a bulk load with times of its own), is
    searched for over the whole trail. Either search finds the latest entry, and the first entry of a
    kind a row has one of (its `create` entry).
    """
    entered = getattr(instance, "first_entered_at", None)
    if isinstance(entered, datetime):
        found = entries.filter(occurred_at__gte=entered).first()
        if found is not None:
            return found
    return entries.first()
