"""Measure Safeguard's key pages and operations against a filled database (docs/performance.md).

    make bench DATABASE_URL=postgres://postgres@127.0.0.1:5432/sg_bench_100k

Each page is requested through Django's test client against the real database, as a signed-in
person who has passed two-factor sign-in, through the whole middleware stack (audit context,
sessions, CSP...), with garbage collection tuned as in a web worker (safeguard/memory.py). For
each: p50 and p95 latency over the iterations and the number of SQL queries one request makes.
Results are printed as a table and written to bench/results/<time>-<cases>-cases.json, which replaces
the previous results at that scale (`keep_latest`): git keeps the earlier ones.

Naive peers measured in the same run, on the same data: Django's admin change list for cases (a
stock ModelAdmin on a private admin site: Safeguard deliberately registers no case content in its
admin) and django-guardian's stock `get_objects_for_user` (with the team's cases granted to a group
the officer is in, rolled back afterwards), each against Safeguard's own case list.
"""

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from bench import parallel

RESULTS = Path(__file__).resolve().parent / "results"
HOST = "localhost"


@dataclass
class Measure:
    name: str
    what: str
    p50_ms: float | None = None
    p95_ms: float | None = None
    min_ms: float | None = None
    queries: int | None = None
    db_ms: float | None = None
    iterations: int = 0
    note: str = ""
    samples_ms: list[float] = field(default_factory=list, repr=False)


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def timed(
    name: str,
    what: str,
    call: Callable[[], Any],
    iterations: int,
    warmup: int = 2,
    before: Callable[[], Any] | None = None,
) -> Measure:
    """Run `call` `warmup` times, then `iterations` times timed, then once counting queries; `before`,
    if given, runs before each call, untimed."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    prepare = before or (lambda: None)
    for _ in range(warmup):
        prepare()
        call()
    samples = []
    for _ in range(iterations):
        prepare()
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    prepare()
    with CaptureQueriesContext(connection) as captured:
        call()
    measure = Measure(
        name,
        what,
        round(percentile(samples, 0.50), 2),
        round(percentile(samples, 0.95), 2),
        round(min(samples), 2),
        len(captured.captured_queries),
        iterations,
        samples_ms=samples,
    )
    measure.db_ms = database_time([query["sql"] for query in captured.captured_queries])
    return measure


def database_time(statements: list[str]) -> float:
    """PostgreSQL's own planning and execution time for a request's reads (EXPLAIN ANALYZE of each
    SELECT it made), which, unlike the wall-clock time, leaves out the round trips and the waiting
    for a busy machine's CPU between queries. Writes are left out (they would be run again)."""
    from django.db import connection

    total = 0.0
    with connection.cursor() as cursor:
        for sql in statements:
            if sql.startswith("SELECT set_config("):  # the audit context travels with the statement
                sql = sql.split("; ", 1)[1]
            if not sql.lstrip().upper().startswith(("SELECT", "EXECUTE")):
                continue  # writes are not run again (a statement EXECUTEd is a prepared read: cases.records)
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0][0]
            total += plan["Planning Time"] + plan["Execution Time"]
    return round(total, 2)


def unavailable(name: str, what: str, why: str) -> Measure:
    return Measure(name, what, note=f"not available: {why}")


# --- Who and what is measured -------------------------------------------------------------


@dataclass
class Cast:
    officer: Any
    supervisor: Any
    auditor: Any
    case: Any
    subject: Any
    page_case: Any
    # A second case of the officer's team with a charged suspect, the fewest hearings first: one
    # stage is recorded on it just before the dashboard is measured (`optional_page_measures`).
    fresh_case: Any
    fresh_subject: Any


def choose_cast() -> Cast:
    """The busiest officer (most open cases), their supervisor, an auditor of their force, and an
    open case of theirs with a charged suspect (so a court hearing can be recorded on it)."""
    from django.db.models import Count, Q

    from accounts.models import User
    from accounts.roles import AUDITOR, OFFICER, SUPERVISOR
    from cases.models import Case, ChargingSubmission

    officers = (
        User.objects.filter(groups__name=OFFICER, is_active=True)
        .annotate(open_cases=Count("cases_as_oic", filter=Q(cases_as_oic__status="open")))
        .order_by("-open_cases", "id")
    )
    for officer in officers[:50]:
        charged = ChargingSubmission.objects.filter(
            case__officer_in_case=officer, case__status="open", case__restricted=False, decision="charge"
        ).select_related("case", "subject")
        submission = charged.order_by("-decision_at").first()
        if submission is not None:
            break
    else:
        raise SystemExit("No busy officer has an open case with a charged suspect: fill the database first.")
    case = submission.case
    supervisor = User.objects.filter(groups__name=SUPERVISOR, teams=case.team_id).order_by("id").first()
    auditor = User.objects.filter(groups__name=AUDITOR, force=case.force_id).order_by("id").first()
    if supervisor is None or auditor is None:
        raise SystemExit("No supervisor or auditor for the chosen case's team and force.")
    # The case whose page is measured is another one: the stage recorded by every run accumulates
    # hearings on `case`, which would make its page unlike any real one.
    page_case = (
        Case.objects.filter(
            officer_in_case=officer, status="open", restricted=False, stage__in=["arrest", "charging", "court"]
        )
        .exclude(pk=case.pk)
        .order_by("-opened_at")
        .first()
    ) or case
    fresh = (
        charged.filter(case__team=case.team_id)
        .exclude(case=case)
        .annotate(listed=Count("case__hearings"))
        .order_by("listed", "-decision_at")
        .first()
    ) or submission
    return Cast(officer, supervisor, auditor, case, submission.subject, page_case, fresh.case, fresh.subject)


def signed_in(user: Any) -> Any:
    from tests.conftest import BrowserClient

    client = BrowserClient(HTTP_HOST=HOST)
    client.force_login(user)
    return client


def _get_page(client: Any, url: str) -> Any:
    return expect(client.get(url), 200)


def expect(response: Any, status: int) -> Any:
    if response.status_code != status:
        raise AssertionError(f"{response.request['PATH_INFO']}: expected {status}, got {response.status_code}")
    return response


# --- The measurements ---------------------------------------------------------------------


def page_measures(cast: Cast, iterations: int) -> list[Measure]:
    from django.urls import reverse

    officer = signed_in(cast.officer)
    auditor = signed_in(cast.auditor)
    case_list = reverse("cases:list")
    detail = reverse("cases:detail", kwargs={"reference": cast.page_case.reference})
    audit = reverse("audit:search")
    day = cast.page_case.opened_at.date()
    month = {"date_from": (day - timedelta(days=30)).isoformat(), "date_to": day.isoformat()}
    filtered = {"status": "open", "stage": cast.page_case.stage}
    halfway = {"before": halfway_back(cast)}

    def get(client: Any, url: str, data: dict[str, str] | None = None) -> Callable[[], Any]:
        return lambda: expect(client.get(url, data or {}), 200)

    return [
        timed(
            "baseline",
            "A signed-in page with no case data (password change form)",
            get(officer, reverse("password_change")),
            iterations,
        ),
        timed("case_list", "Officer's case list, first page", get(officer, case_list), iterations),
        timed(
            "case_list_older",
            "Officer's case list, an older page halfway back (keyset)",
            get(officer, case_list, halfway),
            iterations,
        ),
        timed(
            "case_list_filtered",
            "Case list filtered by status and stage",
            get(officer, case_list, filtered),
            iterations,
        ),
        timed(
            "case_list_search",
            "Case list searched by reference",
            get(officer, case_list, {"q": cast.page_case.reference}),
            iterations,
        ),
        timed("case_page", "Case page (timeline, what is due next)", get(officer, detail), iterations),
        *record_page_measures(cast, officer, iterations),
        timed(
            "audit_by_user",
            "Auditor search by username",
            get(auditor, audit, {"username": cast.officer.username}),
            iterations,
        ),
        timed(
            "audit_by_case",
            "Auditor search by case reference",
            get(auditor, audit, {"case_reference": cast.page_case.reference}),
            iterations,
        ),
        timed("audit_by_date", "Auditor search by a 30-day date range", get(auditor, audit, month), iterations),
    ]


def api_measures(cast: Cast, iterations: int) -> list[Measure]:
    """The API's case list and case read (budget as the pages': p95 at most 50 ms), by a client of
    the officer's force registered for the run and rolled back with everything it wrote (its audit
    entries included), so the benchmark database keeps no token."""
    from django.db import transaction
    from django.test import Client, override_settings

    from api.services import create_client

    measures: list[Measure] = []
    with transaction.atomic():
        made = create_client(
            force=cast.page_case.force, name="Benchmark client", scopes=["read_cases"], created_by=cast.supervisor
        )
        client = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Bearer {made.token}")

        def get(url: str, data: dict[str, str] | None = None) -> Callable[[], Any]:
            return lambda: expect(client.get(url, data or {}), 200)

        with override_settings(SAFEGUARD_API_RATE="1000000/min"):
            measures += [
                timed(
                    "api_case_list", "API case list, first page (budget p95 50 ms)", get("/api/v1/cases/"), iterations
                ),
                timed(
                    "api_case_list_csv",
                    "API case list as CSV, first page (budget p95 50 ms)",
                    get("/api/v1/cases/", {"format": "csv"}),
                    iterations,
                ),
                timed(
                    "api_case",
                    "API case read (budget p95 50 ms)",
                    get(f"/api/v1/cases/{cast.page_case.reference}/"),
                    iterations,
                ),
            ]
        transaction.set_rollback(True)
    return measures


def search_measures(cast: Cast, iterations: int) -> list[Measure]:
    """The search over every record (budget: p95 at most 100 ms), by a whole IP address and by part
    of a name; and the deconfliction check of one IP address, the work it adds to a save (budget: at
    most 10 ms), run in a transaction rolled back each time so that no match it makes is kept."""
    from django.db import transaction
    from django.urls import reverse

    from cases.models import IndexedIdentifier
    from cases.services.identifiers import deconfliction_check

    officer = signed_in(cast.officer)
    find = reverse("cases:find")
    own = IndexedIdentifier.objects.filter(case__officer_in_case=cast.officer)
    ip = own.filter(kind="ip").order_by("id").first()
    person = own.filter(kind="person").order_by("id").first()
    if ip is None or person is None:
        why = "no indexed IP address or person on the officer's cases: run make bench-data again"
        return [
            unavailable("search_ip", "Search every record: a whole IP address", why),
            unavailable("search_name", "Search every record: part of a name", why),
            unavailable("deconfliction_check", "Deconfliction check of one IP address (added to a save)", why),
        ]
    surname = person.value.split()[-1]

    def check() -> None:
        with transaction.atomic():
            deconfliction_check(entry=ip, actor=cast.officer)
            transaction.set_rollback(True)

    return [
        timed(
            "search_ip",
            "Search every record: a whole IP address (budget p95 100 ms)",
            lambda: expect(officer.get(find, {"q": ip.value}), 200),
            iterations,
        ),
        timed(
            "search_name",
            "Search every record: a surname, part of names (budget p95 100 ms)",
            lambda: expect(officer.get(find, {"q": surname}), 200),
            iterations,
        ),
        timed("deconfliction_check", "Deconfliction check of one IP address (budget 10 ms)", check, iterations),
    ]


def record_page_measures(cast: Cast, officer: Any, iterations: int) -> list[Measure]:
    """The correction page and the history page of the page case's first arrest (cases.corrections):
    the same budget as the case page."""
    from django.urls import reverse

    arrest = cast.page_case.arrests.order_by("id").first()
    if arrest is None:
        return [unavailable(name, what, "the measured case has no arrest") for name, what in RECORD_PAGES]
    urls = [
        reverse(
            f"cases:record_{page}",
            kwargs={"reference": cast.page_case.reference, "record_type": "arrest", "pk": arrest.pk},
        )
        for page in ("correct", "history")
    ]
    return [
        timed(name, what, partial(_get_page, officer, url), iterations)
        for (name, what), url in zip(RECORD_PAGES, urls, strict=True)
    ]


RECORD_PAGES = (
    ("record_correct", "Correction page of an arrest (form filled from the record)"),
    ("record_history", "History page of an arrest (every version)"),
)


def halfway_back(cast: Cast) -> str:
    """The cursor of the case halfway down the officer's list, as an "Older cases" link carries it:
    the page after it is as deep as a person would page. Found once, before any timing."""
    from cases.selectors import case_list_for
    from safeguard.keyset import Cursor

    cases = case_list_for(cast.officer).select_related(None).only("id", "opened_at")
    middle = cases[cases.count() // 2]
    return Cursor(middle.opened_at, middle.pk).encode()


def hearing_post(client: Any, case: Any, subject: Any) -> Callable[[], Any]:
    from django.urls import reverse
    from django.utils import timezone

    url = reverse("cases:hearing_add", kwargs={"reference": case.reference})
    listed = timezone.localtime() + timedelta(days=14)
    data = {
        "subject": str(subject.pk),
        "court": "Stafford Crown Court",
        "hearing_at": listed.strftime("%Y-%m-%dT%H:%M"),
        "hearing_type": "plea",
        "remand_status": "conditional_bail",
    }
    return lambda: expect(client.post(url, data), 302)


def set_audit_triggers(enabled: bool) -> None:
    from django.db import connection, transaction

    from audit.triggers import ROW_TRIGGER, audited_tables

    verb = "ENABLE" if enabled else "DISABLE"
    existing = set(connection.introspection.table_names())
    with transaction.atomic(), connection.cursor() as cursor:
        for audited in audited_tables():
            if audited.table in existing:
                cursor.execute(f"ALTER TABLE {connection.ops.quote_name(audited.table)} {verb} TRIGGER {ROW_TRIGGER}")


# The audit overhead is measured in blocks of this many requests with the triggers on, then off.
OVERHEAD_BLOCK = 10


def write_measures(cast: Cast, iterations: int) -> list[Measure]:
    """Recording a stage (a court hearing, POSTed through the real view), and the same request with
    the audit row triggers switched off, in alternating blocks so drift hits both alike.

    Switching the triggers is DDL (ALTER TABLE on every audited table): it empties PostgreSQL's
    caches of those tables, so the request after it is slower whichever way it switched, a cost of
    the benchmark that no real request pays. Each block therefore starts with one untimed request,
    then times `OVERHEAD_BLOCK`. Blocks alternate, twice `iterations` of each, so each side has
    twenty times as many samples as a page's line: the p95 of a difference of a millisecond needs
    more than a page's.

    The overhead is the difference between the two distributions at each percentile (p50 of the
    audited requests minus p50 of the others, and so for p95); and the same for the
    requests' time in the database (every statement, round trip included), where the triggers run:
    `audit_overhead_db`, which the Python side's noise on a shared machine does not reach."""
    from django.db import connection

    officer = signed_in(cast.officer)
    post = hearing_post(officer, cast.case, cast.subject)
    spent = [0.0]

    def in_database(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[0] += (time.perf_counter() - started) * 1000

    on: list[float] = []
    off: list[float] = []
    db_on: list[float] = []
    db_off: list[float] = []
    for _ in range(2):
        post()
    try:
        with connection.execute_wrapper(in_database):
            for _ in range(2 * iterations):
                for enabled, samples, db_samples in ((False, off, db_off), (True, on, db_on)):
                    set_audit_triggers(enabled)
                    post()  # untimed: the first request after the DDL (above)
                    for _ in range(OVERHEAD_BLOCK):
                        spent[0] = 0.0
                        started = time.perf_counter()
                        post()
                        samples.append((time.perf_counter() - started) * 1000)
                        db_samples.append(spent[0])
    finally:
        set_audit_triggers(True)
    written = entries_per_request(post)
    recorded = timed("record_stage", "Record a stage: court hearing POST (audited)", post, iterations, warmup=0)

    overhead = difference(
        "audit_overhead",
        "The same POST, audit triggers on minus off, percentile by percentile",
        on,
        off,
        prefix=f"{written} entries a request; ",
    )
    in_db = difference(
        "audit_overhead_db",
        "The same POSTs' time in the database (where the triggers run), on minus off",
        db_on,
        db_off,
    )
    return [recorded, overhead, in_db]


def difference(name: str, what: str, audited: list[float], unaudited: list[float], prefix: str = "") -> Measure:
    """The audited samples minus the unaudited, percentile by percentile."""

    def at(fraction: float) -> float:
        return round(percentile(audited, fraction) - percentile(unaudited, fraction), 2)

    return Measure(
        name,
        what,
        p50_ms=at(0.5),
        p95_ms=at(0.95),
        min_ms=round(min(audited) - min(unaudited), 2),
        iterations=len(audited),
        note=(
            f"{prefix}off p50 {percentile(unaudited, 0.5):.2f} / p95 {percentile(unaudited, 0.95):.2f} ms, "
            f"on p50 {percentile(audited, 0.5):.2f} / p95 {percentile(audited, 0.95):.2f} ms"
        ),
    )


def entries_per_request(call: Callable[[], Any]) -> int:
    from audit.models import AuditEntry

    def newest() -> int:
        return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

    before = newest()
    call()
    return AuditEntry.objects.filter(id__gt=before).count()


def optional_page_measures(cast: Cast, iterations: int) -> list[Measure]:
    """Pages that exist only in some versions of Safeguard: measured if their URL name resolves."""
    from django.urls import NoReverseMatch, reverse

    supervisor = signed_in(cast.supervisor)
    measures = []
    for name, url_name, what in (
        ("dashboard", "reports:dashboard", "Supervisor dashboard, in the minute after a stage was recorded"),
        ("figures", "reports:figures", "Figures report"),
    ):
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            measures.append(unavailable(name, what, f"{url_name} does not exist in this version"))
            continue
        if name == "dashboard":
            after_a_write(cast)
        measures.append(timed(name, what, partial(_get_page, supervisor, url), iterations))
        if name == "dashboard":
            measures.append(dashboard_refreshed(supervisor, url, iterations))
        if name == "figures":
            measures.append(figures_after_a_change(cast, supervisor, url, iterations))
            measures.append(figures_made_afresh(supervisor, url, iterations))
    return measures


# Tasks each person of the cast is given for My work, if the data has none of theirs: the generator
# makes no tasks (work is newer than it), and a work queue of this size is a busy officer's.
WORK_TASKS = 40


def give_tasks(cast: Cast) -> None:
    """Tasks for the officer and the supervisor on the officer's open cases, a few overdue, a few
    suggested; made once per database (kept for later runs, like the hearings recorded)."""
    from cases.models import Case
    from work.models import Task
    from work.selectors import london_today

    cases = list(Case.objects.filter(officer_in_case=cast.officer, status="open").order_by("-opened_at")[:WORK_TASKS])
    today = london_today()
    for person in (cast.officer, cast.supervisor):
        if Task.objects.filter(owner=person).exists() or not cases:
            continue
        Task.objects.bulk_create(
            Task(
                case=cases[n % len(cases)],
                title=f"Bench task {n}",
                owner=person,
                due_on=today + timedelta(days=n - 5),
                status="suggested" if n % 10 == 0 else "open",
                created_by=cast.supervisor,
            )
            for n in range(WORK_TASKS)
        )


def work_measures(cast: Cast, iterations: int) -> list[Measure]:
    """My work, as the officer's landing page and as the supervisor's work (with the reviews due)."""
    from django.urls import reverse

    give_tasks(cast)
    url = reverse("work:my_work")
    return [
        timed(
            "my_work",
            "Officer's My work: deadlines, tasks, open cases, unread reminders",
            partial(_get_page, signed_in(cast.officer), url),
            iterations,
        ),
        timed(
            "supervisor_work",
            "Supervisor's work: as My work, with the reviews due on the cases they supervise",
            partial(_get_page, signed_in(cast.supervisor), url),
            iterations,
        ),
    ]


def after_a_write(cast: Cast) -> None:
    """The moment after an officer records a stage: the summaries have taken in every earlier write
    (as Celery's minutely refresh does), and one hearing has just been recorded on a case like any
    other, whose deadlines the dashboard then recomputes on each request.

    Not the case `write_measures` recorded on: by then it holds a hundred and more hearings from
    this run (and more from each earlier run), which no real case has."""
    from reports.tasks import refresh_summaries

    refresh_summaries()
    hearing_post(signed_in(cast.officer), cast.fresh_case, cast.fresh_subject)()


def dashboard_refreshed(supervisor: Any, url: str, iterations: int) -> Measure:
    """The dashboard once Celery's minutely refresh has taken in the stages just recorded
    (`cases.tasks.refresh_summaries`, run here in the same process): the deadlines are all read
    from the summary. The `dashboard` line before it is the page in the minute after a stage was
    recorded (`after_a_write`), when the deadlines of that case are recomputed on each request."""
    from reports.tasks import refresh_summaries

    refresh_summaries()
    return timed(
        "dashboard_refreshed",
        "Supervisor dashboard, the summaries up to date (as within a minute of the last write)",
        lambda: expect(supervisor.get(url), 200),
        iterations,
    )


def figures_after_a_change(cast: Cast, supervisor: Any, url: str, iterations: int) -> Measure:
    """The figures report in the minute after Celery's refresh took in a change to the force's facts:
    before each request (untimed) the force's facts version moves on, as the refresh moves it when a
    fact changes, and the refresh's next step recomputes and caches the default period's figures
    (`remake_default_figures`), as `cases.tasks.refresh_summaries` does."""
    from django.db.models import F
    from django.utils import timezone

    from cases.models import FigureFactsVersion
    from reports.figures import remake_default_figures

    force_id = cast.supervisor.force_id

    def change() -> None:
        FigureFactsVersion.objects.filter(force_id=force_id).update(version=F("version") + 1)
        remake_default_figures([force_id], now=timezone.now())

    return timed(
        "figures_after_change",
        "Figures report after Celery's refresh took in a change to the force's facts",
        lambda: expect(supervisor.get(url), 200),
        iterations,
        before=change,
    )


def figures_made_afresh(supervisor: Any, url: str, iterations: int) -> Measure:
    """The figures report with the cache empty (reports/cache.py), as for a period no one has
    asked for since the force's facts last changed (Celery recomputes only the default period's,
    `figures_after_change`). Every grouped query runs again."""
    from cases.models import FiguresCache

    return timed(
        "figures_afresh",
        "Figures report made afresh (nothing kept: a period no one has asked for since the facts changed)",
        lambda: expect(supervisor.get(url), 200),
        iterations,
        before=lambda: FiguresCache.objects.all().delete(),
    )


def admin_changelist(cast: Cast, iterations: int) -> Measure:
    """A stock ModelAdmin change list of cases, as a team might ship, on a private admin site."""
    from django.contrib import admin
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore
    from django.template.response import TemplateResponse
    from django.test import RequestFactory
    from django.urls import path, set_urlconf

    from accounts.models import User
    from cases.models import Case

    site = admin.AdminSite(name="bench_admin")

    class CaseAdmin(admin.ModelAdmin):
        list_display = ("reference", "force", "team", "officer_in_case", "status", "stage", "opened_at")
        list_filter = ("status", "stage", "force")
        search_fields = ("reference", "operation")
        list_select_related = ("force", "team", "officer_in_case")

    site.register(Case, CaseAdmin)

    class BenchUrls:
        # The private site's own addresses: the change list links to its app's page, which Safeguard's
        # admin (people, teams and forces only) does not serve for cases.
        urlpatterns = [path("admin/", site.urls)]

    superuser = User(username="bench-superuser", is_staff=True, is_superuser=True, is_active=True)

    def call() -> None:
        request = RequestFactory(HTTP_HOST=HOST).get("/admin/cases/case/")
        request.user = superuser
        request.session = SessionStore()
        request._messages = FallbackStorage(request)  # type: ignore[attr-defined]  # as Django's MessageMiddleware sets it
        set_urlconf(BenchUrls)  # type: ignore[arg-type]  # Django takes an object with urlpatterns too
        try:
            response = site._registry[Case].changelist_view(request)
            assert isinstance(response, TemplateResponse)
            response.render()
        finally:
            set_urlconf(None)
        assert response.status_code == 200

    return timed("admin_changelist", "Django admin change list of cases (stock ModelAdmin)", call, iterations)


def guardian_list(cast: Cast, iterations: int) -> Measure:
    """django-guardian's stock scoping: `get_objects_for_user` over per-case group grants of the
    team's cases, counted and paged as a list page would. The grants are rolled back afterwards."""
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from guardian.shortcuts import get_objects_for_user

    from accounts.roles import OFFICER  # noqa: F401  (the officer keeps their role)
    from cases.models import Case, CaseGroupObjectPermission

    class Rollback(Exception):
        pass

    result: Measure | None = None
    try:
        with transaction.atomic():
            group = Group.objects.create(name=f"bench team {cast.case.team_id}")
            cast.officer.groups.add(group)
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO cases_casegroupobjectpermission (content_object_id, group_id, permission_id) "
                    "SELECT c.id, %s, p.id FROM cases_case c, auth_permission p "
                    "WHERE c.team_id = %s AND p.codename = 'view_case' "
                    "AND p.content_type_id = "
                    "(SELECT id FROM django_content_type WHERE app_label = 'cases' AND model = 'case')",
                    [group.pk, cast.case.team_id],
                )
                cursor.execute("ANALYZE cases_casegroupobjectpermission")
            assert CaseGroupObjectPermission.objects.filter(group=group).exists()

            def call() -> None:
                cases = get_objects_for_user(cast.officer, "cases.view_case", klass=Case, accept_global_perms=False)
                cases = cases.select_related("team__force", "officer_in_case", "supervisor").order_by(
                    "-opened_at", "-id"
                )
                cases.count()
                list(cases[:25])

            result = timed(
                "guardian_list", "django-guardian get_objects_for_user, counted and first 25", call, iterations
            )
            raise Rollback
    except Rollback:
        pass
    assert result is not None
    return result


def safeguard_list_query(cast: Cast, iterations: int) -> Measure:
    """Safeguard's case list selector, counted and first 25: the same work as the peers' queries."""
    from cases.selectors import case_list_for

    def call() -> None:
        cases = case_list_for(cast.officer)
        cases.count()
        list(cases[:25])

    return timed("safeguard_list_query", "Safeguard case_list_for, counted and first 25", call, iterations)


# --- Running and reporting ----------------------------------------------------------------


def scale() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_case")
        cases = cursor.fetchone()[0]
        cursor.execute(
            "SELECT (SELECT last_seq FROM audit_auditchainhead WHERE id = 1)"
            " + (SELECT count(*) FROM audit_auditentry WHERE seq IS NULL)"
        )
        row = cursor.fetchone()
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return {"cases": cases, "audit_entries": row[0] if row else 0, "postgresql": version}


def machine() -> dict[str, Any]:
    memory = ""
    try:
        with open("/proc/meminfo") as handle:
            memory = f"{int(handle.readline().split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "memory": memory,
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def run(
    iterations: int = 30,
    write: bool = True,
    out: Callable[[str], None] = print,
    clients: Sequence[int] = parallel.CLIENTS,
) -> dict[str, Any]:
    """Every measure; with `clients`, then audited writes in parallel by that many clients
    (bench/parallel.py), which needs the data committed (forked clients read it)."""
    cast = choose_cast()
    measures = page_measures(cast, iterations)
    measures += api_measures(cast, iterations)
    measures += search_measures(cast, iterations)
    measures += write_measures(cast, iterations)
    measures += optional_page_measures(cast, iterations)
    measures += work_measures(cast, iterations)
    ours = safeguard_list_query(cast, iterations)
    peers = [admin_changelist(cast, iterations), guardian_list(cast, iterations)]
    case_list = next(m for m in measures if m.name == "case_list")
    report: dict[str, Any] = {
        "scale": scale(),
        "machine": machine(),
        "iterations": iterations,
        "cast": {
            "officer": cast.officer.username,
            "case_page": cast.page_case.reference,
            "stage_recorded_on": cast.case.reference,
            "dashboard_after_a_stage_on": cast.fresh_case.reference,
            "auditor": cast.auditor.username,
        },
        "measures": [asdict(m) | {"samples_ms": None} for m in [*measures, ours, *peers]],
        "ratios": {
            "admin_changelist_vs_case_list_p50": _ratio(peers[0].p50_ms, case_list.p50_ms),
            "guardian_vs_safeguard_query_p50": _ratio(peers[1].p50_ms, ours.p50_ms),
        },
    }
    out(table(report))
    if clients:
        report["parallel"] = parallel.measure(clients, out=out)
    if write:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}-{report['scale']['cases']}-cases.json"
        path.write_text(json.dumps(report, indent=2) + "\n")
        keep_latest(path)
    if write:
        out(f"Written to {path.relative_to(RESULTS.parent.parent)}")
    return report


def keep_latest(path: Path) -> list[Path]:
    """Remove the other results at `path`'s scale (`<time>-<cases>-cases.json` beside it), so that
    bench/results holds one file per scale: the latest. Returns what was removed."""
    cases = path.name.split("-")[2]
    removed = [
        other for other in path.parent.glob("*-cases.json") if other != path and other.name.split("-")[2] == cases
    ]
    for other in removed:
        other.unlink()
    return sorted(removed)


def _ratio(peer: float | None, ours: float | None) -> float | None:
    return round(peer / ours, 1) if peer and ours else None


def table(report: dict[str, Any]) -> str:
    scale_ = report["scale"]
    lines = [
        f"Safeguard benchmark: {scale_['cases']:,} cases, {scale_['audit_entries']:,} audit entries, "
        f"PostgreSQL {scale_['postgresql']}, {report['machine']['cpus']} CPUs, {report['machine']['memory']}, "
        f"{report['iterations']} iterations, load average {report['machine']['load_average'][0]}",
        f"{'Measure':<24}{'p50 ms':>10}{'p95 ms':>10}{'min ms':>10}{'queries':>9}{'db ms':>8}  What",
    ]
    for m in report["measures"]:
        if m["p50_ms"] is None:
            lines.append(f"{m['name']:<24}{'':>47}  {m['what']}: {m['note']}")
            continue
        queries = "" if m["queries"] is None else str(m["queries"])
        db_ms = "" if m.get("db_ms") is None else f"{m['db_ms']:.2f}"
        note = f" ({m['note']})" if m["note"] else ""
        timings = f"{m['p50_ms']:>10.2f}{m['p95_ms']:>10.2f}{m['min_ms']:>10.2f}"
        lines.append(f"{m['name']:<24}{timings}{queries:>9}{db_ms:>8}  {m['what']}{note}")
    ratios = report["ratios"]
    lines.append(
        f"Django admin change list / Safeguard case list (p50): {ratios['admin_changelist_vs_case_list_p50']}x; "
        f"guardian get_objects_for_user / Safeguard selector (p50): {ratios['guardian_vs_safeguard_query_p50']}x"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure Safeguard's pages against a filled database.")
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument(
        "--clients",
        type=parallel.parse_clients,
        default=parallel.CLIENTS,
        help="numbers of concurrent clients for the audited writes in parallel (bench/parallel.py), e.g. 1,2,4,8",
    )
    args = parser.parse_args(argv)
    import django

    from safeguard.memory import tune_garbage_collection

    django.setup()
    tune_garbage_collection()  # as the web worker does once loaded (safeguard/wsgi.py)
    run(iterations=args.iterations, clients=args.clients)
    return 0


if __name__ == "__main__":
    sys.exit(main())
