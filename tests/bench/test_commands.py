"""The benchmark's command lines start in a fresh Python, as `make bench-data` and `make bench` run
them: the tests import their modules into a process where Django is already set up, which hides a
module that reads the models before `django.setup()`."""

import subprocess
import sys

import pytest
from django.conf import settings


@pytest.mark.parametrize("module", ["bench.generate", "bench.run"])
def test_the_benchmark_command_starts_in_a_fresh_process(module):
    # A fixed command line of this project's own modules: no outside input.
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", module, "--help"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "usage:" in result.stdout
