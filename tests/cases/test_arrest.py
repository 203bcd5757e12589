from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import rules
from cases.models import Arrest, Case, CaseLogEntry, CustodyExtension
from cases.services.common import CASE_CLOSED
from cases.services.custody import (
    ARREST_BEFORE_CASE_OPENED,
    ARREST_NEEDS_OFFENCE,
    ARREST_OFFENCE_NOT_IN_CATALOGUE,
    ARREST_SUBJECT_OTHER_CASE,
    CUSTODY_AUTHORISED_BEFORE_RELEVANT_TIME,
    CUSTODY_NEEDS_RELEVANT_TIME,
    CUSTODY_NOT_LATER_THAN_PREVIOUS,
    CUSTODY_REVIEW_BEFORE_PREVIOUS,
    CUSTODY_SUPERINTENDENT_AFTER_24H,
    CUSTODY_SUPERINTENDENT_ALREADY,
    CUSTODY_SUPERINTENDENT_BEFORE_SECOND_REVIEW,
    CUSTODY_SUPERINTENDENT_BEYOND_36H,
    CUSTODY_WARRANT_ALREADY,
    CUSTODY_WARRANT_APPLIED_AT_REQUIRED,
    CUSTODY_WARRANT_BEYOND_LIMIT,
    CUSTODY_WARRANT_EXTENSION_NEEDS_WARRANT,
    CUSTODY_WARRANT_NEEDS_SUPERINTENDENT,
    LEFT_CUSTODY_BEFORE_ARREST,
    RELEVANT_TIME_BEFORE_ARREST,
    arrest_record,
    custody_extension_record,
    custody_review_record,
)
from tests.factories.cases import CaseFactory, SubjectFactory
from tests.factories.custody import ArrestFactory, offence

SUPERINTENDENT = CustodyExtension.Authority.SUPERINTENDENT
WOFD = CustodyExtension.Authority.WARRANT_OF_FURTHER_DETENTION
WOFD_EXT = CustodyExtension.Authority.EXTENSION_OF_WARRANT


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


@pytest.fixture
def subject(case):
    return SubjectFactory(case=case, full_name="Daniel Price")


def record(case, officer, subject, **overrides):
    values = {
        "case": case,
        "actor": officer,
        "subject": subject,
        "arrested_at": case.opened_at + timedelta(days=1),
        "suspected_offences": [offence("POCA1978-1-1-a"), offence("CJA1988-160")],
        "custody_reference": "ST/00012/26",
    }
    values.update(overrides)
    return arrest_record(**values)


def assert_refused(error, field, message):
    assert error.value.message_dict[field] == [message]
    assert Arrest.objects.count() == 0
    assert not CaseLogEntry.objects.exists()


def test_it_records_an_arrest_logs_it_and_moves_the_case_to_arrest(case, officer, subject):
    arrest = record(case, officer, subject, relevant_time=case.opened_at + timedelta(days=1, minutes=40))

    assert arrest.subject == subject
    assert arrest.arresting_officer == officer
    assert set(arrest.suspected_offences.values_list("code", flat=True)) == {"POCA1978-1-1-a", "CJA1988-160"}
    case.refresh_from_db()
    assert case.stage == Case.Stage.ARREST
    entry = CaseLogEntry.objects.get(case=case)
    assert entry.kind == CaseLogEntry.Kind.SYSTEM
    assert "Arrest of Daniel Price" in entry.text


def test_it_refuses_a_subject_of_another_case(case, officer, team):
    stranger = SubjectFactory(case=CaseFactory(team=team))
    with pytest.raises(ValidationError) as error:
        record(case, officer, stranger)
    assert_refused(error, "subject", ARREST_SUBJECT_OTHER_CASE)


def test_it_refuses_an_arrest_without_a_suspected_offence(case, officer, subject):
    with pytest.raises(ValidationError) as error:
        record(case, officer, subject, suspected_offences=[])
    assert_refused(error, "suspected_offences", ARREST_NEEDS_OFFENCE)


def test_it_refuses_an_offence_no_longer_in_the_active_catalogue(case, officer, subject):
    retired = offence("CJA2009-62")
    retired.active = False
    retired.save()
    with pytest.raises(ValidationError) as error:
        record(case, officer, subject, suspected_offences=[retired])
    assert_refused(error, "suspected_offences", ARREST_OFFENCE_NOT_IN_CATALOGUE)


def test_it_refuses_an_arrest_in_the_future(case, officer, subject):
    with pytest.raises(ValidationError) as error:
        record(case, officer, subject, arrested_at=timezone.now() + timedelta(hours=2))
    assert_refused(error, "arrested_at", "The arrest cannot be in the future.")


def test_it_refuses_an_arrest_before_the_case_was_opened(case, officer, subject):
    with pytest.raises(ValidationError) as error:
        record(case, officer, subject, arrested_at=case.opened_at - timedelta(minutes=1))
    assert_refused(error, "arrested_at", ARREST_BEFORE_CASE_OPENED)


def test_it_refuses_a_relevant_time_before_the_arrest(case, officer, subject):
    arrested_at = case.opened_at + timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        record(case, officer, subject, arrested_at=arrested_at, relevant_time=arrested_at - timedelta(minutes=1))
    assert_refused(error, "relevant_time", RELEVANT_TIME_BEFORE_ARREST)


def test_it_refuses_leaving_custody_before_the_arrest(case, officer, subject):
    arrested_at = case.opened_at + timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        record(case, officer, subject, arrested_at=arrested_at, left_custody_at=arrested_at - timedelta(hours=1))
    assert_refused(error, "left_custody_at", LEFT_CUSTODY_BEFORE_ARREST)


def test_it_refuses_an_arrest_on_a_closed_case(case, officer, subject):
    case.status = Case.Status.CLOSED
    case.save()
    with pytest.raises(ValidationError) as error:
        record(case, officer, subject)
    assert error.value.messages == [CASE_CLOSED]
    assert Arrest.objects.count() == 0


# --- The PACE custody clock -------------------------------------------------------------------


@pytest.fixture
def unreviewed(case):
    return ArrestFactory(case=case)


@pytest.fixture
def arrest(unreviewed, officer):
    """In custody and reviewed twice (at 5 and 14 hours), as PACE s.42(4)(b) needs before a superintendent."""
    for hours in (5, 14):
        custody_review_record(
            arrest=unreviewed,
            actor=officer,
            reviewed_at=unreviewed.relevant_time + timedelta(hours=hours),
            review_officer="Insp Shah",
        )
    return unreviewed


def extend(arrest, officer, authority, *, after_hours, until_hours, by="Supt Rees", applied_hours=None, **extra):
    if authority == WOFD and applied_hours is None:
        applied_hours = after_hours - 1
    return custody_extension_record(
        arrest=arrest,
        actor=officer,
        authority=authority,
        authorised_at=arrest.relevant_time + timedelta(hours=after_hours),
        authorised_by=by,
        detention_until=arrest.relevant_time + timedelta(hours=until_hours),
        applied_at=None if applied_hours is None else arrest.relevant_time + timedelta(hours=applied_hours),
        **extra,
    )


def test_the_custody_clock_reviews_fall_at_6_hours_then_every_9_hours(arrest):
    due = rules.custody_reviews_due(
        relevant_time=arrest.relevant_time, until=rules.custody_limit_at(arrest.relevant_time)
    )
    assert [moment - arrest.relevant_time for moment in due] == [
        timedelta(hours=6),
        timedelta(hours=15),
        timedelta(hours=24),
    ]


def test_the_custody_clock_limits_are_24_36_and_96_hours_from_the_relevant_time(arrest):
    relevant = arrest.relevant_time
    assert rules.custody_limit_at(relevant) == relevant + timedelta(hours=24)
    assert rules.custody_superintendent_limit_at(relevant) == relevant + timedelta(hours=36)
    assert rules.custody_maximum_at(relevant) == relevant + timedelta(hours=96)


def test_extensions_follow_the_pace_ladder_to_96_hours(arrest, officer):
    extend(arrest, officer, SUPERINTENDENT, after_hours=20, until_hours=36)
    extend(arrest, officer, WOFD, after_hours=35, until_hours=70, by="North Staffordshire Magistrates")
    extend(arrest, officer, WOFD_EXT, after_hours=69, until_hours=96, by="North Staffordshire Magistrates")

    assert list(arrest.custody_extensions.values_list("authority", flat=True)) == [SUPERINTENDENT, WOFD, WOFD_EXT]
    # The arrest's two reviews and the three authorities.
    assert CaseLogEntry.objects.filter(case=arrest.case, kind=CaseLogEntry.Kind.SYSTEM).count() == 5


def test_a_superintendent_cannot_authorise_beyond_36_hours(arrest, officer):
    with pytest.raises(ValidationError) as error:
        extend(arrest, officer, SUPERINTENDENT, after_hours=20, until_hours=37)
    assert error.value.message_dict["detention_until"] == [CUSTODY_SUPERINTENDENT_BEYOND_36H]
    assert not arrest.custody_extensions.exists()


def test_a_superintendent_must_authorise_within_24_hours(arrest, officer):
    with pytest.raises(ValidationError) as error:
        extend(arrest, officer, SUPERINTENDENT, after_hours=25, until_hours=36)
    assert error.value.message_dict["authorised_at"] == [CUSTODY_SUPERINTENDENT_AFTER_24H]
    assert not arrest.custody_extensions.exists()


def test_a_second_superintendents_extension_is_refused(arrest, officer):
    extend(arrest, officer, SUPERINTENDENT, after_hours=20, until_hours=30)
    with pytest.raises(ValidationError) as error:
        extend(arrest, officer, SUPERINTENDENT, after_hours=22, until_hours=36)
    assert error.value.message_dict["authority"] == [CUSTODY_SUPERINTENDENT_ALREADY]
    assert arrest.custody_extensions.count() == 1


def test_a_warrant_of_further_detention_needs_a_superintendents_extension_first(arrest, officer):
    with pytest.raises(ValidationError) as error:
        extend(arrest, officer, WOFD, after_hours=20, until_hours=50)
    assert error.value.message_dict["authority"] == [CUSTODY_WARRANT_NEEDS_SUPERINTENDENT]
    assert not arrest.custody_extensions.exists()


def test_an_extension_of_a_warrant_needs_the_warrant_first(arrest, officer):
    extend(arrest, officer, SUPERINTENDENT, after_hours=20, until_hours=36)
    with pytest.raises(ValidationError) as error:
        extend(arrest, officer, WOFD_EXT, after_hours=30, until_hours=60)
    assert error.value.message_dict["authority"] == [CUSTODY_WARRANT_EXTENSION_NEEDS_WARRANT]
    assert arrest.custody_extensions.count() == 1


def test_a_second_warrant_of_further_detention_is_refused(arrest, officer):
    extend(arrest, officer, SUPERINTENDENT, after_hours=20, until_hours=36)
    extend(arrest, officer, WOFD, after_hours=35, until_hours=60)
    with pytest.raises(ValidationError) as error:
        extend(arrest, officer, WOFD, after_hours=59, until_hours=90)
    assert error.value.message_dict["authority"] == [CUSTODY_WARRANT_ALREADY]
    assert arrest.custody_extensions.count() == 2


@pytest.mark.parametrize(
    ("after_hours", "until_hours"),
    [(35, 72), (70, 97)],  # more than 36 hours from issue; beyond 96 hours from the relevant time
)
def test_a_warrant_cannot_run_beyond_36_hours_from_issue_or_96_hours_in_all(arrest, officer, after_hours, until_hours):
    extend(arrest, officer, SUPERINTENDENT, after_hours=20, until_hours=36)
    if after_hours > 36:
        extend(arrest, officer, WOFD, after_hours=35, until_hours=71)
        authority = WOFD_EXT
    else:
        authority = WOFD
    count = arrest.custody_extensions.count()
    with pytest.raises(ValidationError) as error:
        extend(arrest, officer, authority, after_hours=after_hours, until_hours=until_hours)
    assert error.value.message_dict["detention_until"] == [CUSTODY_WARRANT_BEYOND_LIMIT]
    assert arrest.custody_extensions.count() == count


def test_an_extension_must_run_later_than_the_current_limit(arrest, officer):
    with pytest.raises(ValidationError) as error:
        extend(arrest, officer, SUPERINTENDENT, after_hours=20, until_hours=24)
    assert error.value.message_dict["detention_until"] == [CUSTODY_NOT_LATER_THAN_PREVIOUS]
    assert not arrest.custody_extensions.exists()


def test_an_extension_needs_the_relevant_time(case, officer):
    arrest = ArrestFactory(case=case, relevant_time=None)
    with pytest.raises(ValidationError) as error:
        custody_extension_record(
            arrest=arrest,
            actor=officer,
            authority=SUPERINTENDENT,
            authorised_at=arrest.arrested_at + timedelta(hours=20),
            authorised_by="Supt Rees",
            detention_until=arrest.arrested_at + timedelta(hours=30),
        )
    assert error.value.message_dict["authority"] == [CUSTODY_NEEDS_RELEVANT_TIME]
    assert not arrest.custody_extensions.exists()


def test_an_extension_cannot_be_authorised_before_the_relevant_time(arrest, officer):
    with pytest.raises(ValidationError) as error:
        extend(arrest, officer, SUPERINTENDENT, after_hours=-1, until_hours=30)
    assert error.value.message_dict["authorised_at"] == [CUSTODY_AUTHORISED_BEFORE_RELEVANT_TIME]
    assert not arrest.custody_extensions.exists()


# --- Reviews of detention (s.40) and when a superintendent or the court may extend (ss.42(4), 43(5))


def test_a_superintendent_cannot_authorise_before_the_second_review(unreviewed, officer):
    custody_review_record(
        arrest=unreviewed,
        actor=officer,
        reviewed_at=unreviewed.relevant_time + timedelta(hours=5),
        review_officer="Insp Shah",
    )
    with pytest.raises(ValidationError) as error:
        extend(unreviewed, officer, SUPERINTENDENT, after_hours=12, until_hours=36)
    assert error.value.message_dict["authorised_at"] == [CUSTODY_SUPERINTENDENT_BEFORE_SECOND_REVIEW]
    assert not unreviewed.custody_extensions.exists()


def test_the_next_review_is_due_nine_hours_after_the_last_one_held(arrest):
    held = list(arrest.custody_reviews.values_list("reviewed_at", flat=True))
    # Reviews held at 5 and 14 hours: the third is due by 23 hours, not at 24 (s.40(3)(b)-(c)).
    assert rules.custody_next_review_due(relevant_time=arrest.relevant_time, reviews=held) == (
        arrest.relevant_time + timedelta(hours=23)
    )
    assert rules.custody_next_review_due(relevant_time=arrest.relevant_time, reviews=[]) == (
        arrest.relevant_time + timedelta(hours=6)
    )


def test_a_review_before_the_last_one_or_after_leaving_custody_is_refused(arrest, officer):
    with pytest.raises(ValidationError) as error:
        custody_review_record(
            arrest=arrest,
            actor=officer,
            reviewed_at=arrest.relevant_time + timedelta(hours=10),
            review_officer="Insp Shah",
        )
    assert error.value.message_dict["reviewed_at"] == [CUSTODY_REVIEW_BEFORE_PREVIOUS]
    assert arrest.custody_reviews.count() == 2


@pytest.mark.parametrize(
    ("applied_hours", "court_not_sitting", "allowed"),
    [
        (35.9, False, True),  # before 36 hours after the relevant time (s.43(5)(a))
        (36.5, False, False),
        (36.5, True, True),  # the court could not sit at 36 hours but sat within 6 hours (s.43(5)(b))
        (42.5, True, False),
    ],
)
def test_a_warrant_of_further_detention_is_applied_for_within_36_hours_or_42_if_the_court_could_not_sit(
    arrest, officer, applied_hours, court_not_sitting, allowed
):
    extend(arrest, officer, SUPERINTENDENT, after_hours=20, until_hours=36)
    issue = applied_hours + 0.5
    call = lambda: extend(  # noqa: E731
        arrest,
        officer,
        WOFD,
        after_hours=issue,
        until_hours=issue + 30,
        applied_hours=applied_hours,
        court_not_sitting=court_not_sitting,
    )
    if allowed:
        assert call().applied_at == arrest.relevant_time + timedelta(hours=applied_hours)
        return
    with pytest.raises(ValidationError) as error:
        call()
    assert "(PACE s.43(5))" in error.value.message_dict["applied_at"][0]
    assert arrest.custody_extensions.count() == 1


def test_a_warrant_of_further_detention_needs_its_application_time(arrest, officer):
    extend(arrest, officer, SUPERINTENDENT, after_hours=20, until_hours=36)
    with pytest.raises(ValidationError) as error:
        custody_extension_record(
            arrest=arrest,
            actor=officer,
            authority=WOFD,
            authorised_at=arrest.relevant_time + timedelta(hours=30),
            authorised_by="North Staffordshire Magistrates",
            detention_until=arrest.relevant_time + timedelta(hours=60),
        )
    assert error.value.message_dict["applied_at"] == [CUSTODY_WARRANT_APPLIED_AT_REQUIRED]
