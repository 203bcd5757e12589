"""The warrant state machine and its rules: draft → applied → issued | refused; issued → executed |
expired; executed | expired → returned. Each refusal says why and saves nothing."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import Case, CaseLogEntry
from cases.services.common import CASE_CLOSED
from tests.factories.cases import CaseFactory, PremisesFactory
from tests.factories.custody import end_of
from tests.factories.people import UserFactory
from tests.factories.warrants import WarrantFactory, london
from warrants import services
from warrants.models import FurtherEntryAuthority, Warrant

pytestmark = pytest.mark.django_db


def draft(case, officer, premises, *, entry=Warrant.Entry.SINGLE):
    return services.warrant_draft(
        case=case,
        actor=officer,
        premises=premises,
        power=Warrant.Power.POCA_S4,
        entry=entry,
        court="North Staffordshire Justice Centre",
    )


def applied(case, officer, premises, *, applied_at=None, entry=Warrant.Entry.SINGLE):
    warrant = draft(case, officer, premises, entry=entry)
    return services.warrant_apply(warrant=warrant, actor=officer, applied_at=applied_at or london(2026, 1, 30, 9))


def issued(case, officer, premises, *, issued_at=None, entry=Warrant.Entry.SINGLE):
    issued_at = issued_at or london(2026, 1, 31, 10)
    warrant = applied(case, officer, premises, applied_at=issued_at - timedelta(hours=3), entry=entry)
    return services.warrant_record_issue(
        warrant=warrant, actor=officer, issued_at=issued_at, issuing_justice="District Judge Khan"
    )


def executed(case, officer, premises, *, entry=Warrant.Entry.SINGLE):
    warrant = issued(case, officer, premises, entry=entry)
    return services.warrant_record_execution(
        warrant=warrant, actor=officer, executed_at=london(2026, 2, 3, 6, 30), executed_by=officer
    )


def snapshot(warrant):
    """The stored row and the case log size, to prove an error saved nothing."""
    return (
        Warrant.objects.values().get(pk=warrant.pk),
        CaseLogEntry.objects.filter(case_id=warrant.case_id).count(),
        FurtherEntryAuthority.objects.filter(warrant_id=warrant.pk).count(),
    )


def assert_refused(call, message, *, field=None):
    with pytest.raises(ValidationError) as caught:
        call()
    if field is None:
        assert caught.value.messages == [message]
    else:
        assert caught.value.message_dict == {field: [message]}


def last_log(case):
    return CaseLogEntry.objects.filter(case=case).order_by("-id").first()


# --- Draft and application ---------------------------------------------------------------------


def test_draft_records_a_draft_warrant_with_the_actor_as_applicant(case, officer, premises):
    warrant = draft(case, officer, premises)

    assert warrant.status == Warrant.Status.DRAFT
    assert warrant.applicant == officer
    assert warrant.version == 1
    entry = last_log(case)
    assert entry.kind == CaseLogEntry.Kind.SYSTEM
    assert entry.author == officer
    assert "Search warrant drafted" in entry.text


def test_draft_refuses_premises_of_another_case_and_saves_nothing(case, officer, team):
    elsewhere = PremisesFactory(case=CaseFactory(team=team))

    assert_refused(lambda: draft(case, officer, elsewhere), services.WARRANT_PREMISES_OTHER_CASE, field="premises")
    assert not Warrant.objects.exists()
    assert not CaseLogEntry.objects.filter(case=case).exists()


def test_draft_refuses_a_closed_case(case, officer, premises):
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)
    case.refresh_from_db()

    assert_refused(lambda: draft(case, officer, premises), CASE_CLOSED)
    assert not Warrant.objects.exists()


def test_apply_moves_draft_to_applied_and_counts_a_version(case, officer, premises):
    warrant = draft(case, officer, premises)

    services.warrant_apply(warrant=warrant, actor=officer, applied_at=london(2026, 1, 30, 9))

    warrant.refresh_from_db()
    assert warrant.status == Warrant.Status.APPLIED
    assert warrant.applied_at == london(2026, 1, 30, 9)
    assert warrant.version == 2
    assert "applied for" in last_log(case).text


def test_apply_twice_is_refused_and_changes_nothing(case, officer, premises):
    warrant = applied(case, officer, premises)
    before = snapshot(warrant)

    assert_refused(
        lambda: services.warrant_apply(warrant=warrant, actor=officer, applied_at=london(2026, 2, 1)),
        services.WARRANT_ALREADY_APPLIED,
    )
    assert snapshot(warrant) == before


def test_apply_refuses_a_time_in_the_future(case, officer, premises):
    warrant = draft(case, officer, premises)
    before = snapshot(warrant)

    assert_refused(
        lambda: services.warrant_apply(warrant=warrant, actor=officer, applied_at=timezone.now() + timedelta(days=1)),
        "Applied at cannot be in the future.",
        field="applied_at",
    )
    assert snapshot(warrant) == before


# --- Issue: the expiry is computed (PACE 1984 s.16(3)) -----------------------------------------


def test_issue_on_31_january_has_30_april_as_the_last_day_for_entry(case, officer, premises):
    warrant = issued(case, officer, premises, issued_at=london(2026, 1, 31, 10))

    warrant.refresh_from_db()
    assert warrant.status == Warrant.Status.ISSUED
    # Three months from the date of issue (PACE s.16(3)): entry lawful at any time of 30 Apr.
    assert warrant.expires_at == end_of(2026, 4, 30)


def test_the_last_day_for_entry_ends_at_midnight_bst_after_a_spring_clock_change(case, officer, premises):
    # Issued in GMT (UTC+0); the last day, 15 Apr, is in BST, so it ends at 23:00 UTC.
    warrant = issued(case, officer, premises, issued_at=london(2026, 1, 15, 14, 5))

    warrant.refresh_from_db()
    assert warrant.expires_at == datetime(2026, 4, 15, 22, 59, 59, 999999, tzinfo=UTC)


def test_the_last_day_for_entry_ends_at_midnight_gmt_after_an_autumn_clock_change(case, officer, premises):
    # Issued in BST (UTC+1); the last day, 1 Dec, is in GMT, so it ends at midnight UTC.
    warrant = issued(case, officer, premises, issued_at=london(2026, 9, 1, 9))

    warrant.refresh_from_db()
    assert warrant.expires_at == datetime(2026, 12, 1, 23, 59, 59, 999999, tzinfo=UTC)


def test_issue_moves_the_case_to_the_warrant_stage_and_logs_it(case, officer, premises):
    issued(case, officer, premises)

    case.refresh_from_db()
    assert case.stage == Case.Stage.WARRANT
    assert "issued by District Judge Khan" in last_log(case).text


def test_issue_before_the_application_is_refused_and_saves_nothing(case, officer, premises):
    warrant = applied(case, officer, premises, applied_at=london(2026, 1, 30, 9))
    before = snapshot(warrant)

    assert_refused(
        lambda: services.warrant_record_issue(
            warrant=warrant, actor=officer, issued_at=london(2026, 1, 30, 8, 59), issuing_justice="DJ Khan"
        ),
        services.WARRANT_ISSUED_BEFORE_APPLIED,
        field="issued_at",
    )
    assert snapshot(warrant) == before
    case.refresh_from_db()
    assert case.stage == Case.Stage.INVESTIGATION


def test_issue_of_a_draft_is_refused(case, officer, premises):
    warrant = draft(case, officer, premises)
    before = snapshot(warrant)

    assert_refused(
        lambda: services.warrant_record_issue(
            warrant=warrant, actor=officer, issued_at=london(2026, 1, 30), issuing_justice="DJ Khan"
        ),
        services.WARRANT_NOT_APPLIED,
    )
    assert snapshot(warrant) == before


def test_issue_needs_the_issuing_justice(case, officer, premises):
    warrant = applied(case, officer, premises)
    before = snapshot(warrant)

    assert_refused(
        lambda: services.warrant_record_issue(
            warrant=warrant, actor=officer, issued_at=london(2026, 1, 31), issuing_justice="  "
        ),
        services.WARRANT_JUSTICE_REQUIRED,
        field="issuing_justice",
    )
    assert snapshot(warrant) == before


# --- Refusal ------------------------------------------------------------------------------------


def test_refusal_from_applied_records_the_reason(case, officer, premises):
    warrant = applied(case, officer, premises)

    services.warrant_record_refusal(
        warrant=warrant, actor=officer, refused_at=london(2026, 1, 31), refusal_reason="Grounds not made out."
    )

    warrant.refresh_from_db()
    assert warrant.status == Warrant.Status.REFUSED
    assert warrant.refusal_reason == "Grounds not made out."
    assert warrant.version == 3
    assert "refused" in last_log(case).text


@pytest.mark.parametrize(
    ("state", "message"),
    [("draft", services.WARRANT_NOT_APPLIED), ("issued", services.WARRANT_ALREADY_DECIDED)],
)
def test_refusal_only_from_applied(case, officer, premises, state, message):
    warrant = draft(case, officer, premises) if state == "draft" else issued(case, officer, premises)
    before = snapshot(warrant)

    assert_refused(
        lambda: services.warrant_record_refusal(
            warrant=warrant, actor=officer, refused_at=london(2026, 2, 1), refusal_reason="No."
        ),
        message,
    )
    assert snapshot(warrant) == before


def test_refusal_before_the_application_is_refused(case, officer, premises):
    warrant = applied(case, officer, premises, applied_at=london(2026, 1, 30, 9))
    before = snapshot(warrant)

    assert_refused(
        lambda: services.warrant_record_refusal(
            warrant=warrant, actor=officer, refused_at=london(2026, 1, 29), refusal_reason="No."
        ),
        services.WARRANT_REFUSED_BEFORE_APPLIED,
        field="refused_at",
    )
    assert snapshot(warrant) == before


# --- Execution: within issue to expiry, inclusive ----------------------------------------------


def test_entry_late_on_the_last_day_is_lawful(case, officer, premises):
    warrant = issued(case, officer, premises, issued_at=london(2026, 1, 31, 10))

    # 23:59 on 30 Apr, long after the time of issue on 31 Jan: still the last day (PACE s.16(3)).
    services.warrant_record_execution(
        warrant=warrant, actor=officer, executed_at=london(2026, 4, 30, 23, 59), executed_by=officer
    )

    warrant.refresh_from_db()
    assert warrant.status == Warrant.Status.EXECUTED


def test_entry_on_the_day_after_the_last_day_is_refused_and_saves_nothing(case, officer, premises):
    warrant = issued(case, officer, premises, issued_at=london(2026, 1, 31, 10))
    before = snapshot(warrant)

    assert_refused(
        lambda: services.warrant_record_execution(
            warrant=warrant, actor=officer, executed_at=london(2026, 5, 1, 0, 0), executed_by=officer
        ),
        services.WARRANT_EXECUTED_AFTER_LAST_DAY.format(day="30 Apr 2026"),
        field="executed_at",
    )
    assert snapshot(warrant) == before


def test_execution_before_the_time_of_issue_is_refused(case, officer, premises):
    warrant = issued(case, officer, premises, issued_at=london(2026, 1, 31, 10))
    before = snapshot(warrant)

    assert_refused(
        lambda: services.warrant_record_execution(
            warrant=warrant, actor=officer, executed_at=london(2026, 1, 31, 9, 59), executed_by=officer
        ),
        services.WARRANT_EXECUTED_BEFORE_ISSUE,
        field="executed_at",
    )
    assert snapshot(warrant) == before


@pytest.mark.parametrize("state", ["draft", "applied"])
def test_execution_before_issue_is_refused(case, officer, premises, state):
    warrant = draft(case, officer, premises) if state == "draft" else applied(case, officer, premises)
    before = snapshot(warrant)

    assert_refused(
        lambda: services.warrant_record_execution(
            warrant=warrant, actor=officer, executed_at=london(2026, 2, 1), executed_by=officer
        ),
        services.WARRANT_EXECUTION_BEFORE_ISSUE,
    )
    assert snapshot(warrant) == before


def test_execution_of_a_refused_warrant_is_refused(case, officer, premises):
    warrant = WarrantFactory(case=case, premises=premises, refused=True)

    assert_refused(
        lambda: services.warrant_record_execution(
            warrant=warrant, actor=officer, executed_at=timezone.now(), executed_by=officer
        ),
        services.WARRANT_REFUSED_NOT_EXECUTABLE,
    )


def test_execution_is_recorded_once(case, officer, premises):
    warrant = executed(case, officer, premises)
    before = snapshot(warrant)

    assert_refused(
        lambda: services.warrant_record_execution(
            warrant=warrant, actor=officer, executed_at=london(2026, 2, 4), executed_by=officer
        ),
        services.WARRANT_ALREADY_EXECUTED,
    )
    assert snapshot(warrant) == before


def test_execution_needs_an_active_officer(case, officer, premises):
    warrant = issued(case, officer, premises)
    gone = UserFactory(is_active=False)
    before = snapshot(warrant)

    assert_refused(
        lambda: services.warrant_record_execution(
            warrant=warrant, actor=officer, executed_at=london(2026, 2, 3), executed_by=gone
        ),
        services.WARRANT_EXECUTOR_INACTIVE,
        field="executed_by",
    )
    assert snapshot(warrant) == before


def test_execution_in_the_future_is_refused(case, officer, premises):
    warrant = issued(case, officer, premises, issued_at=timezone.now() - timedelta(days=1))

    assert_refused(
        lambda: services.warrant_record_execution(
            warrant=warrant, actor=officer, executed_at=timezone.now() + timedelta(hours=1), executed_by=officer
        ),
        "Executed at cannot be in the future.",
        field="executed_at",
    )


def test_execution_moves_the_case_to_search_and_records_who_was_present(case, officer, examiner, premises):
    warrant = issued(case, officer, premises)

    services.warrant_record_execution(
        warrant=warrant,
        actor=officer,
        executed_at=london(2026, 2, 3, 6, 30),
        executed_by=officer,
        persons_present="DC Hughes; DFI Patel (forensic, s.16(2A))",
        result="Three devices seized.",
    )

    warrant.refresh_from_db()
    case.refresh_from_db()
    assert case.stage == Case.Stage.SEARCH
    assert warrant.executed_by == officer
    assert warrant.persons_present.startswith("DC Hughes")
    assert warrant.version == 4
    assert "executed" in last_log(case).text


# --- Expiry -------------------------------------------------------------------------------------


def test_mark_expired_expires_an_issued_unexecuted_warrant_past_expiry_and_logs_as_the_oic(
    case, officer, supervisor, premises
):
    warrant = issued(case, supervisor, premises, issued_at=london(2026, 1, 31, 10))

    # Not expired at any time of its last day, 30 Apr; expired from the first moment of 1 May.
    assert services.warrant_mark_expired(warrant=warrant, now=london(2026, 4, 30, 23, 59)) is False
    changed = services.warrant_mark_expired(warrant=warrant, now=london(2026, 5, 1, 0, 0))

    assert changed is True
    warrant.refresh_from_db()
    assert warrant.status == Warrant.Status.EXPIRED
    assert warrant.version == 4
    entry = last_log(case)
    assert entry.author == officer  # the officer in the case, not whoever issued it
    assert "expired unexecuted" in entry.text


def test_mark_expired_is_idempotent(case, officer, premises):
    warrant = issued(case, officer, premises)
    services.warrant_mark_expired(warrant=warrant, now=london(2026, 5, 1))
    before = snapshot(warrant)

    assert services.warrant_mark_expired(warrant=warrant, now=london(2026, 5, 2)) is False
    assert snapshot(warrant) == before


def test_mark_expired_leaves_a_warrant_still_valid_at_its_expiry_minute(case, officer, premises):
    warrant = issued(case, officer, premises, issued_at=london(2026, 1, 31, 10))
    before = snapshot(warrant)

    assert services.warrant_mark_expired(warrant=warrant, now=london(2026, 4, 30, 10)) is False
    assert snapshot(warrant) == before


def test_mark_expired_leaves_an_executed_warrant_alone(case, officer, premises):
    warrant = executed(case, officer, premises)
    before = snapshot(warrant)

    assert services.warrant_mark_expired(warrant=warrant, now=london(2026, 6, 1)) is False
    assert snapshot(warrant) == before


def test_execution_of_an_expired_warrant_is_refused(case, officer, premises):
    warrant = issued(case, officer, premises)
    services.warrant_mark_expired(warrant=warrant, now=london(2026, 5, 1))

    assert_refused(
        lambda: services.warrant_record_execution(
            warrant=warrant, actor=officer, executed_at=london(2026, 2, 1), executed_by=officer
        ),
        services.WARRANT_EXECUTED_AFTER_EXPIRY,
    )


# --- Return to the court ----------------------------------------------------------------------


def test_return_after_execution(case, officer, premises):
    warrant = executed(case, officer, premises)

    services.warrant_record_return(warrant=warrant, actor=officer, returned_at=london(2026, 2, 5))

    warrant.refresh_from_db()
    assert warrant.status == Warrant.Status.RETURNED
    assert warrant.returned_at == london(2026, 2, 5)
    assert "returned" in last_log(case).text


def test_return_before_execution_time_is_refused(case, officer, premises):
    warrant = executed(case, officer, premises)
    before = snapshot(warrant)

    assert_refused(
        lambda: services.warrant_record_return(warrant=warrant, actor=officer, returned_at=london(2026, 2, 3, 6)),
        services.WARRANT_RETURNED_BEFORE_EXECUTION,
        field="returned_at",
    )
    assert snapshot(warrant) == before


def test_return_of_an_issued_warrant_still_in_force_is_refused(case, officer, premises):
    warrant = issued(case, officer, premises, issued_at=timezone.now() - timedelta(days=2))
    before = snapshot(warrant)

    assert_refused(
        lambda: services.warrant_record_return(warrant=warrant, actor=officer, returned_at=timezone.now()),
        services.WARRANT_RETURN_NOT_DUE,
    )
    assert snapshot(warrant) == before


@pytest.mark.parametrize("state", ["draft", "applied", "refused"])
def test_return_of_a_warrant_never_issued_is_refused(case, officer, premises, state):
    warrant = WarrantFactory(case=case, premises=premises, **({state: True} if state != "draft" else {}))
    before = snapshot(warrant)

    assert_refused(
        lambda: services.warrant_record_return(warrant=warrant, actor=officer, returned_at=timezone.now()),
        services.WARRANT_RETURN_NOT_ISSUED,
    )
    assert snapshot(warrant) == before


def test_return_of_an_expired_warrant_must_follow_its_expiry(case, officer, premises):
    warrant = issued(case, officer, premises, issued_at=london(2026, 1, 31, 10))
    services.warrant_mark_expired(warrant=warrant)
    before = snapshot(warrant)

    assert_refused(
        lambda: services.warrant_record_return(warrant=warrant, actor=officer, returned_at=london(2026, 4, 29)),
        services.WARRANT_RETURNED_BEFORE_EXPIRY,
        field="returned_at",
    )
    assert snapshot(warrant) == before

    services.warrant_record_return(warrant=warrant, actor=officer, returned_at=london(2026, 5, 2))
    warrant.refresh_from_db()
    assert warrant.status == Warrant.Status.RETURNED


def test_return_of_an_issued_warrant_past_expiry_marks_it_expired_first(case, officer, premises):
    warrant = issued(case, officer, premises, issued_at=london(2026, 1, 31, 10))

    services.warrant_record_return(warrant=warrant, actor=officer, returned_at=london(2026, 5, 2))

    warrant.refresh_from_db()
    assert warrant.status == Warrant.Status.RETURNED
    texts = list(CaseLogEntry.objects.filter(case=case).order_by("id").values_list("text", flat=True))
    assert "expired unexecuted" in texts[-2]
    assert "returned" in texts[-1]


def test_return_is_recorded_once(case, officer, premises):
    warrant = executed(case, officer, premises)
    services.warrant_record_return(warrant=warrant, actor=officer, returned_at=london(2026, 2, 5))
    before = snapshot(warrant)

    assert_refused(
        lambda: services.warrant_record_return(warrant=warrant, actor=officer, returned_at=london(2026, 2, 6)),
        services.WARRANT_ALREADY_RETURNED,
    )
    assert snapshot(warrant) == before


# --- Further entries (PACE 1984 s.16(3A)-(3B)) -------------------------------------------------


def test_further_entry_under_a_multiple_entry_warrant_is_recorded(case, officer, premises):
    warrant = executed(case, officer, premises, entry=Warrant.Entry.MULTIPLE)

    authority = services.warrant_authorise_further_entry(
        warrant=warrant,
        actor=officer,
        authorised_by="Inspector Shah",
        authorised_at=london(2026, 3, 1, 9),
        entered_at=london(2026, 3, 2, 7),
    )

    assert authority.warrant == warrant
    warrant.refresh_from_db()
    assert warrant.version == 5
    assert "Inspector Shah" in last_log(case).text


def test_further_entry_needs_a_multiple_entry_warrant(case, officer, premises):
    warrant = executed(case, officer, premises, entry=Warrant.Entry.SINGLE)
    before = snapshot(warrant)

    assert_refused(
        lambda: services.warrant_authorise_further_entry(
            warrant=warrant, actor=officer, authorised_by="Inspector Shah", authorised_at=london(2026, 3, 1)
        ),
        services.WARRANT_FURTHER_ENTRY_SINGLE,
    )
    assert snapshot(warrant) == before


def test_further_entry_authorised_after_expiry_is_refused(case, officer, premises):
    warrant = executed(case, officer, premises, entry=Warrant.Entry.MULTIPLE)
    before = snapshot(warrant)

    assert_refused(
        lambda: services.warrant_authorise_further_entry(
            warrant=warrant, actor=officer, authorised_by="Inspector Shah", authorised_at=london(2026, 5, 1, 0, 1)
        ),
        services.WARRANT_FURTHER_ENTRY_AFTER_EXPIRY,
        field="authorised_at",
    )
    assert snapshot(warrant) == before


def test_further_entry_made_after_expiry_is_refused(case, officer, premises):
    warrant = executed(case, officer, premises, entry=Warrant.Entry.MULTIPLE)
    before = snapshot(warrant)

    assert_refused(
        lambda: services.warrant_authorise_further_entry(
            warrant=warrant,
            actor=officer,
            authorised_by="Inspector Shah",
            authorised_at=london(2026, 4, 29),
            entered_at=london(2026, 5, 1),
        ),
        services.WARRANT_FURTHER_ENTRY_AFTER_EXPIRY,
        field="entered_at",
    )
    assert snapshot(warrant) == before


def test_further_entry_before_the_inspectors_authority_is_refused(case, officer, premises):
    warrant = executed(case, officer, premises, entry=Warrant.Entry.MULTIPLE)

    assert_refused(
        lambda: services.warrant_authorise_further_entry(
            warrant=warrant,
            actor=officer,
            authorised_by="Inspector Shah",
            authorised_at=london(2026, 3, 1, 9),
            entered_at=london(2026, 3, 1, 8),
        ),
        services.WARRANT_FURTHER_ENTRY_BEFORE_AUTHORITY,
        field="entered_at",
    )


def test_further_entry_before_the_first_entry_is_refused(case, officer, premises):
    issued_only = issued(case, officer, premises, entry=Warrant.Entry.MULTIPLE)
    assert_refused(
        lambda: services.warrant_authorise_further_entry(
            warrant=issued_only, actor=officer, authorised_by="Inspector Shah", authorised_at=london(2026, 2, 2)
        ),
        services.WARRANT_FURTHER_ENTRY_NOT_EXECUTED,
    )
    warrant = executed(case, officer, premises, entry=Warrant.Entry.MULTIPLE)
    assert_refused(
        lambda: services.warrant_authorise_further_entry(
            warrant=warrant, actor=officer, authorised_by="Inspector Shah", authorised_at=london(2026, 2, 3, 6)
        ),
        services.WARRANT_FURTHER_ENTRY_BEFORE_FIRST,
        field="authorised_at",
    )
    assert not FurtherEntryAuthority.objects.exists()


def test_further_entry_under_a_returned_warrant_is_refused(case, officer, premises):
    warrant = executed(case, officer, premises, entry=Warrant.Entry.MULTIPLE)
    services.warrant_record_return(warrant=warrant, actor=officer, returned_at=london(2026, 2, 5))

    assert_refused(
        lambda: services.warrant_authorise_further_entry(
            warrant=warrant, actor=officer, authorised_by="Inspector Shah", authorised_at=london(2026, 2, 4)
        ),
        services.WARRANT_FURTHER_ENTRY_CLOSED,
    )


def test_an_application_before_the_case_was_opened_is_refused_without_an_earlier_referral(case, officer, premises):
    warrant = WarrantFactory(case=case, premises=premises)
    before = snapshot(warrant)
    assert_refused(
        lambda: services.warrant_apply(warrant=warrant, actor=officer, applied_at=case.opened_at - timedelta(hours=1)),
        services.WARRANT_APPLIED_BEFORE_CASE,
        field="applied_at",
    )
    assert snapshot(warrant) == before
