# The case list's search by part of a subject's name (`full_name__icontains`, which PostgreSQL runs as
# UPPER(full_name) LIKE '%...%') served by a trigram index, so it reads the few matching subjects
# instead of every subject in the database (docs/performance.md). Written as SQL: Django's GinIndex
# with OpClass over an expression produces SQL PostgreSQL rejects.

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_role_groups"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS subject_name_trgm ON cases_subject USING gin (upper(full_name) gin_trgm_ops)",
            "DROP INDEX IF EXISTS subject_name_trgm",
        ),
    ]
