"""case_deadlines: every deadline of a case with its due date, source and status."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse

from cases import rules
from cases.deadlines import Kind, Status, case_deadlines, deadline_status, with_deadline_records
from cases.models import Arrest, Case, ChargingSubmission, CourtHearing, CustodyExtension, CustodyReview, Release
from cases.models.summaries import OutstandingDeadline
from cases.records import case_page_select, load_case_page_records
from cases.services.custody import bail_court_application_record, bail_extend, release_record
from tests.factories.cases import CaseFactory, PremisesFactory, ReferralFactory, SubjectFactory
from tests.factories.custody import end_of
from warrants.models import Warrant

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@pytest.mark.parametrize(
    ("kind", "due_in", "met_after_due", "status"),
    [
        ("charging_target", 10 * DAY, None, Status.ON_TRACK),
        ("charging_target", 7 * DAY + timedelta(seconds=1), None, Status.ON_TRACK),
        ("charging_target", 7 * DAY, None, Status.DUE_SOON),  # SAFEGUARD_DUE_SOON_CHARGING_DAYS: 7
        ("charging_target", timedelta(0), None, Status.DUE_SOON),  # exactly at the due time: not yet missed
        ("charging_target", -timedelta(seconds=1), None, Status.MISSED),
        ("charging_target", -DAY, -DAY, Status.MET),
        ("charging_target", -DAY, timedelta(0), Status.MET),  # done at the due time
        ("charging_target", -DAY, HOUR, Status.MISSED),  # done late
        ("custody_limit", 2 * HOUR, None, Status.DUE_SOON),  # custody: hours
        ("custody_limit", 2 * HOUR + timedelta(seconds=1), None, Status.ON_TRACK),
        ("custody_review", 3 * HOUR, None, Status.ON_TRACK),
        ("bail_end", 7 * DAY, None, Status.DUE_SOON),
        ("bail_end", 8 * DAY, None, Status.ON_TRACK),
        ("warrant_expiry", 14 * DAY, None, Status.DUE_SOON),
        ("retention_review", 30 * DAY, None, Status.DUE_SOON),
        ("mash_referral", 6 * HOUR, None, Status.DUE_SOON),
        ("mash_referral", 7 * HOUR, None, Status.ON_TRACK),
    ],
)
def test_status_by_kind_and_threshold(kind, due_in, met_after_due, status):
    due = NOW + due_in
    met = None if met_after_due is None else due + met_after_due
    assert deadline_status(kind=kind, due_at=due, met_at=met, now=NOW) == status


def test_due_soon_thresholds_come_from_settings(settings):
    settings.DEADLINE_DUE_SOON = {**settings.DEADLINE_DUE_SOON, "bail_end": timedelta(days=1)}
    assert deadline_status(kind="bail_end", due_at=NOW + 2 * DAY, met_at=None, now=NOW) == Status.ON_TRACK
    settings.DEADLINE_DUE_SOON_DEFAULT = timedelta(days=5)
    assert deadline_status(kind="charging_target", due_at=NOW + 4 * DAY, met_at=None, now=NOW) == Status.DUE_SOON


@pytest.fixture
def case(force, team, officer, supervisor):
    referral = ReferralFactory(
        force=force,
        created_by=officer,
        risk_grade="high",
        received_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
        outcome="developed",
        outcome_at=datetime(2026, 11, 21, 9, 0, tzinfo=UTC),
    )
    return CaseFactory(
        team=team,
        referral=referral,
        officer_in_case=officer,
        supervisor=supervisor,
        opened_at=datetime(2026, 11, 21, 9, 0, tzinfo=UTC),
    )


def deadlines_for(case, now=NOW):
    [loaded] = with_deadline_records(Case.objects.filter(pk=case.pk))
    return case_deadlines(loaded, now=now)


def by_kind(deadlines, kind):
    return [d for d in deadlines if d.kind == kind]


def test_a_new_case_from_a_high_risk_referral_is_due_a_response_in_seven_days(case):
    [deadline] = deadlines_for(case)
    assert (deadline.kind, deadline.label, deadline.due_at, deadline.source, deadline.status) == (
        "referral_response",
        "Respond to referral (high risk)",
        datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
        "Local target: referral response by risk grade (HMICFRS 2023), 7 days",
        Status.ON_TRACK,
    )
    assert deadline.record == case.referral
    assert deadline.url == reverse("cases:referral_detail", kwargs={"pk": case.referral.pk})


def test_the_first_action_on_the_ground_meets_the_referral_response(case, officer):
    subject = SubjectFactory(case=case)
    arrested = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
    Arrest.objects.create(case=case, subject=subject, arrested_at=arrested, arresting_officer=officer)
    [response] = by_kind(deadlines_for(case), "referral_response")
    assert (response.status, response.met_at, response.outstanding) == (Status.MET, arrested, False)


def test_the_case_page_and_the_lists_compute_without_further_queries(case, officer, django_assert_num_queries):
    premises = PremisesFactory(case=case)
    subject = SubjectFactory(case=case)
    issued = NOW - 2 * DAY
    Warrant.objects.create(
        case=case,
        premises=premises,
        power="pace_s8",
        court="Stafford Magistrates' Court",
        applicant=officer,
        status="issued",
        applied_at=issued - 3 * HOUR,
        issued_at=issued,
        expires_at=rules.warrant_expires_at(issued),
    )
    Arrest.objects.create(
        case=case, subject=subject, arrested_at=NOW - DAY, relevant_time=NOW - DAY, arresting_officer=officer
    )
    for load in (
        lambda cases: load_case_page_records(case_page_select(cases).get()),
        lambda cases: with_deadline_records(cases)[0],
    ):
        loaded = load(Case.objects.filter(pk=case.pk))
        with django_assert_num_queries(0):
            deadlines = case_deadlines(loaded, now=NOW)
        assert {d.kind for d in deadlines} == {
            "referral_response",
            "warrant_expiry",
            "custody_limit",
            "custody_review",
            "charging_target",
        }


def issue_warrant(case, officer, issued, **fields):
    return Warrant.objects.create(
        case=case,
        premises=PremisesFactory(case=case, address="12 Station Road", postcode="ST16 2AA"),
        power="pace_s8",
        court="Stafford Magistrates' Court",
        applicant=officer,
        status="issued",
        applied_at=issued - 3 * HOUR,
        issued_at=issued,
        expires_at=rules.warrant_expires_at(issued),
        **fields,
    )


def test_an_issued_warrant_is_due_execution_before_expiry_then_return(case, officer, settings):
    settings.WARRANT_RETURN_DAYS = 7
    issued = NOW - 2 * DAY
    warrant = issue_warrant(case, officer, issued)
    [expiry] = by_kind(deadlines_for(case), "warrant_expiry")
    assert (expiry.label, expiry.due_at, expiry.status, expiry.source) == (
        "Execute warrant for 12 Station Road, ST16 2AA before it expires",
        warrant.expires_at,
        Status.ON_TRACK,
        "Police and Criminal Evidence Act 1984 s.16(3)",
    )
    # Fourteen days before expiry it is due soon.
    [expiry] = by_kind(deadlines_for(case, now=warrant.expires_at - 14 * DAY), "warrant_expiry")
    assert expiry.status == Status.DUE_SOON

    executed = issued + DAY
    Warrant.objects.filter(pk=warrant.pk).update(status="executed", executed_at=executed, executed_by=officer)
    deadlines = deadlines_for(case)
    assert by_kind(deadlines, "warrant_expiry")[0].status == Status.MET
    [ret] = by_kind(deadlines, "warrant_return")
    assert (ret.label, ret.due_at, ret.status) == (
        "Return warrant for 12 Station Road, ST16 2AA to Stafford Magistrates' Court",
        executed + 7 * DAY,
        Status.ON_TRACK,
    )
    assert ret.source == "Police and Criminal Evidence Act 1984 s.16(9)-(12); Local target: warrant return, 7 days"

    Warrant.objects.filter(pk=warrant.pk).update(status="returned", returned_at=NOW - HOUR)
    assert [d.status for d in by_kind(deadlines_for(case), "warrant_return")] == [Status.MET]


def test_an_unexecuted_warrant_past_expiry_is_missed_and_due_return(case, officer):
    issued = datetime(2026, 7, 31, 10, 0, tzinfo=UTC)
    issue_warrant(case, officer, issued)
    deadlines = deadlines_for(case)
    [expiry] = by_kind(deadlines, "warrant_expiry")
    assert (expiry.status, expiry.outstanding) == (Status.MISSED, False)
    [ret] = by_kind(deadlines, "warrant_return")
    # Issued 31 Jul (11:00 BST): the last day for entry is 31 Oct, then 7 calendar days to the end of 7 Nov.
    assert ret.due_at == end_of(2026, 11, 7)
    assert (ret.status, ret.outstanding) == (Status.MISSED, True)


def arrest_in_custody(case, officer, relevant, name="John Smith"):
    subject = SubjectFactory(case=case, full_name=name)
    return Arrest.objects.create(
        case=case, subject=subject, arrested_at=relevant - HOUR, relevant_time=relevant, arresting_officer=officer
    )


def test_in_custody_the_next_review_and_the_detention_limit_are_due(case, officer):
    relevant = NOW - 7 * HOUR
    arrest = arrest_in_custody(case, officer, relevant)
    # No review recorded: the first, due 6 hours after the relevant time, is missed.
    [review] = by_kind(deadlines_for(case), "custody_review")
    assert (review.label, review.due_at, review.status) == (
        "Review of detention of John Smith (review 1)",
        relevant + 6 * HOUR,
        Status.MISSED,
    )
    # Reviewed at 5 hours: that one is met, and the second is due 9 hours after it (PACE s.40(3)(b)).
    CustodyReview.objects.create(
        arrest=arrest, reviewed_at=relevant + 5 * HOUR, review_officer="Insp Shah", recorded_by=officer
    )
    deadlines = deadlines_for(case)
    first, second = by_kind(deadlines, "custody_review")
    assert (first.status, first.met_at) == (Status.MET, relevant + 5 * HOUR)
    assert (second.label, second.due_at, second.status) == (
        "Review of detention of John Smith (review 2)",
        relevant + 14 * HOUR,
        Status.ON_TRACK,
    )
    assert second.source == "Police and Criminal Evidence Act 1984 s.40"
    [limit] = by_kind(deadlines, "custody_limit")
    assert (limit.due_at, limit.source, limit.status) == (
        relevant + 24 * HOUR,
        "Police and Criminal Evidence Act 1984 s.41",
        Status.ON_TRACK,
    )
    # Ninety minutes before the limit: due soon.
    [limit] = by_kind(deadlines_for(case, now=relevant + 22.5 * HOUR), "custody_limit")
    assert limit.status == Status.DUE_SOON

    CustodyExtension.objects.create(
        arrest=arrest,
        authority="superintendent",
        authorised_at=relevant + 20 * HOUR,
        authorised_by="Supt Rowe",
        detention_until=relevant + 36 * HOUR,
    )
    [limit] = by_kind(deadlines_for(case, now=relevant + 22.5 * HOUR), "custody_limit")
    assert (limit.due_at, limit.status, limit.source) == (
        relevant + 36 * HOUR,
        Status.ON_TRACK,
        "Police and Criminal Evidence Act 1984 s.42",
    )


def test_leaving_custody_meets_the_limit_and_ends_reviews(case, officer):
    relevant = NOW - 30 * HOUR
    arrest = arrest_in_custody(case, officer, relevant)
    [limit] = by_kind(deadlines_for(case), "custody_limit")
    assert limit.status == Status.MISSED
    Arrest.objects.filter(pk=arrest.pk).update(left_custody_at=relevant + 20 * HOUR)
    deadlines = deadlines_for(case)
    assert by_kind(deadlines, "custody_review") == []
    assert [(d.status, d.met_at) for d in by_kind(deadlines, "custody_limit")] == [(Status.MET, relevant + 20 * HOUR)]


def bail(arrest, officer, released):
    regime = rules.bail_regime_for_arrest(arrest.arrested_at)
    return Release.objects.create(
        arrest=arrest,
        kind="bail",
        released_at=released,
        bail_regime=regime,
        bail_ends_at=rules.bail_initial_end(regime=regime, arrested_at=arrest.arrested_at),
        recorded_by=officer,
    )


@pytest.mark.parametrize(
    ("arrested", "source", "expected", "note"),
    [
        (
            # 23:00 BST on 27 Oct 2022: the 2017 regime, 28 days beginning with 28 Oct, to 24 Nov.
            datetime(2022, 10, 27, 22, 0, tzinfo=UTC),
            rules.BAIL_PCA_2017.source + ": PACE s.47ZB(1)(b)",
            end_of(2022, 11, 24),
            "Next extension: a superintendent, to 27 Jan 2023, end of day (PACE s.47ZD)",
        ),
        (
            # 00:30 BST on 28 Oct 2022: the 2022 regime, 3 months beginning with 29 Oct, to 28 Jan.
            datetime(2022, 10, 27, 23, 30, tzinfo=UTC),
            rules.BAIL_PCSCA_2022.source + ": PACE s.47ZB(1)(b)",
            end_of(2023, 1, 28),
            "Next extension: an inspector, to 28 Apr 2023, end of day (PACE s.47ZD)",
        ),
    ],
)
def test_bail_end_follows_the_regime_of_the_arrest_date(case, officer, arrested, source, expected, note):
    Case.objects.filter(pk=case.pk).update(opened_at=arrested - DAY)
    subject = SubjectFactory(case=case, full_name="John Smith")
    arrest = Arrest.objects.create(case=case, subject=subject, arrested_at=arrested, arresting_officer=officer)
    released = arrested + 10 * HOUR
    bail(arrest, officer, released)
    [end] = by_kind(deadlines_for(case, now=released + HOUR), "bail_end")
    assert (end.label, end.due_at, end.source, end.status) == (
        "Pre-charge bail of John Smith ends",
        expected,
        source,
        Status.ON_TRACK,
    )
    assert end.note == note


def test_an_extension_moves_the_bail_end_and_a_decision_meets_it(case, officer):
    subject = SubjectFactory(case=case, full_name="John Smith")
    arrested = NOW - 100 * DAY
    Case.objects.filter(pk=case.pk).update(opened_at=arrested - DAY)
    arrest = Arrest.objects.create(case=case, subject=subject, arrested_at=arrested, arresting_officer=officer)
    release = bail(arrest, officer, arrested + 10 * HOUR)
    six_months = rules.bail_extension_end(regime="pcsca2022", arrested_at=arrested, approver_rank="inspector")
    release.bail_extensions.create(
        approved_at=arrested + 80 * DAY,
        approved_by="Insp Kaur",
        approver_rank="inspector",
        section="47ZD",
        previous_end=release.bail_ends_at,
        new_end=six_months,
    )
    [end] = by_kind(deadlines_for(case), "bail_end")
    assert (end.due_at, end.status) == (six_months, Status.ON_TRACK)
    assert end.note.startswith("Next extension: a superintendent, to")
    [target] = by_kind(deadlines_for(case), "charging_target")
    assert target.status == Status.MISSED

    ChargingSubmission.objects.create(
        case=case,
        subject=subject,
        submitted_at=NOW - 3 * DAY,
        submitted_by=officer,
        test="full_code",
        decision="nfa",
        decision_at=NOW - DAY,
    )
    deadlines = deadlines_for(case)
    assert [(d.status, d.met_at) for d in by_kind(deadlines, "bail_end")] == [(Status.MET, NOW - DAY)]
    # Decided, but after the four weeks: the target was missed, and is no longer outstanding.
    [target] = by_kind(deadlines, "charging_target")
    assert (target.status, target.outstanding) == (Status.MISSED, False)
    assert by_kind(deadlines, "first_court") == []  # not charged


def test_a_charge_brings_the_first_court_target_met_by_the_first_appearance(case, officer, settings):
    settings.FIRST_COURT_TARGET_DAYS = 28
    subject = SubjectFactory(case=case, full_name="John Smith")
    arrested = NOW - 20 * DAY
    Case.objects.filter(pk=case.pk).update(opened_at=arrested - DAY)
    Arrest.objects.create(case=case, subject=subject, arrested_at=arrested, arresting_officer=officer)
    ChargingSubmission.objects.create(
        case=case,
        subject=subject,
        submitted_at=arrested + 5 * DAY,
        submitted_by=officer,
        test="full_code",
        decision="charge",
        decision_at=arrested + 10 * DAY,
    )
    deadlines = deadlines_for(case)
    assert by_kind(deadlines, "charging_target")[0].status == Status.MET
    [court] = by_kind(deadlines, "first_court")
    assert (court.due_at, court.status, court.source) == (
        rules.add_days_london(arrested, 28),
        Status.ON_TRACK,
        "Local target: first court appearance within four weeks of arrest, 28 days",
    )
    assert court.local_target
    hearing = CourtHearing.objects.create(
        case=case, subject=subject, court="Stafford", hearing_at=NOW + 2 * DAY, hearing_type="first_appearance"
    )
    [court] = by_kind(deadlines_for(case), "first_court")
    assert court.status == Status.ON_TRACK and court.note.startswith("Listed for")
    [court] = by_kind(deadlines_for(case, now=NOW + 3 * DAY), "first_court")
    assert (court.status, court.met_at) == (Status.MET, hearing.hearing_at)


def test_the_mash_referral_is_due_after_the_first_arrest_once_children_are_recorded(case, officer, settings):
    settings.MASH_REFERRAL_HOURS = 24
    arrest = arrest_in_custody(case, officer, NOW - 30 * HOUR)
    assert by_kind(deadlines_for(case), "mash_referral") == []  # no children with access recorded
    child = case.safeguarding_referrals.create(
        pseudonymous_reference="CHILD-A", children_count=1, relationship="own_child", recorded_by=officer
    )
    [mash] = by_kind(deadlines_for(case), "mash_referral")
    assert (mash.due_at, mash.status, mash.record) == (arrest.arrested_at + 24 * HOUR, Status.MISSED, arrest)
    child.mash_referred_at = arrest.arrested_at + 5 * HOUR
    child.save()
    [mash] = by_kind(deadlines_for(case), "mash_referral")
    assert (mash.status, mash.met_at) == (Status.MET, arrest.arrested_at + 5 * HOUR)
    case.safeguarding_referrals.create(
        pseudonymous_reference="CHILD-B", children_count=1, relationship="household", recorded_by=officer
    )
    [mash] = by_kind(deadlines_for(case), "mash_referral")
    assert (mash.status, mash.met_at) == (Status.MISSED, None)  # every child must be referred


def test_an_outstanding_forensic_examination_is_due_at_its_target(case, officer, settings):
    settings.FORENSIC_TARGET_DAYS = 90
    device = case.devices.create(
        exhibit_reference="SH/1",
        device_type="laptop",
        action="seized",
        forensic_requested_at=NOW - 88 * DAY,
    )
    [exam] = by_kind(deadlines_for(case), "forensic_examination")
    assert (exam.label, exam.status) == ("Forensic examination of SH/1", Status.DUE_SOON)
    assert exam.due_at == rules.add_days_london(NOW - 88 * DAY, 90)
    device.forensic_completed_at = NOW - DAY
    device.save()
    [exam] = by_kind(deadlines_for(case), "forensic_examination")
    assert exam.status == Status.MET


def test_a_closed_case_keeps_its_mopi_review_and_what_was_met(case, officer):
    subject = SubjectFactory(case=case)
    Arrest.objects.create(case=case, subject=subject, arrested_at=NOW - 2 * DAY, arresting_officer=officer)
    Case.objects.filter(pk=case.pk).update(status="closed", stage="closed")
    reviewed = NOW - DAY
    case.retention_reviews.create(
        retention_group="1",
        decision="set",
        reviewed_at=reviewed,
        reviewed_by=officer,
        rationale="Sexual offence: group 1.",
        next_review_at=rules.retention_next_review_at(reviewed_at=reviewed, retention_group="1"),
    )
    deadlines = deadlines_for(case)
    assert [(d.kind, d.status) for d in deadlines] == [
        ("referral_response", Status.MET),
        ("retention_review", Status.ON_TRACK),
    ]
    assert deadlines[1].label == "MoPI review (group 1)"
    assert deadlines[1].due_at == rules.add_months_london(reviewed, 120)


def test_each_kind_names_its_source():
    assert {k.value for k in Kind} >= {
        "referral_response",
        "warrant_expiry",
        "warrant_return",
        "custody_review",
        "custody_limit",
        "bail_end",
        "charging_target",
        "first_court",
        "mash_referral",
        "forensic_examination",
        "retention_review",
    }


def test_the_bail_end_note_says_when_and_where_to_answer_bail(case, officer):
    arrested = datetime(2023, 1, 10, 9, 0, tzinfo=UTC)
    Case.objects.filter(pk=case.pk).update(opened_at=arrested - DAY)
    subject = SubjectFactory(case=case, full_name="John Smith")
    arrest = Arrest.objects.create(case=case, subject=subject, arrested_at=arrested, arresting_officer=officer)
    release = bail(arrest, officer, arrested + 6 * HOUR)
    Release.objects.filter(pk=release.pk).update(
        answer_at=datetime(2023, 2, 7, 10, 0, tzinfo=UTC), answer_place="Hanley police station"
    )
    [end] = by_kind(deadlines_for(case, now=arrested + 7 * HOUR), "bail_end")
    assert end.note == (
        "Next extension: an inspector, to 10 Jul 2023, end of day (PACE s.47ZD). "
        "To answer bail 7 Feb 2023 10:00 at Hanley police station"
    )


def test_bail_before_3_april_2017_has_no_bail_end_deadline(case, officer):
    arrested = datetime(2016, 6, 1, 8, 0, tzinfo=UTC)
    Case.objects.filter(pk=case.pk).update(opened_at=arrested - DAY)
    subject = SubjectFactory(case=case, full_name="John Smith")
    arrest = Arrest.objects.create(case=case, subject=subject, arrested_at=arrested, arresting_officer=officer)
    Release.objects.create(
        arrest=arrest,
        kind="bail",
        released_at=arrested + 6 * HOUR,
        bail_regime="pre2017",
        answer_at=datetime(2016, 9, 1, 9, 0, tzinfo=UTC),
        recorded_by=officer,
    )
    assert by_kind(deadlines_for(case, now=arrested + 7 * HOUR), "bail_end") == []


def nca_bail_with_decision_maker_extension(case, officer):
    """An NCA case arrested 31 Jan 2023: 6 months (PACE s.47ZB(1)(a)) to 31 Jul 2023, then 12 months
    by the appropriate decision-maker (s.47ZDB) to 31 Jan 2024."""
    arrested = datetime(2023, 1, 31, 6, 0, tzinfo=UTC)
    Case.objects.filter(pk=case.pk).update(opened_at=arrested - DAY)
    subject = SubjectFactory(case=case, full_name="John Smith")
    arrest = Arrest.objects.create(case=case, subject=subject, arrested_at=arrested, arresting_officer=officer)
    release = release_record(
        arrest=arrest,
        actor=officer,
        kind="bail",
        released_at=arrested + 6 * HOUR,
        investigating_body="nca",
        body_confirmed_by="NCA officer J. Patel",
    )
    bail_extend(
        release=release,
        actor=officer,
        approved_at=datetime(2023, 7, 20, 10, tzinfo=UTC),
        approved_by="NCA Grade 2 Hale",
        approver_rank="decision_maker",
    )
    return release


def test_an_nca_case_bail_end_cites_its_sections_and_offers_the_court_next(case, officer):
    nca_bail_with_decision_maker_extension(case, officer)
    [end] = by_kind(deadlines_for(case, now=datetime(2023, 8, 1, tzinfo=UTC)), "bail_end")
    assert (end.due_at, end.status) == (end_of(2024, 1, 31), Status.ON_TRACK)
    assert end.source == f"{rules.BAIL_PCSCA_2022.source}: PACE ss.47ZB(1)(a), 47ZDB"
    assert end.note == (
        "Next extension: the magistrates' court (PACE s.47ZF). National Crime Agency (NCA case), confirmed by "
        "NCA officer J. Patel"
    )


def test_bail_past_its_end_with_an_application_pending_is_treated_as_extended_not_missed(case, officer):
    release = nca_bail_with_decision_maker_extension(case, officer)
    [before] = by_kind(deadlines_for(case, now=datetime(2024, 2, 2, tzinfo=UTC)), "bail_end")
    assert (before.status, before.status_label, before.outstanding) == (Status.MISSED, "Missed", True)

    bail_court_application_record(release=release, actor=officer, applied_at=datetime(2024, 1, 25, 10, tzinfo=UTC))
    [after] = by_kind(deadlines_for(case, now=datetime(2024, 2, 2, tzinfo=UTC)), "bail_end")
    # PACE s.47ZJ(3): "treated as extended until the application is determined".
    assert after.status_label == "Treated as extended (application pending, s.47ZJ(3))"
    assert not after.outstanding
    assert after.note.startswith("Application to the court made 25 Jan 2024 10:00, not yet determined")


def test_the_longest_bail_source_fits_the_deadline_summary(case, officer):
    # Every section a standard case's bail can meet: ss.47ZB(1)(b), 47ZD, 47ZDA, 47ZE, 47ZF, 47ZG.
    arrested = datetime(2023, 1, 31, 6, 0, tzinfo=UTC)
    Case.objects.filter(pk=case.pk).update(opened_at=arrested - DAY)
    subject = SubjectFactory(case=case, full_name="John Smith")
    arrest = Arrest.objects.create(case=case, subject=subject, arrested_at=arrested, arresting_officer=officer)
    release = release_record(arrest=arrest, actor=officer, kind="bail", released_at=arrested + 6 * HOUR)
    steps: list[tuple[str, datetime, dict[str, Any]]] = [
        ("inspector", datetime(2023, 4, 20, tzinfo=UTC), {}),
        ("superintendent", datetime(2023, 7, 20, tzinfo=UTC), {}),
        (
            "qualifying_officer",
            datetime(2023, 10, 20, tzinfo=UTC),
            {"designated_at": datetime(2023, 10, 19, tzinfo=UTC), "designated_by": "DPP"},
        ),
        ("magistrates", datetime(2024, 1, 20, tzinfo=UTC), {"new_end": datetime(2024, 7, 1, tzinfo=UTC)}),
        ("magistrates", datetime(2024, 6, 20, tzinfo=UTC), {"new_end": datetime(2025, 1, 1, tzinfo=UTC)}),
        ("magistrates", datetime(2024, 12, 20, tzinfo=UTC), {"new_end": datetime(2025, 6, 1, tzinfo=UTC)}),
    ]
    for rank, approved_at, extra in steps:
        bail_extend(
            release=release, actor=officer, approved_at=approved_at, approved_by="X", approver_rank=rank, **extra
        )
    [end] = by_kind(deadlines_for(case, now=datetime(2025, 1, 2, tzinfo=UTC)), "bail_end")
    assert end.source == f"{rules.BAIL_PCSCA_2022.source}: PACE ss.47ZB(1)(b), 47ZD, 47ZDA, 47ZE, 47ZF, 47ZG"
    max_length = OutstandingDeadline._meta.get_field("source").max_length
    assert max_length is not None and len(end.source) <= max_length
