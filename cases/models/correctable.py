"""The columns of a record that can be corrected and withdrawn (cases.corrections, cases.models.versions)."""

from django.db import models


class Correctable(models.Model):
    """The columns of a record that can be corrected and withdrawn (cases.corrections)."""

    # Optimistic versioning (cases.services.versions): the version the correction form was opened on.
    # The database's own defaults too, for the benchmark's bulk loader, which writes rows by COPY
    # with the columns of their first entry (bench/tables.py).
    version = models.PositiveIntegerField(default=1, db_default=1)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True, default="", db_default="")

    class Meta:
        abstract = True

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None
