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

The sets kept by apps above cases (warrants: their further entry authorities) are given at
start-up with `register_sets` (`WarrantsConfig.ready`), as the layer above; their names are
`Case`'s related names, so `DEADLINE_SETS` can name them.
"""

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import models
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
from safeguard.prepared import fetch_prepared

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
class RecordSet:
    """One set of rows: `rows` is SQL after SELECT over the alias `t` (FROM ... WHERE ...), with
    `{cases}` and `{referrals}` standing for arrays of the cases' and their referrals' ids. A set
    stored on its parents' rows names the parents' set ("cases", "referrals" or another set) and
    the column naming the parent."""

    name: str
    model: type[models.Model]
    rows: str
    order: str = "t.id"
    parent: str | None = None
    column: str = "case_id"


def _table(model: type[models.Model]) -> str:
    return model._meta.db_table


def rows_of_case(model: type[models.Model]) -> str:
    """The rows of `model` that belong to the cases."""
    return f"FROM {_table(model)} t WHERE t.case_id = ANY({{cases}})"


def rows_of(model: type[models.Model], column: str, parents: str) -> str:
    """The rows of `model` whose `column` is one of the ids `parents` (a SELECT) returns."""
    return f"FROM {_table(model)} t WHERE t.{column} IN ({parents})"


def ids_of_case(model: type[models.Model]) -> str:
    """A SELECT of the ids of the rows of `model` that belong to the cases."""
    return f"SELECT id FROM {_table(model)} WHERE case_id = ANY({{cases}})"


def of_case(name: str, model: type[models.Model], order: str = "t.id") -> RecordSet:
    """The set of `model`'s rows of the cases, stored on each case as `name` (its related name)."""
    return RecordSet(name, model, rows_of_case(model), order, parent="cases", column="case_id")


_ARRESTS = ids_of_case(Arrest)
_RELEASES = f"SELECT id FROM {_table(Release)} WHERE arrest_id IN ({_ARRESTS})"
# Each case's newest log entries.
_LATEST_LOG = (
    f"SELECT log.* FROM unnest({{cases}}) AS c(id) CROSS JOIN LATERAL (SELECT * FROM {_table(CaseLogEntry)} "
    f"WHERE case_id = c.id ORDER BY created_at DESC, id DESC LIMIT {LATEST_LOG_ENTRIES}) log"
)

# The sets of cases' own records; `register_sets` adds those of the apps above.
_SETS: list[RecordSet] = [
    of_case("subjects", Subject),
    of_case("premises", Premises),
    of_case("searches", Search, "t.started_at, t.id"),
    of_case("devices", Device, "t.exhibit_reference, t.id"),
    RecordSet(
        "image_counts",
        ImageCount,
        rows_of(ImageCount, "device_id", ids_of_case(Device)),
        "t.source, t.category, t.kind, t.id",
        parent="devices",
        column="device_id",
    ),
    of_case("arrests", Arrest, "t.arrested_at, t.id"),
    RecordSet(
        "suspected_offences",
        SuspectedOffence,
        f"FROM {_table(SuspectedOffence)} t JOIN {_table(Offence)} o ON o.id = t.offence_id "
        f"WHERE t.arrest_id IN ({_ARRESTS})",
        "o.statute, o.section, o.id",
    ),
    RecordSet(
        "releases",
        Release,
        rows_of(Release, "arrest_id", _ARRESTS),
        "t.released_at, t.id",
        parent="arrests",
        column="arrest_id",
    ),
    RecordSet(
        "bail_extensions",
        BailExtension,
        rows_of(BailExtension, "release_id", _RELEASES),
        "t.approved_at, t.id",
        parent="releases",
        column="release_id",
    ),
    RecordSet(
        "bail_breaches",
        BailBreach,
        rows_of(BailBreach, "release_id", _RELEASES),
        "t.occurred_at, t.id",
        parent="releases",
        column="release_id",
    ),
    RecordSet(
        "custody_extensions",
        CustodyExtension,
        rows_of(CustodyExtension, "arrest_id", _ARRESTS),
        "t.authorised_at, t.id",
        parent="arrests",
        column="arrest_id",
    ),
    RecordSet(
        "custody_reviews",
        CustodyReview,
        rows_of(CustodyReview, "arrest_id", _ARRESTS),
        "t.reviewed_at, t.id",
        parent="arrests",
        column="arrest_id",
    ),
    of_case("charging_submissions", ChargingSubmission, "t.submitted_at, t.id"),
    RecordSet(
        "charges",
        Charge,
        rows_of(Charge, "submission_id", ids_of_case(ChargingSubmission)),
        parent="charging_submissions",
        column="submission_id",
    ),
    of_case("hearings", CourtHearing, "t.hearing_at, t.id"),
    of_case("safeguarding_referrals", SafeguardingReferral),
    of_case("retention_reviews", RetentionReview, "t.reviewed_at DESC, t.id DESC"),
    RecordSet(
        "identifiers",
        ReferralIdentifier,
        f"FROM {_table(ReferralIdentifier)} t WHERE t.referral_id = ANY({{referrals}})",
        parent="referrals",
        column="referral_id",
    ),
    RecordSet(
        "comms_requests",
        CommsDataRequest,
        f"FROM {_table(CommsDataRequest)} t WHERE t.referral_id = ANY({{referrals}})",
        "t.submitted_at, t.id",
        parent="referrals",
        column="referral_id",
    ),
    RecordSet("latest_log_entries", CaseLogEntry, f"FROM ({_LATEST_LOG}) t", "t.created_at DESC, t.id DESC"),
    RecordSet(
        "log_versions",
        RecordVersion,
        rows_of(RecordVersion, "log_entry_id", f"SELECT id FROM ({_LATEST_LOG}) latest"),
    ),
    RecordSet(
        "corrected_log_entries",
        CaseLogEntry,
        rows_of(CaseLogEntry, "id", f"SELECT corrects_id FROM ({_LATEST_LOG}) latest"),
    ),
]


def register_sets(*sets: RecordSet) -> None:
    """Read `sets` too, with the case page's records (and with the deadlines' if `DEADLINE_SETS`
    names them). Called at start-up by the apps above cases, before any statement is built."""
    for rows in sets:
        if all(rows.name != known.name for known in _SETS):
            _SETS.append(rows)
    _statement.cache_clear()


# What `cases.deadlines.case_deadlines` reads (with the case's referral, team, officer in the case
# and supervisor, which the cases' own query joins: `cases.deadlines.with_deadline_records`). The
# warrants are a set `warrants` registers (`case.warrants`).
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


def case_page_sets() -> frozenset[str]:
    """The names of every set: what the case page shows."""
    return frozenset(rows.name for rows in _SETS)


def _pointing_at(target: type[models.Model], names: frozenset[str]) -> list[str]:
    """SELECTs of every id the sets' rows hold of `target` (their authors, examiners, offences, ...)."""
    return [
        f"SELECT t.{field.column} {rows.rows}"
        for rows in _SETS
        if rows.name in names
        for field in rows.model._meta.concrete_fields
        if field.is_relation and field.related_model is target
    ]


def _pointed_at(names: frozenset[str]) -> list[RecordSet]:
    """People and offences, read with the sets because the sets' rows point at them (the deadlines
    read no person: only the case page asks for them). `= ANY(ARRAY(...))` looks each id up by its
    index; `IN (...)` of a UNION has PostgreSQL hash the whole table of people."""
    targets: list[tuple[str, type[models.Model]]] = [("offences", Offence)]
    if names == case_page_sets():
        targets.insert(0, ("users", User))
    return [
        RecordSet(name, target, f"FROM {_table(target)} t WHERE t.id = ANY(ARRAY({' UNION '.join(ids)}))")
        for name, target in targets
        if (ids := _pointing_at(target, names))
    ]


@cache
def _statement(names: frozenset[str]) -> tuple[str, dict[str, type[models.Model]]]:
    """The one statement for these sets, and the model of each set it returns."""
    chosen = [rows for rows in _SETS if rows.name in names] + _pointed_at(names)
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
    load_records([case], case_page_sets(), using=using)
    return case


def load_records(cases: list[Case], names: frozenset[str], *, using: str = "default") -> None:
    """Reads the sets named (`case_page_sets()`, `DEADLINE_SETS`) of every case in one query, and
    stores them on the cases. Their referrals must have been read with them (`select_related`)."""
    if not cases:
        return
    sql, models_of = _statement(names)
    referrals = [case.referral_id for case in cases if case.referral_id is not None]
    # Prepared once per connection: planning its 22 subqueries costs more than running them.
    ((document,),) = fetch_prepared(sql, [_array(case.pk for case in cases), _array(referrals)], using=using)
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
    for rows in _SETS:
        if rows.parent is not None and rows.name in sets:
            _set_children(parents[rows.parent], rows.name, sets[rows.name], rows.column)
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
