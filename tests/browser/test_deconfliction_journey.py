"""Deconfliction in the browser: an officer records on a new referral an IP address and port that a
neighbouring force of the region already holds, sees the notice at once (the other force's referral
only as whom to contact), follows it to the match, confirms the link with a reason, and finds the
address again with the search in the page header."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import OFFICER
from cases.models import DeconflictionDecision, Referral
from cases.services.referrals import referral_add_identifier, referral_create
from tests.browser.conftest import browser_test, follow, person_with_app, sign_in
from tests.factories.people import ForceFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, *browser_test]

OBSERVED = (timezone.now() - timedelta(days=3)).replace(microsecond=0)


@pytest.fixture
def held_elsewhere(db):
    """Warwickshire (same region as the officer's force) already holds the address and port."""
    force = ForceFactory(code="WAR", name="Warwickshire Police", region="West Midlands")
    team = TeamFactory(force=force, name="POLIT")
    officer = UserFactory(
        username="dc.war", first_name="Kim", last_name="Ward", rank="DC", force=force, teams=[team], roles=[OFFICER]
    )
    referral = referral_create(
        actor=officer,
        force=force,
        source=Referral.Source.P2P_MONITORING,
        source_reference="CPS-WAR-0042",
        received_at=timezone.now() - timedelta(days=1),
        risk_grade=Referral.RiskGrade.HIGH,
    )
    referral_add_identifier(
        referral=referral,
        actor=officer,
        kind="ip",
        ip_address="2a00:23c5:0:0::17",
        port=51413,
        observed_original=(OBSERVED - timedelta(minutes=20)).strftime("%Y-%m-%d %H:%M:%S"),
        observed_timezone="UTC",
    )
    return referral


def test_an_officer_records_a_known_ip_address_sees_the_notice_and_follows_it(browser_page, officer, held_elsewhere):
    page = browser_page
    sign_in(page, person_with_app(officer))

    # A new referral.
    follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals"))
    follow(page.get_by_role("link", name="Record a referral"))
    page.get_by_label("Source", exact=True).select_option(label="NCA-CEOP package")
    page.get_by_label("Source reference").fill("CEOP-2026-9001")
    page.get_by_label("Received at").fill(
        timezone.localtime(timezone.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("Risk grade").select_option(label="High")
    follow(page.get_by_role("button", name="Save"))
    assert "Referral recorded." in page.get_by_role("status").first.inner_text()

    # The IP address and port, written in another form of the same IPv6 address.
    follow(page.get_by_role("link", name="Add an identifier"))
    page.get_by_role("radio", name="IP address").check()
    page.get_by_role("textbox", name="IP address").fill("2A00:23C5::17")
    page.get_by_label("Port").fill("51413")
    page.get_by_label("Time of observation, as the referral gives it").fill(OBSERVED.strftime("%Y-%m-%d %H:%M:%S"))
    page.get_by_label("Time zone of that time").select_option("UTC")
    follow(page.get_by_role("button", name="Save"))

    # The notice, at once: a match is held by another force, and whom to contact; not its details.
    notice = page.locator(".message-warning").inner_text()
    assert "Deconfliction: this IP address matches one held in another investigation" in notice
    assert "contact Referrals, Warwickshire Police: recorded by DC Kim Ward" in notice
    assert "CPS-WAR-0042" not in page.content()

    # Follow it to the match, and confirm the link with the reason.
    follow(page.get_by_role("link", name="See the match"))
    assert re.fullmatch(r"Deconfliction match \d+", page.get_by_role("heading", level=1).inner_text())
    main = page.get_by_role("main").inner_text()
    assert "A match is held in an investigation you may not see." in main
    assert "CEOP-2026-9001" in main and "2a00:23c5::17 port 51413" in main
    page.get_by_label("Reason").fill("Same subscriber in both CDR results; agreed with DC Ward by phone.")
    follow(page.get_by_role("button", name="Confirm same suspect"))
    assert "Link confirmed: same suspect." in page.get_by_role("status").first.inner_text()
    decision = DeconflictionDecision.objects.get()
    assert decision.decided_by == officer and decision.decision == "confirmed"

    # The search in the header finds the address, in any written form, on the officer's referral only.
    header_search = page.get_by_role("banner").get_by_role("search", name="Search every record")
    header_search.get_by_role("searchbox").fill("2a00:23c5:0000:0000:0000:0000:0000:0017")
    follow(header_search.get_by_role("button", name="Search"))
    results = page.get_by_role("main").inner_text()
    assert "IP address" in results and "CEOP-2026-9001" in results
    assert "CPS-WAR-0042" not in results
