"""The look of the pages: error pages and sign-in render in plain British English; no inline script or
style anywhere (so a strict Content-Security-Policy can be set); the stylesheet keeps WCAG 2.2 AA contrast."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from accounts.roles import AUDITOR
from tests.conftest import BrowserClient
from tests.factories.people import UserFactory

BASE_DIR = Path(settings.BASE_DIR)
CSS = (BASE_DIR / "static" / "css" / "safeguard.css").read_text(encoding="utf-8")


def _templates():
    roots = [BASE_DIR / "templates", *BASE_DIR.glob("*/templates")]
    return [path for root in roots if ".venv" not in root.parts for path in root.rglob("*.html")]


@pytest.mark.django_db
def test_an_unknown_page_shows_the_not_found_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.django_db
def test_the_error_pages_render_with_their_titles(rf):
    request = rf.get("/")
    assert "Sorry, something was wrong with that request" in render_to_string("400.html", request=request)
    page = render_to_string("403.html", {"exception": "You can read this case but not change it."}, request=request)
    assert "You can read this case but not change it." in page
    assert "Page not found" in render_to_string("404.html", request=request)


def test_the_server_error_pages_need_no_request_or_database():
    page = render_to_string("500.html")
    assert "Sorry, there is a problem with Safeguard" in page
    assert "css/safeguard.css" in page
    page = render_to_string("503.html")
    assert "<title>Safeguard is unavailable for a moment" in page
    assert "Try again in a minute." in page and "Error 503" in page


@pytest.mark.django_db
def test_an_expired_form_shows_a_plain_explanation(officer):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("login"), "username=dc.hughes&password=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 403
    assert "Sorry, the form had expired" in response.content.decode()


@pytest.mark.django_db
def test_the_sign_in_page_renders(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Sign in to Safeguard" in page
    assert 'autocomplete="current-password"' in page
    assert '<label for="id_username">' in page


@pytest.mark.django_db
def test_a_failed_sign_in_shows_the_error_summary(client, officer):
    response = client.post(reverse("login"), {"username": "dc.hughes", "password": "wrong password"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "pattern", [r"<script(?![^>]*\bsrc=)[^>]*>", r"\sstyle\s*=", r"<style[\s>]", r"\son[a-z]+\s*="]
)
def test_no_template_has_inline_script_or_style(pattern):
    offenders = [str(path) for path in _templates() if re.search(pattern, path.read_text(encoding="utf-8"), re.I)]
    assert offenders == []


def test_every_table_scrolls_in_its_own_wrapper():
    """A table wider than a small screen scrolls inside its `.table-wrap`, never the whole page
    (the browser tests measure each page 320 pixels wide)."""
    offenders = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<table[\s>]", text):
            opened_before = text[: match.start()].rsplit('<div class="table-wrap"', 1)
            if len(opened_before) == 1 or "</div>" in opened_before[1]:
                offenders.append(f"{path.name}: table at character {match.start()}")
    assert offenders == []


def test_every_error_summary_takes_focus_and_names_the_page_in_error():
    """Every error summary (most through `_error_summary.html`) is focused on load; base.html starts
    the title with "Error:" whenever the page's form has errors."""
    summaries = [
        summary
        for path in _templates()
        for summary in re.findall(r'<div class="error-summary"[^>]*>', path.read_text(encoding="utf-8"))
    ]
    assert summaries, "Expected error summaries."
    assert [s for s in summaries if not ("autofocus" in s and "data-error-summary" in s)] == []
    base = (Path(settings.BASE_DIR) / "templates" / "base.html").read_text(encoding="utf-8")
    assert "<title>{% if form.errors %}Error: {% endif %}" in base


# Contrast (WCAG 2.2 SC 1.4.3): 4.5:1 for text.


def _luminance(hex_colour: str) -> float:
    hex_colour = hex_colour.lstrip("#")
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def _variable(name: str) -> str:
    match = re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{6}})", CSS)
    assert match, name
    return match.group(1)


@pytest.mark.parametrize(
    ("foreground", "background"),
    [
        ("text", "background"),
        ("text", "panel"),
        ("secondary-text", "background"),
        ("secondary-text", "panel"),
        ("link", "background"),
        ("link-visited", "background"),
        ("link-hover", "background"),
        ("error-dark", "background"),
        ("focus-text", "focus"),
        ("header-text", "header"),
        ("header-text", "success"),
        ("header-text", "error"),
    ],
)
def test_text_colours_have_enough_contrast(foreground, background):
    assert _contrast(_variable(foreground), _variable(background)) >= 4.5


def test_every_tag_colour_has_enough_contrast():
    tags = re.findall(r"\.tag(?:-[a-z]+)?\s*\{([^}]*)\}", CSS)
    pairs = []
    for block in tags:
        background = re.search(r"background:\s*(#[0-9a-fA-F]{6})", block)
        colour = re.search(r"(?<!-)color:\s*(#[0-9a-fA-F]{6})", block)
        if background and colour:
            pairs.append((colour.group(1), background.group(1)))
    assert len(pairs) >= 6
    assert [pair for pair in pairs if _contrast(*pair) < 4.5] == []


def test_the_stylesheet_keeps_focus_visible_and_targets_large_enough():
    assert ":focus-visible" in CSS
    assert "outline: none" not in CSS.replace("main:focus {\n  outline: none;", "")
    assert ".skip-link" in CSS
    assert "@media print" in CSS
    assert ".field-error" in CSS and ".error-summary" in CSS


def test_the_menu_waits_for_the_second_sign_in_step_and_shows_the_audit_trail_to_auditors_only(db, officer):
    half = BrowserClient()
    half.force_login(officer, two_factor=False)
    page = half.get(reverse("two_factor_setup")).content.decode()
    assert 'aria-label="Main"' not in page and "Sign out" in page

    full = BrowserClient()
    full.force_login(officer)
    page = full.get(reverse("cases:list")).content.decode()
    assert 'aria-label="Main"' in page and "Audit trail" not in page

    auditor = UserFactory(username="a.reid", force=officer.force, roles=[AUDITOR])
    audit_client = BrowserClient()
    audit_client.force_login(auditor)
    assert "Audit trail" in audit_client.get(reverse("audit:search")).content.decode()
