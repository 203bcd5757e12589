"""Putting back data a transactional test removes (tests/deadlines/conftest.py), for the benchmark of
writes in parallel, whose forked clients read committed data."""

from tests.deadlines.conftest import restores_migration_data  # noqa: F401
