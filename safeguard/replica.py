"""Reads that may go to the read replica (docs/setup.md, "Read replica").

The auditor's searches, the figures and the exports read much and write little; with a streaming
replica configured (DATABASE_REPLICA_URL, the `replica` database alias) they read from it, inside
`replica_reads()`, and everything else reads and writes the primary. safeguard.routers sends a
read to the alias chosen here; writes, and reads inside a write transaction, always go to the
primary.

The replica is used only when it is fit to answer, checked as each block of such reads begins:
- it answers (else: `DOWN`);
- it has replayed everything the primary had written when the check began, or the last transaction
  it replayed committed no more than SAFEGUARD_REPLICA_MAX_LAG_SECONDS ago (else: `BEHIND`);
- the person has not written anything in the last SAFEGUARD_REPLICA_OWN_WRITES_SECONDS (a mark in
  their session set by `OwnWritesMiddleware` on every form sent), so that what they have just done
  is never missing from what they read.
On `DOWN` or `BEHIND` the reads go to the primary and the page says so (`replica_notice`, a context
processor, for templates/base.html); after a person's own write they go there silently.
"""

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponseBase

logger = logging.getLogger(__name__)

REPLICA = "replica"
# The session key of the time (seconds since the epoch) of the person's latest form sent.
WROTE_AT = "safeguard_wrote_at"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

DOWN = "down"
BEHIND = "behind"
NOTICES = {
    DOWN: "The read-only copy of the database is not answering, so this page was read from the main database.",
    BEHIND: "The read-only copy of the database is behind, so this page was read from the main database.",
}

# The choice made for the reads inside `replica_reads()`; None outside it (safeguard.routers: the primary).
_choice: ContextVar["ReadChoice | None"] = ContextVar("safeguard_read_choice", default=None)


@dataclass(frozen=True)
class ReadChoice:
    """Where a block of reads goes, and why not to the replica if not (`DOWN`, `BEHIND`, or "")."""

    alias: str
    fallback: str = ""

    @property
    def notice(self) -> str:
        return NOTICES.get(self.fallback, "")


def replica_configured() -> bool:
    return bool(settings.SAFEGUARD_READ_REPLICA)


def current_read_alias() -> str | None:
    choice = _choice.get()
    return None if choice is None else choice.alias


def replica_notice(request: HttpRequest) -> dict[str, str]:
    """Context processor: why a page that reads from the replica was read from the primary, if so."""
    choice = _choice.get()
    return {"replica_notice": "" if choice is None else choice.notice}


# Primary first: the replica must have replayed at least what the primary had flushed by then.
_PRIMARY_SQL = "SELECT pg_current_wal_flush_lsn()::text"
_REPLICA_SQL = """
SELECT pg_is_in_recovery(),
       coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, false),
       extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())
"""


def replica_lag_seconds() -> float | None:
    """How far behind the replica is: 0 if it has replayed all the primary has written, else the
    age of the last transaction it replayed (infinite if none). None if it does not answer."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(_PRIMARY_SQL)
        (primary_lsn,) = cursor.fetchone()
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(_REPLICA_SQL, [primary_lsn])
            in_recovery, caught_up, age = cursor.fetchone()
    except DatabaseError as error:
        logger.warning("Read replica not answering: %s", error)
        connections[REPLICA].close()
        return None
    if caught_up or not in_recovery:
        # A replica that was promoted has everything it will ever have; one that is caught up, all.
        return 0.0
    return float("inf") if age is None else max(float(age), 0.0)


def wrote_recently(request: HttpRequest | None) -> bool:
    if request is None or not hasattr(request, "session"):
        return False
    wrote_at = request.session.get(WROTE_AT)
    return isinstance(wrote_at, int | float) and time.time() - wrote_at < settings.SAFEGUARD_REPLICA_OWN_WRITES_SECONDS


def choose_reads(request: HttpRequest | None = None) -> ReadChoice:
    """Where the next block of replica-worthy reads should go (see the module's docstring)."""
    if not replica_configured() or wrote_recently(request):
        return ReadChoice(DEFAULT_DB_ALIAS)
    lag = replica_lag_seconds()
    if lag is None:
        return ReadChoice(DEFAULT_DB_ALIAS, DOWN)
    if lag > settings.SAFEGUARD_REPLICA_MAX_LAG_SECONDS:
        logger.warning("Read replica %.1f s behind: reading from the primary", lag)
        return ReadChoice(DEFAULT_DB_ALIAS, BEHIND)
    return ReadChoice(REPLICA)


@contextmanager
def replica_reads(request: HttpRequest | None = None) -> Iterator[ReadChoice]:
    """Within, reads go to the replica when it is fit (`choose_reads`); writes to the primary."""
    choice = choose_reads(request)
    token = _choice.set(choice)
    try:
        yield choice
    finally:
        _choice.reset(token)


def reads_from_replica(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A view whose reads may go to the replica (`replica_reads`)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        with replica_reads(request):
            return view(request, *args, **kwargs)

    return wrapper


class OwnWritesMiddleware:
    """Marks the session of a person who sent a form, so that their reads stay on the primary for
    SAFEGUARD_REPLICA_OWN_WRITES_SECONDS (until the replica surely has what they wrote)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if (
            request.method in UNSAFE_METHODS
            and session is not None
            and user is not None
            and user.is_authenticated
            and replica_configured()
        ):
            session[WROTE_AT] = int(time.time())
        return response
