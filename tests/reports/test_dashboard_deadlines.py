"""The dashboard's panel of deadlines due soon and missed: the same list as the deadlines page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import BrowserClient
from tests.factories.cases import CaseFactory
from tests.factories.custody import ArrestFactory

pytestmark = pytest.mark.django_db


def test_the_dashboard_lists_a_missed_charging_target_with_its_case(supervisor, officer, team):
    case = CaseFactory(
        team=team, officer_in_case=officer, supervisor=supervisor, opened_at=timezone.now() - timedelta(days=40)
    )
    ArrestFactory(case=case, arrested_at=timezone.now() - timedelta(days=30))
    client = BrowserClient()
    client.force_login(supervisor)

    page = client.get(reverse("reports:dashboard")).content.decode()

    panel = page.split('id="deadlines-heading"')[1].split("</section>")[0]
    assert case.reference in panel
    assert "Missed" in panel
    assert "Nothing is due soon or missed." not in panel


def test_the_panel_says_so_when_nothing_is_due(supervisor):
    client = BrowserClient()
    client.force_login(supervisor)

    page = client.get(reverse("reports:dashboard")).content.decode()

    panel = page.split('id="deadlines-heading"')[1].split("</section>")[0]
    assert "Nothing is due soon or missed." in panel


def test_the_panel_shows_the_20_most_urgent_and_links_to_them_all(supervisor, officer, team):
    cases = []
    for days_ago in range(30, 51):  # 21 missed charging targets, the oldest most urgent
        case = CaseFactory(
            team=team, officer_in_case=officer, supervisor=supervisor, opened_at=timezone.now() - timedelta(days=60)
        )
        ArrestFactory(case=case, arrested_at=timezone.now() - timedelta(days=days_ago))
        cases.append(case)
    client = BrowserClient()
    client.force_login(supervisor)

    page = client.get(reverse("reports:dashboard")).content.decode()

    panel = page.split('id="deadlines-heading"')[1].split("</section>")[0]
    assert "The 20 most urgent of 21." in panel
    assert "All deadlines due soon and missed (21)" in panel
    assert cases[0].reference not in panel  # the least urgent: on the deadlines page only
    assert all(case.reference in panel for case in cases[1:])
