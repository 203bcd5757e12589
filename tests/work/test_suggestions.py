"""The rules suggest a task when a stage is recorded through the recording services: after a search,
submit the devices; for children with access not yet referred, the MASH referral; after an arrest,
the charging file. A suggestion is the officer in the case's, to accept or dismiss."""

from datetime import timedelta

from cases.services.custody import arrest_record
from cases.services.safeguarding import safeguarding_record
from cases.services.search import search_record
from tests.factories.cases import PremisesFactory, SubjectFactory
from tests.factories.custody import offence
from work.models import Task
from work.selectors import london_today


def suggested(case):
    return list(
        Task.objects.filter(case=case, status=Task.Status.SUGGESTED).values_list(
            "suggested_by", "title", "owner_id", "due_on"
        )
    )


def test_a_search_suggests_submitting_the_devices_within_the_local_target(case, supervisor, officer, settings):
    settings.SUGGESTED_TASK_DAYS = {**settings.SUGGESTED_TASK_DAYS, "search": 5}
    premises = PremisesFactory(case=case)

    search_record(case=case, actor=supervisor, premises=premises, started_at=case.opened_at + timedelta(days=1))

    assert suggested(case) == [
        ("search_devices", "Submit devices seized for examination", officer.pk, london_today() + timedelta(days=5))
    ]


def test_a_second_search_does_not_suggest_the_same_task_twice(case, officer):
    premises = PremisesFactory(case=case)
    for day in (1, 2):
        search_record(case=case, actor=officer, premises=premises, started_at=case.opened_at + timedelta(days=day))

    assert len(suggested(case)) == 1


def test_children_with_access_not_yet_referred_suggest_the_mash_referral(case, officer):
    safeguarding_record(
        case=case, actor=officer, pseudonymous_reference="CHILD-A", children_count=2, relationship="own_child"
    )

    assert [(rule, title) for rule, title, *_ in suggested(case)] == [
        ("mash_referral", "Make the MASH referral for CHILD-A")
    ]


def test_children_already_referred_suggest_nothing(case, officer):
    safeguarding_record(
        case=case,
        actor=officer,
        pseudonymous_reference="CHILD-A",
        children_count=1,
        relationship="own_child",
        mash_referred_at=case.opened_at + timedelta(days=1),
        mash_reference="MASH-1",
    )

    assert suggested(case) == []


def test_an_arrest_suggests_the_charging_file(case, officer):
    subject = SubjectFactory(case=case, full_name="Daniel Price")

    arrest_record(
        case=case,
        actor=officer,
        subject=subject,
        arrested_at=case.opened_at + timedelta(days=1),
        suspected_offences=[offence("POCA1978-1-1-a")],
    )

    assert [(rule, title) for rule, title, *_ in suggested(case)] == [
        ("charging_file", "Prepare the charging file for Daniel Price")
    ]
