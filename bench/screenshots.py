"""`make screenshots`: pictures of Safeguard's main pages, as its users see them, for README.md.

A throwaway Safeguard with the demo (bench/throwaway.py) is served by gunicorn; Debian's Chromium,
driven by Playwright, signs in as the demo's officer, auditor and supervisor with two factors and
saves each page to docs/screenshots/. The supervisor's dashboard and figures are taken once
Safeguard has them (URL names reports:dashboard and reports:figures).

The server runs with production settings except the HTTPS redirect: Chromium reaches it at
http://localhost, which it treats as secure, so the `Secure` cookies work as over HTTPS.
"""

import contextlib
import os
import sys
from pathlib import Path
from typing import Any

from bench.throwaway import BASE_DIR, drop_database, gunicorn, prepare_demo, use_throwaway_database

OUT = BASE_DIR / "docs" / "screenshots"
CHROMIUM = os.environ.get("SAFEGUARD_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "screenshots-" + os.urandom(8).hex()
VIEWPORT = {"width": 1280, "height": 860}
NARROW_VIEWPORT = {"width": 320, "height": 700}


def main() -> int:
    admin_url, database = use_throwaway_database("_screenshots")
    try:
        import django

        django.setup()
        print(f"Preparing {database}: migrate, database roles, demo...", flush=True)
        prepare_demo()
        devices = {username: _with_app(username) for username in ("officer", "auditor", "supervisor")}
        OUT.mkdir(parents=True, exist_ok=True)
        with gunicorn(SAFEGUARD_SSL_REDIRECT="0") as host:
            _take(host.replace("127.0.0.1", "localhost"), devices)
    finally:
        drop_database(admin_url, database)
    return 0


def _with_app(username: str) -> str:
    """Give the demo user a known password and an authenticator app; returns the app's secret."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User

    user = User.objects.get(username=username)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return str(TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True).key)


def _take(base_url: str, devices: dict[str, str]) -> None:
    from django.urls import NoReverseMatch, reverse
    from playwright.sync_api import sync_playwright

    from cases.models import Case

    # An open case of the officer's team that has come a long way: the most to show.
    cases = Case.objects.filter(status="open", team__name="Safenet", team__force__code="STF").order_by("-opened_at")
    case = cases.filter(hearings__isnull=False).first() or cases.filter(arrests__isnull=False).first() or cases[0]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)

        page = _page(browser, base_url)
        page.goto("/sign-in/")
        _shot(page, "sign-in")
        _sign_in(page, "officer", devices["officer"])
        _shot(page, "my-work", full_page=True)
        page.goto("/cases/")
        _shot(page, "case-list")
        page.goto(f"/cases/{case.reference}/")
        _shot(page, "case-page", height=2400)
        # The same page on a small phone (or a 1280-pixel screen at 400% zoom).
        page.set_viewport_size(NARROW_VIEWPORT)
        _shot(page, "case-page-narrow", width=NARROW_VIEWPORT["width"], height=1400)
        page.set_viewport_size(VIEWPORT)
        page.goto(f"/cases/{case.reference}/premises/add/")
        page.get_by_label("Postcode").fill("ST16")
        page.get_by_label("Description").fill("Workplace")
        page.get_by_role("button", name="Save").click()
        _shot(page, "stage-form-error")
        page.goto("/referrals/")
        page.locator("table a").first.click()
        _shot(page, "referral")
        page.context.close()

        page = _page(browser, base_url)
        _sign_in(page, "auditor", devices["auditor"], path="/audit/")
        _shot(page, "audit-search")
        page.goto(f"/audit/cases/{case.reference}/")
        _shot(page, "audit-case-access")
        page.context.close()

        pages = []
        for name, file_name in (("reports:dashboard", "dashboard"), ("reports:figures", "figures")):
            with contextlib.suppress(NoReverseMatch):
                pages.append((reverse(name), file_name))
        if pages:
            page = _page(browser, base_url)
            _sign_in(page, "supervisor", devices["supervisor"])
            for path, file_name in pages:
                page.goto(path)
                _shot(page, file_name, full_page=True)
            page.context.close()
        browser.close()


def _page(browser: Any, base_url: str) -> Any:
    context = browser.new_context(
        base_url=base_url, locale="en-GB", timezone_id="Europe/London", viewport=VIEWPORT, device_scale_factor=1
    )
    return context.new_page()


def _sign_in(page: Any, username: str, key: str, *, path: str = "/") -> None:
    from bench.load.totp import totp_code

    page.goto(path)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code").fill(totp_code(key))
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Sign out").wait_for()


def _shot(page: Any, name: str, *, full_page: bool = False, height: int = 0, width: int = 0) -> None:
    """The viewport, the whole page, or its top `height` pixels."""
    path: Path = OUT / f"{name}.png"
    clip = {"x": 0, "y": 0, "width": width or VIEWPORT["width"], "height": height} if height else None
    page.screenshot(path=str(path), full_page=full_page or bool(height), clip=clip, animations="disabled")
    print(f"  {path.relative_to(BASE_DIR)}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
