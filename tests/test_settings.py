"""Production settings fail closed; every setting comes from a variable listed in .env.example."""

import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from accounts.middleware import SIGNED_IN_AT
from safeguard.settings import _checked_base_url

BASE_DIR = Path(settings.BASE_DIR)


def _production_env(**overrides: str) -> dict[str, str]:
    """The environment of a production start: no SAFEGUARD_* from the caller, no .env surprises."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SAFEGUARD_")}
    env.update(
        SAFEGUARD_DEBUG="0",
        SAFEGUARD_DEMO="0",
        SAFEGUARD_SECRET_KEY=secrets.token_urlsafe(50),
        SAFEGUARD_ALLOWED_HOSTS="safeguard.police.example",
        SAFEGUARD_BASE_URL="https://safeguard.police.example",
        SAFEGUARD_AUDIT_CHECKPOINT_KEY="/etc/safeguard/audit-checkpoint.key",
        SAFEGUARD_AUDIT_CHECKPOINT_PUBLIC_KEYS="/etc/safeguard/audit-checkpoint.pub",
        SAFEGUARD_AUDIT_CHECKPOINT_DIR="/var/lib/safeguard/audit-checkpoints",
        DJANGO_SETTINGS_MODULE="safeguard.settings",
    )
    env.update(overrides)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


_PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({name: getattr(s, name) for name in [
    "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SESSION_EXPIRE_AT_BROWSER_CLOSE", "SESSION_COOKIE_AGE",
    "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME", "X_FRAME_OPTIONS",
    "FILE_UPLOAD_HANDLERS",
]}))
"""


@pytest.mark.parametrize("key", ["", "too-short-to-be-a-secret", "insecure-" + "x" * 60])
def test_production_refuses_to_start_without_a_long_random_secret_key(key):
    result = _run(["-c", "import django; django.setup()"], _production_env(SAFEGUARD_SECRET_KEY=key))
    assert result.returncode != 0
    assert "SAFEGUARD_SECRET_KEY must be set to a random value of at least 50 characters" in result.stderr


def test_production_starts_with_a_long_random_secret_key():
    result = _run(["-c", "import django; django.setup()"], _production_env())
    assert result.returncode == 0, result.stderr


def test_production_settings_pass_the_deployment_checklist():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deployment_checklist_fails_if_secure_cookies_are_turned_off():
    """The check above can fail: turning a protection off is caught."""
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        _production_env(SAFEGUARD_SECURE_COOKIES="0"),
    )
    assert result.returncode != 0
    assert "SESSION_COOKIE_SECURE" in result.stdout + result.stderr


def test_the_deployment_checklist_fails_without_a_base_url_for_e_mail_links(settings):
    settings.SAFEGUARD_BASE_URL = ""
    found = [message.id for message in run_checks(include_deployment_checks=True)]
    assert "safeguard.E001" in found
    assert "safeguard.E001" not in [message.id for message in run_checks()]  # a deployment check only
    settings.SAFEGUARD_BASE_URL = "https://safeguard.police.example"
    assert "safeguard.E001" not in [message.id for message in run_checks(include_deployment_checks=True)]


@pytest.mark.parametrize(
    "url",
    [
        "http://safeguard.police.example",  # production links are https
        "safeguard.police.example",
        "https://",
        "https://safeguard.police.example/cases/",
        "https://safeguard.police.example?next=/",
        "https://someone@safeguard.police.example",
    ],
)
def test_a_base_url_that_is_not_an_https_scheme_and_host_is_refused(url):
    with pytest.raises(ImproperlyConfigured, match="SAFEGUARD_BASE_URL must be a scheme and host only"):
        _checked_base_url(url, schemes={"https"})


def test_the_base_url_is_kept_without_its_trailing_slash():
    assert _checked_base_url("https://safeguard.police.example/", schemes={"https"}) == (
        "https://safeguard.police.example"
    )
    assert _checked_base_url("http://127.0.0.1:8000", schemes={"http", "https"}) == "http://127.0.0.1:8000"


_PRINT_BASE_URL = "import django; django.setup(); from django.conf import settings; print(settings.SAFEGUARD_BASE_URL)"


def test_production_refuses_to_start_with_a_base_url_that_is_not_https():
    result = _run(["-c", _PRINT_BASE_URL], _production_env(SAFEGUARD_BASE_URL="http://safeguard.police.example"))
    assert result.returncode != 0
    assert "SAFEGUARD_BASE_URL must be a scheme and host only" in result.stderr


def test_only_debug_has_a_default_base_url():
    env = _production_env(SAFEGUARD_DEBUG="1")
    del env["SAFEGUARD_BASE_URL"]
    assert _run(["-c", _PRINT_BASE_URL], env).stdout.strip() == "http://127.0.0.1:8000"
    env = _production_env()
    del env["SAFEGUARD_BASE_URL"]
    assert _run(["-c", _PRINT_BASE_URL], env).stdout.strip() == ""


def test_production_turns_on_transport_and_cookie_security():
    result = _run(["-c", _PRINT_SETTINGS], _production_env())
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert values["CSRF_COOKIE_NAME"].startswith("__Host-")
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["FILE_UPLOAD_HANDLERS"] == []


def test_sessions_end_when_the_browser_closes_and_within_a_shift():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 12 * 60 * 60


def test_metadata_guard_runs_before_anything_reads_the_request():
    middleware = settings.MIDDLEWARE
    guard = middleware.index("cases.middleware.MetadataOnlyMiddleware")
    assert guard < middleware.index("django.contrib.sessions.middleware.SessionMiddleware")
    assert guard < middleware.index("django.middleware.csrf.CsrfViewMiddleware")


def _variables_used_in_settings() -> set[str]:
    source = (BASE_DIR / "safeguard" / "settings.py").read_text(encoding="utf-8")
    return set(re.findall(r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]+)["']""", source))


def _variables_in_env_example() -> set[str]:
    text = (BASE_DIR / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, re.MULTILINE))


def test_env_example_lists_every_variable_the_settings_read():
    used = _variables_used_in_settings()
    assert "SAFEGUARD_SECRET_KEY" in used  # the pattern finds them
    assert used - _variables_in_env_example() == set()


def test_env_example_lists_nothing_the_settings_do_not_read():
    assert _variables_in_env_example() - _variables_used_in_settings() == set()


def test_every_variable_in_env_example_has_a_comment():
    lines = (BASE_DIR / ".env.example").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^#?\s*[A-Z][A-Z0-9_]+=", line):
            assert number > 0 and lines[number - 1].startswith("# "), f"no comment above: {line}"


# The absolute session lifetime (cases.middleware.SessionLifetimeMiddleware).


@pytest.mark.django_db
def test_signing_in_starts_the_session_clock(client, officer):
    response = client.post(reverse("login"), {"username": "dc.hughes", "password": "correct horse battery staple"})
    assert response.status_code == 302
    assert abs(client.session[SIGNED_IN_AT] - time.time()) < 60


@pytest.mark.django_db
def test_a_session_ends_a_shift_after_sign_in_however_active(client, officer):
    client.force_login(officer)
    assert client.get(reverse("cases:list")).status_code == 200
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.SESSION_COOKIE_AGE - 1
    session.save()
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_session_within_its_lifetime_goes_on(client, officer):
    client.force_login(officer)
    client.get(reverse("cases:list"))
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.SESSION_COOKIE_AGE + 120
    session.save()
    assert client.get(reverse("cases:list")).status_code == 200


def test_the_web_worker_freezes_what_it_loaded_and_collects_garbage_less_often():
    """safeguard/memory.py: no full collection walks Django's own objects in the middle of a request."""
    script = "import gc, json, safeguard.wsgi; print(json.dumps([gc.get_threshold(), gc.get_freeze_count()]))"
    result = _run(["-c", script], _production_env())
    assert result.returncode == 0, result.stderr
    threshold, frozen = json.loads(result.stdout)
    assert threshold == [10_000, 20, 20]
    assert frozen > 10_000  # the application's modules, models and settings
