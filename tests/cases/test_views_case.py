"""Case pages: the list, opening a case, the case page, subjects, premises and the case log."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.forms.case import PNC_ID_INVALID
from cases.models import Case, CaseLogEntry, Premises, Subject
from cases.services.case import CASE_OIC_NOT_IN_TEAM
from cases.views.case import BAD_PAGE_LINK
from tests.factories.cases import CaseFactory, CaseLogEntryFactory, PremisesFactory, ReferralFactory, SubjectFactory
from tests.factories.people import UserFactory


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, reference="STF-2026-000001", officer_in_case=officer, supervisor=supervisor)


@pytest.fixture
def signed_in(client, officer):
    client.force_login(officer)
    return client


def local(moment: datetime) -> str:
    """A time as the datetime-local input sends it (UK local time)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# --- sign-in and methods -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("cases:list", {}),
        ("cases:create", {}),
        ("cases:detail", {"reference": "STF-2026-000001"}),
        ("cases:subject_add", {"reference": "STF-2026-000001"}),
        ("cases:premises_add", {"reference": "STF-2026-000001"}),
        ("cases:log", {"reference": "STF-2026-000001"}),
        ("cases:log_add", {"reference": "STF-2026-000001"}),
    ],
)
def test_case_pages_require_sign_in(client, case, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("name", "kwargs", "method"),
    [
        ("cases:list", {}, "post"),
        ("cases:detail", {"reference": "STF-2026-000001"}, "post"),
        ("cases:log", {"reference": "STF-2026-000001"}, "post"),
        ("cases:create", {}, "delete"),
        ("cases:subject_add", {"reference": "STF-2026-000001"}, "put"),
        ("cases:premises_add", {"reference": "STF-2026-000001"}, "delete"),
        ("cases:log_add", {"reference": "STF-2026-000001"}, "put"),
    ],
)
def test_case_pages_refuse_the_wrong_method(signed_in, case, name, kwargs, method):
    assert getattr(signed_in, method)(reverse(name, kwargs=kwargs)).status_code == 405


# --- the list ----------------------------------------------------------------------------------


def test_list_shows_the_teams_cases_with_a_count(signed_in, case, other_team, outsider):
    CaseFactory(team=other_team, reference="STF-2026-000777", officer_in_case=outsider, supervisor=outsider)
    response = signed_in.get(reverse("cases:list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "STF-2026-000001" in body
    assert "STF-2026-000777" not in body
    # Every case fits on the newest page, so the number shown is all of them; no page links.
    assert "1 case." in body
    assert 'aria-label="Pages of cases"' not in body


def test_list_searches_and_filters(signed_in, case, team, officer, supervisor):
    other = CaseFactory(team=team, reference="STF-2026-000002", officer_in_case=supervisor, supervisor=supervisor)
    SubjectFactory(case=other, full_name="Peter Quill")
    response = signed_in.get(reverse("cases:list"), {"q": "quill"})
    assert [c.reference for c in response.context["page"].rows] == ["STF-2026-000002"]
    assert "1 case matches your search." in response.content.decode()
    response = signed_in.get(reverse("cases:list"), {"officer": officer.pk, "status": "open"})
    assert [c.reference for c in response.context["page"].rows] == ["STF-2026-000001"]


def test_list_ignores_an_invalid_filter_and_says_so(signed_in, case):
    response = signed_in.get(reverse("cases:list"), {"opened_from": "not-a-date", "status": "open"})
    assert response.status_code == 200
    assert [c.reference for c in response.context["page"].rows] == ["STF-2026-000001"]
    assert "This filter was not applied." in response.content.decode()


# --- the list's pages: keyset on (opened_at, id), never counted -------------------------------------


def _opened(team, officer, supervisor, how_many, *, opened_at=None, **fields):
    """`how_many` cases, STF-2026-000001 opened longest ago; all at `opened_at` if given."""
    now = timezone.now()
    return [
        CaseFactory(
            team=team,
            reference=f"STF-2026-{n + 1:06d}",
            officer_in_case=officer,
            supervisor=supervisor,
            opened_at=opened_at or now - timedelta(days=how_many - n),
            **fields,
        )
        for n in range(how_many)
    ]


def _link(body: str, text: str) -> str | None:
    """The address of the page link reading `text`, as the browser would follow it (no script)."""
    found = re.search(rf'<a href="([^"]*)"[^>]*>{text}</a>', body)
    if found is None:
        return None
    address = html.unescape(found.group(1))
    return reverse("cases:list") + address if address.startswith("?") else address


def _shown(response) -> list[str]:
    return [case.reference for case in response.context["page"].rows]


def test_the_first_page_is_the_25_newest_with_a_link_to_older_ones(signed_in, team, officer, supervisor):
    newest_first = [case.reference for case in reversed(_opened(team, officer, supervisor, 30))]

    response = signed_in.get(reverse("cases:list"))

    assert response.status_code == 200
    assert _shown(response) == newest_first[:25]
    body = response.content.decode()
    assert "Showing the 25 newest cases." in body
    assert 'aria-label="Pages of cases"' in body
    assert _link(body, "Older cases") is not None
    assert _link(body, "Newer cases") is None and _link(body, "Newest cases") is None
    # No total and no page numbers: the list is never counted.
    assert "30" not in re.sub(r"STF-2026-0000\d\d", "", body.split('id="result-count"')[1].split("</p>")[0])
    assert "Page 1" not in body


def test_older_then_newer_pages_walk_the_list_and_come_back(signed_in, team, officer, supervisor):
    newest_first = [case.reference for case in reversed(_opened(team, officer, supervisor, 30))]
    first = signed_in.get(reverse("cases:list")).content.decode()

    older = signed_in.get(_link(first, "Older cases"))

    assert older.status_code == 200
    assert _shown(older) == newest_first[25:]
    body = older.content.decode()
    oldest, newest = (timezone.localtime(timezone.now() - timedelta(days=d)) for d in (30, 26))
    assert f"Showing 5 cases opened from {oldest.day} {oldest:%b %Y} to {newest.day} {newest:%b %Y}" in body
    assert _link(body, "Older cases") is None
    assert _link(body, "Newest cases") == reverse("cases:list")

    back = signed_in.get(_link(body, "Newer cases"))

    assert back.status_code == 200
    assert _shown(back) == newest_first[:25]
    assert back.context["page"].newest
    assert _link(back.content.decode(), "Newer cases") is None
    assert _link(back.content.decode(), "Older cases") == _link(first, "Older cases")


def test_page_links_keep_the_search_and_filters(signed_in, team, officer, supervisor):
    cases = _opened(team, officer, supervisor, 40)
    for closed in cases[::4]:  # every fourth case is closed: 30 open ones match
        Case.objects.filter(pk=closed.pk).update(status=Case.Status.CLOSED, stage=Case.Stage.CLOSED)
    matching = [case.reference for case in reversed(cases) if case not in cases[::4]]
    filters = {"status": "open", "q": "STF"}

    first = signed_in.get(reverse("cases:list"), filters)
    body = first.content.decode()
    assert "Showing the 25 newest cases that match your search." in body
    older_link = _link(body, "Older cases")
    assert older_link is not None and older_link.startswith(reverse("cases:list") + "?status=open&q=STF&before=")
    older = signed_in.get(older_link)
    newer_link = _link(older.content.decode(), "Newer cases")
    assert newer_link is not None and newer_link.startswith(reverse("cases:list") + "?status=open&q=STF&after=")
    assert _link(older.content.decode(), "Newest cases") == reverse("cases:list") + "?status=open&q=STF"

    assert _shown(first) == matching[:25]
    assert _shown(older) == matching[25:]
    assert "Showing 5 matching cases opened from" in older.content.decode()
    assert _shown(signed_in.get(newer_link)) == matching[:25]


def test_cases_opened_at_the_same_moment_are_paged_by_id_without_gaps_or_repeats(signed_in, team, officer, supervisor):
    moment = timezone.now().replace(microsecond=0) - timedelta(days=1)
    made = _opened(team, officer, supervisor, 60, opened_at=moment)
    by_id = [case.reference for case in sorted(made, key=lambda case: case.pk, reverse=True)]

    pages = [signed_in.get(reverse("cases:list"))]
    while (older := _link(pages[-1].content.decode(), "Older cases")) is not None:
        pages.append(signed_in.get(older))

    assert [len(_shown(page)) for page in pages] == [25, 25, 10]
    assert [reference for page in pages for reference in _shown(page)] == by_id
    assert f"opened on {moment.astimezone(timezone.get_current_timezone()).day}" in pages[1].content.decode()
    back = signed_in.get(_link(pages[2].content.decode(), "Newer cases"))
    assert _shown(back) == _shown(pages[1])
    back = signed_in.get(_link(back.content.decode(), "Newer cases"))
    assert _shown(back) == by_id[:25]


def test_going_newer_when_fewer_than_a_page_are_newer_shows_the_newest_page(signed_in, team, officer, supervisor):
    newest_first = [case.reference for case in reversed(_opened(team, officer, supervisor, 30))]
    older = signed_in.get(_link(signed_in.get(reverse("cases:list")).content.decode(), "Older cases"))
    newer_link = _link(older.content.decode(), "Newer cases")
    Case.objects.filter(reference__in=newest_first[:3]).update(restricted=True)  # no longer visible to the officer

    back = signed_in.get(newer_link)

    assert _shown(back) == newest_first[3:28]
    assert back.context["page"].newest


@pytest.mark.parametrize(
    "query",
    [
        {"before": "not-a-cursor"},
        {"after": "2026-03-02T10:00:00_12"},  # no offset from UTC
        {"before": "2026-03-02T10:00:00+00:00_x"},
        {"before": "2026-13-40T10:00:00+00:00_12"},
        {"before": "2026-03-02T10:00:00+00:00_0"},
        {"before": f"2026-03-02T10:00:00+00:00_{2**63}"},  # larger than any id PostgreSQL can hold
        {"before": "9999-12-31T23:59:59-14:00_12"},  # out of range once in UTC
        {"before": "2026-03-02T10:00:00+00:00_12", "after": "2026-03-02T10:00:00+00:00_12"},
    ],
)
def test_a_page_link_that_is_not_valid_is_a_400_showing_the_newest_page(signed_in, case, query):
    response = signed_in.get(reverse("cases:list"), {"status": "open", **query})

    assert response.status_code == 400
    assert _shown(response) == ["STF-2026-000001"]
    body = response.content.decode()
    assert BAD_PAGE_LINK in body
    assert "1 case matches your search." in body


# Session, user, the person's roles (for the menu), their unread reminders (for the menu), team and
# officer options, the page's ids, the page's rows, the audit trail's SEARCH entry (its insert); the
# rest is headroom for middleware (session lifetime), which costs the same
# however many cases there are. tests/bench/test_query_counts.py checks the number is the same with
# 1 case and with 50, and for an older page.
LIST_QUERIES = 13


@pytest.mark.parametrize("how_many", [1, 30])
def test_list_costs_the_same_queries_however_many_cases(
    signed_in, team, officer, supervisor, how_many, django_assert_max_num_queries
):
    for n in range(how_many):
        case = CaseFactory(team=team, reference=f"STF-2026-{n + 1:06d}", officer_in_case=officer, supervisor=supervisor)
        SubjectFactory(case=case)
    signed_in.get(reverse("cases:list"))  # the session's first request may write to it
    with django_assert_max_num_queries(LIST_QUERIES):
        response = signed_in.get(reverse("cases:list"), {"q": "Subject"})
    assert response.status_code == 200
    assert len(response.context["page"].rows) == min(how_many, 25)


# --- opening a case ----------------------------------------------------------------------------


def test_create_form_is_filled_in_with_the_users_team_and_themselves(signed_in, team, officer):
    response = signed_in.get(reverse("cases:create"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["team"] == team
    assert form.initial["officer_in_case"] == officer
    assert list(form.fields["team"].queryset) == [team]


def test_create_opens_a_case_and_goes_to_it(signed_in, team, officer, supervisor):
    response = signed_in.post(
        reverse("cases:create"),
        {
            "team": team.pk,
            "officer_in_case": officer.pk,
            "supervisor": supervisor.pk,
            "opened_at": local(timezone.now() - timedelta(hours=1)),
            "operation": "Safenet",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    assert case.reference.startswith(f"STF-{timezone.localdate().year}-")
    assert case.created_by == officer


def test_create_refuses_a_team_the_user_is_not_in(signed_in, other_team, officer, supervisor):
    response = signed_in.post(
        reverse("cases:create"),
        {
            "team": other_team.pk,
            "officer_in_case": officer.pk,
            "supervisor": supervisor.pk,
            "opened_at": local(timezone.now()),
        },
    )
    assert response.status_code == 400
    assert "team" in response.context["form"].errors
    assert not Case.objects.exists()


def test_create_shows_the_service_error_on_the_field(signed_in, team, other_team, officer, outsider, supervisor):
    officer.teams.add(other_team)  # so the other team's officer is offered, but is not in the chosen team
    response = signed_in.post(
        reverse("cases:create"),
        {
            "team": team.pk,
            "officer_in_case": outsider.pk,
            "supervisor": supervisor.pk,
            "opened_at": local(timezone.now()),
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["officer_in_case"] == [CASE_OIC_NOT_IN_TEAM]
    assert CASE_OIC_NOT_IN_TEAM in response.content.decode()
    assert not Case.objects.exists()


def test_officer_choices_are_active_members_of_the_users_teams(signed_in, officer, team, outsider):
    gone = UserFactory(username="gone", force=officer.force, is_active=False)
    gone.teams.add(team)
    UserFactory(username="elsewhere")
    response = signed_in.get(reverse("cases:create"))
    for field in ("officer_in_case", "supervisor"):
        names = {user.username for user in response.context["form"].fields[field].queryset}
        assert "gone" not in names
        assert "elsewhere" not in names
        assert outsider.username not in names  # the same force, another team
        # Officers and supervisors may be the officer in the case; only supervisors the supervisor.
        assert ("dc.hughes" in names) == (field == "officer_in_case")


# --- the case page -----------------------------------------------------------------------------


def test_detail_shows_the_case_to_its_team(signed_in, case, force, officer):
    referral = ReferralFactory(force=force, risk_grade="very_high", outcome="developed", outcome_at=timezone.now())
    Case.objects.filter(pk=case.pk).update(referral=referral)
    SubjectFactory(case=case, full_name="John Smith")
    PremisesFactory(case=case, address="12 Station Road", postcode="ST16 2AA")
    CaseLogEntryFactory(case=case, text="Package reviewed.")
    response = signed_in.get(case.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        "STF-2026-000001",
        "Due next",
        "John Smith",
        "12 Station Road",
        "Package reviewed.",
        "Respond to referral",
    ):
        assert text in body
    # The path in order: due next first, then referral, subjects and premises, the stages, the log.
    assert body.index("Due next") < body.index('id="referral-title"') < body.index('id="subjects-premises-title"')
    assert body.index('id="subjects-premises-title"') < body.index('id="case-log-title"')
    assert reverse("cases:subject_add", kwargs={"reference": case.reference}) in body


def test_detail_is_404_for_another_team(client, case, outsider):
    client.force_login(outsider)
    assert client.get(case.get_absolute_url()).status_code == 404


def test_detail_is_404_for_a_restricted_case_of_a_colleague(client, team, officer, supervisor, examiner):
    restricted = CaseFactory(team=team, restricted=True, officer_in_case=officer, supervisor=supervisor)
    client.force_login(examiner)
    assert client.get(restricted.get_absolute_url()).status_code == 404
    client.force_login(supervisor)
    assert client.get(restricted.get_absolute_url()).status_code == 200


def test_detail_is_404_for_a_missing_reference(signed_in):
    assert signed_in.get(reverse("cases:detail", kwargs={"reference": "STF-2026-999999"})).status_code == 404


DETAIL_QUERIES = 30


@pytest.mark.parametrize("how_many", [1, 12])
def test_detail_costs_a_fixed_number_of_queries(signed_in, case, how_many, django_assert_max_num_queries):
    for _ in range(how_many):
        SubjectFactory(case=case)
        PremisesFactory(case=case)
        CaseLogEntryFactory(case=case)
    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = signed_in.get(case.get_absolute_url())
    assert response.status_code == 200


def test_detail_shows_only_the_latest_twenty_log_entries(signed_in, case):
    for n in range(25):
        CaseLogEntryFactory(case=case, text=f"Entry number {n:02d}.", created_at=timezone.now() - timedelta(minutes=n))
    body = signed_in.get(case.get_absolute_url()).content.decode()
    assert "Entry number 00." in body
    assert "Entry number 19." in body
    assert "Entry number 20." not in body
    assert reverse("cases:log", kwargs={"reference": case.reference}) in body


# --- subjects and premises ---------------------------------------------------------------------


def test_subject_add_saves_and_goes_back_to_the_case(signed_in, case):
    url = reverse("cases:subject_add", kwargs={"reference": case.reference})
    assert signed_in.get(url).status_code == 200
    response = signed_in.post(url, {"full_name": "John Smith", "date_of_birth": "1980-04-02", "pnc_id": "09/123456A"})
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    assert Subject.objects.get().full_name == "John Smith"


def test_subject_add_shows_a_malformed_pnc_id(signed_in, case):
    url = reverse("cases:subject_add", kwargs={"reference": case.reference})
    response = signed_in.post(url, {"full_name": "John Smith", "pnc_id": "ABC"})
    assert response.status_code == 400
    assert PNC_ID_INVALID in response.content.decode()
    assert not Subject.objects.exists()


def test_subject_add_is_404_for_another_team(client, case, outsider):
    client.force_login(outsider)
    url = reverse("cases:subject_add", kwargs={"reference": case.reference})
    assert client.post(url, {"full_name": "John Smith"}).status_code == 404
    assert not Subject.objects.exists()


def test_premises_add_saves_and_shows_errors(signed_in, case):
    url = reverse("cases:premises_add", kwargs={"reference": case.reference})
    response = signed_in.post(url, {"address": "", "postcode": "ST16 2AA"})
    assert response.status_code == 400
    assert not Premises.objects.exists()
    response = signed_in.post(url, {"address": "12 Station Road\r\nStafford", "postcode": "st16 2aa"})
    assert response.status_code == 302
    assert Premises.objects.get().postcode == "ST16 2AA"


def test_premises_add_is_404_for_another_team(client, case, outsider):
    client.force_login(outsider)
    url = reverse("cases:premises_add", kwargs={"reference": case.reference})
    assert client.post(url, {"address": "1 High Street"}).status_code == 404
    assert not Premises.objects.exists()


# --- the case log ------------------------------------------------------------------------------


def test_log_lists_every_entry_in_pages(signed_in, case):
    for n in range(55):
        CaseLogEntryFactory(case=case, text=f"Entry {n:02d}.", created_at=timezone.now() - timedelta(minutes=n))
    url = reverse("cases:log", kwargs={"reference": case.reference})
    response = signed_in.get(url)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 50
    assert "Entry 54." in signed_in.get(url, {"page": 2}).content.decode()


def test_log_is_404_for_another_team(client, case, outsider):
    client.force_login(outsider)
    assert client.get(reverse("cases:log", kwargs={"reference": case.reference})).status_code == 404


def test_log_add_saves_and_goes_to_the_log(signed_in, case, officer):
    url = reverse("cases:log_add", kwargs={"reference": case.reference})
    response = signed_in.post(url, {"kind": "decision", "text": "Apply for a warrant."})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:log", kwargs={"reference": case.reference})
    entry = CaseLogEntry.objects.get()
    assert (entry.kind, entry.author) == ("decision", officer)


def test_log_add_shows_errors_and_saves_nothing(signed_in, case):
    url = reverse("cases:log_add", kwargs={"reference": case.reference})
    response = signed_in.post(url, {"kind": "system", "text": ""})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"kind", "text"}
    assert not CaseLogEntry.objects.exists()


def test_log_add_is_404_for_another_team(client, case, outsider):
    client.force_login(outsider)
    url = reverse("cases:log_add", kwargs={"reference": case.reference})
    assert client.post(url, {"kind": "note", "text": "x"}).status_code == 404
    assert not CaseLogEntry.objects.exists()


def test_log_correct_adds_a_correction_and_keeps_the_original(signed_in, case):
    original = CaseLogEntryFactory(case=case, text="Wrong premises.")
    url = reverse("cases:log_correct", kwargs={"reference": case.reference, "pk": original.pk})
    page = signed_in.get(url)
    assert page.status_code == 200
    assert "Wrong premises." in page.content.decode()
    response = signed_in.post(url, {"text": "It was 14 Station Road."})
    assert response.status_code == 302
    correction = CaseLogEntry.objects.get(kind="correction")
    assert correction.corrects == original
    original.refresh_from_db()
    assert original.text == "Wrong premises."
    log = signed_in.get(reverse("cases:log", kwargs={"reference": case.reference})).content.decode()
    assert "Corrected by" in log


def test_log_correct_shows_errors_and_saves_nothing(signed_in, case):
    original = CaseLogEntryFactory(case=case)
    url = reverse("cases:log_correct", kwargs={"reference": case.reference, "pk": original.pk})
    response = signed_in.post(url, {"text": "  "})
    assert response.status_code == 400
    assert CaseLogEntry.objects.count() == 1


def test_log_correct_is_404_for_an_entry_of_another_case(signed_in, case, team, officer, supervisor):
    other = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    entry = CaseLogEntryFactory(case=other)
    url = reverse("cases:log_correct", kwargs={"reference": case.reference, "pk": entry.pk})
    assert signed_in.post(url, {"text": "Correction."}).status_code == 404
    assert CaseLogEntry.objects.count() == 1


def test_log_correct_is_404_for_another_team(client, case, outsider):
    entry = CaseLogEntryFactory(case=case)
    client.force_login(outsider)
    url = reverse("cases:log_correct", kwargs={"reference": case.reference, "pk": entry.pk})
    assert client.post(url, {"text": "Correction."}).status_code == 404
    assert CaseLogEntry.objects.count() == 1


def test_log_add_time_is_read_as_uk_local_time(signed_in, case):
    Case.objects.filter(pk=case.pk).update(opened_at=datetime(2026, 7, 1, tzinfo=UTC))
    url = reverse("cases:log_add", kwargs={"reference": case.reference})
    signed_in.post(url, {"kind": "note", "text": "Noted.", "at": "2026-07-15T14:05"})
    # 14:05 British Summer Time is 13:05 UTC.
    assert CaseLogEntry.objects.get().created_at == datetime(2026, 7, 15, 13, 5, tzinfo=UTC)
