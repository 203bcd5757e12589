"""Browser tests: Debian's Chromium, driven by Playwright, against Safeguard served for real.

One Chromium for the browser tests (package scope); each test gets a fresh browser context (no cookies)
and the live server (pytest-django's `live_server`: Safeguard in a thread, on the test database, with
the settings of `make test`: no debug, secure `__Host-` cookies, the Content-Security-Policy, two-factor
sign-in). The browser reaches it at http://localhost:<port>, which Chromium treats as a secure context,
so it keeps the secure cookies exactly as it would over HTTPS.

Playwright's own browser downloads are never used: `make test` installs Debian's `chromium`
(Makefile, `chromium` target) and the tests launch it by path. If it is missing, the tests fail and
say how to install it; they are never skipped silently.

The tests are transactional (the live server's thread must see what the test commits). Each ends
with a flush of the test database, which also removes what the migrations loaded (the offence
catalogue, the role groups): `migrated_data` puts it back before each test, and
`_migrated_data_back_at_the_end` after the last of this process's browser tests.

Every page a test opens is checked: a Content-Security-Policy violation or script error reported by
the browser, or a stylesheet or other resource that fails to load, fails the test; so does an id used
twice on a page, or a label, `aria-describedby` or `aria-labelledby` that points at no element
(`PAGE_CHECKS`, run as each page loads). When the test is done, every page it opened (by GET) is
opened again 320 pixels wide, as on a small phone or at 400% zoom of a 1280-pixel screen, and must
not scroll sideways (`NARROW_WIDTH`; a wide table scrolls inside its own `.table-wrap`).

A click on a link or a form's button goes through `follow`, which returns only once the next page has
loaded: Playwright's click does not wait for the page it starts, so a check made straight after it
could read the page being left (and a check that does not wait, such as counting rows, would pass or
fail by timing).
"""

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from tests.processes import restore_migration_data

CHROMIUM = os.environ.get("SAFEGUARD_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "correct horse battery staple"

# Run in every page as it loads (added through the browser's developer protocol, which the page's
# Content-Security-Policy does not govern). A problem is reported on the console, which fails the test.
PAGE_CHECKS = """document.addEventListener("DOMContentLoaded", () => {
  const seen = new Set();
  for (const element of document.querySelectorAll("[id]")) {
    if (seen.has(element.id)) console.error(`Page check: the id "${element.id}" is used twice on ${location.pathname}`);
    seen.add(element.id);
  }
  const refs = [];
  for (const label of document.querySelectorAll("label[for]")) refs.push(["label for", label.htmlFor]);
  for (const name of ["aria-describedby", "aria-labelledby", "aria-controls"]) {
    for (const element of document.querySelectorAll(`[${name}]`)) {
      for (const id of element.getAttribute(name).split(/\\s+/).filter(Boolean)) refs.push([name, id]);
    }
  }
  for (const [name, id] of refs) {
    if (!document.getElementById(id)) {
      console.error(`Page check: ${name}="${id}" points at nothing on ${location.pathname}`);
    }
  }
});"""
NARROW_WIDTH = 320
PAGE_WIDTH = "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"

# pytestmark of every browser test module: pytestmark = [pytest.mark.browser, *browser_test]
browser_test = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("migrated_data")]


@pytest.fixture
def migrated_data(transactional_db) -> None:
    restore_migration_data()


@pytest.fixture(scope="package", autouse=True)
def _migrated_data_back_at_the_end(django_db_setup, django_db_blocker):
    """The last browser test's flush empties the test database; the tests this process runs after
    the browser tests, and a later run with --reuse-db, must still find what the migrations loaded."""
    yield
    with django_db_blocker.unblock():
        restore_migration_data()


@pytest.fixture(scope="package")
def chromium():
    """One Chromium for the browser tests, closed when they are done (package scope)."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.fail(f"Chromium is not at {CHROMIUM}. Install it: apt-get install -y chromium (make test does).")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in the test's thread, and Django refuses ORM
    # calls from a thread with a running loop. The tests' own reads and writes (setting up people,
    # checking the audit trail) are plain synchronous calls, so the check is relaxed while the browser
    # runs, and only then: no request is served in this thread (the live server has its own), and
    # nothing started later (the deployment checklist refuses the variable) inherits it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class PageProblems:
    """What the browser reported while a test ran: CSP violations, script errors, failed requests."""

    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_resources: list[str] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)

    def on_console(self, message) -> None:
        # A page answered 400 or 404 on purpose is logged as "Failed to load resource"; resources
        # are checked by their responses instead (on_response).
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.console.append(message.text)

    def on_response(self, response) -> None:
        # Stylesheets and other subresources must load; the browser's own favicon request may 404.
        request = response.request
        if request.resource_type == "document" and request.method == "GET" and response.status == 200:
            self.opened.append(request.url)
        if request.resource_type != "document" and response.status >= 400 and not request.url.endswith("/favicon.ico"):
            self.failed_resources.append(f"{response.status} {request.url}")


@pytest.fixture
def new_browser_page(chromium, live_server) -> Iterator:
    """Opens a page in a browser of its own (a fresh context, no cookies), as a second person at
    another computer would; in British English and London time. Problems fail the test."""
    base_url = live_server.url.replace("127.0.0.1", "localhost")
    opened = []

    def open_page():
        context = chromium.new_context(
            base_url=base_url, locale="en-GB", timezone_id="Europe/London", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(10_000)
        context.add_init_script(PAGE_CHECKS)
        page = context.new_page()
        problems = PageProblems()
        page.on("console", problems.on_console)
        page.on("pageerror", lambda error: problems.page_errors.append(str(error)))
        page.on("response", problems.on_response)
        opened.append((context, problems))
        return page

    yield open_page
    for context, problems in opened:
        too_wide = _too_wide_when_narrow(chromium, context, problems.opened)
        context.close()
        assert too_wide == [], f"Pages that scroll sideways {NARROW_WIDTH} pixels wide: {too_wide}"
        # A Content-Security-Policy violation is reported on the console ("Refused to ...").
        assert problems.console == [], f"The browser reported errors: {problems.console}"
        assert problems.page_errors == [], f"Scripts failed: {problems.page_errors}"
        assert problems.failed_resources == [], f"Resources failed to load: {problems.failed_resources}"


def _too_wide_when_narrow(chromium, context, urls: list[str]) -> list[str]:
    """Each page opened again {NARROW_WIDTH} pixels wide, signed in as the test left it: those wider
    than the window, with their width. Each address once, the sign-in steps left out (their
    one-time codes are spent)."""
    if not urls:
        return []
    narrow = chromium.new_context(
        storage_state=context.storage_state(),
        locale="en-GB",
        timezone_id="Europe/London",
        viewport={"width": NARROW_WIDTH, "height": 640},
    )
    narrow.set_default_timeout(10_000)
    page = narrow.new_page()
    too_wide = []
    try:
        for url in dict.fromkeys(urls):
            page.goto(url)
            width = page.evaluate(PAGE_WIDTH)
            if width > NARROW_WIDTH:
                too_wide.append(f"{url} ({width} px)")
    finally:
        narrow.close()
    return too_wide


@pytest.fixture
def browser_page(new_browser_page):
    return new_browser_page()


def totp_code(device: TOTPDevice, *, offset: int = 0) -> str:
    """What the person's authenticator app shows now (or `offset` time steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift + offset)
    return f"{totp.token():0{device.digits}d}"


@dataclass
class Person:
    user: User
    device: TOTPDevice

    @property
    def username(self) -> str:
        return self.user.get_username()


def person_with_app(user) -> Person:
    """`user` with a confirmed authenticator app, as after setting one up."""
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return Person(user=user, device=device)


def follow(locator) -> None:
    """Click a link or a form's button and wait until the page it opens has loaded."""
    with locator.page.expect_event("load"):
        locator.click()


def sign_in(page, person: Person, *, path: str = "/") -> None:
    """Sign in as a person does: username and password, then the code from their app."""
    page.goto(path)
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill(PASSWORD)
    follow(page.get_by_role("button", name="Sign in"))
    page.get_by_role("heading", name="Enter the code from your authenticator app").wait_for()
    page.get_by_label("Code").fill(totp_code(person.device))
    follow(page.get_by_role("button", name="Continue"))
    page.get_by_role("button", name="Sign out").wait_for()
