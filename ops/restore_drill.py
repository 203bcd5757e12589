"""`make restore-drill`: a backup and point-in-time restore, end to end, on scratch clusters.

What docs/setup.md ("Backups and restore") asks of production, done small and checked:
1. A scratch primary (initdb, on a free port) with continuous archiving: `archive_mode = on`, each
   finished WAL segment copied to an archive directory by `archive_command`.
2. A small Safeguard database on it: migrated (or, with --seed-from, a copy of an existing database
   made with pg_dump and pg_restore), its roles set up.
3. A base backup (`pg_basebackup`, tar, without WAL: the WAL comes from the archive).
4. A write after the backup (a person added, audited like every write: "before the target"), the
   target time noted, then another write ("after the target"); the WAL switched so that both are
   archived. Then the primary is stopped, as if lost.
5. The restore: the backup unpacked into a new data directory, `restore_command` reading the
   archive, `recovery_target_time` the time noted, promoted at the target; started on another port.
6. Checks on the restored database: `manage.py verify_audit` passes (the audit trail's hash chain is
   whole), the write before the target is there and the write after it is not.

Exit 0 if every check passes; 1 with the reason otherwise. The clusters are stopped and their
directory removed at the end (--keep to keep it for a look).
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from ops.clusters import Cluster, ClusterError, free_port, initdb, newest_bin_dir, run, scratch_directory

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE = "safeguard"
BEFORE, AFTER = "drill.before", "drill.after"


class DrillFailed(Exception):
    pass


def manage(cluster: Cluster, *args: str) -> str:
    """`manage.py` against the drill's database on `cluster`; its output, or DrillFailed with it."""
    env = {**os.environ, "DATABASE_URL": cluster.url(DATABASE)}
    env.pop("DATABASE_REPLICA_URL", None)
    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise DrillFailed(f"manage.py {' '.join(args)} failed: {(result.stderr or result.stdout).strip()}")
    return result.stdout


def usernames(cluster: Cluster) -> set[str]:
    return set(cluster.psql("SELECT username FROM cases_user", DATABASE).splitlines())


def write(cluster: Cluster, username: str) -> None:
    """One write, recorded in the audit trail like every other: a person added."""
    manage(cluster, "createsuperuser", "--no-input", "--username", username, "--email", f"{username}@example.com")


def drill(directory: Path, primary_port: int, restored_port: int, say: "Say", seed_from: str = "") -> None:
    tools = newest_bin_dir()
    archive = directory / "archive"
    run(["mkdir", str(archive)])
    primary = Cluster(
        directory / "primary",
        primary_port,
        tools,
        {
            "wal_level": "replica",
            "archive_mode": "on",
            "archive_command": f"test ! -f {archive}/%f && cp %p {archive}/%f",
        },
    )
    initdb(primary.data, tools)
    primary.start()
    try:
        say(f"primary with WAL archiving on port {primary.port}")
        primary.psql(f"CREATE DATABASE {DATABASE}")
        if seed_from:
            dump = directory / "seed.dump"
            run([str(tools / "pg_dump"), "--format=custom", "--no-owner", "--no-acl", "-f", str(dump), seed_from])
            run([str(tools / "pg_restore"), "--no-owner", "--no-acl", "-d", primary.url(DATABASE), str(dump)])
        else:
            manage(primary, "migrate", "--no-input", "-v", "0")
        manage(primary, "setup_database_roles")
        say("small Safeguard database: migrated and its roles set up")
        backup = directory / "backup"
        run([str(tools / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
             "-D", str(backup), "--format=tar", "--gzip", "--wal-method=none", "--checkpoint=fast"])  # fmt: skip
        say("base backup taken (tar, WAL from the archive)")
        write(primary, BEFORE)
        target = primary.psql("SELECT clock_timestamp()::text").strip()
        write(primary, AFTER)
        segment = primary.psql("SELECT pg_walfile_name(pg_switch_wal())").strip()
        archived = f"SELECT last_archived_wal >= '{segment}' FROM pg_stat_archiver"  # noqa: S608 - a WAL file name
        primary.wait_until(archived)
        say(f"written before and after the target time {target}; WAL archived up to {segment}")
    finally:
        primary.stop()
    say("primary stopped, as if lost")

    restored = Cluster(
        directory / "restored",
        restored_port,
        tools,
        {
            "restore_command": f"cp {archive}/%f %p",
            "recovery_target_time": target,
            "recovery_target_action": "promote",
        },
    )
    run(["mkdir", "-m", "700", str(restored.data)])
    run(["tar", "-xzf", str(backup / "base.tar.gz"), "-C", str(restored.data)])
    run(["touch", str(restored.data / "recovery.signal")])
    restored.start()
    try:
        restored.wait_until("SELECT NOT pg_is_in_recovery()", timeout=300)
        say(f"restored to {target} and promoted, on port {restored.port}")
        say(manage(restored, "verify_audit").strip())
        people = usernames(restored)
        if BEFORE not in people:
            raise DrillFailed("the write made before the target time is missing from the restored database")
        if AFTER in people:
            raise DrillFailed("the write made after the target time is in the restored database")
        say("the write before the target is there, the write after it is not")
    finally:
        restored.stop()


class Say:
    def __init__(self) -> None:
        self.start = time.monotonic()

    def __call__(self, text: str) -> None:
        print(f"[{time.monotonic() - self.start:5.1f} s] {text}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--primary-port", type=int, default=0, help="Port of the scratch primary (default: a free one)."
    )
    parser.add_argument(
        "--restored-port", type=int, default=0, help="Port of the restored cluster (default: a free one)."
    )
    parser.add_argument("--keep", action="store_true", help="Keep the scratch directory (clusters, backup, archive).")
    parser.add_argument(
        "--seed-from", default="", help="URL of a migrated database to copy (pg_dump) instead of migrating afresh."
    )
    options = parser.parse_args()
    directory = scratch_directory("safeguard-restore-drill-")
    say = Say()
    try:
        ports = options.primary_port or free_port(), options.restored_port or free_port()
        drill(directory, *ports, say, seed_from=options.seed_from)
    except (DrillFailed, ClusterError) as error:
        print(f"Restore drill FAILED: {error}", file=sys.stderr)
        return 1
    finally:
        if options.keep:
            print(f"Kept {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)
    say("Restore drill passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
