"""Correcting a search warrant and withdrawing one entered in error (docs/corrections.md): the same
mechanism as every other record (`cases.corrections.RECORD_TYPES`), registered by the warrants app.

A correction runs each recorded step's first-entry checks again, works the expiry out again from
the issue (PACE 1984 s.16(3): entry within three months from the date of issue), so the warrant's
deadline follows in the same transaction, and refuses to break the order of events, naming the
record it would conflict with.
"""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst

from casefiles.io.exporter import case_to_line, cases_for_export
from cases import formats, rules
from cases.corrections import RECORD_TYPES
from cases.deadlines import Kind, case_deadlines, with_deadline_records
from cases.models import Case, CaseLogEntry, FigureFact, IndexedIdentifier, RecordVersion
from cases.services.corrections import HAS_DEPENDANTS, REASON_REQUIRED, RECORD_WITHDRAWN, TOO_LATE, record_withdraw
from cases.services.summaries import figure_facts_refresh
from cases.services.versions import VersionConflict
from tests.factories.warrants import SearchFactory, london
from tests.warrants.test_warrant_services import executed, issued
from warrants import services
from warrants.models import Warrant

pytestmark = pytest.mark.django_db


def values(warrant: Warrant, **changes: Any) -> dict[str, Any]:
    """Every field of the warrant's correction form, as it stands, with `changes`."""
    form_fields = RECORD_TYPES["warrant"].form.base_fields
    current = {
        name: getattr(warrant, name)
        for name in form_fields
        if name not in ("reason", "version") and hasattr(warrant, name)
    }
    return {**current, **changes}


def correct(warrant: Warrant, actor: Any, *, reason: str = "Typed from the wrong warrant.", **changes: Any):
    warrant = Warrant.objects.get(pk=warrant.pk)
    return services.warrant_correct(
        warrant=warrant, actor=actor, reason=reason, version=warrant.version, **values(warrant, **changes)
    )


def withdraw(warrant: Warrant, actor: Any) -> RecordVersion:
    warrant = Warrant.objects.get(pk=warrant.pk)
    return record_withdraw(
        case=warrant.case,
        record_type="warrant",
        record=warrant,
        actor=actor,
        reason="Entered on the wrong case.",
        version=warrant.version,
        describe=str(warrant),
        dependants=services.warrant_dependants,
    )


def expiry_deadline(case: Case):
    (loaded,) = with_deadline_records(Case.objects.filter(pk=case.pk))
    return [d for d in case_deadlines(loaded, now=timezone.now()) if d.kind == Kind.WARRANT_EXPIRY]


def test_the_warrants_app_registers_the_warrant_as_a_correctable_record():
    kind = RECORD_TYPES["warrant"]
    assert kind.model is Warrant and kind.dependants is services.warrant_dependants


def test_a_corrected_issue_moves_the_expiry_and_its_deadline_with_the_history_and_a_log_line(case, officer, premises):
    warrant = issued(case, officer, premises)  # 31 Jan 2026: last day for entry 30 Apr 2026
    new_issue = london(2026, 2, 2, 10)

    version = correct(warrant, officer, issued_at=new_issue)

    warrant.refresh_from_db()
    # s.16(3): three months from the date of issue, to the end of that UK day.
    assert warrant.issued_at == new_issue
    assert warrant.expires_at == rules.warrant_expires_at(new_issue)
    assert rules.uk_date(warrant.expires_at).isoformat() == "2026-05-02"
    (deadline,) = expiry_deadline(case)
    assert deadline.due_at == warrant.expires_at
    changed = {change["field"]: change for change in version.changes}
    assert changed["issued_at"]["before"] == formats.when(london(2026, 1, 31, 10))
    assert changed["issued_at"]["after"] == formats.when(new_issue)
    assert "expires_at" in changed
    assert version.record_type == "warrant" and version.kind == RecordVersion.Kind.CORRECTED
    log = CaseLogEntry.objects.filter(case=case).order_by("-id").first()
    assert log is not None and version.log_entry_id == log.pk
    assert "corrected" in log.text and "Typed from the wrong warrant." in log.text


def test_a_correction_runs_the_first_entrys_checks_and_needs_a_reason(case, officer, premises):
    warrant = issued(case, officer, premises)

    with pytest.raises(ValidationError) as before_application:
        correct(warrant, officer, issued_at=warrant.applied_at - timedelta(minutes=1))
    assert before_application.value.message_dict == {"issued_at": [services.WARRANT_ISSUED_BEFORE_APPLIED]}
    with pytest.raises(ValidationError) as no_justice:
        correct(warrant, officer, issuing_justice="  ")
    assert "issuing_justice" in no_justice.value.message_dict
    with pytest.raises(ValidationError) as no_reason:
        correct(warrant, officer, reason=" ", court="Stafford Magistrates' Court")
    assert no_reason.value.message_dict == {"reason": [REASON_REQUIRED]}
    warrant.refresh_from_db()
    assert warrant.issued_at == london(2026, 1, 31, 10) and not RecordVersion.objects.filter(record_id=warrant.pk)


def test_a_step_not_yet_recorded_is_recorded_on_its_page_not_by_a_correction(case, officer, premises):
    warrant = issued(case, officer, premises)

    with pytest.raises(ValidationError) as caught:
        correct(warrant, officer, executed_at=london(2026, 2, 3, 6), executed_by=officer)

    assert caught.value.message_dict["executed_at"] == [services.WARRANT_STEP_NOT_RECORDED]


def test_an_execution_cannot_be_moved_after_a_further_entry_and_the_entry_is_named(case, officer, premises):
    warrant = executed(case, officer, premises, entry=Warrant.Entry.MULTIPLE)  # entered 3 Feb 2026 06:30
    authorised_at = london(2026, 2, 10, 9)
    services.warrant_authorise_further_entry(
        warrant=warrant, actor=officer, authorised_by="Inspector Shah", authorised_at=authorised_at
    )

    with pytest.raises(ValidationError) as caught:
        correct(warrant, officer, executed_at=london(2026, 2, 11, 6))

    message = TOO_LATE.format(
        label="The execution",
        record="the further entry authorised by Inspector Shah",
        at=formats.when(authorised_at),
    )
    assert caught.value.message_dict == {"executed_at": [message]}


def test_an_execution_cannot_be_corrected_past_the_last_day_for_entry(case, officer, premises):
    warrant = executed(case, officer, premises)

    with pytest.raises(ValidationError) as caught:
        correct(warrant, officer, executed_at=london(2026, 5, 1, 6))

    day = formats.day(rules.warrant_last_day(london(2026, 1, 31, 10)))
    assert caught.value.message_dict == {"executed_at": [services.WARRANT_EXECUTED_AFTER_LAST_DAY.format(day=day)]}


def test_a_second_save_of_a_warrant_from_an_older_page_is_a_conflict(case, officer, supervisor, premises):
    warrant = issued(case, officer, premises)
    opened_at_version = warrant.version
    correct(warrant, officer, issuing_justice="DJ Khan")

    with pytest.raises(VersionConflict) as conflict:
        services.warrant_correct(
            warrant=warrant,
            actor=supervisor,
            reason="Mine.",
            version=opened_at_version,
            **values(warrant, issuing_justice="District Judge Kahn"),
        )

    current = conflict.value.current
    assert isinstance(current, Warrant) and current.issuing_justice == "DJ Khan"


def test_a_warrant_with_a_further_entry_is_withdrawn_only_after_it(case, officer, premises):
    warrant = executed(case, officer, premises, entry=Warrant.Entry.MULTIPLE)
    services.warrant_authorise_further_entry(
        warrant=warrant, actor=officer, authorised_by="Inspector Shah", authorised_at=london(2026, 2, 10, 9)
    )

    with pytest.raises(ValidationError) as caught:
        withdraw(warrant, officer)

    assert caught.value.messages == [HAS_DEPENDANTS.format(record="Further entry authorised by Inspector Shah")]


def test_a_withdrawn_warrant_leaves_the_deadlines_figures_and_closure_and_takes_no_step(case, officer, premises):
    warrant = executed(case, officer, premises)
    figure_facts_refresh(full=True)
    assert FigureFact.objects.filter(case=case, measure="warrant_executed").exists()
    with pytest.raises(ValidationError):
        services.warrants_check_closure(case)  # executed, not returned

    withdraw(warrant, officer)

    assert expiry_deadline(case) == []
    services.warrants_check_closure(case)  # no longer holds the closure
    figure_facts_refresh(full=True)
    assert not FigureFact.objects.filter(case=case, measure__in=["warrant_issued", "warrant_executed"]).exists()
    with pytest.raises(ValidationError) as caught:
        services.warrant_record_return(
            warrant=Warrant.objects.get(pk=warrant.pk), actor=officer, returned_at=london(2026, 2, 4, 9)
        )
    assert caught.value.messages == [RECORD_WITHDRAWN]
    assert Warrant.objects.filter(pk=warrant.pk, withdrawn_reason="Entered on the wrong case.").exists()
    (exported,) = cases_for_export(references=[case.reference])
    assert json.loads(case_to_line(exported))["warrants"] == []  # an import must not bring it back


def test_an_expired_warrant_whose_issue_is_corrected_to_a_recent_one_is_in_force_again(case, officer, premises):
    warrant = issued(case, officer, premises)  # 31 Jan 2026: expired on 30 Apr 2026
    assert services.warrants_mark_expired(now=timezone.now()) == 1
    recent = timezone.now() - timedelta(days=2)

    version = correct(warrant, officer, issued_at=recent)

    warrant.refresh_from_db()
    assert (warrant.status, warrant.expires_at) == (Warrant.Status.ISSUED, rules.warrant_expires_at(recent))
    assert {"field": "status", "label": "Status", "before": "Expired", "after": "Issued"} in version.changes
    (deadline,) = expiry_deadline(case)
    assert deadline.due_at == warrant.expires_at and not deadline.lapsed


def test_an_issue_cannot_be_moved_after_a_search_made_under_the_warrant_and_the_search_is_named(
    case, officer, premises
):
    warrant = issued(case, officer, premises)  # 31 Jan 2026 10:00
    search = SearchFactory(case=case, premises=premises, warrant=warrant, started_at=london(2026, 2, 1, 8))

    with pytest.raises(ValidationError) as caught:
        correct(warrant, officer, issued_at=london(2026, 2, 2, 10))

    message = TOO_LATE.format(label="The issue", record=f"the search of {premises}", at=formats.when(search.started_at))
    assert caught.value.message_dict == {"issued_at": [message]}
    assert services.warrant_dependants(warrant) == capfirst(str(search))


def test_a_corrected_warrant_reference_is_indexed_in_place_of_the_old_and_a_withdrawal_leaves_the_index(
    case, officer, premises
):
    warrant = issued(case, officer, premises)
    correct(warrant, officer, warrant_reference="sw/2026/0042")
    current = IndexedIdentifier.objects.filter(
        source_type="warrants.Warrant", source_id=warrant.pk, superseded_at__isnull=True
    )
    assert list(current.values_list("value", flat=True)) == ["SW/2026/0042"]

    correct(warrant, officer, warrant_reference="SW/2026/0043")
    assert list(current.values_list("value", flat=True)) == ["SW/2026/0043"]

    withdraw(warrant, officer)
    assert not current.exists()
    assert IndexedIdentifier.objects.filter(source_type="warrants.Warrant", source_id=warrant.pk).count() == 2
