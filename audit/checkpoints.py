"""Signed checkpoints of the audit chain's head, kept outside the database (docs/audit.md, "Checkpoints").

The hash chain shows an entry changed, removed or moved, unless whoever changed it also rewrote
every later hash and the chain head, which the database's owner can. A checkpoint anchors the head
where the database roles cannot reach: a file in a directory they cannot write
(SAFEGUARD_AUDIT_CHECKPOINT_DIR), naming the head's position, hash and entry count and the time,
signed with an Ed25519 key held only by the process that writes checkpoints
(SAFEGUARD_AUDIT_CHECKPOINT_KEY), and naming the digest of the checkpoint before it, so that the
checkpoints chain too and one removed or replaced is noticed. The public keys that verify them are
configured apart (SAFEGUARD_AUDIT_CHECKPOINT_PUBLIC_KEYS). A chain rewritten whole no longer has,
at some checkpoint's position, the hash the checkpoint anchored.

`chain_head` and `hash_at` are the only two functions here that know how the chain is stored and
ordered; the rest speaks of positions.
"""

import base64
import binascii
import hashlib
import json
import os
import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core import checks
from django.db import connection
from django.utils import timezone

from audit.archives import ARCHIVED_COUNT_SQL, archived_hash

FORMAT = "safeguard-audit-checkpoint/1"
# The hash before the first entry, and the `previous` of the first checkpoint.
NOTHING = "0" * 64
_NAME = re.compile(r"^(\d{10})\.checkpoint$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_FIELDS = ("format", "number", "position", "hash", "count", "time", "previous", "key_id")
# How many times a writer that lost a race for the next number reads the directory again.
_WRITE_ATTEMPTS = 3


class CheckpointError(Exception):
    """Checkpoints cannot be written or read as configured; the message says what to put right."""


@dataclass(frozen=True)
class Head:
    """The chain's newest entry: its position in the chain, its hash, and how many entries lead up to it."""

    position: int
    hash: str
    count: int


# Entries archived (audit/archives.py) still count. A constant of this module and audit/archives.py.
_HEAD = f"""
SELECT h.last_seq, h.last_hash, (SELECT count(*) FROM audit_auditentry WHERE seq > %s AND seq <= h.last_seq)
                                + {ARCHIVED_COUNT_SQL}
FROM audit_auditchainhead h WHERE h.id = 1
"""  # noqa: S608


def chain_head(*, counted: tuple[int, int] = (0, 0)) -> Head:
    """The head of the chain now, read in one statement (one snapshot). Entries are chained in the
    order the sequencer gave them their places (audit/sequencer.py), so a position is an entry's
    place (`seq`), not its id. An empty chain is position 0.

    `counted` is a position and the number of entries up to it, known already (the newest
    checkpoint's), so that only the entries after it are counted: counting tens of millions of
    entries at every checkpoint would take a while.
    """
    position, count = counted
    with connection.cursor() as cursor:
        cursor.execute(_HEAD, [position, position])
        row = cursor.fetchone()
    if row is None:
        return Head(0, NOTHING, 0)
    return Head(int(row[0]), str(row[1]), count + int(row[2]))


def hash_at(position: int) -> str | None:
    """The stored hash of the entry at `position`, or None if there is none."""
    if position == 0:
        return NOTHING
    with connection.cursor() as cursor:
        cursor.execute("SELECT hash FROM audit_auditentry WHERE seq = %s", [position])
        row = cursor.fetchone()
    return str(row[0]) if row else archived_hash(position)


@dataclass(frozen=True)
class Checkpoint:
    number: int
    position: int
    hash: str
    count: int
    time: datetime
    previous: str
    key_id: str
    signature: str
    # The SHA-256 of the file as written: what the next checkpoint names as its `previous`.
    digest: str = ""

    def signed_fields(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "number": self.number,
            "position": self.position,
            "hash": self.hash,
            "count": self.count,
            "time": self.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "previous": self.previous,
            "key_id": self.key_id,
        }

    def file_name(self) -> str:
        return f"{self.number:010d}.checkpoint"

    def describe(self) -> str:
        return f"checkpoint {self.number} (place {self.position}, {self.time.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC)"


def _canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def key_id(public_key: Ed25519PublicKey) -> str:
    """A public key's name in checkpoints: the first 16 hex digits of the SHA-256 of its raw bytes."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


NOT_CONFIGURED = (
    "Audit checkpoints are not configured: set SAFEGUARD_AUDIT_CHECKPOINT_KEY, SAFEGUARD_AUDIT_CHECKPOINT_PUBLIC_KEYS "
    "and SAFEGUARD_AUDIT_CHECKPOINT_DIR (.env.example), or the database's owner can rewrite the whole audit chain "
    "unseen."
)


def check_configured(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """`check --deploy`: the chain's head is anchored outside the database only with all three settings."""
    if (
        settings.SAFEGUARD_AUDIT_CHECKPOINT_KEY
        and settings.SAFEGUARD_AUDIT_CHECKPOINT_PUBLIC_KEYS
        and settings.SAFEGUARD_AUDIT_CHECKPOINT_DIR
    ):
        return []
    return [checks.Warning(NOT_CONFIGURED, id="audit.W001")]


# --- Keys ----------------------------------------------------------------------------------------


def load_private_key(path: str) -> Ed25519PrivateKey:
    """The signing key at `path`: a PEM file that no one but its owner may read (mode 0600)."""
    if not path:
        raise CheckpointError(
            "SAFEGUARD_AUDIT_CHECKPOINT_KEY is not set: no key to sign audit checkpoints with. "
            'Make one with `manage.py audit_checkpoint_key` (docs/audit.md, "Checkpoints").'
        )
    key_path = Path(path)
    try:
        mode = key_path.stat().st_mode
        data = key_path.read_bytes()
    except FileNotFoundError:
        raise CheckpointError(
            f"The audit checkpoint signing key {key_path} does not exist (SAFEGUARD_AUDIT_CHECKPOINT_KEY). "
            "Make one with `manage.py audit_checkpoint_key`."
        ) from None
    except OSError as error:
        raise CheckpointError(f"The audit checkpoint signing key {key_path} cannot be read: {error}.") from None
    if mode & 0o077:
        raise CheckpointError(
            f"The audit checkpoint signing key {key_path} may be read by others (mode {mode & 0o777:o}): "
            f"make it readable by its owner only (chmod 600 {key_path})."
        )
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise CheckpointError(
            f"The audit checkpoint signing key {key_path} is not a PEM private key: {error}"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"The audit checkpoint signing key {key_path} is not an Ed25519 key.")
    return key


def load_public_keys(paths: list[str]) -> dict[str, Ed25519PublicKey]:
    """The public keys that verify checkpoints, by key id."""
    if not paths:
        raise CheckpointError(
            "SAFEGUARD_AUDIT_CHECKPOINT_PUBLIC_KEYS is not set: audit checkpoints cannot be verified."
        )
    keys: dict[str, Ed25519PublicKey] = {}
    for path in paths:
        try:
            key = serialization.load_pem_public_key(Path(path).read_bytes())
        except OSError as error:
            raise CheckpointError(
                f"The audit checkpoint public key {path} cannot be read (SAFEGUARD_AUDIT_CHECKPOINT_PUBLIC_KEYS): "
                f"{error.strerror or error}."
            ) from None
        except (ValueError, TypeError) as error:
            raise CheckpointError(f"The audit checkpoint public key {path} is not a PEM public key: {error}") from None
        if not isinstance(key, Ed25519PublicKey):
            raise CheckpointError(f"The audit checkpoint public key {path} is not an Ed25519 key.")
        keys[key_id(key)] = key
    return keys


def make_key_pair(private_path: Path, public_path: Path) -> str:
    """Write a new Ed25519 key pair: the private key readable by its owner only (0600), created
    afresh (an existing file is never replaced), and its public key. Returns the key id."""
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    for path in (private_path, public_path):
        if path.exists():
            raise CheckpointError(f"{path} already exists; it is never replaced (see key rotation in docs/audit.md).")
    private_path.parent.mkdir(parents=True, exist_ok=True)
    public_path.parent.mkdir(parents=True, exist_ok=True)
    _write_new(private_path, private_pem, 0o600)
    _write_new(public_path, public_pem, 0o644)
    return key_id(key.public_key())


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create `path` with `mode` from the start (never briefly readable by others), or fail if it exists."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        _write_all(descriptor, data)
    finally:
        os.close(descriptor)


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]
    os.fsync(descriptor)


# --- Reading the directory -----------------------------------------------------------------------


def checkpoint_directory() -> Path:
    configured = settings.SAFEGUARD_AUDIT_CHECKPOINT_DIR
    if not configured:
        raise CheckpointError("SAFEGUARD_AUDIT_CHECKPOINT_DIR is not set: no directory for audit checkpoints.")
    directory = Path(configured)
    if not directory.is_dir():
        raise CheckpointError(
            f"The audit checkpoint directory {directory} does not exist (SAFEGUARD_AUDIT_CHECKPOINT_DIR). "
            "If checkpoints were kept there, they are gone: restore them from their copies."
        )
    return directory


def _checkpoint_files(directory: Path) -> list[tuple[int, Path]]:
    files = []
    for path in directory.iterdir():
        match = _NAME.match(path.name)
        if match:
            files.append((int(match.group(1)), path))
    return sorted(files)


def _parse(path: Path, number: int) -> Checkpoint:
    """The checkpoint in `path`, its fields checked for shape (not yet its signature)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CheckpointError(f"{path.name} cannot be read: {error.strerror or error}.") from None
    try:
        fields = json.loads(data)
        checkpoint = Checkpoint(
            number=fields["number"],
            position=fields["position"],
            hash=fields["hash"],
            count=fields["count"],
            time=datetime.strptime(fields["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC),
            previous=fields["previous"],
            key_id=fields["key_id"],
            signature=fields["signature"],
            digest=hashlib.sha256(data).hexdigest(),
        )
        well_formed = (
            fields["format"] == FORMAT
            and set(fields) == {*_FIELDS, "signature"}
            and all(
                isinstance(fields[name], int) and not isinstance(fields[name], bool)
                for name in ("number", "position", "count")
            )
            and all(isinstance(fields[name], str) and _HEX64.match(fields[name]) for name in ("hash", "previous"))
            and isinstance(fields["key_id"], str)
            and isinstance(fields["signature"], str)
        )
    except (ValueError, KeyError, TypeError):
        well_formed = False
    if not well_formed:
        raise CheckpointError(f"{path.name} is not a checkpoint Safeguard wrote (unreadable or malformed).")
    if checkpoint.number != number:
        raise CheckpointError(f"{path.name} holds checkpoint {checkpoint.number}: it was renamed.")
    return checkpoint


def _signature_verifies(checkpoint: Checkpoint, keys: dict[str, Ed25519PublicKey]) -> bool:
    key = keys.get(checkpoint.key_id)
    if key is None:
        return False
    try:
        key.verify(base64.b64decode(checkpoint.signature, validate=True), _canonical(checkpoint.signed_fields()))
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


# --- Writing -------------------------------------------------------------------------------------


def checkpoint_write() -> Checkpoint | None:
    """Sign the chain's head now and add it to the checkpoint directory as the next checkpoint.

    Nothing is written (None) when the head has not moved since the newest checkpoint. Refuses
    (CheckpointError) to write on top of a newest checkpoint whose signature does not verify, or of a
    chain that no longer extends it (cut short, or the entry at its position changed): anchoring such
    a chain would vouch for it. Two writers at once cannot both take the same number: a file is
    linked into place, never replaced.
    """
    key = load_private_key(settings.SAFEGUARD_AUDIT_CHECKPOINT_KEY)
    directory = checkpoint_directory()
    own_public = key.public_key()
    keys = {key_id(own_public): own_public}
    if settings.SAFEGUARD_AUDIT_CHECKPOINT_PUBLIC_KEYS:
        keys |= load_public_keys(settings.SAFEGUARD_AUDIT_CHECKPOINT_PUBLIC_KEYS)
    for _attempt in range(_WRITE_ATTEMPTS):
        files = _checkpoint_files(directory)
        newest = _parse(files[-1][1], files[-1][0]) if files else None
        # Counted on from the newest checkpoint; if the chain does not extend it, nothing is written.
        head = chain_head(counted=(newest.position, newest.count) if newest else (0, 0))
        if newest is not None:
            if not _signature_verifies(newest, keys):
                raise CheckpointError(
                    f"Not written: the newest, {newest.describe()}, does not verify with any configured key."
                )
            if (newest.position, newest.hash) == (head.position, head.hash):
                return None
            problem = _does_not_extend(newest, head)
            if problem:
                raise CheckpointError(f"Not written: {problem}")
        checkpoint = _signed(
            key, head, number=newest.number + 1 if newest else 1, previous=newest.digest if newest else NOTHING
        )
        data = _canonical({**checkpoint.signed_fields(), "signature": checkpoint.signature})
        try:
            _publish(directory / checkpoint.file_name(), data)
        except FileExistsError:
            continue  # another writer took this number first: read the directory again
        return replace(checkpoint, digest=hashlib.sha256(data).hexdigest())
    raise CheckpointError("Not written: other checkpoints kept being written at the same time; run it again.")


def _signed(key: Ed25519PrivateKey, head: Head, *, number: int, previous: str) -> Checkpoint:
    unsigned = Checkpoint(
        number=number,
        position=head.position,
        hash=head.hash,
        count=head.count,
        time=timezone.now(),
        previous=previous,
        key_id=key_id(key.public_key()),
        signature="",
    )
    signature = base64.b64encode(key.sign(_canonical(unsigned.signed_fields()))).decode()
    return replace(unsigned, signature=signature)


def _publish(path: Path, data: bytes) -> None:
    """Put `data` at `path`, whole or not at all, read-only, never replacing a file already there.

    The file is written unnamed in the directory (O_TMPFILE) and then linked to its name, which fails
    if the name is taken. That needs no removal, so it works in a directory made append-only
    (`chattr +a`: files can be added, not removed or renamed, even by root). Where the file system
    has no unnamed files, a temporary name is written, linked and removed instead.
    """
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        try:
            unnamed = os.open(path.parent, os.O_TMPFILE | os.O_WRONLY, 0o444)
        except OSError:
            unnamed = None
        if unnamed is not None:
            try:
                _write_all(unnamed, data)
                # linkat with AT_SYMLINK_FOLLOW (the directory descriptor makes os.link use it).
                os.link(f"/proc/self/fd/{unnamed}", path.name, dst_dir_fd=directory, follow_symlinks=True)
            finally:
                os.close(unnamed)
        else:
            temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
            _write_new(temporary, data, 0o444)
            try:
                os.link(temporary, path)
            finally:
                temporary.unlink()
        os.fsync(directory)
    finally:
        os.close(directory)


def _does_not_extend(checkpoint: Checkpoint, head: Head) -> str:
    """Why the chain as it is now is not the checkpointed chain grown longer, or "" if it is."""
    if head.position < checkpoint.position or head.count < checkpoint.count:
        return (
            f"truncated: the chain ends at place {head.position} ({head.count} entries), but {checkpoint.describe()} "
            f"anchored place {checkpoint.position} ({checkpoint.count} entries): entries were cut from its end."
        )
    stored = hash_at(checkpoint.position)
    if stored is None:
        return f"rewritten: the entry at place {checkpoint.position}, anchored by {checkpoint.describe()}, is missing."
    if stored != checkpoint.hash:
        return (
            f"rewritten: the entry at place {checkpoint.position} has hash {stored[:16]}..., "
            f"not the {checkpoint.hash[:16]}... that {checkpoint.describe()} anchored."
        )
    return ""


# --- Verifying -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong: `kind` is one of `rewritten`, `forked`, `truncated`, `signature`, `missing`,
    `malformed`, `out_of_order` or `configuration`."""

    kind: str
    text: str

    def describe(self) -> str:
        return f"{self.kind}: {self.text}"


@dataclass(frozen=True)
class CheckpointReport:
    configured: bool
    checked: int = 0
    newest: Checkpoint | None = None
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.problems

    def describe(self) -> str:
        if not self.configured:
            return (
                "Checkpoints not configured (SAFEGUARD_AUDIT_CHECKPOINT_DIR, SAFEGUARD_AUDIT_CHECKPOINT_PUBLIC_KEYS): "
                "a chain rewritten whole would not be found."
            )
        if self.problems:
            listed = " ".join(f"[{problem.describe()}]" for problem in self.problems)
            return f"Checkpoints BROKEN: {listed} {self.checked} checkpoints read."
        if self.newest is None:
            return "Checkpoints OK: none written yet."
        return f"Checkpoints OK: {self.checked} checked; the chain extends the newest, {self.newest.describe()}."


def verify_checkpoints() -> CheckpointReport:
    """Check the checkpoints, and the chain against every one of them.

    The checkpoints themselves: each file's signature verifies with a configured public key, they are
    numbered from 1 without a gap, each names the digest of the one before it (so none was removed,
    replaced or put back from elsewhere), and none anchors an earlier position than the one before it.
    The chain: it is at least as long as the newest checkpoint (`truncated`), and at each checkpoint's
    position the entry still has the hash anchored there (`rewritten` when no checkpoint matches
    before the first that does not; `forked` when earlier ones match, so the chain was replaced
    after them: a fork, or an old copy restored and written on). With the hash chain whole
    (`verify_chain`), a matching hash at a position vouches for every entry up to it.
    Only checkpoints whose signature verifies are held against the chain.
    """
    if not settings.SAFEGUARD_AUDIT_CHECKPOINT_DIR and not settings.SAFEGUARD_AUDIT_CHECKPOINT_PUBLIC_KEYS:
        return CheckpointReport(configured=False)
    try:
        directory = checkpoint_directory()
        keys = load_public_keys(settings.SAFEGUARD_AUDIT_CHECKPOINT_PUBLIC_KEYS)
    except CheckpointError as error:
        return CheckpointReport(configured=True, problems=(Problem("configuration", str(error)),))
    problems: list[Problem] = []
    trusted: list[Checkpoint] = []
    previous: Checkpoint | None = None
    expected_number = 1
    files = _checkpoint_files(directory)
    for number, path in files:
        try:
            checkpoint = _parse(path, number)
        except CheckpointError as error:
            problems.append(Problem("malformed", str(error)))
            previous, expected_number = None, number + 1
            continue
        if not _signature_verifies(checkpoint, keys):
            known = "" if checkpoint.key_id in keys else f" (key {checkpoint.key_id} is not configured)"
            problems.append(Problem("signature", f"{path.name}: its signature does not verify{known}."))
        else:
            trusted.append(checkpoint)
        if number > expected_number:
            missing = (
                f"checkpoint {expected_number} is"
                if number == expected_number + 1
                else f"checkpoints {expected_number} to {number - 1} are"
            )
            problems.append(Problem("missing", f"{missing} missing before {path.name}."))
        elif previous is not None and checkpoint.previous != previous.digest:
            problems.append(
                Problem("missing", f"{path.name} does not follow checkpoint {previous.number}: one was replaced.")
            )
        elif number == 1 and checkpoint.previous != NOTHING:
            problems.append(Problem("missing", f"{path.name} names a checkpoint before it, which is not there."))
        if previous is not None and checkpoint.position < previous.position:
            problems.append(
                Problem(
                    "out_of_order",
                    f"checkpoint {checkpoint.number} anchors place {checkpoint.position}, before checkpoint "
                    f"{previous.number}'s place {previous.position}: the chain was cut short between them.",
                )
            )
        previous, expected_number = checkpoint, number + 1
    problems += _chain_against(trusted)
    return CheckpointReport(
        configured=True, checked=len(files), newest=trusted[-1] if trusted else None, problems=tuple(problems)
    )


def _chain_against(checkpoints: list[Checkpoint]) -> list[Problem]:
    """The chain held against each checkpoint, oldest first: the first that it does not match, and
    how many after it do not either (a chain rewritten whole matches none)."""
    if not checkpoints:
        return []
    head = chain_head()
    problems: list[Problem] = []
    newest = checkpoints[-1]
    if head.position < newest.position or head.count < newest.count:
        beyond = sum(1 for checkpoint in checkpoints if checkpoint.position > head.position)
        problems.append(
            Problem(
                "truncated",
                f"the chain ends at place {head.position} ({head.count} entries), but {newest.describe()} anchored "
                f"place {newest.position} ({newest.count} entries); {beyond} checkpoints lie beyond its end.",
            )
        )
    last_match: Checkpoint | None = None
    first_mismatch: tuple[Checkpoint, str | None] | None = None
    later_mismatches = 0
    for checkpoint in checkpoints:
        if checkpoint.position > head.position:
            break
        stored = hash_at(checkpoint.position)
        if stored == checkpoint.hash:
            if first_mismatch is None:
                last_match = checkpoint
        elif first_mismatch is None:
            first_mismatch = (checkpoint, stored)
        else:
            later_mismatches += 1
    if first_mismatch is not None:
        checkpoint, stored = first_mismatch
        found = "is missing" if stored is None else f"has hash {stored[:16]}..., not {checkpoint.hash[:16]}..."
        later = f" {later_mismatches} later checkpoints do not match either." if later_mismatches else ""
        if last_match is None:
            problems.append(
                Problem(
                    "rewritten",
                    f"the entry at place {checkpoint.position}, anchored by {checkpoint.describe()}, {found}: "
                    f"the chain was rewritten up to there.{later}",
                )
            )
        else:
            problems.append(
                Problem(
                    "forked",
                    f"the chain matches {last_match.describe()}, but the entry at place {checkpoint.position}, "
                    f"anchored by {checkpoint.describe()}, {found}: the chain was replaced after place "
                    f"{last_match.position} (forked, or an older copy restored and written on).{later}",
                )
            )
    return problems


def checkpoint_positions() -> list[int]:
    """The places the checkpoints in the directory name (signatures not checked): an archive keeps the
    hash at each that it takes away (audit.partitions). Empty when checkpoints are not configured."""
    if not settings.SAFEGUARD_AUDIT_CHECKPOINT_DIR:
        return []
    return [_parse(path, number).position for number, path in _checkpoint_files(checkpoint_directory())]
