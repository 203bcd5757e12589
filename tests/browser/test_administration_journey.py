"""User administration in the browser, with four eyes: an administrator invites a new officer, who
sets a password from the e-mailed link and, on first sign-in, sets up an authenticator app; the
administrator then gives them the Supervisor role, which waits until a second administrator
approves it. The first administrator is offered no way to approve their own request."""

from base64 import b32decode
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.oath import TOTP

from accounts.models import AccessRequest, User
from accounts.roles import SUPERVISOR
from tests.browser.conftest import browser_test, follow, person_with_app, sign_in

pytestmark = [pytest.mark.browser, *browser_test]

NEW_PASSWORD = "a long passphrase of my own"


def code_for_key(manual_key: str) -> str:
    """What an authenticator app given the set-up page's key shows now."""
    key = b32decode(manual_key.replace(" ", ""))
    return f"{TOTP(key).token():06d}"


def test_invite_first_sign_in_role_request_and_a_second_administrator_approves(
    new_browser_page, administrator, second_administrator, team
):
    # The first administrator invites a new officer into their team.
    admin_page = new_browser_page()
    sign_in(admin_page, person_with_app(administrator), path=reverse("administration:people"))
    follow(admin_page.get_by_role("link", name="Invite a person"))
    admin_page.get_by_label("Username").fill("dc.adeyemi")
    admin_page.get_by_label("E-mail address").fill("nia.adeyemi@police.example")
    admin_page.get_by_label("First name").fill("Nia")
    admin_page.get_by_label("Last name").fill("Adeyemi")
    admin_page.get_by_label("Rank").fill("DC")
    admin_page.get_by_label(team.name).check()
    admin_page.get_by_label("Officer", exact=True).check()
    follow(admin_page.get_by_role("button", name="Send invitation"))
    admin_page.get_by_text("Invitation sent to nia.adeyemi@police.example").wait_for()
    invited = User.objects.get(username="dc.adeyemi")
    assert not invited.has_usable_password()

    # The new officer opens the link from the e-mail and sets a password.
    [message] = mail.outbox
    link = next(word for word in message.body.split() if "/invitation/" in word)
    officer_page = new_browser_page()
    officer_page.goto(urlsplit(link).path)
    officer_page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    officer_page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    follow(officer_page.get_by_role("button", name="Set password"))
    officer_page.get_by_text("Password set.").wait_for()

    # First sign-in: password, then setting up the authenticator app with the key shown.
    officer_page.get_by_label("Username").fill("dc.adeyemi")
    officer_page.get_by_label("Password").fill(NEW_PASSWORD)
    follow(officer_page.get_by_role("button", name="Sign in"))
    officer_page.get_by_role("heading", name="Set up your authenticator app").wait_for()
    key = officer_page.locator("code.secret-key").inner_text()
    officer_page.get_by_label("Code from your app").fill(code_for_key(key))
    follow(officer_page.get_by_role("button", name="Turn on two-factor sign-in"))
    officer_page.get_by_role("heading", name="Your backup codes").wait_for()
    follow(officer_page.get_by_role("link", name="Continue"))
    officer_page.get_by_role("button", name="Sign out").wait_for()

    # The link works once.
    again = officer_page.goto(urlsplit(link).path)
    assert again is not None and again.status == 400

    # The first administrator gives the Supervisor role: it waits for a second administrator.
    admin_page.goto(reverse("administration:person", args=[invited.pk]))
    follow(admin_page.get_by_role("link", name="Roles"))
    admin_page.get_by_label(SUPERVISOR).check()
    follow(admin_page.get_by_role("button", name="Save roles"))
    admin_page.get_by_text("Sent for a second administrator to approve: Supervisor.").wait_for()
    assert not invited.groups.filter(name=SUPERVISOR).exists()
    admin_page.goto(reverse("administration:requests"))
    assert admin_page.get_by_role("button", name="Approve").count() == 0
    admin_page.get_by_text("Another administrator must decide this: you asked for it").wait_for()

    # The second administrator approves.
    second_page = new_browser_page()
    sign_in(second_page, person_with_app(second_administrator), path=reverse("administration:requests"))
    second_page.get_by_label("Note").fill("Acting DS from Monday.")
    follow(second_page.get_by_role("button", name="Approve"))
    second_page.get_by_text("Request approved").wait_for()

    assert invited.groups.filter(name=SUPERVISOR).exists()
    decided = AccessRequest.objects.get(person=invited)
    assert (decided.status, decided.decided_by, decided.requested_by) == (
        AccessRequest.Status.APPROVED,
        second_administrator,
        administrator,
    )
