"""Hostile input to every URL never gives a server error, signed in or not.

Every URL is walked from the resolver (the authorisation matrix's list) and sent, as someone who may
use it and as an anonymous visitor: dates at the ends of the calendar and numbers beyond any column
in every filter the page offers, NUL and control characters and out-of-range numbers in its path
parameters, a JSON body nested far deeper than any parser's recursion, and a form body declared in
another character set (UTF-16). The answer is a 4xx with a message, never a 500.
"""

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.urls import reverse

from tests.access.test_authorisation_matrix import PUBLIC, URLS, kwargs_for
from tests.access.world import World, build_world
from tests.conftest import BrowserClient
from tests.reliability.test_bad_input import actor_for

pytestmark = pytest.mark.django_db

FILTER_NAMES = ("date_from", "date_to", "page", "before", "after", "q", "since", "until", "month")
EDGES = {
    "year 9999": "9999-12-31",
    "year 1": "0001-01-01",
    "the last minute": "9999-12-31T23:59",
    "the first minute": "0001-01-01T00:00",
    "a number past bigint": "99999999999999999999",
    "a negative number past bigint": "-99999999999999999999",
    "a NUL": "a\x00b",
    "control characters": "\x01\x1b[2J\x7f",
}
PATH_EDGES = {"a NUL": "STF\x00-2026", "control characters": "\x01\x1b\x7f", "a line break": "a\r\nb"}
DEEP = 50_000


def _deep_json() -> bytes:
    return b'{"a":' * DEEP + b"1" + b"}" * DEEP


def _bodies() -> dict[str, tuple[bytes, str]]:
    return {
        "deeply nested JSON": (_deep_json(), "application/json"),
        "deeply nested JSON list": (b"[" * DEEP + b"]" * DEEP, "application/json"),
        "a UTF-16 form": ("summary=café&q=x".encode("utf-16"), "application/x-www-form-urlencoded; charset=utf-16"),
        "a UTF-16 JSON body": ('{"q": "x"}'.encode("utf-16"), "application/json; charset=utf-16"),
        "a form in an unknown charset": (b"q=x", "application/x-www-form-urlencoded; charset=x-no-such"),
        "a text body in UTF-16": ("hello".encode("utf-16"), "text/plain; charset=utf-16"),
    }


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def _send(client: BrowserClient, method: str, *args, **extra) -> int:
    with transaction.atomic():
        response = getattr(client, method)(*args, **extra)
        transaction.set_rollback(True)
    return response.status_code


def _filters(page_html: str) -> set[str]:
    """Every field name the page offers, and the usual filter names."""
    names = set(FILTER_NAMES)
    for marker in page_html.split('name="')[1:]:
        name = marker.split('"', 1)[0]
        if name and name != "csrfmiddlewaretoken":
            names.add(name)
    return names


@pytest.mark.parametrize(("name", "keys"), URLS, ids=lambda v: str(v))
def test_hostile_input_to_every_url_is_a_4xx_never_a_500(name, keys, world) -> None:
    actor, target = ("anonymous", "none") if name in PUBLIC else actor_for(name)
    clients = {"anonymous": BrowserClient(raise_request_exception=False)}
    if actor != "anonymous":
        clients[actor] = BrowserClient(raise_request_exception=False)
        clients[actor].force_login(world.users[actor])
    kwargs = kwargs_for(world, name, keys, target) if keys and name not in PUBLIC else {}
    if keys and not kwargs:
        pytest.skip(f"{name} is public and takes arguments (tested in tests/accounts)")
    url = reverse(name, kwargs=kwargs or None)
    failures = []
    for who, client in clients.items():
        page = client.get(url)
        names = _filters(page.content.decode(errors="replace")) if page.status_code == 200 else set(FILTER_NAMES)
        for label, value in EDGES.items():
            status = _send(client, "get", url, data=dict.fromkeys(names, value))
            if status >= 500:
                failures.append(f"GET {url} as {who} with {label} in every filter: {status}")
        for label, (body, content_type) in _bodies().items():
            status = _send(client, "generic", "POST", url, data=body, content_type=content_type)
            if status >= 500:
                failures.append(f"POST {url} as {who} with {label}: {status}")
        for key, argument in kwargs.items():
            edges = PATH_EDGES if isinstance(argument, str) else {"a number past bigint": "99999999999999999999"}
            for label, bad in edges.items():
                try:
                    bad_url = reverse(name, kwargs={**kwargs, key: bad})
                except Exception:  # the converter does not take it: the resolver answers 404 itself
                    bad_url = url.replace(str(argument), bad.replace("\x00", "%00").replace("\r\n", "%0D%0A"))
                status = _send(client, "get", bad_url)
                if status >= 500:
                    failures.append(f"GET {bad_url!r} as {who} with {label} in {key}: {status}")
    assert not failures, "\n".join(failures)
