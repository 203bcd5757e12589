"""The journeys of the load test: officers, supervisors and auditors at work, each signed in with
two factors (password, then the code from their authenticator app's secret).

Run by bench/load/run.py, which prepares the throwaway database and passes, in the environment:
SAFEGUARD_LOAD_PLAN (JSON file: accounts and case references), SAFEGUARD_LOAD_READS (where to write
the case pages read, for the audit check), SAFEGUARD_LOAD_SUPERVISOR_PAGES (the supervisor's
dashboard and figures paths, comma-separated, when Safeguard has them).

Safeguard in production sits behind a reverse proxy that ends HTTPS and tells gunicorn so with
`X-Forwarded-Proto: https`. The load test plays both the browser and that proxy on loopback: it
sends the header, keeps the `Secure` cookies (a cookie policy that treats the loopback hop as the
secure one it stands for) and sends the `Referer` a browser would, which Django's CSRF check
requires on HTTPS. So the settings under load are production's: HTTPS redirect, secure cookies,
HSTS, the Content-Security-Policy.
"""

import json
import os
import random
import re
from typing import Any
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task
from requests.cookies import RequestsCookieJar

from bench.load.totp import totp_code

PLAN: dict[str, Any] = {}
FREE_ACCOUNTS: dict[str, list[dict[str, str]]] = {"officer": [], "supervisor": [], "auditor": []}
# (username, case reference) for every case page read with a 200: compared with the audit trail.
CASE_READS: list[tuple[str, str]] = []

CASE_LINK = re.compile(r'href="/cases/([A-Z0-9-]+)/"')
REFERRAL_LINK = re.compile(r'href="/referrals/(\d+)/"')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SIGNED_IN = "Sign out"


@events.init.add_listener
def _load_plan(environment: Any, **kwargs: Any) -> None:
    path = os.environ.get("SAFEGUARD_LOAD_PLAN")
    if not path:
        return
    with open(path, encoding="utf-8") as plan_file:
        PLAN.update(json.load(plan_file))
    for account in PLAN["accounts"]:
        FREE_ACCOUNTS[account["role"]].append(account)


@events.test_stop.add_listener
def _write_reads(environment: Any, **kwargs: Any) -> None:
    path = os.environ.get("SAFEGUARD_LOAD_READS")
    if path:
        with open(path, "w", encoding="utf-8") as reads_file:
            json.dump(CASE_READS, reads_file)


class ProxyHopCookieJar(RequestsCookieJar):
    """Keeps Safeguard's `Secure` cookies for the loopback hop, which stands for the HTTPS one a
    browser would use: without this the HTTP client would never send them back."""

    def set_cookie(self, cookie: Any, *args: Any, **kwargs: Any) -> None:
        cookie.secure = False
        super().set_cookie(cookie, *args, **kwargs)


class SafeguardUser(HttpUser):
    abstract = True
    role = ""
    wait_time = between(1, 3)

    def on_start(self) -> None:
        if not FREE_ACCOUNTS[self.role]:
            raise RuntimeError(f"No {self.role} account left: bench/load/run.py makes one per simulated user.")
        self.account = FREE_ACCOUNTS[self.role].pop()
        self.client.headers["X-Forwarded-Proto"] = "https"
        self.client.cookies = ProxyHopCookieJar()
        self.sign_in()

    def on_stop(self) -> None:
        FREE_ACCOUNTS[self.role].append(self.account)

    def referer(self, path: str) -> dict[str, str]:
        return {"Referer": f"https://{urlsplit(str(self.host)).netloc}{path}"}

    def post_form(self, path: str, page_html: str, data: dict[str, str], *, name: str, then: str) -> Any:
        """Post a form as its page would, then follow the redirect (named `then`). The redirect is
        followed here, not by the HTTP client, so that cookies set with it are kept first."""
        form = {"csrfmiddlewaretoken": _csrf(page_html), **data}
        with self.client.post(
            path, data=form, headers=self.referer(path), name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:
                response.failure(f"Expected a redirect after the form, got {response.status_code}.")
                return response
        return self.client.get(response.headers["Location"], name=then)

    def sign_in(self) -> None:
        page = self.client.get("/sign-in/", name="/sign-in/")
        step_two = self.post_form(
            "/sign-in/",
            page.text,
            {"username": self.account["username"], "password": self.account["password"], "next": "/"},
            name="/sign-in/",
            then="/sign-in/two-factor/",
        )
        code = {"code": totp_code(self.account["totp_key"]), "next": "/"}
        landing = self.post_form(
            "/sign-in/two-factor/", step_two.text, code, name="/sign-in/two-factor/", then="/ (after sign-in)"
        )
        if SIGNED_IN not in landing.text:
            raise RuntimeError(f"{self.account['username']} could not sign in with two factors.")

    def read_case(self, reference: str) -> str:
        with self.client.get(f"/cases/{reference}/", name="/cases/[reference]/", catch_response=True) as response:
            if response.status_code == 200 and f"Case {reference}" in response.text:
                CASE_READS.append((self.account["username"], reference))
                return str(response.text)
            response.failure(f"Case page {reference} did not show the case.")
            return ""


def _csrf(html: str) -> str:
    token = CSRF_FIELD.search(html)
    return token.group(1) if token else ""


class Officer(SafeguardUser):
    """Works the team's cases: the list, a case, the referrals, now and then a case log entry."""

    role = "officer"
    weight = 3

    def on_start(self) -> None:
        super().on_start()
        self.references: list[str] = []
        # The day starts with My work, then the team's case list and the first case on it.
        self.my_work()
        self.case_list()
        self.case_page()

    @task(2)
    def my_work(self) -> None:
        self.client.get("/", name="/ (my work)")

    @task(3)
    def case_list(self) -> None:
        page = self.client.get("/cases/", name="/cases/ (case list)")
        self.references = CASE_LINK.findall(page.text) or self.references

    @task(6)
    def case_page(self) -> None:
        if self.references:
            self.read_case(random.choice(self.references))

    @task(2)
    def referrals(self) -> None:
        page = self.client.get("/referrals/", name="/referrals/")
        referral_ids = REFERRAL_LINK.findall(page.text)
        if referral_ids:
            self.client.get(f"/referrals/{random.choice(referral_ids)}/", name="/referrals/[id]/")

    @task(1)
    def case_log_entry(self) -> None:
        if not self.references:
            return
        reference = random.choice(self.references)
        case_page = self.read_case(reference)
        add_path = f"/cases/{reference}/log/add/"
        if f'href="{add_path}"' not in case_page:
            return  # a closed case takes no new entries
        form = self.client.get(add_path, name="/cases/[reference]/log/add/")
        entry = {"kind": "note", "text": "Reviewed the case file; no change to the plan.", "at": ""}
        self.post_form(add_path, form.text, entry, name="/cases/[reference]/log/add/", then="/cases/[reference]/")


class Supervisor(SafeguardUser):
    """Reviews the teams' cases: filtered lists, case pages, the dashboard and figures if present."""

    role = "supervisor"
    weight = 1

    def on_start(self) -> None:
        super().on_start()
        self.references: list[str] = []
        self.pages = [path for path in os.environ.get("SAFEGUARD_LOAD_SUPERVISOR_PAGES", "").split(",") if path]

    @task(2)
    def open_cases(self) -> None:
        page = self.client.get("/cases/?status=open", name="/cases/?status=open (case list)")
        self.references = CASE_LINK.findall(page.text) or self.references

    @task(3)
    def case_page(self) -> None:
        if self.references:
            self.read_case(random.choice(self.references))

    @task(2)
    def dashboard_and_figures(self) -> None:
        for path in self.pages:
            self.client.get(path, name=path)


class Auditor(SafeguardUser):
    """Reads the audit trail: searches, who accessed a case, what a person accessed, the flags."""

    role = "auditor"
    weight = 1

    @task(3)
    def search(self) -> None:
        self.client.get("/audit/?kind=read", name="/audit/?kind=read")

    @task(3)
    def who_accessed_a_case(self) -> None:
        references = PLAN.get("case_references") or []
        if references:
            self.client.get(f"/audit/cases/{random.choice(references)}/", name="/audit/cases/[reference]/")

    @task(1)
    def flags(self) -> None:
        self.client.get("/audit/flags/", name="/audit/flags/")
