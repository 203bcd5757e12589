# People's names spelt a little differently (trigram similarity, `%`), read from a trigram index of
# people's rows alone: with the whole table's index (identifier_value_trgm), PostgreSQL must also
# read every person's row id to keep only people, which grows with the index.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0028_identifier_index_and_deconfliction"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS identifier_person_trgm ON cases_indexedidentifier "
            "USING gin (upper(value) gin_trgm_ops) WHERE kind = 'person'",
            "DROP INDEX IF EXISTS identifier_person_trgm",
        ),
    ]
