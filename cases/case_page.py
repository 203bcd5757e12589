"""The records a case page shows, read in one query.

The case page shows a case with all its stages: subjects, premises, warrants, searches, devices
and their image counts, arrests with their offences, releases, bail and custody extensions,
charging submissions and charges, hearings, safeguarding referrals, retention reviews, the
referral's identifiers and communications-data requests, and the newest log entries.

Read with `prefetch_related`, that is eighteen queries, and Django spends more time building them
than PostgreSQL spends answering (docs/performance.md, "The case page"). Here one statement returns
every set as a JSON array of whole rows, ordered as each model orders itself, together with the
people and offences those rows point at. The rows become model instances, linked to each other
(`warrant.premises`, `device.search`, `charge.offence`, ...) and stored where `prefetch_related`
would have put them, so templates and `cases.deadlines` read `case.<related_name>.all` without a
query. `case.latest_log_entries` holds the newest LATEST_LOG_ENTRIES log entries, newest first.
"""

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connections, models
from django.db.models import QuerySet

from cases.models import (
    Arrest,
    Case,
    CaseLogEntry,
    Charge,
    ChargingSubmission,
    CommsDataRequest,
    CourtHearing,
    CustodyExtension,
    Device,
    ImageCount,
    Offence,
    Premises,
    Referral,
    ReferralIdentifier,
    Release,
    RetentionReview,
    SafeguardingReferral,
    Search,
    Subject,
    User,
)
from cases.models.custody import BailExtension
from warrants.models import FurtherEntryAuthority, Warrant

LATEST_LOG_ENTRIES = 20

# What the case's own query joins (`case_page_select`).
CASE_PAGE_JOINS = (
    "force",
    "team__force",
    "officer_in_case",
    "supervisor",
    "created_by",
    "referral__force",
    "closure__closed_by",
)

SuspectedOffence = Arrest.suspected_offences.through


@dataclass(frozen=True)
class _Set:
    """One set of rows: `rows` is SQL after SELECT over the alias `t` (FROM ... WHERE ...), with
    `{case}` and `{referral}` standing for the case's and its referral's ids."""

    name: str
    model: type[models.Model]
    rows: str
    order: str = "t.id"


def _table(model: type[models.Model]) -> str:
    return model._meta.db_table


def _of_case(model: type[models.Model]) -> str:
    return f"FROM {_table(model)} t WHERE t.case_id = {{case}}"


def _of(model: type[models.Model], column: str, parents: str) -> str:
    return f"FROM {_table(model)} t WHERE t.{column} IN ({parents})"


_ARRESTS = f"SELECT id FROM {_table(Arrest)} WHERE case_id = {{case}}"
_LATEST_LOG = (
    f"SELECT * FROM {_table(CaseLogEntry)} WHERE case_id = {{case}} "
    f"ORDER BY created_at DESC, id DESC LIMIT {LATEST_LOG_ENTRIES}"
)

SETS = (
    _Set("subjects", Subject, _of_case(Subject)),
    _Set("premises", Premises, _of_case(Premises)),
    _Set("warrants", Warrant, _of_case(Warrant), "t.applied_at DESC, t.id DESC"),
    _Set(
        "further_entries",
        FurtherEntryAuthority,
        _of(FurtherEntryAuthority, "warrant_id", f"SELECT id FROM {_table(Warrant)} WHERE case_id = {{case}}"),
        "t.authorised_at, t.id",
    ),
    _Set("searches", Search, _of_case(Search), "t.started_at, t.id"),
    _Set("devices", Device, _of_case(Device), "t.exhibit_reference, t.id"),
    _Set(
        "image_counts",
        ImageCount,
        _of(ImageCount, "device_id", f"SELECT id FROM {_table(Device)} WHERE case_id = {{case}}"),
        "t.source, t.category, t.kind, t.id",
    ),
    _Set("arrests", Arrest, _of_case(Arrest), "t.arrested_at, t.id"),
    _Set(
        "suspected_offences",
        SuspectedOffence,
        f"FROM {_table(SuspectedOffence)} t JOIN {_table(Offence)} o ON o.id = t.offence_id "
        f"WHERE t.arrest_id IN ({_ARRESTS})",
        "o.statute, o.section, o.id",
    ),
    _Set("releases", Release, _of(Release, "arrest_id", _ARRESTS), "t.released_at, t.id"),
    _Set(
        "bail_extensions",
        BailExtension,
        _of(BailExtension, "release_id", f"SELECT id FROM {_table(Release)} WHERE arrest_id IN ({_ARRESTS})"),
        "t.approved_at, t.id",
    ),
    _Set("custody_extensions", CustodyExtension, _of(CustodyExtension, "arrest_id", _ARRESTS), "t.authorised_at, t.id"),
    _Set("charging_submissions", ChargingSubmission, _of_case(ChargingSubmission), "t.submitted_at, t.id"),
    _Set(
        "charges",
        Charge,
        _of(Charge, "submission_id", f"SELECT id FROM {_table(ChargingSubmission)} WHERE case_id = {{case}}"),
    ),
    _Set("hearings", CourtHearing, _of_case(CourtHearing), "t.hearing_at, t.id"),
    _Set("safeguarding_referrals", SafeguardingReferral, _of_case(SafeguardingReferral)),
    _Set("retention_reviews", RetentionReview, _of_case(RetentionReview), "t.reviewed_at DESC, t.id DESC"),
    _Set("identifiers", ReferralIdentifier, f"FROM {_table(ReferralIdentifier)} t WHERE t.referral_id = {{referral}}"),
    _Set(
        "comms_requests",
        CommsDataRequest,
        f"FROM {_table(CommsDataRequest)} t WHERE t.referral_id = {{referral}}",
        "t.submitted_at, t.id",
    ),
    _Set("latest_log_entries", CaseLogEntry, f"FROM ({_LATEST_LOG}) t", "t.created_at DESC, t.id DESC"),
    _Set(
        "corrected_log_entries",
        CaseLogEntry,
        _of(CaseLogEntry, "id", f"SELECT corrects_id FROM ({_LATEST_LOG}) latest"),
    ),
)


def _pointing_at(target: type[models.Model]) -> Iterable[str]:
    """SELECTs of every id the sets' rows hold of `target` (their authors, examiners, offences, ...)."""
    for rows in SETS:
        for field in rows.model._meta.concrete_fields:
            if field.is_relation and field.related_model is target:
                yield f"SELECT t.{field.column} {rows.rows}"


# People and offences, read with the sets because the sets' rows point at them.
POINTED_AT = (
    _Set("users", User, f"FROM {_table(User)} t WHERE t.id IN ({' UNION '.join(_pointing_at(User))})"),
    _Set("offences", Offence, f"FROM {_table(Offence)} t WHERE t.id IN ({' UNION '.join(_pointing_at(Offence))})"),
)


def _statement() -> str:
    parts = ", ".join(
        f"'{rows.name}', (SELECT coalesce(json_agg(t ORDER BY {rows.order}), '[]') {rows.rows})"
        for rows in (*SETS, *POINTED_AT)
    )
    # Each id is a parameter once; the sets read them from the one-row `ids`.
    return (
        "WITH ids AS (SELECT %s::bigint AS case_id, %s::bigint AS referral_id) "
        f"SELECT json_build_object({parts})::text FROM ids"
    ).format(case="(SELECT case_id FROM ids)", referral="(SELECT referral_id FROM ids)")


STATEMENT = _statement()


def case_page_select(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The case with what its page header shows, joined; `load_case_page_records` adds the rest."""
    return cases.select_related(*CASE_PAGE_JOINS)


def load_case_page_records(case: Case, *, using: str = "default") -> Case:
    """Reads every record the case page shows in one query, and stores them on `case` (see the
    module's docstring). Returns `case`."""
    with connections[using].cursor() as cursor:
        cursor.execute(STATEMENT, [case.pk, case.referral_id])
        (document,) = cursor.fetchone()
    sets = {name: _instances(SETS_BY_NAME[name].model, rows, using) for name, rows in json.loads(document).items()}
    _link(case, sets)
    return case


SETS_BY_NAME = {rows.name: rows for rows in (*SETS, *POINTED_AT)}


# --- From JSON rows to linked instances --------------------------------------------------------


def _instances(model: type[models.Model], rows: list[dict[str, Any]], using: str) -> list[Any]:
    fields = _fields(model)
    attnames = [attname for attname, _, _ in fields]
    return [model.from_db(using, attnames, [to_python(row[column]) for _, column, to_python in fields]) for row in rows]


_FIELDS: dict[type[models.Model], list[tuple[str, str, Callable[[Any], Any]]]] = {}


def _fields(model: type[models.Model]) -> list[tuple[str, str, Callable[[Any], Any]]]:
    """(attname, column, converter from its JSON value) of each column, as `Model.from_db` takes them."""
    if model not in _FIELDS:
        _FIELDS[model] = [(field.attname, field.column, _converter(field)) for field in model._meta.concrete_fields]
    return _FIELDS[model]


def _converter(field: models.Field) -> Callable[[Any], Any]:
    if field.is_relation:
        field = field.target_field  # type: ignore[attr-defined]
    if isinstance(field, models.DateTimeField | models.DateField):
        to_python = field.to_python
        return lambda value: None if value is None else to_python(value)
    return lambda value: value  # JSON already holds numbers, text and booleans as Python takes them


def _link(case: Case, sets: dict[str, list[Any]]) -> None:
    by_id: dict[type[models.Model], dict[Any, Any]] = defaultdict(dict)
    by_id[Case][case.pk] = case
    if case.referral_id is not None:
        by_id[Referral][case.referral_id] = case.referral
    for name, instances in sets.items():
        if name != "suspected_offences":
            by_id[SETS_BY_NAME[name].model].update((instance.pk, instance) for instance in instances)
    for instances in sets.values():
        for instance in instances:
            _link_foreign_keys(instance, by_id)

    for name in (
        "subjects",
        "premises",
        "warrants",
        "searches",
        "devices",
        "arrests",
        "charging_submissions",
        "hearings",
        "safeguarding_referrals",
        "retention_reviews",
    ):
        _set_related(case, name, sets[name])
    case.latest_log_entries = sets["latest_log_entries"]  # type: ignore[attr-defined]
    if case.referral is not None:
        _set_related(case.referral, "identifiers", sets["identifiers"])
        _set_related(case.referral, "comms_requests", sets["comms_requests"])

    _set_children(sets["warrants"], "further_entries", sets["further_entries"], "warrant_id")
    _set_children(sets["devices"], "image_counts", sets["image_counts"], "device_id")
    _set_children(sets["arrests"], "releases", sets["releases"], "arrest_id")
    _set_children(sets["arrests"], "custody_extensions", sets["custody_extensions"], "arrest_id")
    _set_children(sets["releases"], "bail_extensions", sets["bail_extensions"], "release_id")
    _set_children(sets["charging_submissions"], "charges", sets["charges"], "submission_id")
    offences = by_id[Offence]
    suspected = [(link.arrest_id, offences[link.offence_id]) for link in sets["suspected_offences"]]
    for arrest in sets["arrests"]:
        _set_related(arrest, "suspected_offences", [offence for pk, offence in suspected if pk == arrest.pk])


def _link_foreign_keys(instance: models.Model, by_id: dict[type[models.Model], dict[Any, Any]]) -> None:
    for field in instance._meta.concrete_fields:
        if not field.is_relation or field.related_model not in by_id:
            continue
        value = getattr(instance, field.attname)
        if value is None:
            field.set_cached_value(instance, None)  # type: ignore[attr-defined]
        elif value in by_id[field.related_model]:  # type: ignore[index]
            field.set_cached_value(instance, by_id[field.related_model][value])  # type: ignore[attr-defined,index]
        # A row pointing outside what was read (not in a consistent database) is read when used.


def _set_children(parents: list[Any], name: str, children: list[Any], column: str) -> None:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for child in children:
        grouped[getattr(child, column)].append(child)
    for parent in parents:
        _set_related(parent, name, grouped[parent.pk])


def _set_related(instance: models.Model, name: str, rows: list[Any]) -> None:
    """Stores `rows` as `prefetch_related` does: `instance.<name>.all()` returns them, no query."""
    queryset = getattr(instance, name).get_queryset()  # filtered to `instance`, not yet evaluated
    queryset._result_cache = rows
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    instance._prefetched_objects_cache[name] = queryset  # type: ignore[attr-defined]
