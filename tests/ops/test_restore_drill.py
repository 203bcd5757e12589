"""`make restore-drill` (ops/restore_drill.py): a base backup with WAL archiving, restored to a point
in time on a scratch cluster; the audit chain of the restored database is whole, the write before the
target time is there and the one after it is not. Seeded from a copy of the test database (pg_dump)
rather than migrated afresh, to be quick."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections


@pytest.mark.django_db  # the test database, migrated: the drill's seed
def test_the_restore_drill_restores_to_the_time_and_the_audit_chain_is_whole():
    test_database = connections["default"].settings_dict
    seed = "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(
        **{**test_database, "HOST": test_database["HOST"] or "127.0.0.1", "PORT": test_database["PORT"] or 5432}
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "ops.restore_drill", "--seed-from", seed],
        cwd=Path(settings.BASE_DIR),
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Audit chain OK" in result.stdout
    assert "the write before the target is there, the write after it is not" in result.stdout
    assert "Restore drill passed." in result.stdout
