# The case list's search (`reference`, `operation` and a subject's `full_name`, each `__icontains`,
# which PostgreSQL runs as UPPER(column) LIKE '%...%') served by trigram indexes, so it reads the few
# matching rows instead of every visible case or every subject in the database
# (docs/performance.md). Written as SQL: Django's GinIndex with OpClass over an expression produces
# SQL PostgreSQL rejects.

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = (
    ("subject_name_trgm", "cases_subject", "full_name"),
    ("case_reference_trgm", "cases_case", "reference"),
    ("case_operation_trgm", "cases_case", "operation"),
)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_record_versions"),
    ]

    operations = [
        TrigramExtension(),
        *(
            migrations.RunSQL(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (upper({column}) gin_trgm_ops)",
                f"DROP INDEX IF EXISTS {name}",
            )
            for name, table, column in INDEXES
        ),
    ]
