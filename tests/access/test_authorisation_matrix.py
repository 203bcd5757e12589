"""The authorisation matrix: every URL the project serves, GET and POST, as every kind of person.

URLs are walked from the resolver, so a new URL without a rule in `RULES` fails this suite until
someone decides who may use it. Expected answers come from the role table (docs/access.md), restated
here independently of the code under test:

- anonymous: 302 to the sign-in page, except on the public pages: the views marked
  `login_not_required` (PUBLIC is read from the URL patterns, never written by hand), which answer
  everyone alike;
- a case the person may not see: 404, exactly as a missing case;
- a case they may see but not do this on: 403;
- otherwise the page works: 200 (a form or page), 302 (saved) or 400 (the empty form refused);
- a method the page does not take: 405 for everyone signed in, whether or not they may see the case;
- user administration: administrators only (403 for anyone else); a person or request of another
  force is 404 for its administrator, as a missing one; an administrator's own account (target
  "self") is 403 on every page that changes it, and a request they made or one about them is 403
  for them to decide (four eyes).

Each request runs in a savepoint that is rolled back, so one person's POST cannot change what the
next person meets.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from django.urls.resolvers import RegexPattern

from api.models import ApiClient
from api.services import create_client
from audit.models import Flag
from cases.models import DeconflictionMatch, Notification
from tests.access.world import ACTORS, World
from tests.conftest import BrowserClient
from tests.shared import set_up_once

# The API answers clients by token, not people by session: its own matrix covers every one of its
# routes and scopes (tests/api/test_authorisation_matrix.py).
EXCLUDED_NAMESPACES = {"admin", "djdt", "api"}

OK = {200, 302, 400}


@dataclass(frozen=True)
class Rule:
    """Who may use a URL.

    kind: "public" (anyone, signed in or not: only for views marked `login_not_required`),
    "signed_in" (any signed-in person; lists are scoped by the selectors), "account" (the person's
    own sign-in steps and password: any signed-in person; what they do is tested in tests/accounts),
    "role" (a role
    capability, 403 otherwise), "case" (a case page: `need` is view, record, devices or supervise),
    "referral" (officers and supervisors of the referral's force; 404 for anyone else),
    "auditor" (the audit pages: auditors only; 404 for anyone else, so they do not reveal themselves),
    "match" (a deconfliction match: anyone who may see one of its records; 404 for anyone else),
    "export_job" (a figures export: only the person who asked for it; 404 for anyone else),
    "administration" (an administrator's page about no one person: any administrator; 403 for anyone
    else), "person" (about one person: `need` "view" or "change"), "access_request" (deciding a
    four-eyes request), "api_client" (an API client: its force's administrators; 403 for anyone
    else, 404 for another force's administrator).
    records: URL keyword -> kind of record in the world ("pk" -> "device"), or "=<value>" for a
    value put in the URL as it is ("record_type" -> "=arrest").
    methods: what the page takes. Any other method is 405 for everyone signed in, before any
    access check, so it tells nobody whether the case exists.
    """

    kind: str
    need: str = "view"
    records: tuple[tuple[str, str], ...] = ()
    methods: tuple[str, ...] = ("GET", "POST")


READ = ("GET",)


def case(need: str = "view", **records: str) -> Rule:
    """A case page; reading pages (need "view") take GET only."""
    return Rule("case", need, tuple(records.items()), READ if need == "view" else ("GET", "POST"))


def referral(methods: tuple[str, ...] = ("GET", "POST"), **records: str) -> Rule:
    return Rule("referral", "view", (("pk", "referral"), *records.items()), methods)


SIGNED_IN = Rule("signed_in", methods=READ)
AUDITOR = Rule("auditor", methods=READ)

ADMINISTRATION = Rule("administration", methods=READ)


def person(need: str = "change", methods: tuple[str, ...] = ("GET", "POST")) -> Rule:
    return Rule("person", need, methods=methods)


RULES: dict[str, Rule] = {
    # Public: signing in, the health check for the load balancer, and setting a first password from
    # an invitation (the matrix's link is not a valid one: 400 for everyone alike).
    "login": Rule("public"),
    "invitation_accept": Rule("public"),
    # User administration (docs/administration.md).
    "administration:people": ADMINISTRATION,
    "administration:invite": Rule("administration"),
    "administration:requests": ADMINISTRATION,
    "administration:person": person("view", READ),
    "administration:person_teams": person(),
    "administration:person_roles": person(),
    "administration:person_team_request": person(),
    "administration:person_disable": person(),
    "administration:person_enable": person(methods=("POST",)),
    "administration:person_unlock": person(methods=("POST",)),
    "administration:person_reset_two_factor": person(methods=("POST",)),
    "administration:person_invite_again": person(methods=("POST",)),
    "administration:request_approve": Rule("access_request", methods=("POST",)),
    "administration:request_refuse": Rule("access_request", methods=("POST",)),
    # API clients (docs/administration.md): a client of the administrators' force.
    "api_clients:list": ADMINISTRATION,
    "api_clients:register": Rule("administration"),
    "api_clients:revoke": Rule("api_client", methods=("POST",)),
    "health": Rule("public", methods=READ),
    # The rest of signing in and out, and the person's own password and backup codes. A person who
    # has given both steps is sent on from the two-factor pages (302).
    "logout": Rule("account", methods=("POST",)),
    "two_factor": Rule("account"),
    "two_factor_setup": Rule("account"),
    "two_factor_backup_codes": Rule("account", methods=READ),
    "password_change": Rule("account"),
    "password_change_done": Rule("account", methods=READ),
    "session_keep_alive": Rule("account", methods=("POST",)),
    # Lists and creating things not yet on a case.
    "cases:list": SIGNED_IN,
    "cases:create": Rule("role", "record_team_cases"),
    "cases:referral_list": SIGNED_IN,
    # The search over every record: anyone signed in; results scoped to what they may see.
    "cases:find": SIGNED_IN,
    "cases:referral_create": Rule("role", "referrals"),
    # Reading a case.
    "cases:detail": case(),
    "cases:log": case(),
    "cases:device_detail": case(pk="device"),
    "cases:arrest_detail": case(pk="arrest"),
    "warrants:detail": case(pk="warrant"),
    # Recording on a case.
    "cases:subject_add": case("record"),
    "cases:premises_add": case("record"),
    "cases:log_add": case("record"),
    "cases:log_correct": case("record", pk="log_entry"),
    "cases:arrest_add": case("record"),
    "cases:custody_extension_add": case("record", pk="arrest"),
    "cases:custody_review_add": case("record", pk="arrest"),
    "cases:release_add": case("record", pk="arrest"),
    "cases:bail_extend": case("record", arrest_pk="arrest", pk="release"),
    "cases:bail_breach_add": case("record", arrest_pk="arrest", pk="release"),
    "cases:bail_court_apply": case("record", arrest_pk="arrest", pk="release"),
    "cases:charging_submit": case("record"),
    "cases:charging_decision": case("record", pk="submission"),
    "cases:hearing_add": case("record"),
    "cases:safeguarding_add": case("record"),
    "cases:safeguarding_edit": case("record", pk="safeguarding"),
    # Correcting and withdrawing any record: who may record it (tests/access/test_record_access.py
    # walks every record type); its history: anyone who may see the case.
    "cases:record_correct": case("record", record_type="=arrest", pk="arrest"),
    "cases:record_withdraw": case("record", record_type="=arrest", pk="arrest"),
    "cases:record_history": case("view", record_type="=arrest", pk="arrest"),
    "warrants:create": case("record"),
    "warrants:apply": case("record", pk="warrant"),
    "warrants:issue": case("record", pk="warrant"),
    "warrants:refuse": case("record", pk="warrant"),
    "warrants:execute": case("record", pk="warrant"),
    "warrants:return": case("record", pk="warrant"),
    "warrants:further_entry": case("record", pk="warrant"),
    # Searches, devices and triage: assigned examiners too.
    "cases:search_add": case("devices"),
    "cases:device_add": case("devices"),
    "cases:device_triage": case("devices", pk="device"),
    "cases:device_image_counts": case("devices", pk="device"),
    "cases:device_forensic_request": case("devices", pk="device"),
    "cases:device_forensic_complete": case("devices", pk="device"),
    # Supervisor actions.
    "cases:case_close": case("supervise"),
    "cases:case_reopen": case("supervise"),
    "cases:retention_review_add": case("supervise"),
    "cases:access_grant": case("supervise"),
    "cases:access_revoke": case("supervise"),
    "cases:examiner_assign": case("supervise"),
    "cases:case_reassign": case("supervise"),
    "cases:case_restrict": case("supervise"),
    # Referrals.
    "cases:referral_detail": referral(READ),
    "cases:referral_identifier_add": referral(),
    "cases:comms_request_add": referral(),
    "cases:comms_request_approval": referral(request_pk="comms_request"),
    "cases:comms_request_result": referral(request_pk="comms_request"),
    "cases:referral_outcome": referral(),
    "cases:case_open_from_referral": referral(),
    # Correcting and withdrawing a record of a referral not developed into a case (the referral, an
    # identifier, a request): who may record referrals, as its first entry; its history: the same
    # people (tests/access/test_record_access.py walks every type the referral's pages take).
    "cases:referral_record_correct": referral(record_type="=referral_identifier", record_pk="referral_identifier"),
    "cases:referral_record_withdraw": referral(record_type="=referral_identifier", record_pk="referral_identifier"),
    "cases:referral_record_history": referral(
        READ, record_type="=referral_identifier", record_pk="referral_identifier"
    ),
    # Deconfliction: a match is answered to anyone who may see one of its two records (the world's
    # match is between this force's referral and another force's); an auditor lists every match.
    "cases:match_detail": Rule("match", methods=READ),
    "cases:match_confirm": Rule("match", methods=("POST",)),
    "cases:match_undo": Rule("match", methods=("POST",)),
    "cases:match_list": Rule("role", "read_audit", methods=READ),
    # Deadlines and the inbox: anyone signed in; lists scoped to what they may see, the inbox to
    # their own reminders (a reminder of someone else's is a 404, as a missing one).
    "cases:deadlines": SIGNED_IN,
    "cases:inbox": SIGNED_IN,
    "cases:notifications_read_all": Rule("signed_in", methods=("POST",)),
    "cases:notification_read": Rule("notification", methods=("POST",)),
    # Work: `/` sends each person to their start page; My work is anyone's own (scoped by the
    # selectors). A case's tasks and reviews: anyone who may see the case; setting a task: anyone
    # who may record on it; a review: its supervisors. A task's page: anyone who may see its case;
    # acting on it: anyone who may record on the case (or its owner, who in the world records too).
    "home": SIGNED_IN,
    "work:my_work": SIGNED_IN,
    "work:case_work": case(),
    "work:task_create": case("record"),
    "work:review_add": case("supervise"),
    "work:task_detail": Rule("case", "view", (("pk", "task"),), READ),
    "work:task_complete": Rule("case", "record", (("pk", "task"),), ("POST",)),
    "work:task_reassign": Rule("case", "record", (("pk", "task"),), ("POST",)),
    "work:task_accept": Rule("case", "record", (("pk", "task"),), ("POST",)),
    "work:task_dismiss": Rule("case", "record", (("pk", "task"),), ("POST",)),
    # The audit trail: read-only, auditors only.
    "audit:search": AUDITOR,
    "audit:export": AUDITOR,
    "audit:case_access": AUDITOR,
    "audit:user_access": AUDITOR,
    "audit:flags": AUDITOR,
    # A flag and the entries behind it; auditors may mark it reviewed (POST), and do nothing else.
    "audit:flag_detail": Rule("auditor", methods=("GET", "POST")),
    # The supervisor's dashboard and the figures: supervisors only (403 for anyone else).
    "reports:dashboard": Rule("role", "figures", methods=READ),
    "reports:figures": Rule("role", "figures", methods=READ),
    "reports:figures_export_create": Rule("role", "figures", methods=("POST",)),
    # Reassigning many cases from the dashboard: supervisors only; each case is checked again.
    "reports:reassign": Rule("role", "supervise"),
    # A figures export: only its requester (supervisor_a in the world).
    "reports:figures_export": Rule("export_job", methods=READ),
    "reports:figures_export_download": Rule("export_job", methods=READ),
}

# What each person may do on the case of team A and on the restricted case of team A (the role
# table applied to the world: team membership, the examiner's assignment, the restricted case's
# grants to its officer in the case and supervisor).
ALL = {"view", "record", "devices", "supervise"}
CASE_ACCESS: dict[str, dict[str, set[str]]] = {
    "officer_a": {"case": {"view", "record", "devices"}, "restricted": set()},
    "supervisor_a": {"case": ALL, "restricted": ALL},
    "examiner_assigned": {"case": {"view", "devices"}, "restricted": set()},
    "examiner_unassigned": {"case": set(), "restricted": set()},
    "auditor": {"case": set(), "restricted": set()},
    "administrator": {"case": set(), "restricted": set()},
    "administrator_2": {"case": set(), "restricted": set()},
    "administrator_other": {"case": set(), "restricted": set()},
    "officer_b": {"case": set(), "restricted": set()},
    "officer_r": {"case": {"view", "record", "devices"}, "restricted": {"view", "record", "devices"}},
}
ROLE_CAPABILITIES = {
    "officer_a": {"record_team_cases", "referrals"},
    "supervisor_a": {"record_team_cases", "referrals", "figures", "supervise"},
    "officer_b": {"record_team_cases", "referrals"},
    "officer_r": {"record_team_cases", "referrals"},
    "auditor": {"read_audit"},
}
# Administrators: of the world's force (STF), and of another force.
ADMINISTRATORS = {"administrator", "administrator_2"}
OTHER_FORCE_ADMINISTRATORS = {"administrator_other"}
# Referrals: officers and supervisors of the force, whatever their team.
SEES_REFERRALS = {"officer_a", "supervisor_a", "officer_b", "officer_r"}


def url_patterns(resolver: URLResolver | None = None) -> list[tuple[str, tuple[str, ...], Callable[..., Any]]]:
    """Every named URL the project serves, with its keyword arguments and its view, walked from the
    resolver."""
    found: list[tuple[str, tuple[str, ...], Callable[..., Any]]] = []

    def walk(patterns, namespace: str, converters: tuple[str, ...]) -> None:
        for pattern in patterns:
            keys = converters + tuple(getattr(pattern.pattern, "converters", {}))
            if isinstance(pattern, URLResolver):
                if pattern.namespace in EXCLUDED_NAMESPACES:
                    continue
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner, keys)
            elif isinstance(pattern, URLPattern):
                if pattern.lookup_str == "django.views.static.serve":
                    continue
                assert pattern.name, f"The URL {pattern.pattern} has no name: name it and give it a rule in RULES."
                found.append((f"{namespace}{pattern.name}", keys, pattern.callback))

    walk((resolver or get_resolver()).url_patterns, "", ())
    return found


def url_names() -> list[tuple[str, tuple[str, ...]]]:
    return [(name, keys) for name, keys, _view in url_patterns()]


def public_url_names(resolver: URLResolver | None = None) -> set[str]:
    """The URLs whose views are marked `login_not_required`: the ones LoginRequiredMiddleware lets
    anyone open."""
    return {name for name, _keys, view in url_patterns(resolver) if not getattr(view, "login_required", True)}


def public_pages_not_in_the_matrix(public: set[str], rules: dict[str, Rule]) -> list[str]:
    """Public views the matrix does not know as public, and "public" rules for views that are not."""
    ruled_public = {name for name, rule in rules.items() if rule.kind == "public"}
    return sorted(public ^ ruled_public)


URLS = url_names()
PUBLIC = public_url_names()


def test_every_url_has_a_rule() -> None:
    missing = [name for name, _ in URLS if name not in RULES]
    assert not missing, f"No authorisation rule for {missing}. Add each to RULES in {__file__}, saying who may use it."


def test_the_public_pages_are_exactly_the_views_marked_login_not_required() -> None:
    wrong = public_pages_not_in_the_matrix(PUBLIC, RULES)
    assert not wrong, (
        f"{wrong}: a view marked login_not_required needs Rule('public') in RULES (and a reason to be "
        "public: docs/access.md); a Rule('public') needs its view so marked."
    )


def test_a_new_public_view_without_a_public_rule_is_found() -> None:
    """The check above can fail: a URL configuration with one more view marked login_not_required."""

    @login_not_required
    def open_page(request: HttpRequest) -> HttpResponse:
        return HttpResponse("open")

    def closed_page(request: HttpRequest) -> HttpResponse:
        return HttpResponse("closed")

    extra = [path("open/", open_page, name="open"), path("closed/", closed_page, name="closed")]
    resolver = URLResolver(RegexPattern(r"^/"), [*get_resolver().url_patterns, *extra])
    public = public_url_names(resolver)
    assert public == PUBLIC | {"open"}
    assert public_pages_not_in_the_matrix(public, RULES) == ["open"]


def test_every_rule_names_a_url() -> None:
    names = {name for name, _ in URLS}
    assert not set(RULES) - names, f"Rules for URLs that no longer exist: {sorted(set(RULES) - names)}"


def expected(rule: Rule, actor: str, target: str, method: str) -> str:
    """ "ok", "403", "404", "405" or "sign-in"."""
    if rule.kind == "public":
        return "ok" if method in rule.methods else "405"
    if actor == "anonymous":
        return "sign-in"
    if method not in rule.methods:
        return "405"
    if rule.kind in ("signed_in", "account"):
        return "ok"
    if rule.kind == "role":
        return "ok" if rule.need in ROLE_CAPABILITIES.get(actor, set()) else "403"
    if rule.kind in ("administration", "person", "access_request", "api_client"):
        return expected_administration(rule, actor, target)
    if rule.kind == "auditor":
        return "ok" if actor == "auditor" else "404"
    if rule.kind == "notification":
        return "ok" if actor == NOTIFIED else "404"
    if rule.kind == "export_job":
        return "ok" if actor == "supervisor_a" else "404"
    if rule.kind == "match":
        return "ok" if actor in SEES_REFERRALS else "404"
    if rule.kind == "referral":
        if target == "referral" and actor in SEES_REFERRALS:
            return "ok"
        return "404"
    may = CASE_ACCESS[actor][target]
    if "view" not in may:
        return "404"
    return "ok" if rule.need in may else "403"


def expected_administration(rule: Rule, actor: str, target: str) -> str:
    if actor not in ADMINISTRATORS | OTHER_FORCE_ADMINISTRATORS:
        return "403"
    if rule.kind == "administration":
        return "ok"
    if actor in OTHER_FORCE_ADMINISTRATORS:
        return "404"
    if rule.kind == "api_client":
        return "ok"
    if rule.kind == "person":
        # Targets: "person" (officer_a) and "self" (the administrator's own account).
        own = target == "self" and actor == "administrator"
        return "403" if own and rule.need == "change" else "ok"
    # Requests: one made by the administrator, one about the administrator asked by administrator_2.
    if actor == "administrator" or (target == "about_administrator" and actor == "administrator_2"):
        return "403"
    return "ok"


def answer(response, login_url: str) -> str:
    if response.status_code == 302 and response.url.startswith(login_url + "?"):
        return "sign-in"
    if response.status_code in (403, 404, 405):
        return str(response.status_code)
    if response.status_code in OK:
        return "ok"
    return f"unexpected {response.status_code}"


# The one person with a reminder in the world: a reminder is answered only to its recipient.
NOTIFIED = "officer_a"


def notification_for(world: World, actor: str) -> Notification:
    case = world.cases["case"]
    return Notification.objects.get_or_create(
        recipient=world.users[actor],
        deadline_key="charging_target:test",
        threshold="due_soon",
        defaults={"case": case, "kind": "charging_target", "label": "Charging decision", "due_at": case.opened_at},
    )[0]


def flag_about(world: World, actor: str) -> Flag:
    person = world.users[actor]
    moment = world.cases["case"].opened_at
    return Flag.objects.get_or_create(
        kind=Flag.Kind.OUT_OF_HOURS,
        username=person.username,
        defaults={"person": person, "window_start": moment, "window_end": moment, "entry_ids": []},
    )[0]


def api_client_of(world: World) -> int:
    """An API client of the force of the administrators (not of administrator_other)."""
    administrator = world.users["administrator"]
    assert administrator.force is not None
    client = ApiClient.objects.filter(name="Matrix client").first()
    if client is None:
        client = create_client(
            force=administrator.force, name="Matrix client", scopes=["read_cases"], created_by=administrator
        ).client
    return client.pk


def kwargs_for(world: World, name: str, keys: tuple[str, ...], target: str) -> dict[str, object]:
    rule = RULES[name]
    records = dict(rule.records)
    kwargs: dict[str, object] = {}
    for key in keys:
        if rule.kind == "auditor" and key == "pk":
            # A flag: one raised about officer A.
            kwargs[key] = flag_about(world, "officer_a").pk
        elif rule.kind == "auditor":
            # Who read a case, what a person did: asked about the team A case and its officer.
            kwargs[key] = world.cases["case"].reference if key == "reference" else world.users["officer_a"].username
        elif rule.kind == "notification":
            kwargs[key] = notification_for(world, NOTIFIED).pk
        elif rule.kind == "export_job":
            kwargs[key] = world.export_job
        elif rule.kind == "match":
            kwargs[key] = DeconflictionMatch.objects.get().pk
        elif rule.kind == "public":
            kwargs[key] = "not-a-valid-invitation"
        elif rule.kind == "person":
            kwargs[key] = world.users["officer_a" if target == "person" else "administrator"].pk
        elif rule.kind == "access_request":
            kwargs[key] = world.access_requests[target]
        elif rule.kind == "api_client":
            kwargs[key] = api_client_of(world)
        elif key == "reference":
            kwargs[key] = world.cases[target].reference
        elif rule.kind == "referral":
            kind = records[key]
            if kind.startswith("="):
                kwargs[key] = kind.removeprefix("=")
            elif kind == "referral":
                kwargs[key] = world.referrals[target].pk
            elif kind == "referral_identifier":
                kwargs[key] = world.referral_identifiers[target]
            else:
                kwargs[key] = world.comms_requests[target]
        elif records[key].startswith("="):
            kwargs[key] = records[key].removeprefix("=")
        else:
            kwargs[key] = world.records[target][records[key]]
    return kwargs


def targets_for(rule: Rule) -> tuple[str, ...]:
    if rule.kind == "case":
        return ("case", "restricted")
    if rule.kind == "referral":
        return ("referral",)
    if rule.kind == "person":
        return ("person", "self")
    if rule.kind == "access_request":
        return ("made_by_administrator", "about_administrator")
    return ("none",)


@pytest.fixture(scope="module")
def signed_in_sessions(world_made_once, django_db_blocker) -> Iterator[dict[str, dict[str, Any]]]:
    """Each person of the world signed in once for the module, through both sign-in steps (tests/shared.py):
    what their session holds."""

    def sign_in() -> dict[str, dict[str, Any]]:
        sessions = {}
        for actor in ACTORS:
            if actor != "anonymous":
                client = BrowserClient()
                client.force_login(world_made_once.users[actor])
                sessions[actor] = dict(client.session.items())
        return sessions

    yield from set_up_once(django_db_blocker, sign_in)


@pytest.fixture
def clients(signed_in_sessions, world) -> dict[str, BrowserClient]:
    """A client of its own for each person, with a new session holding what their sign-in put in
    theirs, and one for a person not signed in. (A new session for each test: a session used by test
    after test would gather the versions of its row that each test's rolled-back requests leave.)"""
    signed_in = {}
    for actor in ACTORS:
        client = BrowserClient()
        if actor != "anonymous":
            session = import_module(settings.SESSION_ENGINE).SessionStore()
            session.update(signed_in_sessions[actor])
            session.create()
            client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
        signed_in[actor] = client
    return signed_in


def _request(client: BrowserClient, method: str, url: str):
    with transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url, {})
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize(("name", "keys"), URLS, ids=lambda v: str(v))
def test_url_answers_each_person_as_the_role_table_says(name, keys, world, clients) -> None:
    assert name in RULES, f"No authorisation rule for {name}: add it to RULES in {__file__}."
    rule = RULES[name]
    login_url = reverse("login")
    wrong = []
    for target in targets_for(rule):
        url = reverse(name, kwargs=kwargs_for(world, name, keys, target) if keys else None)
        for actor in ACTORS:
            for method in ("GET", "POST"):
                want = expected(rule, actor, target, method)
                got = answer(_request(clients[actor], method, url), login_url)
                if got != want:
                    wrong.append(f"{method} {url} as {actor}: expected {want}, got {got}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name", ["login", "health"])
def test_sign_in_and_health_open_without_signing_in(name, client, db) -> None:
    assert client.get(reverse(name)).status_code == 200
