"""The columns of a record that can be corrected and withdrawn (cases.corrections, cases.models.versions)."""

from django.db import models
from django.db.models.functions import Now


class Correctable(models.Model):
    """The columns of a record that can be corrected and withdrawn (cases.corrections)."""

    # Optimistic versioning (cases.services.versions): the version the correction form was opened on.
    # The database's own defaults too, for the benchmark's bulk loader, which writes rows by COPY
    # with the columns of their first entry (bench/tables.py).
    version = models.PositiveIntegerField(default=1, db_default=1)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True, default="", db_default="")
    # When the record was first entered: the database's time of the statement that inserted it
    # (`Now()`, PostgreSQL's statement_timestamp()); no one enters or changes it. Finding its first
    # entry in the audit trail reads only the month partitions from then on
    # (cases.services.versions.first_entry). Empty for records entered before the column was added
    # (cases/0045).
    first_entered_at = models.DateTimeField(null=True, editable=False, db_default=Now())

    class Meta:
        abstract = True

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None
