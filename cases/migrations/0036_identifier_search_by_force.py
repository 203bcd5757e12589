# The search's GIN indexes of the identifier index lead with the force (btree_gin), so that a search
# narrowed to the forces a person may see (cases.selectors.forces_in_view) reads only those forces'
# rows in its trigram and full-text scans, rather than every force's and then checking each row's
# visibility (docs/search.md, "Indexes"). They replace the indexes of the value alone.

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.contrib.postgres.operations import BtreeGinExtension
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_content_types_to_accounts"),
        ("cases", "0035_subject_contact_and_warrant_reference_kinds"),
    ]

    operations = [
        BtreeGinExtension(),
        migrations.RemoveIndex(
            model_name="indexedidentifier",
            name="identifier_value_words",
        ),
        migrations.AddIndex(
            model_name="indexedidentifier",
            index=django.contrib.postgres.indexes.GinIndex(
                models.F("force_id"),
                django.contrib.postgres.search.SearchVector("value", config="simple"),
                name="identifier_force_words",
            ),
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS identifier_force_value_trgm ON cases_indexedidentifier "
            "USING gin (force_id, upper(value) gin_trgm_ops)",
            "DROP INDEX IF EXISTS identifier_force_value_trgm",
        ),
        migrations.RunSQL(
            "DROP INDEX IF EXISTS identifier_value_trgm",
            "CREATE INDEX IF NOT EXISTS identifier_value_trgm ON cases_indexedidentifier "
            "USING gin (upper(value) gin_trgm_ops)",
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS identifier_force_person_trgm ON cases_indexedidentifier "
            "USING gin (force_id, upper(value) gin_trgm_ops) WHERE kind = 'person'",
            "DROP INDEX IF EXISTS identifier_force_person_trgm",
        ),
        migrations.RunSQL(
            "DROP INDEX IF EXISTS identifier_person_trgm",
            "CREATE INDEX IF NOT EXISTS identifier_person_trgm ON cases_indexedidentifier "
            "USING gin (upper(value) gin_trgm_ops) WHERE kind = 'person'",
        ),
    ]
