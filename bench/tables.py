"""The tables the generator fills, their columns in database order, and how a value is written.

A value is written twice: as PostgreSQL COPY text (the row itself) and as the jsonb text the audit
row trigger (audit/0002, `safeguard_audit_row`) would have stored for it in `changes`. The second
must be exactly PostgreSQL's own text form of the jsonb, because the hash chain hashes
`changes::text` (audit/chain.py): object keys ordered by length and then bytes, `": "` and `", "`
separators, timestamps as `to_jsonb` gives them with the session in UTC.

Times are whole seconds since the epoch (UTC) in case data; audit times are microseconds.
"""

import json
import time
from collections.abc import Callable
from datetime import date
from typing import Any, cast

# Column types: I integer, S text, T timestamp with time zone (epoch seconds), D date, B boolean,
# N inet (text).
TABLES: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    # table: (model label for the audit trail, columns in table order)
    "cases_force": ("cases.Force", (("id", "I"), ("code", "S"), ("name", "S"), ("region", "S"))),
    "cases_team": ("cases.Team", (("id", "I"), ("name", "S"), ("force_id", "I"))),
    "cases_user": (
        "cases.User",
        (
            ("id", "I"),
            ("password", "S"),
            ("last_login", "T"),
            ("is_superuser", "B"),
            ("username", "S"),
            ("first_name", "S"),
            ("last_name", "S"),
            ("email", "S"),
            ("is_staff", "B"),
            ("is_active", "B"),
            ("date_joined", "T"),
            ("rank", "S"),
            ("collar_number", "S"),
            ("force_id", "I"),
            ("username_skeleton", "S"),
            ("disabled_reason", "S"),
        ),
    ),
    "cases_user_groups": ("cases.User_groups", (("id", "I"), ("user_id", "I"), ("group_id", "I"))),
    "cases_user_teams": ("cases.User_teams", (("id", "I"), ("user_id", "I"), ("team_id", "I"))),
    "cases_referral": (
        "cases.Referral",
        (
            ("id", "I"),
            ("source", "S"),
            ("source_reference", "S"),
            ("received_at", "T"),
            ("platform", "S"),
            ("files_reported", "I"),
            ("risk_grade", "S"),
            ("summary", "S"),
            ("outcome", "S"),
            ("outcome_at", "T"),
            ("outcome_reason", "S"),
            ("disseminated_to", "S"),
            ("created_at", "T"),
            ("created_by_id", "I"),
            ("force_id", "I"),
        ),
    ),
    "cases_referralidentifier": (
        "cases.ReferralIdentifier",
        (
            ("id", "I"),
            ("kind", "S"),
            ("ip_address", "N"),
            ("port", "I"),
            ("account_id", "S"),
            ("observed_at", "T"),
            ("observed_original", "S"),
            ("observed_timezone", "S"),
            ("referral_id", "I"),
            ("first_entered_at", "T"),
        ),
    ),
    "cases_commsdatarequest": (
        "cases.CommsDataRequest",
        (
            ("id", "I"),
            ("reference", "S"),
            ("submitted_at", "T"),
            ("approved_at", "T"),
            ("approval_route", "S"),
            ("result_received_at", "T"),
            ("outcome", "S"),
            ("notes", "S"),
            ("time_verified_by_id", "I"),
            ("referral_id", "I"),
            ("first_entered_at", "T"),
        ),
    ),
    "cases_case": (
        "cases.Case",
        (
            ("id", "I"),
            ("reference", "S"),
            ("operation", "S"),
            ("district", "S"),
            ("status", "S"),
            ("stage", "S"),
            ("restricted", "B"),
            ("summary", "S"),
            ("opened_at", "T"),
            ("version", "I"),
            ("created_by_id", "I"),
            ("officer_in_case_id", "I"),
            ("supervisor_id", "I"),
            ("force_id", "I"),
            ("referral_id", "I"),
            ("team_id", "I"),
            ("first_entered_at", "T"),
        ),
    ),
    "cases_subject": (
        "cases.Subject",
        (
            ("id", "I"),
            ("full_name", "S"),
            ("date_of_birth", "D"),
            ("pnc_id", "S"),
            ("phone", "S"),
            ("email", "S"),
            ("online_account", "S"),
            ("notes", "S"),
            ("case_id", "I"),
            ("first_entered_at", "T"),
        ),
    ),
    "cases_premises": (
        "cases.Premises",
        (
            ("id", "I"),
            ("address", "S"),
            ("postcode", "S"),
            ("description", "S"),
            ("case_id", "I"),
            ("first_entered_at", "T"),
        ),
    ),
    "warrants_warrant": (
        "warrants.Warrant",
        (
            ("id", "I"),
            ("power", "S"),
            ("entry", "S"),
            ("court", "S"),
            ("warrant_reference", "S"),
            ("court_reference", "S"),
            ("status", "S"),
            ("applied_at", "T"),
            ("issuing_justice", "S"),
            ("issued_at", "T"),
            ("expires_at", "T"),
            ("refused_at", "T"),
            ("refusal_reason", "S"),
            ("executed_at", "T"),
            ("persons_present", "S"),
            ("result", "S"),
            ("returned_at", "T"),
            ("version", "I"),
            ("applicant_id", "I"),
            ("case_id", "I"),
            ("executed_by_id", "I"),
            ("premises_id", "I"),
            ("first_entered_at", "T"),
        ),
    ),
    "cases_search": (
        "cases.Search",
        (
            ("id", "I"),
            ("started_at", "T"),
            ("ended_at", "T"),
            ("notes", "S"),
            ("case_id", "I"),
            ("officer_in_charge_id", "I"),
            ("premises_id", "I"),
            ("warrant_id", "I"),
            ("first_entered_at", "T"),
        ),
    ),
    "cases_device": (
        "cases.Device",
        (
            ("id", "I"),
            ("exhibit_reference", "S"),
            ("device_type", "S"),
            ("make_model", "S"),
            ("action", "S"),
            ("triage_result", "S"),
            ("triaged_at", "T"),
            ("forensic_requested_at", "T"),
            ("forensic_completed_at", "T"),
            ("notes", "S"),
            ("case_id", "I"),
            ("examiner_id", "I"),
            ("search_id", "I"),
            ("version", "I"),
            ("first_entered_at", "T"),
        ),
    ),
    "cases_imagecount": (
        "cases.ImageCount",
        (("id", "I"), ("category", "S"), ("kind", "S"), ("source", "S"), ("count", "I"), ("device_id", "I")),
    ),
    "cases_arrest": (
        "cases.Arrest",
        (
            ("id", "I"),
            ("arrested_at", "T"),
            ("custody_reference", "S"),
            ("relevant_time", "T"),
            ("left_custody_at", "T"),
            ("arresting_officer_id", "I"),
            ("case_id", "I"),
            ("subject_id", "I"),
            ("first_entered_at", "T"),
        ),
    ),
    "cases_arrest_suspected_offences": (
        "cases.Arrest_suspected_offences",
        (("id", "I"), ("arrest_id", "I"), ("offence_id", "I")),
    ),
    "cases_release": (
        "cases.Release",
        (
            ("id", "I"),
            ("kind", "S"),
            ("released_at", "T"),
            ("bail_regime", "S"),
            ("bail_ends_at", "T"),
            ("bail_conditions", "S"),
            ("arrest_id", "I"),
            ("recorded_by_id", "I"),
            ("answer_at", "T"),
            ("answer_place", "S"),
            ("investigating_body", "S"),
            ("body_confirmed_by", "S"),
            ("court_applied_at", "T"),
            ("first_entered_at", "T"),
        ),
    ),
    "cases_chargingsubmission": (
        "cases.ChargingSubmission",
        (
            ("id", "I"),
            ("submitted_at", "T"),
            ("test", "S"),
            ("cps_reference", "S"),
            ("decision", "S"),
            ("decision_at", "T"),
            ("decision_notes", "S"),
            ("case_id", "I"),
            ("submitted_by_id", "I"),
            ("subject_id", "I"),
            ("first_entered_at", "T"),
        ),
    ),
    "cases_charge": (
        "cases.Charge",
        (
            ("id", "I"),
            ("counts", "I"),
            ("category", "S"),
            ("submission_id", "I"),
            ("offence_id", "I"),
            ("first_entered_at", "T"),
        ),
    ),
    "cases_courthearing": (
        "cases.CourtHearing",
        (
            ("id", "I"),
            ("court", "S"),
            ("hearing_at", "T"),
            ("hearing_type", "S"),
            ("outcome", "S"),
            ("remand_status", "S"),
            ("notification_requirements", "B"),
            ("shpo_made", "B"),
            ("case_id", "I"),
            ("subject_id", "I"),
            ("first_entered_at", "T"),
        ),
    ),
    "cases_safeguardingreferral": (
        "cases.SafeguardingReferral",
        (
            ("id", "I"),
            ("pseudonymous_reference", "S"),
            ("children_count", "I"),
            ("relationship", "S"),
            ("mash_referred_at", "T"),
            ("mash_reference", "S"),
            ("strategy_discussion", "B"),
            ("section_47_enquiry", "B"),
            ("children_safeguarded", "I"),
            ("outcome", "S"),
            ("recorded_at", "T"),
            ("case_id", "I"),
            ("recorded_by_id", "I"),
            ("version", "I"),
            ("first_entered_at", "T"),
        ),
    ),
    "cases_closure": (
        "cases.Closure",
        (
            ("id", "I"),
            ("outcome_type", "S"),
            ("closed_at", "T"),
            ("rationale", "S"),
            ("case_id", "I"),
            ("closed_by_id", "I"),
        ),
    ),
    "cases_retentionreview": (
        "cases.RetentionReview",
        (
            ("id", "I"),
            ("retention_group", "S"),
            ("decision", "S"),
            ("reviewed_at", "T"),
            ("rationale", "S"),
            ("next_review_at", "T"),
            ("case_id", "I"),
            ("reviewed_by_id", "I"),
        ),
    ),
    "cases_caselogentry": (
        "cases.CaseLogEntry",
        (
            ("id", "I"),
            ("kind", "S"),
            ("text", "S"),
            ("created_at", "T"),
            ("author_id", "I"),
            ("case_id", "I"),
            ("corrects_id", "I"),
        ),
    ),
    "cases_caseuserobjectpermission": (
        "cases.CaseUserObjectPermission",
        (("id", "I"), ("content_object_id", "I"), ("permission_id", "I"), ("user_id", "I")),
    ),
}

# The order rows are loaded in, so every foreign key points at a row already there.
LOAD_ORDER = tuple(TABLES)

AUDIT_COLUMNS = (
    "id",
    "occurred_at",
    "actor_id",
    "actor_username",
    "kind",
    "object_type",
    "object_id",
    "case_reference",
    "summary",
    "changes",
    "recipient",
    "ip",
    "request_id",
    "source",
    "prev_hash",
    "hash",
    "seq",
)


def jsonb_key_order(keys: list[str]) -> list[str]:
    """PostgreSQL's order of jsonb object keys: shorter first, then by bytes."""
    return sorted(keys, key=lambda key: (len(key.encode()), key.encode()))


# --- Times ----------------------------------------------------------------------------------
# Formatting a time is the commonest thing the generator does (every row and every audit entry
# has one or more), so the date of each day and the "HH:MM:SS" of each second of a day are made
# once and looked up.

_DAY = 86_400
_HMS = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]
_DATES: dict[int, str] = {}


def _date(day: int) -> str:
    """ "YYYY-MM-DD" of a day counted from 1970-01-01."""
    text = _DATES.get(day)
    if text is None:
        text = _DATES[day] = time.strftime("%Y-%m-%d", time.gmtime(day * _DAY))
    return text


def copy_time(seconds: int) -> str:
    day, second = divmod(seconds, _DAY)
    return f"{_DATES.get(day) or _date(day)} {_HMS[second]}+00"


def json_time(seconds: int) -> str:
    day, second = divmod(seconds, _DAY)
    return f'"{_DATES.get(day) or _date(day)}T{_HMS[second]}+00:00"'


def iso_second(seconds: int) -> str:
    """ "YYYY-MM-DDTHH:MM:SS" (UTC): an audit entry's time as the chain hashes it (audit/0002) is
    this, then ".ffffffZ". COPY reads the same text for `occurred_at` (ISO 8601, "Z" is UTC)."""
    day, second = divmod(seconds, _DAY)
    return f"{_DATES.get(day) or _date(day)}T{_HMS[second]}"


# --- Values -----------------------------------------------------------------------------------


def copy_text(value: str) -> str:
    """A string as COPY text: backslash, tab and line breaks escaped."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def copy_value(kind: str, value: object) -> str:
    if value is None:
        return "\\N"
    if kind == "S":
        assert isinstance(value, str)
        return copy_text(value)
    if kind == "T":
        return copy_time(cast(int, value))  # a "T" column holds epoch seconds (see Column types)
    if kind == "B":
        return "t" if value else "f"
    if kind == "D":
        assert isinstance(value, date)
        return value.isoformat()
    return str(value)


def json_string(value: str) -> str:
    if value.isprintable() and '"' not in value and "\\" not in value:
        return f'"{value}"'
    return json.dumps(value, ensure_ascii=False)


def json_value(kind: str, value: object) -> str:
    if value is None:
        return "null"
    if kind == "S":
        assert isinstance(value, str)
        return json_string(value)
    if kind == "T":
        return json_time(cast(int, value))  # a "T" column holds epoch seconds (see Column types)
    if kind == "B":
        return "true" if value else "false"
    if kind in ("D", "N"):
        return f'"{value.isoformat() if isinstance(value, date) else value}"'
    return str(value)


# --- Whole rows, compiled per table ---------------------------------------------------------------
# `copy_value` and `json_value` say how one value is written; the functions below do the same for a
# whole row with one expression per column and no dispatch, generated once per table.

_COPY_EXPRESSIONS = {
    "I": "v",
    "N": "v",
    "S": "copy_text(v)",
    "T": "copy_time(v)",
    "B": "('t' if v else 'f')",
    "D": "v.isoformat()",
}
_JSON_EXPRESSIONS = {
    "I": "v",
    "S": "json_string(v)",
    "T": "json_time(v)",
    "B": "('true' if v else 'false')",
    "D": "'\"' + v.isoformat() + '\"'",
    "N": "'\"' + v + '\"'",
}
_NAMESPACE = {
    "copy_text": copy_text,
    "copy_time": copy_time,
    "json_string": json_string,
    "json_time": json_time,
    "NULL_COPY": "\\N",
    "NULL_JSON": "null",
}


def _literal(text: str) -> str:
    """`text` as the literal part of a generated f-string."""
    assert "'" not in text and "\\" not in text
    return text.replace("{", "{{").replace("}", "}}")


def _compile(name: str, arguments: str, lines: list[str], template: str) -> Any:
    source = f"def {name}({arguments}):\n" + "".join(f"    {line}\n" for line in lines) + f"    return f'{template}'\n"
    namespace = dict(_NAMESPACE)
    exec(compile(source, f"<bench.tables {name}>", "exec"), namespace)
    return namespace[name]


def _value_lines(
    columns: list[tuple[str, str]], expressions: dict[str, str], null: str, source: str = "row", prefix: str = "c"
) -> list[str]:
    """One line per column: `<prefix><n> = <the column's value in `source`, written>`."""
    return [
        f"{prefix}{index} = {null} if (v := {source}[{column!r}]) is None else {expressions[kind]}"
        for index, (column, kind) in enumerate(columns)
    ]


class TableSpec:
    """One table: its label, columns, and its rows as COPY text and as the `create` entry's changes."""

    def __init__(self, table: str, redacted: tuple[str, ...] = ()) -> None:
        self.table = table
        self.label, self.columns = TABLES[table]
        self.types = dict(self.columns)
        self.json_order = jsonb_key_order([name for name, _ in self.columns])
        self._changed: dict[tuple[str, ...], Callable[[dict[str, object], dict[str, object]], str]] = {}
        columns = list(self.columns)
        self.copy_line: Callable[[dict[str, object]], str] = _compile(
            "copy_line",
            "row",
            _value_lines(columns, _COPY_EXPRESSIONS, "NULL_COPY"),
            "\\t".join(f"{{c{index}}}" for index in range(len(columns))) + "\\n",
        )
        shown = [(name, self.types[name]) for name in self.json_order if name not in redacted]
        parts = []
        for name in self.json_order:
            after = '"[not recorded]"' if name in redacted else f"{{c{[n for n, _ in shown].index(name)}}}"
            parts.append(_literal(f'"{name}": {{"after": ') + after + _literal(', "before": null}'))
        self.created_changes: Callable[[dict[str, object]], str] = _compile(
            "created_changes",
            "row",
            _value_lines(shown, _JSON_EXPRESSIONS, "NULL_JSON"),
            "{{" + ", ".join(parts) + "}}",
        )
        """`changes` of the `create` entry the row trigger writes: every column, before null."""

    def changed_changes(self, before: dict[str, object], after: dict[str, object]) -> str:
        """`changes` of a `change` entry: the changed columns only, before and after."""
        keys = tuple(after)
        write = self._changed.get(keys)
        if write is None:
            columns = [(name, self.types[name]) for name in jsonb_key_order(list(keys))]
            parts = [
                _literal(f'"{name}": {{"after": ') + f"{{a{index}}}" + _literal(', "before": ') + f"{{b{index}}}}}}}"
                for index, (name, _) in enumerate(columns)
            ]
            write = self._changed[keys] = _compile(
                "changed_changes",
                "before, after",
                _value_lines(columns, _JSON_EXPRESSIONS, "NULL_JSON", "after", "a")
                + _value_lines(columns, _JSON_EXPRESSIONS, "NULL_JSON", "before", "b"),
                "{{" + ", ".join(parts) + "}}",
            )
        return write(before, after)
