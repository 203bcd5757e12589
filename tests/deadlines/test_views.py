"""The deadlines page, the inbox and the case page's deadlines: scoped, audited, in words."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import OFFICER
from audit.models import AuditEntry
from cases.models import Arrest, Notification
from cases.services.notifications import deadline_sweep
from cases.services.summaries import deadlines_due_for
from tests.factories.cases import CaseFactory, SubjectFactory
from tests.factories.people import UserFactory

DAY = timedelta(days=1)


def case_with_missed_target(team, officer, supervisor, **fields):
    case = CaseFactory(
        team=team, officer_in_case=officer, supervisor=supervisor, opened_at=timezone.now() - 40 * DAY, **fields
    )
    subject = SubjectFactory(case=case, full_name="John Smith")
    case.safeguarding_referrals.create(
        pseudonymous_reference="CHILD-A", children_count=1, relationship="own_child", recorded_by=officer
    )  # not yet referred to children's services
    Arrest.objects.create(case=case, subject=subject, arrested_at=timezone.now() - 30 * DAY, arresting_officer=officer)
    return case


@pytest.fixture
def case(team, officer, supervisor):
    return case_with_missed_target(team, officer, supervisor)


def reads(user, page):
    return list(AuditEntry.objects.filter(kind="read", actor=user, changes__page=page))


def test_the_deadlines_page_lists_what_is_missed_with_its_source_in_words(client, officer, case):
    client.force_login(officer)
    response = client.get(reverse("cases:deadlines"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Charging decision for John Smith (four-week target)" in html
    assert "Missed" in html
    assert "Local target: four-week charging target, 28 days" in html
    assert "SAFEGUARD_" not in html
    assert case.reference in html
    [entry] = reads(officer, "Deadlines")
    assert entry.changes["cases"] == [case.reference]


def test_the_deadlines_page_hides_other_teams_cases(client, outsider, case):
    client.force_login(outsider)
    response = client.get(reverse("cases:deadlines"))
    assert case.reference not in response.content.decode()
    assert "Nothing is due soon or missed." in response.content.decode()
    assert reads(outsider, "Deadlines")[0].changes["cases"] == []


def test_a_restricted_case_is_listed_only_for_those_granted_it(team, officer, supervisor):
    colleague = UserFactory(force=team.force, teams=[team], roles=[OFFICER])
    restricted = case_with_missed_target(team, supervisor, supervisor, restricted=True)
    now = timezone.now()
    assert {d.case for d in deadlines_due_for(colleague, now=now)} == set()
    assert {d.case for d in deadlines_due_for(supervisor, now=now)} == {restricted}


def test_supervisors_filter_by_team_and_officer(client, team, officer, supervisor, case):
    other_officer = UserFactory(force=team.force, teams=[team], roles=[OFFICER])
    theirs = case_with_missed_target(team, other_officer, supervisor)
    client.force_login(supervisor)
    everything = client.get(reverse("cases:deadlines")).content.decode()
    assert case.reference in everything and theirs.reference in everything
    filtered = client.get(reverse("cases:deadlines"), {"officer": other_officer.pk}).content.decode()
    assert theirs.reference in filtered and case.reference not in filtered
    by_team = client.get(reverse("cases:deadlines"), {"team": team.pk}).content.decode()
    assert theirs.reference in by_team and case.reference in by_team


def test_officers_get_no_filters_and_their_filters_are_ignored(client, team, officer, supervisor, case):
    other_officer = UserFactory(force=team.force, teams=[team], roles=[OFFICER])
    theirs = case_with_missed_target(team, other_officer, supervisor)
    client.force_login(officer)
    html = client.get(reverse("cases:deadlines"), {"officer": other_officer.pk}).content.decode()
    assert 'name="officer"' not in html
    assert case.reference in html and theirs.reference in html


def test_the_list_costs_the_same_queries_for_one_case_or_many(
    team, officer, supervisor, case, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert len(deadlines_due_for(officer, now=timezone.now())) == 2
    for _ in range(5):
        case_with_missed_target(team, officer, supervisor)
    with django_assert_max_num_queries(len(one)):
        assert len(deadlines_due_for(officer, now=timezone.now())) == 12


def test_most_urgent_first(team, officer, supervisor):
    later = case_with_missed_target(team, officer, supervisor)
    Arrest.objects.filter(case=later).update(arrested_at=timezone.now() - 29 * DAY)
    earlier = case_with_missed_target(team, officer, supervisor)
    Arrest.objects.filter(case=earlier).update(arrested_at=timezone.now() - 35 * DAY)
    due = deadlines_due_for(officer, now=timezone.now())
    assert [d.due_at for d in due] == sorted(d.due_at for d in due)
    assert due[0].case == earlier


def test_the_case_page_shows_every_deadline_with_status_and_source(client, officer, case):
    client.force_login(officer)
    html = client.get(case.get_absolute_url()).content.decode()
    section = html.split('id="due-next"')[1].split("</section>")[0]
    assert "Charging decision for John Smith (four-week target)" in section
    assert "Missed" in section
    assert "Local target: four-week charging target, 28 days" in section
    assert "Refer children with access to the suspect to children&#x27;s services (MASH)" in section


# --- The inbox -------------------------------------------------------------------------------------


def test_the_inbox_shows_only_my_reminders_and_the_unread_count(client, officer, supervisor, case):
    deadline_sweep()
    client.force_login(officer)
    response = client.get(reverse("cases:inbox"))
    html = response.content.decode()
    assert "2 unread" in html
    mine = Notification.objects.filter(recipient=officer)
    assert response.context["page"].paginator.count == mine.count() == 2
    assert "Charging decision for John Smith (four-week target)" in html
    [entry] = reads(officer, "Inbox")
    assert entry.changes["cases"] == [case.reference]


def test_marking_as_read(client, officer, supervisor, case):
    deadline_sweep()
    mine = Notification.objects.filter(recipient=officer)[0]
    theirs = Notification.objects.filter(recipient=supervisor)[0]
    client.force_login(officer)
    assert client.post(reverse("cases:notification_read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.post(reverse("cases:notification_read", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert "1 unread" in client.get(reverse("cases:inbox")).content.decode()
    client.post(reverse("cases:notifications_read_all"))
    assert not Notification.objects.filter(recipient=officer, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=supervisor, read_at__isnull=True).count() == 2
    assert "unread" not in client.get(reverse("cases:inbox")).content.decode().split("<main")[0]


def test_a_reminder_about_a_case_i_can_no_longer_see_does_not_reveal_it(client, officer, supervisor, other_team, case):
    deadline_sweep()
    case.officer_in_case = supervisor
    case.save()
    officer.teams.set([other_team])
    client.force_login(officer)
    html = client.get(reverse("cases:inbox")).content.decode()
    assert "A reminder about a case you can no longer see." in html
    assert case.reference not in html
    assert "John Smith" not in html
    assert reads(officer, "Inbox")[0].changes["cases"] == []


def test_inbox_pages_need_the_right_method(client, officer):
    client.force_login(officer)
    assert client.get(reverse("cases:notifications_read_all")).status_code == 405
    assert client.post(reverse("cases:inbox")).status_code == 405
