"""The authorisation matrix's world and signed-in clients, for the tests that walk every URL."""

from tests.access.test_authorisation_matrix import clients, world  # noqa: F401 (fixtures)
