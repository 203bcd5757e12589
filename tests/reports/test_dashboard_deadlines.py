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

    page = client.get(reverse("cases:dashboard")).content.decode()

    panel = page.split('id="deadlines-heading"')[1].split("</section>")[0]
    assert case.reference in panel
    assert "Missed" in panel
    assert "Nothing is due soon or missed." not in panel


def test_the_panel_says_so_when_nothing_is_due(supervisor):
    client = BrowserClient()
    client.force_login(supervisor)

    page = client.get(reverse("cases:dashboard")).content.decode()

    panel = page.split('id="deadlines-heading"')[1].split("</section>")[0]
    assert "Nothing is due soon or missed." in panel
