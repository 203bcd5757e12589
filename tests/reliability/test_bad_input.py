"""Bad input never gives a 500: every form Safeguard serves, filled with anything.

The forms are walked from the URL resolver (the authorisation matrix's list, so a new page is
covered as soon as it has a rule): each page is opened as someone allowed to use it, the fields are
read from the page as a browser would, and Hypothesis fills them with text, control characters,
huge numbers, odd dates, over-long values and the page's own options. Whatever is sent, the answer
is a page (a form with errors, a refusal, a redirect after saving), never a server error, and no
stack trace reaches the browser. Each example's writes are rolled back.
"""

from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.access.test_authorisation_matrix import RULES, URLS, kwargs_for
from tests.access.world import World, build_world
from tests.conftest import BrowserClient
from tests.factories.warrants import WarrantFactory
from tests.reliability.strategies import field_values
from work.models import Task

pytestmark = pytest.mark.django_db

# Answers a page may give to bad input. 500 is not among them.
FINE = {200, 302, 400, 403, 404, 409, 413, 415, 429}
# Pages outside the matrix's rules that take input.
SIGN_IN_FORMS = {"login": ("anonymous", "GET"), "password_change": ("officer_a", "POST")}
# Forms that search rather than save, sent with GET.
GET_FORMS = {"audit:search", "audit:export"}
# Forms shown on another page than the one they send to.
SHOWN_ON = {
    "audit:export": "audit:search",
    "reports:figures_export_create": "reports:figures",
    "cases:match_confirm": "cases:match_detail",  # the same match's page (the same keyword arguments)
    # A task's forms, on the task's page (the same keyword arguments).
    "work:task_complete": "work:task_detail",
    "work:task_reassign": "work:task_detail",
    "work:task_dismiss": "work:task_detail",
    # A request's note, sent by its Approve or its Refuse button (formaction), on the list of requests.
    "administration:request_approve": "administration:requests",
    "administration:request_refuse": "administration:requests",
}
# Forms shown on the page of the record they send to (the same keyword arguments).
SAME_RECORD = {"cases:match_confirm", "work:task_complete", "work:task_reassign", "work:task_dismiss"}
# Buttons that post nothing a person types (mark a reminder read): nothing to fill in; who may press
# them is in the authorisation matrix.
NO_INPUT = {"cases:notification_read", "cases:notifications_read_all"}
# The buttons on a person's administration page (tests/accounts/test_administration.py posts
# anything to them).
NO_INPUT |= {
    "administration:person_enable",
    "administration:person_unlock",
    "administration:person_reset_two_factor",
    "administration:person_invite_again",
}
# Shown only once a link is confirmed; the same form (one reason) as cases:match_confirm, whose bad
# input is tried here, and its rules are tested in tests/search/test_deconfliction.py.
NO_INPUT |= {"cases:match_undo"}
# Accepting a suggested task is one button; dismissing one (with a reason) is tried here.
NO_INPUT |= {"work:task_accept"}
# Revoking an API client is one button on the list of clients (tests/api/test_administration.py).
NO_INPUT |= {"api_clients:revoke"}
# The world's warrant has been applied for; each other step's form needs a warrant at that step.
WARRANT_AT: dict[str, dict[str, object]] = {
    "warrants:apply": {},
    "warrants:execute": {"issued": True},
    "warrants:return": {"executed": True},
    "warrants:further_entry": {"executed": True, "entry": "multiple"},
}
# The world's task is to do; a suggestion is dismissed, so that form needs a suggested task.
TASK_AT: dict[str, dict[str, object]] = {"work:task_dismiss": {"status": Task.Status.SUGGESTED}}


class FormFields(HTMLParser):
    """The names a page's forms send, with the values offered for each (options, radios, hidden). A
    form is the page's own if it sends to `path`, or if one of its buttons does (`formaction`)."""

    def __init__(self, path: str, *, shown_here: bool = True) -> None:
        super().__init__()
        self.actions = {"", path} if shown_here else {path}
        self.fields: dict[str, list[str]] = {}
        self.method = "GET"
        self._form: dict[str, list[str]] | None = None
        self._ours = False
        self._form_method = "GET"
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            # The page's own form, not the sign-out button every page carries.
            self._form, self._ours = {}, a.get("action", "") in self.actions
            self._form_method = a.get("method", "get").upper()
            return
        if self._form is None:
            return
        name = a.get("name", "")
        if tag in ("input", "button") and a.get("type", "submit" if tag == "button" else "text") == "submit":
            self._ours = self._ours or ("formaction" in a and a["formaction"] in self.actions)
        if tag in ("input", "select", "textarea") and name and name != "csrfmiddlewaretoken":
            if a.get("type") in ("submit", "button", "image", "reset"):
                return
            values = self._form.setdefault(name, [])
            if tag == "input" and a.get("type") in ("radio", "checkbox", "hidden") and a.get("value"):
                values.append(a["value"])
            self._select = name if tag == "select" else None
        elif tag == "option" and self._select is not None and a.get("value"):
            self._form[self._select].append(a["value"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "form" and self._form is not None:
            if self._ours:
                for name, values in self._form.items():
                    self.fields.setdefault(name, []).extend(values)
                self.method = self._form_method
            self._form, self._ours = None, False


def actor_for(name: str) -> tuple[str, str]:
    """Who opens the page, and on which of the world's cases or referrals."""
    if name in SIGN_IN_FORMS:
        return SIGN_IN_FORMS[name][0], "none"
    rule = RULES[name]
    if rule.kind == "auditor":
        return "auditor", "none"
    if rule.kind == "referral":
        return "supervisor_a", "referral"
    # User administration: the force's second administrator, on officer_a and on the request the
    # first administrator made (tests/access/world.py).
    if rule.kind == "administration":
        return "administrator_2", "none"
    if rule.kind == "person":
        return "administrator_2", "person"
    if rule.kind == "access_request":
        return "administrator_2", "made_by_administrator"
    return "supervisor_a", "case" if rule.kind == "case" else "none"


def form_pages() -> list[tuple[str, tuple[str, ...]]]:
    pages = []
    for name, keys in URLS:
        if name in NO_INPUT:
            continue
        rule = RULES[name]
        if name in SIGN_IN_FORMS or (
            rule.kind not in ("public", "account")
            and ("POST" in rule.methods or name in ("audit:search", "audit:export"))
        ):
            pages.append((name, keys))
    return pages


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """One world for every form, in a transaction rolled back after the last (each test's own
    transaction is a savepoint inside it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        case = world.cases["case"]
        premises = case.premises.first()
        for name, traits in WARRANT_AT.items():
            world.records[name] = {"warrant": WarrantFactory(case=case, premises=premises, **traits).pk}
        task = Task.objects.get(pk=world.records["case"]["task"])
        for name, traits in TASK_AT.items():
            fields = {"case": case, "title": task.title, "owner": task.owner, "due_on": task.due_on}
            world.records[name] = {"task": Task.objects.create(**fields, created_by=task.created_by, **traits).pk}
        yield world
        transaction.set_rollback(True)


@pytest.mark.parametrize(("name", "keys"), form_pages(), ids=lambda v: str(v))
def test_a_form_answers_any_input_without_a_server_error(name, keys, world) -> None:
    actor, target = actor_for(name)
    client = BrowserClient(raise_request_exception=True)
    if actor != "anonymous":
        client.force_login(world.users[actor])
    kwargs = kwargs_for(world, name, keys, target) if keys else {}
    if name in WARRANT_AT:
        kwargs["pk"] = world.records[name]["warrant"]
    if name in TASK_AT:
        kwargs["pk"] = world.records[name]["task"]
    url = reverse(name, kwargs=kwargs or None)
    shown_kwargs = kwargs if name in SAME_RECORD else None
    page = client.get(reverse(SHOWN_ON[name], kwargs=shown_kwargs) if name in SHOWN_ON else url)
    assert page.status_code == 200, f"{name}: {actor} cannot open the form for {url} ({page.status_code})"
    parser = FormFields(url, shown_here=name not in SHOWN_ON)
    parser.feed(page.content.decode())
    assert parser.fields, f"{url} shows no form to fill in"
    values = st.fixed_dictionaries({field: field_values(options) for field, options in parser.fields.items()})

    @given(data=values)
    def send(data: dict[str, str]) -> None:
        with transaction.atomic():
            send_form = client.post if parser.method == "POST" else client.get
            response = send_form(url, data)
            transaction.set_rollback(True)
        assert response.status_code in FINE, f"{response.status_code} for {data!r}"
        body = response.getvalue()  # the content, streamed or not
        assert b"Traceback" not in body

    send()
