"""The summaries read the cases written since their last refresh from a queue, not from the audit trail.

A trigger on the audit trail queues each write to a case's records for each summary, in the writing
transaction (`UnsummarisedWrite`); a refresh deletes what it takes in. Reading the trail for the
entries sealed after a place in the chain made PostgreSQL plan the query over every monthly
partition on every request (docs/performance.md). The writes each summary had not yet taken in
when this runs (sealed after its watermark, or not sealed yet) are queued here, then the
watermark goes.
"""

from django.db import migrations, models

# The audit entry's kinds that write records (audit.models.AuditEntry.Kind) and the summaries'
# names (cases/services/summaries.py, DEADLINES and FIGURES), written out so that this migration
# does not import code that may change.
QUEUE_WRITES = """
CREATE FUNCTION safeguard_summaries_queue_write() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO cases_unsummarisedwrite (summary, case_reference, object_type)
    VALUES ('deadlines', NEW.case_reference, NEW.object_type), ('figures', NEW.case_reference, NEW.object_type);
  RETURN NULL;
END
$$;
CREATE TRIGGER safeguard_summaries_queue_write AFTER INSERT ON audit_auditentry FOR EACH ROW
  WHEN (NEW.kind IN ('create', 'change', 'delete') AND NEW.case_reference <> '')
  EXECUTE FUNCTION safeguard_summaries_queue_write();
"""
NO_QUEUE = """
DROP TRIGGER safeguard_summaries_queue_write ON audit_auditentry;
DROP FUNCTION safeguard_summaries_queue_write();
"""
QUEUE_WHAT_WAS_NOT_TAKEN_IN = """
INSERT INTO cases_unsummarisedwrite (summary, case_reference, object_type)
SELECT DISTINCT s.name, e.case_reference, e.object_type
  FROM cases_summarystate s JOIN audit_auditentry e ON e.seq > s.audit_watermark OR e.seq IS NULL
 WHERE e.kind IN ('create', 'change', 'delete') AND e.case_reference <> ''
"""


class Migration(migrations.Migration):
    dependencies = [("cases", "0042_summary_watermark_is_a_place"), ("audit", "0014_one_partition_maker")]

    operations = [
        migrations.CreateModel(
            name="UnsummarisedWrite",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("summary", models.CharField(max_length=40)),
                ("case_reference", models.CharField(max_length=24)),
                ("object_type", models.CharField(max_length=100)),
            ],
            options={
                "indexes": [models.Index(fields=["summary", "case_reference"], name="unsummarised_write_summary")],
            },
        ),
        migrations.RunSQL(QUEUE_WRITES, NO_QUEUE),
        migrations.RunSQL(QUEUE_WHAT_WAS_NOT_TAKEN_IN, migrations.RunSQL.noop),
        migrations.RemoveField(model_name="summarystate", name="audit_watermark"),
    ]
