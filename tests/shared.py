"""Set-up made once and shared by the tests of a class or a module, for set-up that is slow to make
(the demo week, a case with its whole path recorded).

The set-up is made inside a transaction that is rolled back after the last test that shares it, as
Django's `TestCase.setUpTestData` does: each test runs inside it in a savepoint of its own (pytest-django's
`db`), which is rolled back when the test ends, so a test that writes leaves the set-up as it found it for
the next one. A test reads the shared rows from the database (by their keys), never through model
instances held from an earlier test, whose attributes a test may have changed in memory.
"""

from collections.abc import Callable, Iterator
from typing import TypeVar

from django.db import transaction
from django.test import override_settings
from pytest_django import DjangoDbBlocker

# As every test runs (tests/conftest.py, `_fast_passwords`): the set-up is made before any test's own
# settings apply.
FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

T = TypeVar("T")


def set_up_once(django_db_blocker: DjangoDbBlocker, make: Callable[[], T]) -> Iterator[T]:
    """Yield what `make` returns, made in a transaction that is rolled back when the generator resumes:
    for a class- or module-scoped fixture, `yield from set_up_once(django_db_blocker, make)`."""
    outer = transaction.atomic()
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
        outer.__enter__()
        try:
            made = make()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield made
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
