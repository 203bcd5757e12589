"""Scratch PostgreSQL clusters, with PostgreSQL's own tools only: initdb, pg_basebackup, pg_ctl.

Used by the tests' read replica (tests/replica) and by the backup and restore drill
(ops/restore_drill.py). Each cluster lives in a scratch directory, listens on 127.0.0.1 and a port
of its own (and a Unix socket in its directory), and is stopped and removed by whoever started it.
The server refuses to run as root: under root the tools run as the `postgres` user, who then owns
the directory.
"""

import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path


class ClusterError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def newest_bin_dir() -> Path:
    """The server tools of the newest PostgreSQL installed (Debian), or those on the PATH."""
    majors = sorted(int(path.name) for path in Path("/usr/lib/postgresql").glob("*") if path.name.isdigit())
    return bin_dir(majors[-1] if majors else 0)


def bin_dir(major: int) -> Path:
    """Debian keeps each major version's server tools in /usr/lib/postgresql/<major>/bin; elsewhere
    they are on the PATH (SAFEGUARD_PG_BIN to say where)."""
    given = os.environ.get("SAFEGUARD_PG_BIN")
    if given:
        return Path(given)
    debian = Path(f"/usr/lib/postgresql/{major}/bin")
    if debian.is_dir():
        return debian
    initdb = shutil.which("initdb")
    if initdb is None:
        raise ClusterError(f"PostgreSQL {major}'s server tools (initdb, pg_ctl) are not installed.")
    return Path(initdb).parent


def _as_owner(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def run(args: list[str], *, timeout: float = 300) -> str:
    """Run a PostgreSQL tool (as `postgres` under root); its output, or ClusterError with it."""
    result = subprocess.run(_as_owner(args), capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603
    if result.returncode != 0:
        raise ClusterError(f"{Path(args[0]).name} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


def scratch_directory(prefix: str) -> Path:
    """A new empty directory in the temporary directory, owned by whoever runs the tools."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(path, owner.pw_uid, owner.pw_gid)
    return path


@dataclass
class Cluster:
    """A scratch cluster: its data directory, port and tools."""

    data: Path
    port: int
    bin: Path
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def socket_dir(self) -> Path:
        return self.data.parent

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = {
            "port": str(self.port),
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(self.socket_dir),
            # Scratch: nothing here needs to survive a crash of the machine.
            "fsync": "off",
            **self.settings,
        }
        # pg_ctl hands these to the server through the shell: each quoted as one word.
        line = " ".join(f"-c {shlex.quote(f'{name}={value}')}" for name, value in options.items())
        log = self.data.parent / f"{self.data.name}.log"
        run(
            [
                str(self.bin / "pg_ctl"),
                "start",
                "--wait",
                "--timeout=120",
                "-D",
                str(self.data),
                "-l",
                str(log),
                "-o",
                line,
            ]
        )

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            run([str(self.bin / "pg_ctl"), "stop", "--wait", "-m", "fast", "-D", str(self.data)])

    def psql(self, sql: str, database: str = "postgres") -> str:
        """One statement's result, unaligned, one row a line."""
        return run(
            [str(self.bin / "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", self.url(database), "-c", sql]
        )

    def wait_until(self, sql: str, *, timeout: float = 60, database: str = "postgres") -> None:
        """Wait until `sql` answers t (true)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.psql(sql, database).strip() == "t":
                    return
            except ClusterError:
                pass  # not answering yet
            if time.monotonic() > deadline:
                raise ClusterError(f"{sql!r} was not true within {timeout:.0f} s on port {self.port}.")
            time.sleep(0.1)


def initdb(data: Path, bin: Path) -> None:
    run([str(bin / "initdb"), "--auth=trust", "--username=postgres", "--encoding=UTF8", "--no-sync", "-D", str(data)])


def basebackup(
    *, host: str, port: int, user: str, data: Path, bin: Path, slot: str = "", extra: tuple[str, ...] = ()
) -> None:
    """`pg_basebackup` of the cluster at host:port into `data`; with `slot`, a new physical
    replication slot of that name on the source, which keeps the WAL a replica of it still needs."""
    args = [str(bin / "pg_basebackup"), "-h", host, "-p", str(port), "-U", user, "-D", str(data)]
    args += ["--checkpoint=fast", "--no-sync", *extra]
    if slot:
        args += ["--create-slot", "--slot", slot]
    run(args, timeout=3600)
