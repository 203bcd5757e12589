"""A summary's watermark becomes a place in the audit chain (`AuditEntry.seq`), not an entry's id.

Since the sequencer (audit/0009) ids are taken at insert and transactions commit in any order, so
an entry with a smaller id than the watermark can become visible after it was read; places are given
to committed entries in order (cases/services/summaries.py). Each watermark becomes the place just
before the first sealed entry after it by id, or the chain's head if every entry after it is still
waiting for its place: nothing after the old watermark is left out (some entries may be taken in
twice, which recomputes a case once more).
"""

from django.db import migrations

TO_PLACE = """
UPDATE cases_summarystate SET audit_watermark = coalesce(
  (SELECT min(seq) - 1 FROM audit_auditentry WHERE id > cases_summarystate.audit_watermark AND seq IS NOT NULL),
  (SELECT last_seq FROM audit_auditchainhead WHERE id = 1),
  0)
"""
TO_ID = """
UPDATE cases_summarystate SET audit_watermark = coalesce(
  (SELECT max(id) FROM audit_auditentry WHERE seq <= cases_summarystate.audit_watermark), 0)
"""


class Migration(migrations.Migration):
    dependencies = [("cases", "0041_record_version_of_referral"), ("audit", "0013_partitions_made_past_a_held_month")]

    operations = [migrations.RunSQL(TO_PLACE, TO_ID)]
