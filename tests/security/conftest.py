"""The authorisation matrix's world and signed-in clients, for the tests that walk every URL."""

from tests.access.test_authorisation_matrix import clients, signed_in_sessions  # noqa: F401 (fixtures)
from tests.access.world import world, world_made_once  # noqa: F401 (fixtures)
