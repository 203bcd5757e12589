"""Sign-in lockout (django-axes): 5 failures lock a username for 10 minutes, never an address."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.context import client_ip_address

PASSWORD = "correct horse battery staple"
LOCKED = "Too many failed sign-in attempts for this account. Try again in 10 minutes or ask an administrator."

pytestmark = pytest.mark.django_db


def _sign_in(client, username, password, address="203.0.113.5"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def _fail(client, username, times, address="203.0.113.5"):
    return [_sign_in(client, username, "wrong password entirely", address) for _ in range(times)]


def _age_attempts(minutes):
    """Move every recorded failure `minutes` into the past: the clock, without sleeping."""
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= timedelta(minutes=minutes)
        attempt.save(update_fields=["attempt_time"])


def test_four_failures_only_show_the_error(client, officer):
    responses = _fail(client, "dc.hughes", 4)
    assert [response.status_code for response in responses] == [200] * 4
    assert LOCKED not in responses[-1].content.decode()


def test_the_fifth_failure_locks_the_username_with_a_clear_page(client, officer):
    responses = _fail(client, "dc.hughes", 5)
    assert responses[-1].status_code == 429
    assert LOCKED in responses[-1].content.decode()


def test_a_locked_username_is_refused_even_with_the_right_password(client, officer):
    _fail(client, "dc.hughes", 5)
    response = _sign_in(client, "dc.hughes", PASSWORD)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_is_on_the_username_from_any_address(client, officer):
    _fail(client, "dc.hughes", 5, address="203.0.113.5")
    response = _sign_in(client, "dc.hughes", PASSWORD, address="198.51.100.7")
    assert response.status_code == 429


def test_another_person_behind_the_same_address_can_still_sign_in(client, officer, supervisor):
    _fail(client, "dc.hughes", 5, address="203.0.113.5")
    response = _sign_in(client, "ds.okafor", PASSWORD, address="203.0.113.5")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(supervisor.pk)


def test_the_lock_still_holds_nine_minutes_later(client, officer):
    _fail(client, "dc.hughes", 5)
    _age_attempts(9)
    assert _sign_in(client, "dc.hughes", PASSWORD).status_code == 429


def test_the_locked_person_can_sign_in_after_ten_minutes(client, officer):
    _fail(client, "dc.hughes", 5)
    _age_attempts(11)
    response = _sign_in(client, "dc.hughes", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(officer.pk)


def test_signing_in_resets_the_count_of_failures(client, officer):
    _fail(client, "dc.hughes", 4)
    assert _sign_in(client, "dc.hughes", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="dc.hughes").exists()
    client.logout()
    responses = _fail(client, "dc.hughes", 4)
    assert responses[-1].status_code == 200  # four more, not nine in all: no lock


# The address attempts are counted against (audit.context.client_ip_address).


def _request(remote="10.0.0.5", forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_without_a_proxy_the_connection_address_counts_and_forwarded_headers_are_ignored(settings):
    settings.SAFEGUARD_TRUSTED_PROXIES = 0
    assert client_ip_address(_request(forwarded="198.51.100.1")) == "10.0.0.5"


def test_behind_one_proxy_the_address_it_saw_counts(settings):
    settings.SAFEGUARD_TRUSTED_PROXIES = 1
    assert client_ip_address(_request(forwarded="203.0.113.9")) == "203.0.113.9"


def test_behind_one_proxy_addresses_the_client_made_up_are_ignored(settings):
    settings.SAFEGUARD_TRUSTED_PROXIES = 1
    assert client_ip_address(_request(forwarded="1.2.3.4, 198.51.100.1, 203.0.113.9")) == "203.0.113.9"


def test_behind_two_proxies_the_outer_proxys_entry_counts(settings):
    settings.SAFEGUARD_TRUSTED_PROXIES = 2
    assert client_ip_address(_request(forwarded="1.2.3.4, 203.0.113.9, 10.0.0.2")) == "203.0.113.9"


def test_a_missing_forwarded_header_falls_back_to_the_connection_address(settings):
    settings.SAFEGUARD_TRUSTED_PROXIES = 1
    assert client_ip_address(_request()) == "10.0.0.5"


def test_axes_counts_failures_against_the_forwarded_address_behind_a_proxy(client, officer, settings):
    settings.SAFEGUARD_TRUSTED_PROXIES = 1
    client.post(
        reverse("login"),
        {"username": "dc.hughes", "password": "wrong password entirely"},
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert AccessAttempt.objects.get(username="dc.hughes").ip_address == "203.0.113.9"


def test_recorded_attempts_keep_no_password_or_two_factor_code(client, officer):
    client.post(reverse("login"), {"username": "dc.hughes", "password": "my secret guess"})
    client.force_login(officer, two_factor=False)
    TOTPDevice.objects.create(user=officer, name="Authenticator app", confirmed=True)
    client.post(reverse("two_factor"), {"code": "123456"})
    stored = "".join(AccessAttempt.objects.values_list("post_data", flat=True))
    assert "my secret guess" not in stored
    assert "123456" not in stored
    assert "code=" in stored  # the attempt was recorded, masked
