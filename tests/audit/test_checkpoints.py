"""Signed checkpoints of the chain's head, outside the database: what the hash chain alone cannot
show. The database's owner rewrites the whole chain consistently (every hash recomputed with the
database's own function, the head moved with it), cuts entries off the end, or replaces the chain
after a point; the chain still verifies, and the checkpoints say which it was. A checkpoint file
tampered with, removed or signed by an unknown key is reported; a missing key or directory fails
with what to put right."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from accounts.roles import ADMINISTRATOR
from audit.chain import verify_chain
from audit.checkpoints import NOTHING, CheckpointError, chain_head, checkpoint_write, make_key_pair, verify_checkpoints
from audit.context import acting_as
from audit.models import AuditEntry
from audit.sequencer import sequence_entries
from audit.services import CHAIN_ALERT_SUBJECT, audit_record
from audit.tasks import verify_audit_chain
from cases.models import Case
from tests.audit.conftest import run_as_owner
from tests.factories.people import UserFactory

pytestmark = pytest.mark.django_db
Kind = AuditEntry.Kind

# What an owner who rewrites the chain from an entry onwards does: recompute each later entry's
# previous hash and hash with the database's own hash function, in chain order, and move the head.
REWRITE_FROM = """
DO $$
DECLARE
  e audit_auditentry;
  previous text := coalesce((SELECT hash FROM audit_auditentry WHERE seq = %s), repeat('0', 64));
BEGIN
  FOR e IN SELECT * FROM audit_auditentry WHERE seq > %s ORDER BY seq LOOP
    e.prev_hash := previous;
    e.hash := safeguard_audit_hash(previous, e);
    UPDATE audit_auditentry SET prev_hash = e.prev_hash, hash = e.hash WHERE id = e.id;
    previous := e.hash;
  END LOOP;
  UPDATE audit_auditchainhead SET last_hash = previous WHERE id = 1;
END
$$
"""


def write_entries(officer, count: int = 3) -> list[AuditEntry]:
    with acting_as(officer, source="web"):
        for n in range(count):
            audit_record(kind=Kind.READ, actor=officer, object_type=Case, object_id=str(n))
    sequence_entries()  # sealed into the chain, as beat does within seconds
    return list(AuditEntry.objects.order_by("-id")[:count])[::-1]


def checkpoint_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.checkpoint"))


def rewrite_chain_from(position: int | None) -> None:
    assert position is not None, "a sealed entry's place"
    run_as_owner(REWRITE_FROM, [position, position])


def problem_kinds() -> list[str]:
    return [problem.kind for problem in verify_checkpoints().problems]


def test_a_checkpoint_signs_the_head_into_a_read_only_file_and_verify_audit_holds_the_chain_to_it(
    officer, checkpoint_dir, capsys
):
    entries = write_entries(officer)
    call_command("checkpoint_audit")
    [path] = checkpoint_files(checkpoint_dir)
    assert path.name == "0000000001.checkpoint"
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert [p.name for p in checkpoint_dir.iterdir()] == [path.name]  # no temporary file left
    written = json.loads(path.read_text())
    head = chain_head()
    assert (written["position"], written["hash"], written["count"]) == (head.position, head.hash, head.count)
    assert (written["position"], written["hash"]) == (entries[-1].seq, entries[-1].hash)
    assert written["previous"] == NOTHING
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "Audit chain OK:" in out
    assert "Checkpoints OK: 1 checked; the chain extends the newest, checkpoint 1 (place" in out


def test_checkpoints_chain_each_naming_the_digest_of_the_one_before(officer, checkpoint_dir):
    write_entries(officer)
    first = checkpoint_write()
    write_entries(officer)
    second = checkpoint_write()
    assert first is not None and second is not None
    assert (first.number, second.number) == (1, 2)
    assert second.previous == first.digest
    assert second.count == chain_head().count  # counted on from the first, as a full count gives
    assert verify_checkpoints().ok


def test_no_checkpoint_is_written_while_the_head_has_not_moved(officer, checkpoint_dir, capsys):
    write_entries(officer)
    assert checkpoint_write() is not None
    call_command("checkpoint_audit")
    assert "No checkpoint written" in capsys.readouterr().out
    assert len(checkpoint_files(checkpoint_dir)) == 1


def test_a_chain_rewritten_whole_by_the_owner_verifies_alone_but_not_against_its_checkpoint(officer):
    entries = write_entries(officer, 4)
    checkpoint_write()
    run_as_owner("UPDATE audit_auditentry SET summary = 'nothing to see' WHERE id = %s", [entries[1].id])
    rewrite_chain_from(0)

    assert verify_chain().ok, "the rewrite is consistent: the chain alone shows nothing"
    report = verify_checkpoints()
    [problem] = report.problems
    assert problem.kind == "rewritten"
    assert f"the entry at place {entries[-1].seq}, anchored by checkpoint 1" in problem.text
    with pytest.raises(CommandError, match=r"Checkpoints BROKEN: \[rewritten: the entry at place"):
        call_command("verify_audit")


def test_the_checkpoint_writer_refuses_to_anchor_a_rewritten_chain(officer, checkpoint_dir):
    entries = write_entries(officer)
    checkpoint_write()
    run_as_owner("UPDATE audit_auditentry SET summary = 'nothing to see' WHERE id = %s", [entries[-1].id])
    rewrite_chain_from(0)
    write_entries(officer)
    with pytest.raises(CheckpointError, match="Not written: rewritten: the entry at place"):
        checkpoint_write()
    with pytest.raises(CommandError, match="rewritten"):
        call_command("checkpoint_audit")
    assert len(checkpoint_files(checkpoint_dir)) == 1


def test_a_chain_replaced_after_a_checkpoint_is_reported_as_forked_after_it(officer):
    first_entries = write_entries(officer)
    first = checkpoint_write()
    later_entries = write_entries(officer)
    second = checkpoint_write()
    assert first is not None and second is not None
    run_as_owner("UPDATE audit_auditentry SET summary = 'replaced' WHERE id = %s", [later_entries[0].id])
    rewrite_chain_from(first_entries[-1].seq)

    assert verify_chain().ok
    [problem] = verify_checkpoints().problems
    assert problem.kind == "forked"
    assert f"the chain matches checkpoint 1 (place {first.position}" in problem.text
    assert f"replaced after place {first.position}" in problem.text


def test_entries_cut_from_the_end_with_the_head_moved_back_are_found_as_truncated(officer):
    entries = write_entries(officer, 5)
    checkpoint = checkpoint_write()
    assert checkpoint is not None
    kept = entries[2]
    run_as_owner("DELETE FROM audit_auditentry WHERE seq > %s", [kept.seq])
    run_as_owner(
        "UPDATE audit_auditchainhead SET last_seq = %s, last_id = %s, last_hash = %s", [kept.seq, kept.id, kept.hash]
    )

    assert verify_chain().ok, "the chain alone ends where the head says"
    [problem] = verify_checkpoints().problems
    assert problem.kind == "truncated"
    assert f"the chain ends at place {kept.seq}" in problem.text
    assert f"anchored place {entries[-1].seq}" in problem.text
    with pytest.raises(CommandError, match=r"\[truncated:"):
        call_command("verify_audit")


def _rewrite_file(path: Path, **changes: object) -> None:
    fields = json.loads(path.read_text())
    fields.update(changes)
    path.chmod(0o644)
    path.write_text(json.dumps(fields))


def test_a_checkpoint_file_changed_after_signing_is_reported_by_its_signature(officer, checkpoint_dir):
    write_entries(officer)
    checkpoint_write()
    [path] = checkpoint_files(checkpoint_dir)
    _rewrite_file(path, hash="f" * 64)
    report = verify_checkpoints()
    assert [problem.kind for problem in report.problems] == ["signature"]
    assert "0000000001.checkpoint: its signature does not verify." in report.describe()
    with pytest.raises(CommandError, match=r"\[signature: 0000000001.checkpoint"):
        call_command("verify_audit")


def test_a_checkpoint_signed_by_a_key_not_configured_is_reported(officer, checkpoint_dir, settings, tmp_path):
    make_key_pair(tmp_path / "other.key", tmp_path / "other.pub")
    configured = settings.SAFEGUARD_AUDIT_CHECKPOINT_KEY
    settings.SAFEGUARD_AUDIT_CHECKPOINT_KEY = str(tmp_path / "other.key")
    write_entries(officer)
    checkpoint_write()
    settings.SAFEGUARD_AUDIT_CHECKPOINT_KEY = configured
    [problem] = verify_checkpoints().problems
    assert problem.kind == "signature"
    assert "is not configured" in problem.text


def test_a_removed_checkpoint_is_noticed(officer, checkpoint_dir):
    for _ in range(3):
        write_entries(officer, 1)
        checkpoint_write()
    middle = checkpoint_dir / "0000000002.checkpoint"
    middle.unlink()
    [problem] = verify_checkpoints().problems
    assert problem.kind == "missing"
    assert "checkpoint 2 is missing before 0000000003.checkpoint" in problem.text


def test_a_checkpoint_replaced_by_another_is_noticed(officer, checkpoint_dir):
    for _ in range(2):
        write_entries(officer, 1)
        checkpoint_write()
    first, second = checkpoint_dir / "0000000001.checkpoint", checkpoint_dir / "0000000002.checkpoint"
    original = first.read_bytes()
    # Checkpoint 1 signed again, well signed but for another head: not the one checkpoint 2 follows.
    second.rename(checkpoint_dir / "aside")
    first.unlink()
    write_entries(officer, 1)
    checkpoint_write()
    (checkpoint_dir / "aside").rename(second)
    assert first.read_bytes() != original
    assert "missing" in problem_kinds()
    assert "0000000002.checkpoint does not follow checkpoint 1: one was replaced" in verify_checkpoints().describe()


def test_writing_without_the_key_fails_saying_how_to_make_one(officer, settings, tmp_path):
    settings.SAFEGUARD_AUDIT_CHECKPOINT_KEY = str(tmp_path / "absent.key")
    with pytest.raises(CommandError, match=r"signing key .*absent.key does not exist .*audit_checkpoint_key"):
        call_command("checkpoint_audit")
    settings.SAFEGUARD_AUDIT_CHECKPOINT_KEY = ""
    with pytest.raises(CommandError, match="SAFEGUARD_AUDIT_CHECKPOINT_KEY is not set"):
        call_command("checkpoint_audit")


def test_a_key_others_may_read_is_refused(officer, settings, tmp_path):
    make_key_pair(tmp_path / "loose.key", tmp_path / "loose.pub")
    (tmp_path / "loose.key").chmod(0o640)
    settings.SAFEGUARD_AUDIT_CHECKPOINT_KEY = str(tmp_path / "loose.key")
    with pytest.raises(CommandError, match=r"may be read by others \(mode 640\).*chmod 600"):
        call_command("checkpoint_audit")


def test_a_missing_directory_fails_writing_and_verifying(officer, settings, tmp_path):
    settings.SAFEGUARD_AUDIT_CHECKPOINT_DIR = str(tmp_path / "gone")
    with pytest.raises(CommandError, match=r"checkpoint directory .*gone does not exist"):
        call_command("checkpoint_audit")
    with pytest.raises(CommandError, match=r"\[configuration: The audit checkpoint directory .*gone does not exist"):
        call_command("verify_audit")


def test_a_missing_public_key_fails_verifying(officer, settings, tmp_path):
    settings.SAFEGUARD_AUDIT_CHECKPOINT_PUBLIC_KEYS = [str(tmp_path / "absent.pub")]
    with pytest.raises(CommandError, match=r"public key .*absent.pub cannot be read"):
        call_command("verify_audit")


def test_without_checkpoints_configured_verify_audit_checks_the_chain_and_warns(settings, capsys):
    settings.SAFEGUARD_AUDIT_CHECKPOINT_DIR = ""
    settings.SAFEGUARD_AUDIT_CHECKPOINT_PUBLIC_KEYS = []
    call_command("verify_audit")
    captured = capsys.readouterr()
    assert "Audit chain OK:" in captured.out
    assert "Checkpoints not configured" in captured.err


def test_the_key_command_makes_a_private_key_only_its_owner_reads_and_never_replaces_one(settings, tmp_path):
    key, public = tmp_path / "keys" / "checkpoint.key", tmp_path / "keys" / "checkpoint.pub"
    call_command("audit_checkpoint_key", key=str(key), public=str(public))
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert public.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    before = key.read_bytes()
    with pytest.raises(CommandError, match="already exists; it is never replaced"):
        call_command("audit_checkpoint_key", key=str(key), public=str(public))
    call_command("audit_checkpoint_key", key=str(key), public=str(public), if_missing=True)
    assert key.read_bytes() == before
    settings.SAFEGUARD_AUDIT_CHECKPOINT_KEY = str(key)
    settings.SAFEGUARD_AUDIT_CHECKPOINT_PUBLIC_KEYS = [str(public)]
    assert checkpoint_write() is not None
    assert verify_checkpoints().ok


def test_the_nightly_check_mails_a_checkpoint_the_chain_does_not_match(officer, force, mailoutbox, new_entries):
    administrator = UserFactory(username="admin.one", force=force, roles=[ADMINISTRATOR])
    entries = write_entries(officer)
    checkpoint_write()
    rewrite_chain_from(0)  # the same content gives the same hashes: nothing to find yet
    assert verify_audit_chain() is True
    run_as_owner("UPDATE audit_auditentry SET summary = 'x' WHERE id = %s", [entries[0].id])
    rewrite_chain_from(0)
    since = new_entries()
    assert verify_audit_chain() is False
    [mail] = mailoutbox
    assert mail.subject == CHAIN_ALERT_SUBJECT and mail.to == [administrator.email]
    assert "Audit chain OK" in mail.body and "[rewritten:" in mail.body
    [record] = since.entries()
    assert record.changes["checkpoints"]["problems"] == ["rewritten"]


def test_the_checkpoint_task_is_scheduled_every_fifteen_minutes():
    from safeguard.celery import app

    entry = app.conf.beat_schedule["checkpoint-audit-chain"]
    assert entry["task"] == "audit.tasks.checkpoint_audit"
    assert entry["schedule"].minute == {0, 15, 30, 45}


def test_the_deployment_checklist_warns_while_checkpoints_are_not_configured(settings):
    assert "audit.W001" not in [message.id for message in run_checks(include_deployment_checks=True)]
    settings.SAFEGUARD_AUDIT_CHECKPOINT_DIR = ""
    assert "audit.W001" in [message.id for message in run_checks(include_deployment_checks=True)]
    assert "audit.W001" not in [message.id for message in run_checks()]  # a deployment check only


@pytest.fixture
def append_only_dir(settings, tmp_path):
    """A checkpoint directory with Linux's append-only attribute (`chattr +a`, as root): files can be
    added to it, never removed or renamed. The attribute is taken off afterwards, so it can be cleaned."""
    directory = tmp_path / "append-only"
    directory.mkdir()
    made = subprocess.run(["chattr", "+a", str(directory)], capture_output=True, text=True)  # noqa: S603, S607
    if made.returncode != 0:
        pytest.skip(f"this file system or user cannot make a directory append-only: {made.stderr.strip()}")
    settings.SAFEGUARD_AUDIT_CHECKPOINT_DIR = str(directory)
    yield directory
    subprocess.run(["chattr", "-a", str(directory)], check=True)  # noqa: S603, S607


def test_checkpoints_are_written_into_an_append_only_directory_where_none_can_be_removed(officer, append_only_dir):
    for _ in range(2):
        write_entries(officer, 1)
        assert checkpoint_write() is not None
    first = append_only_dir / "0000000001.checkpoint"
    assert sorted(path.name for path in append_only_dir.iterdir()) == [first.name, "0000000002.checkpoint"]
    with pytest.raises(PermissionError):
        first.unlink()
    with pytest.raises(PermissionError):
        first.rename(append_only_dir / "0000000009.checkpoint")
    assert verify_checkpoints().ok


def test_the_application_role_the_worker_connects_as_can_checkpoint(officer):
    entries = write_entries(officer)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE safeguard_app")
        checkpoint = checkpoint_write()
        assert checkpoint is not None and checkpoint.position == entries[-1].seq
        assert verify_checkpoints().ok


def test_a_file_named_as_a_checkpoint_that_is_not_one_is_reported(officer, checkpoint_dir):
    write_entries(officer, 1)
    checkpoint_write()
    (checkpoint_dir / "0000000002.checkpoint").write_text('{"number": 2, "position": "everything"}')
    [problem] = verify_checkpoints().problems
    assert problem.kind == "malformed"
    assert "0000000002.checkpoint is not a checkpoint Safeguard wrote" in problem.text
    with pytest.raises(CheckpointError, match=r"0000000002\.checkpoint is not a checkpoint"):
        checkpoint_write()


_ROUTE = """
import django
django.setup()
from safeguard.celery import app
print(app.amqp.router.route({}, "audit.tasks.checkpoint_audit")["queue"].name)
print(app.amqp.router.route({}, "audit.tasks.verify_audit_chain")["queue"].name)
"""


@pytest.mark.parametrize(("queue", "routed"), [("audit-checkpoints", "audit-checkpoints"), ("", "celery")])
def test_the_checkpoint_task_goes_to_its_own_queue_when_one_is_set(queue, routed):
    env = {**os.environ, "SAFEGUARD_AUDIT_CHECKPOINT_QUEUE": queue, "SAFEGUARD_CELERY_QUEUE": "celery"}
    result = subprocess.run(  # noqa: S603 - our own interpreter and settings
        [sys.executable, "-c", _ROUTE],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [routed, "celery"]
