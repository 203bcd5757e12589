"""Session limits: an idle timeout, a new key at sign-in, password change ends other sessions."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from accounts.middleware import LAST_SEEN_AT, SIGNED_IN_AT
from tests.conftest import BrowserClient

PASSWORD = "correct horse battery staple"

pytestmark = pytest.mark.django_db


def _idle_for(client, seconds):
    session = client.session
    session[LAST_SEEN_AT] = time.time() - seconds
    session.save()


def test_a_request_starts_the_idle_clock(client, officer):
    client.force_login(officer)
    client.get(reverse("cases:list"))
    assert abs(client.session[LAST_SEEN_AT] - time.time()) < 60


def test_a_session_ends_after_thirty_minutes_without_a_request(client, officer):
    assert settings.SAFEGUARD_SESSION_IDLE_MINUTES == 30
    client.force_login(officer)
    client.get(reverse("cases:list"))
    _idle_for(client, 30 * 60 + 1)
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_a_session_idle_for_less_goes_on_and_its_clock_restarts(client, officer):
    client.force_login(officer)
    client.get(reverse("cases:list"))
    _idle_for(client, 29 * 60)
    assert client.get(reverse("cases:list")).status_code == 200
    assert abs(client.session[LAST_SEEN_AT] - time.time()) < 60


@override_settings(SAFEGUARD_SESSION_IDLE_MINUTES=5)
def test_the_idle_limit_comes_from_the_setting(client, officer):
    client.force_login(officer)
    client.get(reverse("cases:list"))
    _idle_for(client, 5 * 60 + 1)
    assert client.get(reverse("cases:list")).status_code == 302


def test_being_active_does_not_stretch_the_absolute_lifetime(client, officer):
    client.force_login(officer)
    client.get(reverse("cases:list"))
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.SESSION_COOKIE_AGE - 1
    session[LAST_SEEN_AT] = time.time()
    session.save()
    assert client.get(reverse("cases:list")).status_code == 302


def test_an_idle_limit_longer_than_the_session_lifetime_is_refused_at_start_up():
    env = {key: value for key, value in os.environ.items() if not key.startswith("SAFEGUARD_")}
    env.update(SAFEGUARD_DEBUG="1", SAFEGUARD_SESSION_IDLE_MINUTES="600", DJANGO_SETTINGS_MODULE="safeguard.settings")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SAFEGUARD_SESSION_IDLE_MINUTES must be" in result.stderr


def test_signing_in_gives_a_new_session_key(client, officer):
    client.get(reverse("login"))
    session = client.session
    session["before_sign_in"] = True
    session.save()
    key_before = session.session_key
    response = client.post(reverse("login"), {"username": "dc.hughes", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session.session_key != key_before
    assert client.session["_auth_user_id"] == str(officer.pk)


# Changing a password.


def test_the_password_change_page_opens_for_a_signed_in_person(client, officer):
    client.force_login(officer)
    response = client.get(reverse("password_change"))
    assert response.status_code == 200
    assert "Change your password" in response.content.decode()


def test_changing_the_password_keeps_this_session_and_ends_the_others(client, officer):
    elsewhere = BrowserClient()
    elsewhere.force_login(officer)
    assert elsewhere.get(reverse("cases:list")).status_code == 200
    client.force_login(officer)
    new = "a brand new passphrase for safeguard"
    response = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    officer.refresh_from_db()
    assert officer.check_password(new)
    assert client.get(reverse("cases:list")).status_code == 200
    assert elsewhere.get(reverse("cases:list")).status_code == 302


@pytest.mark.parametrize(
    ("new", "error"),
    [
        ("dc.hughes2026!", "The password is too similar to the username."),
        ("short1!", "This password is too short. It must contain at least 12 characters."),
        ("password1234", "This password is too common."),
    ],
)
def test_a_weak_new_password_is_refused(client, officer, new, error):
    client.force_login(officer)
    response = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)
