"""The identifier index of generated data, filled in SQL (docs/search.md, docs/performance.md).

The generator loads the records themselves with COPY, bypassing the services, and so bypassing the
index they fill (cases.services.identifiers). At a million cases, indexing each record through the
services would take hours; these statements make the same rows set by set, normalising in SQL as
cases/identifiers.py does in Python for the shapes the generator writes (references and exhibits in
capitals, names and addresses without punctuation, PNC IDs without leading zeros, postcodes with one
space, IP addresses in PostgreSQL's canonical text, accounts case-folded). Deconfliction matches are
not looked for here: the benchmark measures the check itself (bench/run.py).
"""

from typing import Any

TABLE = "cases_indexedidentifier"
COLUMNS = (
    "kind, value, shown, date_of_birth, ip_address, port, observed_at, force_id, case_id, referral_id, "
    "source_type, source_id, recorded_at"
)


def _plain(column: str) -> str:
    """normalise_name: NFKC, capitals, no punctuation, one space between words."""
    return (
        f"btrim(regexp_replace(regexp_replace(upper(normalize({column}, NFKC)), '[^[:alnum:][:space:]_]', '', 'g'), "
        "'\\s+', ' ', 'g'))"
    )


def _postcode(column: str) -> str:
    return f"regexp_replace(upper(replace({column}, ' ', '')), '^(.+)([0-9][A-Z]{{2}})$', '\\1 \\2')"


REFERRAL_OWNER = "r.force_id, c.id, r.id"
REFERRAL_JOIN = "JOIN cases_referral r ON r.id = x.referral_id LEFT JOIN cases_case c ON c.referral_id = r.id"
CASE_OWNER = "c.force_id, c.id, NULL::bigint"
CASE_JOIN = "JOIN cases_case c ON c.id = x.case_id"
ADDRESS_LINE = "replace(replace(x.address, chr(10), ' '), ',', ' ')"
NONE = "NULL::date, NULL::inet, NULL::integer, NULL::timestamptz"

STATEMENTS = (
    # Cases and referrals: their references.
    f"SELECT 'case_reference', upper(c.reference), c.reference, {NONE}, c.force_id, c.id, NULL::bigint, "
    "'cases.Case', c.id, now() FROM cases_case c",
    f"SELECT 'external_reference', upper(btrim(x.source_reference)), x.source_reference, {NONE}, "
    "x.force_id, c.id, x.id, 'cases.Referral', x.id, now() "
    "FROM cases_referral x LEFT JOIN cases_case c ON c.referral_id = x.id",
    # A referral's IP addresses with port and time; its accounts, phone numbers and e-mail addresses.
    "SELECT 'ip', host(x.ip_address), host(x.ip_address) || coalesce(' port ' || x.port, ''), NULL::date, "
    f"x.ip_address, x.port, x.observed_at, {REFERRAL_OWNER}, 'cases.ReferralIdentifier', x.id, now() "
    f"FROM cases_referralidentifier x {REFERRAL_JOIN} WHERE x.kind = 'ip'",
    "SELECT x.kind, "
    "CASE WHEN x.kind = 'account' THEN lower(normalize(btrim(x.account_id), NFKC)) ELSE x.account_id END, "
    f"x.account_id, {NONE}, {REFERRAL_OWNER}, 'cases.ReferralIdentifier', x.id, now() "
    f"FROM cases_referralidentifier x {REFERRAL_JOIN} WHERE x.kind <> 'ip'",
    f"SELECT 'comms_reference', upper(btrim(x.reference)), x.reference, {NONE}, {REFERRAL_OWNER}, "
    f"'cases.CommsDataRequest', x.id, now() FROM cases_commsdatarequest x {REFERRAL_JOIN}",
    # Subjects: the person (name and date of birth) and the PNC ID.
    f"SELECT 'person', {_plain('x.full_name')}, x.full_name, x.date_of_birth, NULL::inet, NULL::integer, "
    f"NULL::timestamptz, {CASE_OWNER}, 'cases.Subject', x.id, now() FROM cases_subject x {CASE_JOIN}",
    "SELECT 'pnc_id', regexp_replace(upper(replace(x.pnc_id, ' ', '')), '^([0-9]{2,4})/?0*([0-9]{1,7})([A-Z])$', "
    f"'\\1/\\2\\3'), x.pnc_id, {NONE}, {CASE_OWNER}, 'cases.Subject', x.id, now() "
    f"FROM cases_subject x {CASE_JOIN} WHERE x.pnc_id <> ''",
    # Subjects' phone numbers and e-mail addresses (stored normalised) and online accounts.
    f"SELECT x.kind, CASE WHEN x.kind = 'account' THEN lower(normalize(btrim(x.value), NFKC)) ELSE x.value END, "
    f"x.value, {NONE}, {CASE_OWNER}, 'cases.Subject', x.id, now() FROM ("
    "SELECT s.id, s.case_id, k.kind, k.value FROM cases_subject s CROSS JOIN LATERAL (VALUES "
    "('phone', s.phone), ('email', s.email), ('account', s.online_account)) AS k(kind, value) WHERE k.value <> ''"
    f") x {CASE_JOIN}",
    # Premises: the address with its postcode, and the postcode.
    f"SELECT 'address', btrim({_plain(ADDRESS_LINE)} || ' ' || {_postcode('x.postcode')}), "
    f"x.address, {NONE}, {CASE_OWNER}, 'cases.Premises', x.id, now() FROM cases_premises x {CASE_JOIN}",
    f"SELECT 'postcode', {_postcode('x.postcode')}, x.postcode, {NONE}, {CASE_OWNER}, 'cases.Premises', x.id, now() "
    f"FROM cases_premises x {CASE_JOIN} WHERE x.postcode <> ''",
    # Devices: the exhibit reference.
    f"SELECT 'exhibit', upper(btrim(x.exhibit_reference)), x.exhibit_reference, {NONE}, {CASE_OWNER}, "
    f"'cases.Device', x.id, now() FROM cases_device x {CASE_JOIN}",
    # Warrants: the warrant's and the court's references (stored normalised).
    f"SELECT k.kind, k.value, k.value, {NONE}, {CASE_OWNER}, 'warrants.Warrant', x.id, now() "
    f"FROM warrants_warrant x {CASE_JOIN} CROSS JOIN LATERAL (VALUES ('warrant_reference', x.warrant_reference), "
    "('court_reference', x.court_reference)) AS k(kind, value) WHERE k.value <> ''",
)


# The table's indexes that back no constraint: dropped before the fill and built again after it,
# one sort each, instead of upkeep row by row (its trigram GIN indexes above all).
SECONDARY_INDEXES = f"""
SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index
WHERE indrelid = '{TABLE}'::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = indexrelid)
ORDER BY 1
"""


def fill_identifier_index(cursor: Any) -> int:
    """Index every generated record; returns the rows written."""
    cursor.execute(SECONDARY_INDEXES)
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    written = 0
    for select in STATEMENTS:
        cursor.execute(f"INSERT INTO {TABLE} ({COLUMNS}) {select}")
        written += cursor.rowcount
    # The rows' foreign keys are checked at commit (Django's are deferred): checked now, since an
    # index cannot be built over a table with checks pending.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for _, definition in indexes:
        cursor.execute(definition)
    cursor.execute(f"ANALYZE {TABLE}")
    return written
