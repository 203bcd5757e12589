"""Summary tables kept up to date by Celery, so the dashboard and the deadlines page read a few
indexed rows instead of computing every open case's deadlines on each request (docs/performance.md).

They are derived data: every value is recomputed from the audited case records by
`cases.services.summaries`, they hold nothing that is not in those records, and they are not
audited themselves (audit/triggers.py, `DERIVED_MODELS`). A case changed since the last refresh is
never read from here: its deadlines are recomputed (`cases.services.summaries.deadlines_due_for`).
"""

from django.db import models

from .case import Case


class OutstandingDeadline(models.Model):
    """One outstanding deadline of an open case (not met, not lapsed), as `case_deadlines` computed
    it at the last refresh. Its status (due soon, missed) is worked out when it is read."""

    # Indexed by `outstanding_deadline_case_due`, which leads with the case.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=30)
    label = models.TextField()
    due_at = models.DateTimeField()
    source = models.CharField(max_length=200)
    note = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    record_type = models.CharField(max_length=100, help_text="The record's model, e.g. cases.arrest.")
    record_id = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["case", "due_at"], name="outstanding_deadline_case_due"),
            # For the deadlines that fell due since the last refresh.
            models.Index(fields=["due_at"], name="outstanding_deadline_due"),
        ]

    def __str__(self) -> str:
        return f"{self.label} (due {self.due_at:%Y-%m-%d %H:%M} UTC)"


class SummaryState(models.Model):
    """When a summary was last brought up to date, and last from scratch. What it has not yet taken
    in is in `UnsummarisedWrite` (cases/services/summaries.py)."""

    name = models.CharField(max_length=40, primary_key=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    full_refresh_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} as at {self.refreshed_at:%Y-%m-%d %H:%M} UTC" if self.refreshed_at else self.name


class UnsummarisedWrite(models.Model):
    """A write to a case's records that a summary has not yet taken in: the queue of cases to
    recompute. A trigger on the audit trail (migration cases/0043) adds a row per summary in the
    transaction that writes the audit entry, so a write is queued exactly when it commits; a refresh
    deletes the rows it takes in, in the transaction that stores the result. Readers recompute the
    cases queued instead of reading them from the summary. The queue holds the writes of minutes,
    not the trail of years, so reading it costs the same at any size of trail."""

    summary = models.CharField(max_length=40)
    case_reference = models.CharField(max_length=24)  # the collation of Case.reference, to be joined by its index
    object_type = models.CharField(max_length=100)

    class Meta:
        indexes = [models.Index(fields=["summary", "case_reference"], name="unsummarised_write_summary")]

    def __str__(self) -> str:
        return f"{self.summary}: {self.object_type} of {self.case_reference}"


class FigureFact(models.Model):
    """One event the figures count, filed under its case's force and team, with what the figures
    measure of it: the moment it is counted at (`at`), a number of days for the flow times, and for
    some measures a due time, a completion, an amount or a category. Refreshed per case by
    `cases.services.summaries.figure_facts_refresh`; read by `reports.figures`.
    """

    class Measure(models.TextChoices):
        INVESTIGATION = "investigation"  # at: case opened
        WARRANT_ISSUED = "warrant_issued"  # at: issued; days: from the referral's receipt
        WARRANT_EXECUTED = "warrant_executed"  # at: executed; days: from issue
        ARREST = "arrest"  # at: arrested; due/done: charging target and decision; days: to decision
        FIRST_COURT = "first_court"  # at: arrested; days: to the first court appearance
        CHARGED = "charged"  # at: decision to charge; subject
        MASH_REFERRAL = "mash_referral"  # at: referred; amount: children safeguarded; days: from arrest
        FORENSIC_REQUEST = "forensic_request"  # at: requested; done: completed (the backlog: open cases only)
        TRIAGE = "triage"  # at: triaged; detail: the result
        CLOSURE = "closure"  # at: closed; detail: the Home Office outcome

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", db_index=False)  # `figure_fact_case`
    force_id = models.BigIntegerField()
    team_id = models.BigIntegerField()
    # Grouped and sorted by on every report: compared byte by byte ("C"), the same order for these
    # ASCII codes and cheaper than the database's default collation.
    measure = models.CharField(max_length=20, choices=Measure.choices, db_collation="C")
    at = models.DateTimeField()
    days = models.FloatField(null=True)
    amount = models.IntegerField(default=1)
    subject_id = models.BigIntegerField(null=True)
    detail = models.CharField(max_length=20, blank=True, db_collation="C")
    due_at = models.DateTimeField(null=True)
    done_at = models.DateTimeField(null=True)
    case_open = models.BooleanField(default=False)

    class Meta:
        indexes = [
            # A report reads a period's facts of a force from this index alone (an index-only scan:
            # it holds every column the figures use), not from the table's pages.
            models.Index(
                fields=["force_id", "at"],
                include=["team_id", "measure", "detail", "days", "amount", "subject_id", "due_at", "done_at"],
                name="figure_fact_force_at",
            ),
            models.Index(fields=["case"], name="figure_fact_case"),
            # The force's position now: suspects waiting for a decision, and the forensic backlog, on
            # open cases (a closed case's unfinished requests are not waiting for anyone).
            models.Index(
                fields=["force_id", "measure"],
                condition=models.Q(done_at__isnull=True, case_open=True, measure__in=["arrest", "forensic_request"]),
                include=["at", "detail"],
                name="figure_fact_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} at {self.at:%Y-%m-%d %H:%M} UTC"


class FigureFactsVersion(models.Model):
    """How often a force's figure facts have changed: moved on by a refresh that changed any of
    them (`cases.services.summaries`), so that a grouped figure cached in `FiguresCache` is known to
    be stale (cache invalidation by version)."""

    force_id = models.BigIntegerField(primary_key=True)
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"force {self.force_id}: version {self.version}"


class FiguresCache(models.Model):
    """One cache entry: a grouped aggregate of the figure facts (`reports.figures`), valid
    while the versions of the forces it read are those it was computed from, and until
    `valid_until`, when a charging target it counted as not yet missed passes. Read by key: a hash
    of the query and its parameters (`reports.cache`)."""

    key = models.CharField(max_length=64, primary_key=True)
    versions = models.JSONField()
    valid_until = models.DateTimeField(null=True)
    made_at = models.DateTimeField()
    value = models.JSONField()

    def __str__(self) -> str:
        return f"figures {self.key[:12]} made {self.made_at:%Y-%m-%d %H:%M} UTC"
