"""The access tests' world (tests/access/world.py), made once for each test module that asks for it."""

from tests.access.world import world, world_made_once  # noqa: F401 (fixtures)
