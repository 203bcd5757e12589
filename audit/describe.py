"""Audit entries in people's words for the auditor pages and the CSV export: who (name and
username), what (plain words), which record (its label: audit.labels), and for a row's creation,
change or deletion each field by its label with its old and new values (a choice by its label, a
linked record by its label, a time in UK time to the second)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.text import capfirst

from audit.labels import labels_for
from audit.models import AuditEntry
from audit.objects import model_of, object_type_value
from safeguard.formats import day, when_seconds

ROW_KINDS = (AuditEntry.Kind.CREATE, AuditEntry.Kind.CHANGE, AuditEntry.Kind.DELETE)
NOT_RECORDED = "[not recorded]"


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class EntryView:
    entry: AuditEntry
    who: str
    what: str
    record: str
    fields: list[FieldChange] = field(default_factory=list)
    # The entry's own words, where the fields do not say it better (a row's "Changed cases.Case 27").
    summary: str = ""


def people_names(user_ids: set[int]) -> dict[int, str]:
    """ "Jo Reid" for each person still on record, by id."""
    users = get_user_model().objects.filter(pk__in=user_ids).only("first_name", "last_name", "username")
    return {user.pk: user.get_full_name() for user in users}


def name_and_username(name: str | None, username: str) -> str:
    """ "Jo Reid (ps.auditor)", or the username alone when the name is not known."""
    return f"{name} ({username})" if name else username


def who(entry: AuditEntry, names: dict[int, str]) -> str:
    """Who acted: name and username, or the source when no one signed in did (a task, the database)."""
    if entry.actor_username:
        return name_and_username(names.get(entry.actor_id) if entry.actor_id else "", entry.actor_username)
    return entry.source or "Unknown"


def _columns(model: type[models.Model]) -> dict[str, models.Field[Any, Any]]:
    fields: dict[str, models.Field[Any, Any]] = {}
    for model_field in model._meta.concrete_fields:
        fields[model_field.column] = model_field
    return fields


def _fk_pairs(entry: AuditEntry) -> list[tuple[str, str]]:
    model = model_of(entry.object_type) if entry.kind in ROW_KINDS else None
    if model is None or not isinstance(entry.changes, dict):
        return []
    columns = _columns(model)
    pairs = []
    for column, values in entry.changes.items():
        model_field = columns.get(column)
        if model_field is None or not model_field.is_relation or not isinstance(values, dict):
            continue
        related = model_field.related_model
        if not isinstance(related, type):
            continue
        for value in (values.get("before"), values.get("after")):
            if value is not None:
                pairs.append((object_type_value(related), str(value)))
    return pairs


def _value(model_field: models.Field[Any, Any] | None, value: Any, labels: dict[tuple[str, str], str]) -> str:
    if value is None or value == "":
        return "(none)"
    if value == NOT_RECORDED:
        return "(not recorded)"
    if model_field is None:
        return value if isinstance(value, str) else json.dumps(value)
    if model_field.is_relation and isinstance(model_field.related_model, type):
        return labels.get((object_type_value(model_field.related_model), str(value)), str(value))
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return "Yes" if value else "No"
    if isinstance(model_field, models.DateTimeField) and isinstance(value, str):
        try:
            return when_seconds(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(model_field, models.DateField) and isinstance(value, str):
        try:
            return day(date.fromisoformat(value))
        except ValueError:
            return value
    return value if isinstance(value, str) else json.dumps(value)


def field_changes(entry: AuditEntry, labels: dict[tuple[str, str], str]) -> list[FieldChange]:
    """A row's fields as changed: label, old value, new value (in the model's field order)."""
    model = model_of(entry.object_type) if entry.kind in ROW_KINDS else None
    if model is None or not isinstance(entry.changes, dict):
        return []
    columns = _columns(model)
    order = {column: index for index, column in enumerate(columns)}
    found = []
    for column, values in sorted(entry.changes.items(), key=lambda item: order.get(item[0], len(order))):
        if not isinstance(values, dict) or set(values) != {"before", "after"}:
            continue
        model_field = columns.get(column)
        if model_field is not None and model_field.primary_key:
            continue
        label = capfirst(str(model_field.verbose_name)) if model_field is not None else column
        before = "" if entry.kind == AuditEntry.Kind.CREATE else _value(model_field, values["before"], labels)
        after = "" if entry.kind == AuditEntry.Kind.DELETE else _value(model_field, values["after"], labels)
        found.append(FieldChange(label, before, after))
    return found


def describe(entries: list[AuditEntry]) -> list[EntryView]:
    """`entries` in people's words, with one query per kind of record named (never per entry)."""
    names = people_names({entry.actor_id for entry in entries if entry.actor_id})
    pairs = [(entry.object_type, entry.object_id) for entry in entries]
    pairs += [pair for entry in entries for pair in _fk_pairs(entry)]
    labels = labels_for(pairs)
    views = []
    for entry in entries:
        record = labels.get((entry.object_type, entry.object_id), "")
        row_change = entry.kind in ROW_KINDS and model_of(entry.object_type) is not None
        views.append(
            EntryView(
                entry=entry,
                who=who(entry, names),
                what=entry.get_kind_display(),
                record=record,
                fields=field_changes(entry, labels),
                summary="" if row_change else entry.summary,
            )
        )
    return views
