"""A short run of the benchmark of audited writes in parallel (bench/parallel.py): forked clients
record court hearings at once, with the audit triggers off and then on, while the sequencer seals
their entries; every request succeeds, both sides are measured, the triggers are on again after, and
the chain verifies. The clients read committed data, so the test commits (transactional_db)."""

from datetime import timedelta

import pytest

from audit.chain import verify_chain
from audit.models import AuditEntry
from audit.sequencer import sequence_entries
from audit.triggers import tables_missing_triggers
from bench.parallel import measure
from cases.models import Case, CourtHearing
from tests.factories.cases import CaseFactory
from tests.factories.custody import ChargingSubmissionFactory

REQUESTS = 2


@pytest.fixture
def charged_cases(restores_migration_data, transactional_db, team, officer, supervisor):
    cases = []
    for _ in range(2):
        case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
        ChargingSubmissionFactory(case=case, decision="charge", decision_at=case.opened_at + timedelta(days=3))
        cases.append(case)
    return cases


def test_the_parallel_benchmark_measures_audit_off_and_on_for_each_number_of_clients(charged_cases):
    newest = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    lines: list[str] = []
    report = measure((1, 2), requests=REQUESTS, out=lines.append)

    assert [row["clients"] for row in report["rows"]] == [1, 2]
    for row in report["rows"]:
        assert row["audit_off_per_second"] > 0 and row["audit_on_per_second"] > 0
        assert row["ratio_on_off"] == pytest.approx(row["audit_on_per_second"] / row["audit_off_per_second"], 0.05)
        assert 0 <= row["lock_wait_share_off"] <= 1 and 0 <= row["lock_wait_share_on"] <= 1
    assert "On/off" in lines[0]
    # Every request was made: (warm-up and timed) by each client, off and on, for 1 and then 2 clients.
    per_run = 2 + REQUESTS
    assert CourtHearing.objects.filter(case__in=charged_cases).count() == (1 + 2) * 2 * per_run
    # With the triggers on, the hearings were audited, and left on after.
    assert AuditEntry.objects.filter(id__gt=newest, object_type="cases.CourtHearing").count() == (1 + 2) * per_run
    assert tables_missing_triggers_for_cases() == []
    sequence_entries(wait=True)
    report_chain = verify_chain()
    assert report_chain.ok, report_chain.describe()


def tables_missing_triggers_for_cases() -> list[str]:
    from django.db import connection

    return tables_missing_triggers(connection, [Case._meta.db_table, CourtHearing._meta.db_table])
