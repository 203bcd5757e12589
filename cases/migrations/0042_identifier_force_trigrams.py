# The search's trigrams keyed by force (docs/search.md, "Indexes"). A GIN index on (force,
# UPPER(value) gin_trgm_ops) keeps the force and the trigrams as separate keys: a search in one force
# still reads every force's list of each trigram (a national list, growing with the whole index) and
# then intersects it with the force's. Here each key is the force and a trigram together ("25:hug"),
# so a search reads only its force's lists; part of a value, the words of a name or an address, and
# similar names are answered from it (cases.selectors._matches), and the two indexes it replaces go.
#
# The functions name pg_trgm's schema, so that the index can be rebuilt whatever the search path
# (a restore runs with an empty one).

from django.db import migrations

FUNCTIONS = r"""
DO $do$
DECLARE trgm text := (SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm');
BEGIN
  -- Every trigram of UPPER(value), each prefixed by the force: the keys of the index.
  EXECUTE format($f$
    CREATE OR REPLACE FUNCTION identifier_force_trigrams(force bigint, value text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT coalesce(array_agg(force::text || ':' || t), '{}') FROM unnest(%1$s.show_trgm(upper(value))) AS t
    $$ $f$, trgm);
  -- The trigrams every value holding `part` holds (those of `part` that stay when it is written
  -- inside a longer word), prefixed by the force; NULL when there are none, which matches nothing.
  EXECUTE format($f$
    CREATE OR REPLACE FUNCTION identifier_part_trigrams(force bigint, part text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT nullif(coalesce(array_agg(force::text || ':' || t), '{}'), '{}')
      FROM unnest(%1$s.show_trgm(upper(part))) AS t
      WHERE t = ANY(%1$s.show_trgm(upper('x' || part || 'x')))
    $$ $f$, trgm);
  -- A name similar to `name` (pg_trgm's %% at its threshold) shares at least k = ceil(threshold x n)
  -- of the n trigrams of `name`, so it holds one of any n - k + 1 of them: these, the word-start
  -- trigrams (the most common) left out first.
  EXECUTE format($f$
    CREATE OR REPLACE FUNCTION identifier_name_trigrams(force bigint, name text) RETURNS text[]
    LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
      WITH trigrams AS (
        SELECT t, row_number() OVER (ORDER BY t LIKE '  %%' DESC, t LIKE ' %%' DESC, t) AS rank,
               count(*) OVER () AS n
        FROM unnest(%1$s.show_trgm(upper(name))) AS t
      )
      SELECT nullif(coalesce(array_agg(force::text || ':' || t) FILTER (WHERE rank >= greatest(1, ceil(
        coalesce(current_setting('pg_trgm.similarity_threshold', true)::float8, 0.3) * n - 1e-9))), '{}'), '{}')
      FROM trigrams
    $$ $f$, trgm);
END
$do$;
"""

DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS identifier_name_trigrams(bigint, text);
DROP FUNCTION IF EXISTS identifier_part_trigrams(bigint, text);
DROP FUNCTION IF EXISTS identifier_force_trigrams(bigint, text);
"""


class Migration(migrations.Migration):
    dependencies = [("cases", "0041_record_version_of_referral")]

    operations = [
        migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS identifier_force_trigrams ON cases_indexedidentifier "
            "USING gin (identifier_force_trigrams(force_id, value))",
            "DROP INDEX IF EXISTS identifier_force_trigrams",
        ),
        migrations.RunSQL(
            "DROP INDEX IF EXISTS identifier_force_value_trgm",
            "CREATE INDEX IF NOT EXISTS identifier_force_value_trgm ON cases_indexedidentifier "
            "USING gin (force_id, upper(value) gin_trgm_ops)",
        ),
        migrations.RunSQL(
            "DROP INDEX IF EXISTS identifier_force_person_trgm",
            "CREATE INDEX IF NOT EXISTS identifier_force_person_trgm ON cases_indexedidentifier "
            "USING gin (force_id, upper(value) gin_trgm_ops) WHERE kind = 'person'",
        ),
    ]
