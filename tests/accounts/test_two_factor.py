"""Two-step sign-in: password, then a code from an authenticator app (django-otp TOTP)."""

import re
from base64 import b32encode
from binascii import unhexlify
from io import StringIO

import pytest
from django.contrib.auth.signals import user_login_failed
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.html import escape
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import BACKUP_CODE_COUNT, TWO_FACTOR_SETUP_WRONG_CODE, backup_codes_replace
from accounts.views import SETUP_KEY, WRONG_CODE

PASSWORD = "correct horse battery staple"
LOCKED = "Too many failed sign-in attempts for this account. Try again in 10 minutes or ask an administrator."

pytestmark = pytest.mark.django_db


def _code(device):
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def _code_for_key(hex_key):
    return f"{TOTP(unhexlify(hex_key)).token():06d}"


@pytest.fixture
def device(officer):
    return TOTPDevice.objects.create(user=officer, name="Authenticator app", confirmed=True)


@pytest.fixture
def half_signed_in(client, officer):
    """The password step done, the code not yet given."""
    client.force_login(officer, two_factor=False)
    return client


def _sign_in_with_password(client, next_url=""):
    data = {"username": "dc.hughes", "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


# Step one hands on to step two.


def test_the_password_step_leads_to_the_code_step_keeping_where_the_person_was_going(client, officer, device):
    response = _sign_in_with_password(client, next_url="/referrals/")
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor") + "?next=%2Freferrals%2F"


def test_someone_without_an_app_is_sent_on_to_set_one_up(client, officer):
    response = _sign_in_with_password(client)
    follow = client.get(response["Location"])
    assert follow.status_code == 302
    assert follow["Location"].startswith(reverse("two_factor_setup"))


# Until the code is given, every other page sends the person back to step two.


def test_an_unverified_session_cannot_open_a_page_and_is_sent_to_the_code_step(half_signed_in, device):
    response = half_signed_in.get(reverse("cases:list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor") + "?next=%2Fcases%2F"


def test_an_unverified_session_without_an_app_is_sent_to_set_one_up(half_signed_in):
    response = half_signed_in.get(reverse("cases:referral_list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor_setup") + "?next=%2Freferrals%2F"


@pytest.mark.parametrize("name", ["password_change", "two_factor_backup_codes", "admin:index"])
def test_account_and_admin_pages_also_wait_for_the_code(half_signed_in, officer, device, name):
    officer.is_staff = True
    officer.save(update_fields=["is_staff"])
    response = half_signed_in.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor"))


def test_an_unverified_session_cannot_post_to_a_page_either(half_signed_in, device):
    response = half_signed_in.post(reverse("cases:log_add", args=["STF-2026-000001"]), {"text": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor"))


def test_an_unverified_session_can_sign_out(half_signed_in):
    response = half_signed_in.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in half_signed_in.session


def test_the_check_is_what_stops_an_unverified_session(half_signed_in, settings):
    """The redirects above come from SAFEGUARD_REQUIRE_TWO_FACTOR: with it off the page opens."""
    settings.SAFEGUARD_REQUIRE_TWO_FACTOR = False
    assert half_signed_in.get(reverse("cases:list")).status_code == 200


def test_the_test_clients_force_login_signs_in_fully(client, officer):
    client.force_login(officer)
    assert client.get(reverse("cases:list")).status_code == 200


# Step two: the code.


def test_the_code_page_asks_for_the_code(half_signed_in, device):
    response = half_signed_in.get(reverse("two_factor"))
    assert response.status_code == 200
    assert 'autocomplete="one-time-code"' in response.content.decode()


def test_the_right_code_finishes_sign_in_with_a_new_session_key(half_signed_in, device):
    key_before = half_signed_in.session.session_key
    response = half_signed_in.post(reverse("two_factor"), {"code": _code(device), "next": "/referrals/"})
    assert response.status_code == 302
    assert response["Location"] == "/referrals/"
    assert half_signed_in.session.session_key != key_before
    assert half_signed_in.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert half_signed_in.get(reverse("cases:list")).status_code == 200


def test_the_code_step_does_not_redirect_to_another_site(half_signed_in, device):
    response = half_signed_in.post(reverse("two_factor"), {"code": _code(device), "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")  # the landing page (docs/work.md)


def test_a_wrong_code_is_refused_and_reported_as_a_failed_sign_in(half_signed_in, device):
    failures = []

    def receiver(sender, credentials, request=None, **kwargs):
        failures.append((credentials, kwargs.get("two_factor")))

    user_login_failed.connect(receiver)
    try:
        wrong = "000000" if _code(device) != "000000" else "111111"
        response = half_signed_in.post(reverse("two_factor"), {"code": wrong})
    finally:
        user_login_failed.disconnect(receiver)
    assert response.status_code == 400
    assert escape(WRONG_CODE) in response.content.decode()
    assert DEVICE_ID_SESSION_KEY not in half_signed_in.session
    assert failures == [({"username": "dc.hughes"}, True)]
    assert half_signed_in.get(reverse("cases:list")).status_code == 302


def test_five_wrong_codes_lock_the_account_and_end_the_half_finished_sign_in(half_signed_in, device):
    wrong = "000000" if _code(device) != "000000" else "111111"
    responses = [half_signed_in.post(reverse("two_factor"), {"code": wrong}) for _ in range(5)]
    assert [response.status_code for response in responses] == [400, 400, 400, 400, 429]
    assert LOCKED in responses[-1].content.decode()
    assert "_auth_user_id" not in half_signed_in.session


def test_a_used_code_cannot_be_used_again(client, officer, device):
    client.force_login(officer, two_factor=False)
    code = _code(device)
    assert client.post(reverse("two_factor"), {"code": code}).status_code == 302
    client.logout()
    client.force_login(officer, two_factor=False)
    assert client.post(reverse("two_factor"), {"code": code}).status_code == 400


def test_a_backup_code_signs_in_once(client, officer):
    TOTPDevice.objects.create(user=officer, name="Authenticator app", confirmed=True)
    codes = backup_codes_replace(user=officer, actor=officer)
    client.logout()
    client.force_login(officer, two_factor=False)
    assert client.post(reverse("two_factor"), {"code": codes[0].upper()}).status_code == 302
    assert not StaticToken.objects.filter(token=codes[0]).exists()


# Setting up an authenticator app on first sign-in.


def test_the_set_up_page_shows_the_key_as_an_inline_svg_qr_code_and_as_text(half_signed_in):
    response = half_signed_in.get(reverse("two_factor_setup"))
    assert response.status_code == 200
    page = response.content.decode()
    key = half_signed_in.session[SETUP_KEY]
    base32 = b32encode(unhexlify(key)).decode()
    # Only the site's own script file: no inline script (the Content-Security-Policy forbids it).
    assert "<svg" in page and "<img" not in page and re.search(r"<script(?![^>]*\bsrc=)", page) is None
    assert base32[:4] in page
    assert "".join(response.context["manual_key"].split()) == base32
    assert not TOTPDevice.objects.exists()  # nothing stored until the app is proved


def test_the_key_stays_the_same_when_the_page_is_reloaded(half_signed_in):
    half_signed_in.get(reverse("two_factor_setup"))
    key = half_signed_in.session[SETUP_KEY]
    half_signed_in.get(reverse("two_factor_setup"))
    assert half_signed_in.session[SETUP_KEY] == key


def test_a_wrong_first_code_adds_no_app(half_signed_in):
    half_signed_in.get(reverse("two_factor_setup"))
    key = half_signed_in.session[SETUP_KEY]
    wrong = "000000" if _code_for_key(key) != "000000" else "111111"
    response = half_signed_in.post(reverse("two_factor_setup"), {"code": wrong})
    assert response.status_code == 400
    assert escape(TWO_FACTOR_SETUP_WRONG_CODE) in response.content.decode()
    assert not TOTPDevice.objects.exists()


def test_a_code_that_is_not_six_digits_is_refused(half_signed_in):
    half_signed_in.get(reverse("two_factor_setup"))
    response = half_signed_in.post(reverse("two_factor_setup"), {"code": "12345"})
    assert response.status_code == 400
    assert "Enter the 6 digits" in response.content.decode()


def test_the_right_first_code_adds_the_app_signs_in_and_shows_backup_codes(half_signed_in, officer):
    half_signed_in.get(reverse("two_factor_setup"))
    key = half_signed_in.session[SETUP_KEY]
    key_before = half_signed_in.session.session_key
    response = half_signed_in.post(reverse("two_factor_setup"), {"code": _code_for_key(key), "next": "/referrals/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor_backup_codes") + "?next=%2Freferrals%2F"
    device = TOTPDevice.objects.get(user=officer)
    assert device.confirmed and device.key == key
    assert half_signed_in.session.session_key != key_before
    assert SETUP_KEY not in half_signed_in.session
    codes_page = half_signed_in.get(response["Location"])
    assert codes_page.status_code == 200
    assert len(codes_page.context["codes"]) == BACKUP_CODE_COUNT
    assert half_signed_in.get(reverse("cases:list")).status_code == 200


def test_someone_with_an_app_cannot_add_another_without_the_code(half_signed_in, device):
    response = half_signed_in.get(reverse("two_factor_setup"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor"))


def test_the_whole_sign_in_from_password_to_first_page(client, officer):
    response = _sign_in_with_password(client)
    response = client.get(response["Location"])  # code step: no app yet
    response = client.get(response["Location"])  # set-up page
    key = client.session[SETUP_KEY]
    response = client.post(reverse("two_factor_setup"), {"code": _code_for_key(key)})
    assert response.status_code == 302
    assert client.get(reverse("cases:list")).status_code == 200


# manage.py totp_code, for demos and browser tests.


def test_totp_code_prints_the_current_code_in_demo_mode(settings, device):
    settings.DEMO_MODE = True
    out = StringIO()
    call_command("totp_code", "dc.hughes", stdout=out)
    assert out.getvalue().strip() == _code(device)


def test_totp_code_refuses_outside_demo_mode(settings, device):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="SAFEGUARD_DEMO is not 1"):
        call_command("totp_code", "dc.hughes", stdout=StringIO())


def test_totp_code_says_when_someone_has_no_app_yet(settings, officer):
    settings.DEMO_MODE = True
    with pytest.raises(CommandError, match="has not set up an authenticator app yet"):
        call_command("totp_code", "dc.hughes", stdout=StringIO())
