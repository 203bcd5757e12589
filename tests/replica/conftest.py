"""A real streaming replica of the test cluster, for the tests of reads from the replica.

Started once per test process that runs these tests (the tests of one file stay in one process):
`pg_basebackup --write-recovery-conf` of the cluster that holds the test database, with a
replication slot of its own so that the primary keeps the WAL it still needs, then `pg_ctl start`
on a free port (SAFEGUARD_TEST_REPLICA_PORT to choose it). It holds the test databases through
streaming like any other database of the cluster. Stopped, its slot dropped and its directory
removed at the end. The cluster must accept replication connections from 127.0.0.1 (pg_hba.conf,
docs/setup.md): without that, these tests are skipped and say why.
"""

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections

from ops.clusters import Cluster, ClusterError, basebackup, bin_dir, free_port, run, scratch_directory

SLOT_PREFIX = "safeguard_test_replica_"
# Settings a hot standby must have at least as high as its primary.
AT_LEAST_PRIMARY = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


def _primary_query(sql: str, params: list[str] | list[list[str]] | None = None) -> list[tuple]:
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _drop_abandoned_slots() -> None:
    """Slots left by a test process that died before dropping its own: they would keep WAL for ever."""
    for (name,) in _primary_query(
        "SELECT slot_name FROM pg_replication_slots WHERE starts_with(slot_name, %s) AND NOT active", [SLOT_PREFIX]
    ):
        pid = name.removeprefix(SLOT_PREFIX)
        if pid.isdigit() and not _pid_alive(int(pid)):
            _drop_slot(name)


def _drop_slot(name: str) -> None:
    """Drop the slot once its replica has gone (its sender may take a moment to notice)."""
    for _ in range(100):
        if not _primary_query("SELECT 1 FROM pg_replication_slots WHERE slot_name = %s AND active", [name]):
            break
        time.sleep(0.1)
    _primary_query(
        "SELECT pg_drop_replication_slot(slot_name)::text FROM pg_replication_slots WHERE slot_name = %s", [name]
    )


def _write_config(data: Path) -> None:
    """Debian keeps a cluster's configuration outside its data directory, so the copy has none:
    the replica gets its own, which lets in only local connections. Its settings are given when it
    starts, which outranks any the primary was given with ALTER SYSTEM (copied with the data)."""
    (data / "postgresql.conf").write_text("")
    (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
    (data / "pg_ident.conf").write_text("")
    owner = data.stat()
    for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
        os.chown(data / name, owner.st_uid, owner.st_gid)


@pytest.fixture(scope="session")
def replica_server(django_db_setup, django_db_blocker) -> Iterator[Cluster]:
    primary = connections["default"].settings_dict
    host, port, user = primary["HOST"] or "127.0.0.1", int(primary["PORT"] or 5432), primary["USER"] or "postgres"
    with django_db_blocker.unblock():
        cluster, directory, slot = _start_replica(host, port, user)
    try:
        yield cluster
    finally:
        with django_db_blocker.unblock():
            try:
                cluster.stop()
            finally:
                _drop_slot(slot)
                shutil.rmtree(directory, ignore_errors=True)


def _start_replica(host: str, port: int, user: str) -> tuple[Cluster, Path, str]:
    wanted = ("wal_level", "server_version_num", *AT_LEAST_PRIMARY)
    values = dict(_primary_query("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", [list(wanted)]))
    if values["wal_level"] == "minimal" or values["max_wal_senders"] == "0":
        pytest.skip(
            f"The PostgreSQL server at {host}:{port} cannot have replicas now "
            f"(wal_level {values['wal_level']}, max_wal_senders {values['max_wal_senders']})."
        )
    tools = bin_dir(int(values["server_version_num"]) // 10000)
    try:
        run(
            [
                str(tools / "psql"),
                "-X",
                "-Atc",
                "IDENTIFY_SYSTEM",
                f"host={host} port={port} user={user} replication=true",
            ]
        )
    except ClusterError as error:
        pytest.skip(
            f"The PostgreSQL server at {host}:{port} refuses replication connections ({error}). Allow them "
            f"(docs/setup.md, 'Read replica'): `host replication all {host}/32 trust` in pg_hba.conf, then "
            "SELECT pg_reload_conf() (no restart)."
        )
    # The replica copies the whole cluster: beside a benchmark database that is minutes and gigabytes.
    limit_mb = int(os.environ.get("SAFEGUARD_TEST_REPLICA_MAX_MB", "2000"))
    ((size_mb,),) = _primary_query("SELECT sum(pg_database_size(datname)) / (1024 * 1024) FROM pg_database")
    if size_mb > limit_mb:
        pytest.skip(
            f"The PostgreSQL server at {host}:{port} holds {size_mb:,.0f} MB; a replica copies all of it. Above "
            f"SAFEGUARD_TEST_REPLICA_MAX_MB ({limit_mb:,} MB) the replica tests are skipped (docs/setup.md)."
        )
    _drop_abandoned_slots()
    slot = f"{SLOT_PREFIX}{os.getpid()}"
    directory = scratch_directory("safeguard-replica-")
    port_wanted = os.environ.get("SAFEGUARD_TEST_REPLICA_PORT")
    settings = {
        "hot_standby": "on",
        "wal_level": values["wal_level"],
        **{name: values[name] for name in AT_LEAST_PRIMARY},
    }
    cluster = Cluster(directory / "data", int(port_wanted) if port_wanted else free_port(), tools, settings)
    try:
        basebackup(
            host=host, port=port, user=user, data=cluster.data, bin=tools, slot=slot,
            extra=("--write-recovery-conf", "--wal-method=stream"),
        )  # fmt: skip
        _write_config(cluster.data)
        cluster.start()
        cluster.wait_until("SELECT pg_is_in_recovery()")
    except BaseException:
        cluster.stop()
        _drop_slot(slot)
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return cluster, directory, slot
