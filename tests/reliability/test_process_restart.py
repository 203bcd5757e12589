"""`make run` keeps the other processes running when one of them must restart.

honcho (which `make run` uses to start the Procfile) stops every process as soon as one exits, so
each Procfile line runs under `safeguard/restart-on-exit`, which starts its command again. The test
runs the real honcho and the real script on a Procfile of two processes, one of which keeps
exiting: the other must keep running, the first must be started again, and Ctrl-C must still stop
them all.
"""

import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
RESTART = BASE_DIR / "safeguard" / "restart-on-exit"


def test_every_procfile_process_runs_under_restart_on_exit():
    lines = [line for line in (BASE_DIR / "Procfile").read_text().splitlines() if line and not line.startswith("#")]
    assert {line.split(":", 1)[0] for line in lines} == {"web", "worker", "beat", "outbox"}
    assert all(line.split(":", 1)[1].strip().startswith("sh safeguard/restart-on-exit ") for line in lines)


def test_a_process_that_exits_is_started_again_and_the_others_keep_running(tmp_path):
    (tmp_path / "Procfile").write_text(
        f"crashes: sh {RESTART} sh -c 'echo crashing-started; exit 3'\n"
        "steady: sh -c 'while true; do echo steady-alive; sleep 1; done'\n"
    )
    honcho = Path(sys.executable).with_name("honcho")
    log = tmp_path / "honcho.log"
    with log.open("w") as out:
        # A fixed command line of the test's own: no outside input.
        process = subprocess.Popen(  # noqa: S603
            [str(honcho), "start", "-f", str(tmp_path / "Procfile")],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            time.sleep(7)  # the crashing process exits at once and is started again 5 s later
            assert process.poll() is None, log.read_text()
            text = log.read_text()
            assert text.count("crashing-started") >= 2, text
            assert "exited with status 3; starting it again in 5 s" in text
            steady_lines_before = text.count("steady-alive")
            time.sleep(1.5)
            assert log.read_text().count("steady-alive") > steady_lines_before
        finally:
            process.send_signal(signal.SIGINT)  # Ctrl-C
            process.wait(timeout=15)
    assert process.returncode is not None
