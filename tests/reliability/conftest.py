"""Hypothesis settings for the bad-input tests.

`make test` runs a modest number of examples per form so the suite stays fast; `make fuzz` runs
many more (SAFEGUARD_FUZZ_EXAMPLES). No example database is kept: each run explores afresh, and a
failure prints the example and the seed to reproduce it.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "safeguard",
    max_examples=int(os.environ.get("SAFEGUARD_FUZZ_EXAMPLES", "5")),
    deadline=None,
    database=None,
    # One world of records per form, shared by its examples; each example's writes are rolled back.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("safeguard")

# The test broker and putting back data a transactional test removes (tests/deadlines/conftest.py),
# for the worker test here.
from tests.deadlines.conftest import broker, restores_migration_data  # noqa: E402, F401
