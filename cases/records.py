"""The records of cases, read in one query: for the case page, and for computing deadlines.

The case page shows a case with all its stages: subjects, premises, warrants, searches, devices
and their image counts, arrests with their offences, releases, bail and custody extensions,
charging submissions and charges, hearings, safeguarding referrals, retention reviews, the
referral's identifiers and communications-data requests, and the newest log entries. Deadlines
(`cases.deadlines`) are computed from a part of those.

Read with `prefetch_related`, that is up to eighteen queries, and Django spends more time building
them than PostgreSQL spends answering (docs/performance.md, "How the pages stay within budget"). Here one statement
returns every set as a JSON array of whole rows, ordered as each model orders itself, together
with the people and offences those rows point at. The rows become model instances, linked to each
other (`warrant.premises`, `device.search`, `charge.offence`, ...) and stored where
`prefetch_related` would have put them, so templates and `cases.deadlines` read
`case.<related_name>.all` without a query. `case.latest_log_entries` holds each case's newest
LATEST_LOG_ENTRIES log entries, newest first.
"""

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import connections, models
from django.db.models import QuerySet

from accounts.models import User
from cases.models import (
    Arrest,
    Case,
    CaseLogEntry,
    Charge,
    ChargingSubmission,
    CommsDataRequest,
    CourtHearing,
    CustodyExtension,
    CustodyReview,
    Device,
    ImageCount,
    Offence,
    Premises,
    RecordVersion,
    Referral,
    ReferralIdentifier,
    Release,
    RetentionReview,
    SafeguardingReferral,
    Search,
    Subject,
)
from cases.models.custody import BailBreach, BailExtension
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
    `{cases}` and `{referrals}` standing for arrays of the cases' and their referrals' ids."""

    name: str
    model: type[models.Model]
    rows: str
    order: str = "t.id"


def _table(model: type[models.Model]) -> str:
    return model._meta.db_table


def _of_case(model: type[models.Model]) -> str:
    return f"FROM {_table(model)} t WHERE t.case_id = ANY({{cases}})"


def _of(model: type[models.Model], column: str, parents: str) -> str:
    return f"FROM {_table(model)} t WHERE t.{column} IN ({parents})"


def _ids_of_case(model: type[models.Model]) -> str:
    return f"SELECT id FROM {_table(model)} WHERE case_id = ANY({{cases}})"


_ARRESTS = _ids_of_case(Arrest)
_RELEASES = f"SELECT id FROM {_table(Release)} WHERE arrest_id IN ({_ARRESTS})"
# Each case's newest log entries.
_LATEST_LOG = (
    f"SELECT log.* FROM unnest({{cases}}) AS c(id) CROSS JOIN LATERAL (SELECT * FROM {_table(CaseLogEntry)} "
    f"WHERE case_id = c.id ORDER BY created_at DESC, id DESC LIMIT {LATEST_LOG_ENTRIES}) log"
)

SETS = (
    _Set("subjects", Subject, _of_case(Subject)),
    _Set("premises", Premises, _of_case(Premises)),
    _Set("warrants", Warrant, _of_case(Warrant), "t.applied_at DESC, t.id DESC"),
    _Set(
        "further_entries",
        FurtherEntryAuthority,
        _of(FurtherEntryAuthority, "warrant_id", _ids_of_case(Warrant)),
        "t.authorised_at, t.id",
    ),
    _Set("searches", Search, _of_case(Search), "t.started_at, t.id"),
    _Set("devices", Device, _of_case(Device), "t.exhibit_reference, t.id"),
    _Set(
        "image_counts",
        ImageCount,
        _of(ImageCount, "device_id", _ids_of_case(Device)),
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
        _of(BailExtension, "release_id", _RELEASES),
        "t.approved_at, t.id",
    ),
    _Set(
        "bail_breaches",
        BailBreach,
        _of(BailBreach, "release_id", _RELEASES),
        "t.occurred_at, t.id",
    ),
    _Set("custody_extensions", CustodyExtension, _of(CustodyExtension, "arrest_id", _ARRESTS), "t.authorised_at, t.id"),
    _Set("custody_reviews", CustodyReview, _of(CustodyReview, "arrest_id", _ARRESTS), "t.reviewed_at, t.id"),
    _Set("charging_submissions", ChargingSubmission, _of_case(ChargingSubmission), "t.submitted_at, t.id"),
    _Set(
        "charges",
        Charge,
        _of(Charge, "submission_id", _ids_of_case(ChargingSubmission)),
    ),
    _Set("hearings", CourtHearing, _of_case(CourtHearing), "t.hearing_at, t.id"),
    _Set("safeguarding_referrals", SafeguardingReferral, _of_case(SafeguardingReferral)),
    _Set("retention_reviews", RetentionReview, _of_case(RetentionReview), "t.reviewed_at DESC, t.id DESC"),
    _Set(
        "identifiers",
        ReferralIdentifier,
        f"FROM {_table(ReferralIdentifier)} t WHERE t.referral_id = ANY({{referrals}})",
    ),
    _Set(
        "comms_requests",
        CommsDataRequest,
        f"FROM {_table(CommsDataRequest)} t WHERE t.referral_id = ANY({{referrals}})",
        "t.submitted_at, t.id",
    ),
    _Set("latest_log_entries", CaseLogEntry, f"FROM ({_LATEST_LOG}) t", "t.created_at DESC, t.id DESC"),
    _Set(
        "log_versions",
        RecordVersion,
        _of(RecordVersion, "log_entry_id", f"SELECT id FROM ({_LATEST_LOG}) latest"),
    ),
    _Set(
        "corrected_log_entries",
        CaseLogEntry,
        _of(CaseLogEntry, "id", f"SELECT corrects_id FROM ({_LATEST_LOG}) latest"),
    ),
)


# What `cases.deadlines.case_deadlines` reads (with the case's referral, team, officer in the case
# and supervisor, which the cases' own query joins: `cases.deadlines.with_deadline_records`).
DEADLINE_SETS = frozenset(
    {
        "subjects",
        "premises",
        "warrants",
        "searches",
        "devices",
        "arrests",
        "releases",
        "bail_extensions",
        "custody_extensions",
        "custody_reviews",
        "charging_submissions",
        "hearings",
        "safeguarding_referrals",
        "retention_reviews",
    }
)
CASE_PAGE_SETS = frozenset(rows.name for rows in SETS)


def _pointing_at(target: type[models.Model], names: frozenset[str]) -> list[str]:
    """SELECTs of every id the sets' rows hold of `target` (their authors, examiners, offences, ...)."""
    return [
        f"SELECT t.{field.column} {rows.rows}"
        for rows in SETS
        if rows.name in names
        for field in rows.model._meta.concrete_fields
        if field.is_relation and field.related_model is target
    ]


def _pointed_at(names: frozenset[str]) -> list[_Set]:
    """People and offences, read with the sets because the sets' rows point at them (the deadlines
    read no person: only the case page asks for them). `= ANY(ARRAY(...))` looks each id up by its
    index; `IN (...)` of a UNION has PostgreSQL hash the whole table of people."""
    targets: list[tuple[str, type[models.Model]]] = [("offences", Offence)]
    if names == CASE_PAGE_SETS:
        targets.insert(0, ("users", User))
    return [
        _Set(name, target, f"FROM {_table(target)} t WHERE t.id = ANY(ARRAY({' UNION '.join(ids)}))")
        for name, target in targets
        if (ids := _pointing_at(target, names))
    ]


@cache
def _statement(names: frozenset[str]) -> tuple[str, dict[str, type[models.Model]]]:
    """The one statement for these sets, and the model of each set it returns."""
    chosen = [rows for rows in SETS if rows.name in names] + _pointed_at(names)
    parts = ", ".join(
        f"'{rows.name}', (SELECT coalesce(json_agg(t ORDER BY {rows.order}), '[]') {rows.rows})" for rows in chosen
    )
    # The ids are two array parameters; the sets read them from the one-row `ids`.
    sql = (
        "WITH ids AS (SELECT %s::bigint[] AS cases, %s::bigint[] AS referrals) "
        f"SELECT json_build_object({parts})::text FROM ids"
    ).format(cases="(SELECT cases FROM ids)::bigint[]", referrals="(SELECT referrals FROM ids)::bigint[]")
    return sql, {rows.name: rows.model for rows in chosen}


def case_page_select(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The case with what its page header shows, joined; `load_case_page_records` adds the rest."""
    return cases.select_related(*CASE_PAGE_JOINS)


def load_case_page_records(case: Case, *, using: str = "default") -> Case:
    """Reads every record the case page shows in one query, and stores them on `case` (see the
    module's docstring). Returns `case`."""
    load_records([case], CASE_PAGE_SETS, using=using)
    return case


def load_records(cases: list[Case], names: frozenset[str], *, using: str = "default") -> None:
    """Reads the sets named (`CASE_PAGE_SETS`, `DEADLINE_SETS`) of every case in one query, and
    stores them on the cases. Their referrals must have been read with them (`select_related`)."""
    if not cases:
        return
    sql, models_of = _statement(names)
    referrals = [case.referral_id for case in cases if case.referral_id is not None]
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [_array(case.pk for case in cases), _array(referrals)])
        (document,) = cursor.fetchone()
    sets = {
        name: _instances(models_of[name], rows, using)
        for name, rows in json.loads(document, parse_float=Decimal).items()
    }
    _link(cases, sets, models_of)


def _array(ids: Iterable[int]) -> str:
    """Ids as PostgreSQL's text form of an array ('{1,2,3}'), the same parameter whatever their number."""
    return "{" + ",".join(str(int(pk)) for pk in ids) + "}"


# --- From JSON rows to linked instances --------------------------------------------------------


def _instances(model: type[models.Model], rows: list[dict[str, Any]], using: str) -> list[Any]:
    fields = _fields(model)
    attnames = [attname for attname, _, _ in fields]
    return [model.from_db(using, attnames, [to_python(row[column]) for _, column, to_python in fields]) for row in rows]


@cache
def _fields(model: type[models.Model]) -> list[tuple[str, str, Callable[[Any], Any]]]:
    """(attname, column, converter from its JSON value) of each column, as `Model.from_db` takes them."""
    return [(field.attname, field.column, _converter(field)) for field in model._meta.concrete_fields]


# Column types whose JSON value is already the Python value Django would give (numbers as JSON
# numbers, text and booleans), and those Django makes from their JSON text or number.
_AS_IS = {
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "EmailField",
    "GenericIPAddressField", "IntegerField", "PositiveBigIntegerField", "PositiveIntegerField",
    "PositiveSmallIntegerField", "SlugField", "SmallIntegerField", "TextField", "URLField",
    # A JSON column arrives inside the row's JSON already parsed (a record version's changes).
    "JSONField",
}  # fmt: skip
_CONVERTED = {"DateField", "DateTimeField", "DecimalField", "DurationField", "FloatField", "TimeField", "UUIDField"}


def _converter(field: models.Field) -> Callable[[Any], Any]:
    """How a column's JSON value becomes what Django would have read. A column of another type
    (binary, JSON, arrays) is refused, rather than read wrongly."""
    if isinstance(field, models.ForeignKey):  # the relations among concrete columns
        field = field.target_field
    kind = field.get_internal_type()
    if kind in _AS_IS:
        return lambda value: value
    if kind in _CONVERTED:
        to_python = field.to_python
        return lambda value: None if value is None else to_python(value)
    raise TypeError(f"cases.records cannot read a {kind} ({field}) from JSON: add how to convert it.")


# Sets stored on a parent row: (set, the parent's set or "cases", the column naming the parent).
_CHILDREN = (
    ("subjects", "cases", "case_id"),
    ("premises", "cases", "case_id"),
    ("warrants", "cases", "case_id"),
    ("searches", "cases", "case_id"),
    ("devices", "cases", "case_id"),
    ("arrests", "cases", "case_id"),
    ("charging_submissions", "cases", "case_id"),
    ("hearings", "cases", "case_id"),
    ("safeguarding_referrals", "cases", "case_id"),
    ("retention_reviews", "cases", "case_id"),
    ("identifiers", "referrals", "referral_id"),
    ("comms_requests", "referrals", "referral_id"),
    ("further_entries", "warrants", "warrant_id"),
    ("image_counts", "devices", "device_id"),
    ("releases", "arrests", "arrest_id"),
    ("custody_extensions", "arrests", "arrest_id"),
    ("custody_reviews", "arrests", "arrest_id"),
    ("bail_extensions", "releases", "release_id"),
    ("bail_breaches", "releases", "release_id"),
    ("charges", "charging_submissions", "submission_id"),
)


def _link(cases: list[Case], sets: dict[str, list[Any]], models_of: dict[str, type[models.Model]]) -> None:
    referrals = [case.referral for case in cases if case.referral is not None]
    by_id: dict[type[models.Model], dict[Any, Any]] = defaultdict(dict)
    by_id[Case].update((case.pk, case) for case in cases)
    by_id[Referral].update((referral.pk, referral) for referral in referrals)
    for name, instances in sets.items():
        if name != "suspected_offences":
            by_id[models_of[name]].update((row.pk, row) for row in instances)
    for instances in sets.values():
        for instance in instances:
            _link_foreign_keys(instance, by_id)

    parents: dict[str, list[Any]] = {"cases": cases, "referrals": referrals, **sets}
    for name, parent, column in _CHILDREN:
        if name in sets:
            _set_children(parents[parent], name, sets[name], column)
    if "latest_log_entries" in sets:
        newest = _grouped(sets["latest_log_entries"], "case_id")
        for case in cases:
            case.latest_log_entries = newest[case.pk]
    if "log_versions" in sets:
        # Each latest log entry knows the record version it reports (or that there is none), so the
        # case log's link to a record's history needs no query.
        reverse = RecordVersion._meta.get_field("log_entry").remote_field
        versions = {version.log_entry_id: version for version in sets["log_versions"]}
        for entry in sets["latest_log_entries"]:
            reverse.set_cached_value(entry, versions.get(entry.pk))
    if "suspected_offences" in sets:
        suspected = _grouped(sets["suspected_offences"], "arrest_id")
        for arrest in sets["arrests"]:
            offences = [by_id[Offence][link.offence_id] for link in suspected[arrest.pk]]
            _set_related(arrest, "suspected_offences", offences)


def _link_foreign_keys(instance: models.Model, by_id: dict[type[models.Model], dict[Any, Any]]) -> None:
    for field in instance._meta.concrete_fields:
        if not isinstance(field, models.ForeignKey):
            continue
        related = field.related_model  # a class once the app registry is ready ("self" only before)
        if not isinstance(related, type) or related not in by_id:
            continue
        value = getattr(instance, field.attname)
        if value is None:
            field.set_cached_value(instance, None)
        elif value in by_id[related]:
            field.set_cached_value(instance, by_id[related][value])
        # A row pointing outside what was read (not in a consistent database) is read when used.


def _grouped(rows: list[Any], column: str) -> defaultdict[Any, list[Any]]:
    """`rows` by the value of `column` (the parent each names), in their order; [] for any other."""
    grouped: defaultdict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, column)].append(row)
    return grouped


def _set_children(parents: list[Any], name: str, children: list[Any], column: str) -> None:
    grouped = _grouped(children, column)
    for parent in parents:
        _set_related(parent, name, grouped[parent.pk])


def _set_related(instance: models.Model, name: str, rows: list[Any]) -> None:
    """Stores `rows` as `prefetch_related` does: `instance.<name>.all()` returns them, no query."""
    queryset = getattr(instance, name).get_queryset()  # filtered to `instance`, not yet evaluated
    queryset._result_cache = rows
    queryset._prefetch_done = True
    # Where prefetch_related keeps its results, an attribute Model's stubs do not declare.
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset
