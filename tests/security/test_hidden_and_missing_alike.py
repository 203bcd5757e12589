"""Hidden and missing alike, in time too: for every URL that names a record (walked from the
resolver as the authorisation matrix walks it), asking for a record hidden from you and for one that
does not exist do the same work: the same answer, the same database statements, one `access_denied`
audit entry each (which records whether it existed, for the auditor's eyes only). Work, not
wall-clock time, is compared: the same statements take the same time, and a timed test would be flaky."""

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEntry
from cases.corrections import RECORD_TYPES
from tests.access.test_authorisation_matrix import PUBLIC, RULES, URLS, expected, kwargs_for, targets_for
from tests.access.world import ACTORS

# Values and savepoint names: what differs between two runs of the same statements.
_LITERAL = re.compile(r"'(?:[^']|'')*'|\"s\d+_x\d+\"|\b\d+\b")
MISSING_REFERENCE = "STF-2026-999999"
MISSING_ID = 2_000_000_000
NAMED = [(name, keys) for name, keys in URLS if keys and name not in PUBLIC]


def _work(client, url):
    """The answer, the statements run (their SQL, parameters aside) and the access_denied entries."""
    start = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        denied = list(AuditEntry.objects.filter(id__gt=start, kind=AuditEntry.Kind.ACCESS_DENIED))
        transaction.set_rollback(True)
    statements = [_LITERAL.sub("?", query["sql"]) for query in queries.captured_queries]
    return response.status_code, statements, denied


def _compared(name: str, kwargs: dict[str, object], target: str, clients) -> bool:
    """Compare the work of asking `name` for the records `kwargs` of `target`, hidden from someone, and
    for missing ones; False if nobody is refused them by GET."""
    rule = RULES[name]
    hidden_from = [actor for actor in ACTORS[1:] if expected(rule, actor, target, "GET") == "404"]
    if not hidden_from or "GET" not in rule.methods:
        return False
    client = clients[hidden_from[0]]
    missing = {key: MISSING_REFERENCE if isinstance(value, str) else MISSING_ID for key, value in kwargs.items()}
    hidden_status, hidden_work, hidden_denied = _work(client, reverse(name, kwargs=kwargs))
    missing_status, missing_work, missing_denied = _work(client, reverse(name, kwargs=missing))
    assert hidden_status == missing_status == 404
    assert hidden_work == missing_work
    if rule.kind == "auditor":  # the page itself does not exist for them: refused before any lookup
        assert hidden_denied == missing_denied == []
    else:
        assert [entry.changes["exists"] for entry in hidden_denied] == [True]
        assert [entry.changes["exists"] for entry in missing_denied] == [False]
    return True


@pytest.mark.parametrize(("name", "keys"), NAMED, ids=lambda v: str(v))
def test_a_hidden_record_and_a_missing_one_take_the_same_work(name, keys, world, clients) -> None:
    rule = RULES[name]
    compared = [_compared(name, kwargs_for(world, name, keys, target), target, clients) for target in targets_for(rule)]
    if not any(compared):
        pytest.skip(f"{name} hides nothing from anyone by GET")


RECORD_PAGES = ("cases:record_correct", "cases:record_withdraw", "cases:record_history")


@pytest.mark.parametrize("page", RECORD_PAGES)
@pytest.mark.parametrize("key", sorted(RECORD_TYPES))
def test_a_hidden_record_of_every_type_and_a_missing_one_take_the_same_work(key, page, world, clients) -> None:
    """The record pages of every type in the registry (the matrix walks them with one type): a record
    of a restricted case hidden from an officer of its team, and a record of a case that does not
    exist, are answered alike."""
    if page == "cases:record_withdraw" and RECORD_TYPES[key].dependants is None:
        pytest.skip(f"{key} is never withdrawn")
    client = clients["officer_a"]  # of team A, not granted the restricted case
    hidden = {
        "reference": world.cases["restricted"].reference,
        "record_type": key,
        "pk": world.records["restricted"][key],
    }
    missing = {"reference": MISSING_REFERENCE, "record_type": key, "pk": MISSING_ID}
    hidden_status, hidden_work, hidden_denied = _work(client, reverse(page, kwargs=hidden))
    missing_status, missing_work, missing_denied = _work(client, reverse(page, kwargs=missing))
    assert hidden_status == missing_status == 404
    assert hidden_work == missing_work
    assert [entry.changes["exists"] for entry in hidden_denied] == [True]
    assert [entry.changes["exists"] for entry in missing_denied] == [False]
