"""Acting from the supervisor's dashboard: every count above the charging table counts the table's
own rows for the period the page states; the table is paged by keyset; rows and caseload names lead
to reassigning, one case with a reason or many at once, all or none, each audited."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.roles import OFFICER, SUPERVISOR
from audit.models import AuditEntry
from cases.deadlines import Status
from cases.models import Case, CaseLogEntry
from cases.services import access as services
from reports.dashboard import ChargingCursor, charging_performance, charging_rows
from reports.forms import REASSIGN_CASE_NOT_CHOSEN, REASSIGN_OFFICER_UNKNOWN, REASSIGN_WHOSE_UNKNOWN
from reports.sql import Period
from reports.views import case_action_links
from tests.factories.cases import CaseFactory, SubjectFactory
from tests.factories.custody import ArrestFactory, ChargingSubmissionFactory
from tests.factories.people import ForceFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def colleague(team):
    return UserFactory(username="dc.reid", first_name="Ana", last_name="Reid", rank="DC", teams=[team], roles=[OFFICER])


def arrested(case, now, days_ago: float, *, decided_after: float | None = None):
    subject = SubjectFactory(case=case)
    arrest = ArrestFactory(case=case, subject=subject, arrested_at=now - timedelta(days=days_ago))
    if decided_after is not None:
        ChargingSubmissionFactory(
            case=case,
            subject=subject,
            submitted_at=arrest.arrested_at + timedelta(hours=1),
            decision="charge",
            decision_at=arrest.arrested_at + timedelta(days=decided_after),
        )
    return arrest


def open_cases(n, *, team, officer, supervisor):
    return [CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor) for _ in range(n)]


# --- Every count and its table: one period, stated -------------------------------------------------


def test_every_charging_figure_counts_the_tables_rows_for_the_stated_period(client, team, officer, supervisor, now):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    in_period = [
        arrested(case, now, 40),  # missed, undecided
        arrested(case, now, 25),  # due soon
        arrested(case, now, 3),  # on track
        arrested(case, now, 60, decided_after=10),  # met, decided long ago: still an arrest of the period
        arrested(case, now, 50, decided_after=35),  # missed, decided late
    ]
    arrested(case, now, 100)  # undecided but arrested before the period: in neither
    arrested(case, now, 120, decided_after=5)  # decided in neither
    period = Period(timezone.localdate() - timedelta(days=89), timezone.localdate())
    client.force_login(supervisor)

    page = client.get(reverse("reports:dashboard"))

    assert page.status_code == 200
    rows = page.context["rows"]
    assert {row.arrest for row in rows} == set(in_period)
    performance = page.context["performance"]
    assert performance.arrests == len(rows) == 5
    shown = {status: sum(1 for row in rows if row.status == status) for status in Status}
    assert page.context["counts"] == shown == {Status.MISSED: 2, Status.DUE_SOON: 1, Status.ON_TRACK: 1, Status.MET: 1}
    assert performance.met + performance.missed + performance.waiting == len(rows)
    text = page.content.decode()
    stated = f"{period.first:%-d %b %Y} to {period.last:%-d %b %Y}"
    assert f"Four-week charging target: arrests from {stated}</h2>" in text
    assert f"<caption>Arrests from {stated} and their charging decisions" in text
    assert "Caseload: open cases now" in text and "Deadlines due soon and missed, as at" in text


def test_a_chosen_period_changes_the_figures_and_the_table_together(client, team, officer, supervisor, now):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    recent = arrested(case, now, 3)
    arrested(case, now, 40)
    client.force_login(supervisor)
    today = timezone.localdate()
    page = client.get(reverse("reports:dashboard"), {"date_from": (today - timedelta(days=10)).isoformat()})
    assert [row.arrest for row in page.context["rows"]] == [recent]
    assert page.context["performance"].arrests == 1
    assert page.context["counts"][Status.ON_TRACK] == 1 and page.context["counts"][Status.MISSED] == 0


def test_the_charging_table_is_paged_by_keyset_most_urgent_first(team, officer, supervisor, now):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    undecided = [arrested(case, now, days) for days in (50, 40, 30, 20, 10)]
    decided = [arrested(case, now, days, decided_after=5) for days in (60, 45)]
    pages, after = [], None
    while True:
        page = charging_rows(supervisor, now=now, after=after, size=3)
        pages.append([row.arrest for row in page.rows])
        if page.next is None:
            break
        after = ChargingCursor.decode(page.next.encode())
    assert pages == [undecided[:3], undecided[3:] + decided[:1], decided[1:]]
    assert charging_performance(
        supervisor, period=Period(timezone.localdate() - timedelta(days=89), timezone.localdate()), now=now
    ).arrests == sum(len(rows) for rows in pages)


def test_page_links_carry_the_filters_and_a_bad_one_shows_the_first_page(client, team, officer, supervisor, now):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    for days in range(30):
        arrested(case, now, days + 1)
    client.force_login(supervisor)
    url = reverse("reports:dashboard")
    first = client.get(url, {"team": team.pk})
    link = re.search(r'href="\?([^"]*after=[^"#]*)#charging-heading" rel="next"', first.content.decode())
    assert link and f"team={team.pk}" in link.group(1)
    second = client.get(f"{url}?{link.group(1).replace('&amp;', '&')}")
    assert second.status_code == 200
    assert {row.arrest for row in second.context["rows"]}.isdisjoint({row.arrest for row in first.context["rows"]})
    assert len(first.context["rows"]) + len(second.context["rows"]) == 30
    bad = client.get(url, {"after": "x_not-a-cursor"})
    assert bad.status_code == 400
    assert "That page link of the charging table is not valid" in bad.content.decode()
    assert [row.arrest for row in bad.context["rows"]] == [row.arrest for row in client.get(url).context["rows"]]


def test_rows_offer_reassigning_where_the_supervisor_supervises_and_caseload_names_link_to_reassign(
    client, team, officer, supervisor, now
):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    arrested(case, now, 3)
    client.force_login(supervisor)
    text = client.get(reverse("reports:dashboard")).content.decode()
    assert f'href="{reverse("cases:case_reassign", args=[case.reference])}"' in text
    assert f'href="{reverse("reports:reassign")}?officer={officer.pk}"' in text


def test_the_rows_of_cases_the_supervisor_supervises_lead_to_review_and_set_a_task(
    client, team, officer, supervisor, now
):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    arrested(case, now, 3)
    client.force_login(supervisor)
    text = client.get(reverse("reports:dashboard")).content.decode()
    assert f'href="{reverse("work:review_add", args=[case.reference])}"' in text
    assert f'href="{reverse("work:task_create", args=[case.reference])}"' in text
    assert case_action_links(case.reference) == [
        ("Review", reverse("work:review_add", args=[case.reference])),
        ("Set a task", reverse("work:task_create", args=[case.reference])),
    ]


def test_reassigning_one_case_needs_a_reason_and_keeps_it_in_the_log_and_the_audit_trail(
    client, team, officer, supervisor, colleague
):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    client.force_login(supervisor)
    url = reverse("cases:case_reassign", args=[case.reference])
    data = {"officer_in_case": colleague.pk, "supervisor": supervisor.pk, "version": case.version}

    refused = client.post(url, data | {"reason": "   "})
    assert refused.status_code == 400
    assert "Reason: Fill this in." in refused.content.decode()

    saved = client.post(url, data | {"reason": "Workload  after leave"})
    assert saved.status_code == 302
    case.refresh_from_db()
    assert case.officer_in_case == colleague
    assert CaseLogEntry.objects.filter(case=case).latest("pk").text == (
        f"Officer in the case now {colleague}. Reason: Workload after leave"
    )
    entry = AuditEntry.objects.filter(changes__change="reassign_officer_in_case").latest("pk")
    assert entry.changes == {
        "user": colleague.username,
        "change": "reassign_officer_in_case",
        "reason": "Workload after leave",
    }


def test_the_case_page_offers_reassigning_beside_the_officer_in_the_case(client, team, officer, supervisor):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    link = f'<a href="{reverse("cases:case_reassign", args=[case.reference])}">Reassign<span'
    client.force_login(supervisor)
    assert link in client.get(case.get_absolute_url()).content.decode()
    client.force_login(officer)
    assert link not in client.get(case.get_absolute_url()).content.decode()


# --- Many cases at once ---------------------------------------------------------------------------


def test_the_service_reassigns_every_case_or_none_and_names_each_refused_case(team, officer, supervisor, colleague):
    cases = open_cases(3, team=team, officer=officer, supervisor=supervisor)
    mine = CaseFactory(team=team, officer_in_case=colleague, supervisor=supervisor)  # already theirs

    with pytest.raises(ValidationError) as error:
        services.case_reassign_many(cases=[*cases, mine], actor=supervisor, officer_in_case=colleague, reason="Leave")

    assert error.value.messages == [
        services.REASSIGN_REFUSED.format(refused=f"{mine.reference} ({services.REASSIGN_NOTHING})")
    ]
    assert set(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("officer_in_case", flat=True)) == {
        officer.pk
    }
    assert not AuditEntry.objects.filter(changes__change="reassign_officer_in_case").exists()

    done = services.case_reassign_many(cases=cases, actor=supervisor, officer_in_case=colleague, reason="Leave")

    assert {case.officer_in_case for case in done} == {colleague}
    entries = AuditEntry.objects.filter(changes__change="reassign_officer_in_case", changes__reason="Leave")
    assert sorted(entries.values_list("case_reference", flat=True)) == sorted(c.reference for c in cases)


def test_the_service_refuses_no_cases_an_empty_reason_and_a_case_the_actor_does_not_supervise(
    team, other_team, officer, supervisor, colleague, outsider
):
    with pytest.raises(ValidationError) as error:
        services.case_reassign_many(cases=[], actor=supervisor, officer_in_case=colleague, reason="Leave")
    assert error.value.message_dict == {"cases": [services.REASSIGN_NO_CASES]}
    [case] = open_cases(1, team=team, officer=officer, supervisor=supervisor)
    with pytest.raises(ValidationError) as error:
        services.case_reassign_many(cases=[case], actor=supervisor, officer_in_case=colleague, reason=" \n ")
    assert error.value.message_dict == {"reason": [services.REASSIGN_REASON_MISSING]}
    elsewhere = CaseFactory(team=other_team, officer_in_case=outsider)
    with pytest.raises(ValidationError, match=elsewhere.reference):
        services.case_reassign_many(cases=[case, elsewhere], actor=supervisor, officer_in_case=colleague, reason="x")
    with pytest.raises(PermissionDenied):
        services.case_reassign(case=elsewhere, actor=supervisor, officer_in_case=colleague, reason="x")
    case.refresh_from_db()
    assert case.officer_in_case == officer


def test_the_page_lists_an_officers_open_cases_with_checkboxes_and_reassigns_the_chosen(
    client, team, officer, supervisor, colleague
):
    cases = open_cases(3, team=team, officer=officer, supervisor=supervisor)
    CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, status=Case.Status.CLOSED)
    client.force_login(supervisor)
    url = reverse("reports:reassign")

    page = client.get(url, {"officer": officer.pk})

    assert page.status_code == 200
    assert [case.pk for case in page.context["cases"]] == sorted(
        (c.pk for c in cases), key=lambda pk: Case.objects.get(pk=pk).reference
    )
    assert page.content.decode().count('type="checkbox" name="cases"') == 3
    read = AuditEntry.objects.filter(kind=AuditEntry.Kind.READ, object_type="cases.Dashboard").latest("pk")
    assert sorted(read.changes["case_references"]) == sorted(c.reference for c in cases)

    done = client.post(
        url,
        {"whose": officer.pk, "cases": [cases[0].pk, cases[2].pk], "officer_in_case": colleague.pk, "reason": "Leave"},
    )

    assert done.status_code == 302 and done.url == f"{url}?officer={officer.pk}"
    assert [Case.objects.get(pk=c.pk).officer_in_case for c in cases] == [colleague, officer, colleague]
    assert "2 cases reassigned to DC Ana Reid." in client.get(done.url).content.decode()


def test_the_page_refuses_with_a_message_naming_the_field(client, team, other_team, officer, supervisor, colleague):
    [case] = open_cases(1, team=team, officer=officer, supervisor=supervisor)
    foreigner = UserFactory(force=ForceFactory(code="WAR"), roles=[OFFICER])
    foreigner.teams.add(TeamFactory(force=foreigner.force))
    client.force_login(supervisor)
    url = reverse("reports:reassign")
    base = {"whose": officer.pk, "cases": [case.pk], "officer_in_case": colleague.pk, "reason": "Leave"}

    answers = {
        "no case chosen": client.post(url, {**base, "cases": []}),
        "unknown user": client.post(url, {**base, "officer_in_case": 99999999}),
        "user in another force": client.post(url, {**base, "officer_in_case": foreigner.pk}),
        "empty reason": client.post(url, {**base, "reason": "  "}),
        "unknown whose": client.get(url, {"officer": 99999999}),
    }

    assert {name: response.status_code for name, response in answers.items()} == dict.fromkeys(answers, 400)
    assert f"Cases to reassign: {REASSIGN_CASE_NOT_CHOSEN}" in answers["no case chosen"].content.decode()
    assert f"New officer in the case: {REASSIGN_OFFICER_UNKNOWN}" in answers["unknown user"].content.decode()
    assert f"New officer in the case: {REASSIGN_OFFICER_UNKNOWN}" in answers["user in another force"].content.decode()
    assert "Reason: Fill this in." in answers["empty reason"].content.decode()
    assert REASSIGN_WHOSE_UNKNOWN in answers["unknown whose"].content.decode()
    case.refresh_from_db()
    assert case.officer_in_case == officer


def test_supervisors_of_another_team_or_force_cannot_reassign_cases_they_cannot_see(
    client, team, other_team, officer, supervisor, colleague
):
    [case] = open_cases(1, team=team, officer=officer, supervisor=supervisor)
    other_supervisor = UserFactory(force=other_team.force, teams=[other_team], roles=[SUPERVISOR])
    other_force = ForceFactory(code="WAR")
    far_supervisor = UserFactory(force=other_force, teams=[TeamFactory(force=other_force)], roles=[SUPERVISOR])
    url = reverse("reports:reassign")
    for person in (other_supervisor, far_supervisor):
        client.force_login(person)
        listed = client.get(url, {"officer": officer.pk})
        assert listed.status_code == 400 and case.reference not in listed.content.decode()
        posted = client.post(
            url, {"cases": [case.pk], "officer_in_case": colleague.pk, "reason": "Leave", "whose": officer.pk}
        )
        assert posted.status_code == 400
        assert f"Case {case.pk} is not an open case you can see" in posted.content.decode()
    case.refresh_from_db()
    assert case.officer_in_case == officer


def test_officers_are_refused_bulk_reassigning(client, team, officer, supervisor, colleague):
    [case] = open_cases(1, team=team, officer=officer, supervisor=supervisor)
    client.force_login(officer)
    url = reverse("reports:reassign")
    assert client.get(url, {"officer": officer.pk}).status_code == 403
    posted = client.post(url, {"cases": [case.pk], "officer_in_case": colleague.pk, "reason": "Mine now"})
    assert posted.status_code == 403
    case.refresh_from_db()
    assert case.officer_in_case == officer
