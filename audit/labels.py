"""How the auditor pages name records in people's words: "Case SAF-2026-0012", "Arrest of J Smith at
3 Dec 2026 14:05", "DC Jo Reid (dc.reid)", rather than "cases.Case 27".

The audit app is the bottom layer and imports no other app. A record is named by:

1. the label function its app registered for its object type (`label_records`, called from the
   app's `ready()`, as accounts tells audit who may read it): cases names a case by its reference,
   accounts a person by rank, name and username;
2. otherwise the model's own name for the row (`str()`, found through Django's app registry, as
   `object_type_label` finds a model's verbose name), the name Safeguard's pages give it, after
   the kind of record unless it says that already: "Device EX/1 (Laptop)", "Arrest of J Smith ...";
3. otherwise (the row is gone, or the type is not a model) the type and id: "Device 12".

One query per object type for a page of entries, never one per entry.
"""

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from contextlib import suppress
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from audit.objects import canonical_object_type, model_of, object_type_label

RecordLabeller = Callable[[Collection[str]], dict[str, str]]

_labellers: dict[str, RecordLabeller] = {}


def label_records(object_type: str, labeller: RecordLabeller) -> None:
    """Name the records of `object_type` (its name in the trail, e.g. "cases.Case"):
    `labeller(ids)` gives a label for each id it knows, by id (as text)."""
    _labellers[object_type] = labeller


def _own_names(model: type[models.Model], ids: Collection[str]) -> dict[str, str]:
    primary_key = model._meta.pk
    keys: list[Any] = []
    for value in ids:
        with suppress(ValidationError):  # an id that is not this model's key names nothing
            keys.append(primary_key.to_python(value) if primary_key is not None else value)
    if not keys:
        return {}
    # A model's name for a row may name a record it links to ("Arrest of J Smith ...", "Search of
    # <premises> ..."): every forward link is read in the same query, so naming rows never costs a
    # query per row.
    links = [f.name for f in model._meta.concrete_fields if f.is_relation and f.many_to_one]
    rows = model._default_manager.filter(pk__in=keys).select_related(*links)
    return {str(row.pk): str(row) for row in rows}


def labels_for(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """A label for each (object type, id), by the pair as given."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for object_type, object_id in pairs:
        wanted[object_type].add(str(object_id))
    found: dict[tuple[str, str], str] = {}
    for object_type, ids in wanted.items():
        value = canonical_object_type(object_type)
        ids.discard("")
        named: dict[str, str] = {}
        if ids and value in _labellers:
            named = _labellers[value](ids)
        model = model_of(value)
        missing = ids - set(named)
        kind = object_type_label(value)
        if missing and model is not None:
            for object_id, name in _own_names(model, missing).items():
                # "Device EX/1 (Laptop)"; a name that says what it is already stays as it is.
                named[object_id] = name if name.lower().startswith(kind.lower()) else f"{kind} {name}"
        for object_id in ids:
            found[(object_type, object_id)] = named.get(object_id) or f"{kind} {object_id}"
        found[(object_type, "")] = kind
    return found
