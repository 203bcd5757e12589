"""Security headers: a strict Content-Security-Policy on every page, with nothing inline."""

import json
import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

EXPECTED = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "object-src 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
]


def _directives(response):
    return [part.strip() for part in response["Content-Security-Policy"].split(";")]


def test_the_sign_in_page_has_a_strict_content_security_policy(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert sorted(_directives(response)) == sorted(EXPECTED)
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_a_signed_in_page_has_it_too_with_the_other_headers(client, officer):
    client.force_login(officer)
    response = client.get(reverse("cases:list"))
    assert response.status_code == 200
    assert sorted(_directives(response)) == sorted(EXPECTED)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_two_factor_set_up_page_needs_nothing_the_policy_forbids(client, officer):
    client.force_login(officer, two_factor=False)
    response = client.get(reverse("two_factor_setup"))
    page = response.content.decode()
    assert "Content-Security-Policy" in response
    assert re.search(r"<script(?![^>]*\bsrc=)", page) is None, "No inline script."
    for forbidden in ("<style", " style=", "<img", "data:", "javascript:"):
        assert forbidden not in page


def test_production_sends_the_same_policy():
    env = {key: value for key, value in os.environ.items() if not key.startswith("SAFEGUARD_")}
    env.update(
        SAFEGUARD_DEBUG="0",
        SAFEGUARD_DEMO="0",
        SAFEGUARD_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_SETTINGS_MODULE="safeguard.settings",
    )
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.CONTENT_SECURITY_POLICY, 'csp.middleware.CSPMiddleware' in s.MIDDLEWARE]))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", script], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    policy, installed = json.loads(result.stdout)
    assert installed is True
    assert policy["DIRECTIVES"]["style-src"] == ["'self'"]
    assert policy["DIRECTIVES"]["script-src"] == ["'self'"]
