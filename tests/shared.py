"""Set-up made once and shared by the tests of a class or a module, for set-up that is slow to make
(the demo week, the access tests' world and its people signed in).

The set-up is made inside a transaction that is rolled back after the last test that shares it, as
Django's `TestCase.setUpTestData` does: each test runs inside it in a savepoint of its own (pytest-django's
`db`), which is rolled back when the test ends, so a test that writes leaves the set-up as it found it for
the next one. Model instances made in the set-up are not handed to two tests as they are (a test may
change one in memory): each test gets a copy of its own (`copy.deepcopy`, as `setUpTestData` does), or
reads the rows from the database.
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
