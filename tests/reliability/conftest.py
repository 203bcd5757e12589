"""Fixtures shared with the tests of background work: the test broker and putting back migration data."""

from tests.deadlines.conftest import broker, restores_migration_data  # noqa: F401 - fixtures for these tests
