"""The named cast every test can ask for, settings for fast, real tests, and the order of the files."""

from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import ADMINISTRATOR, EXAMINER, OFFICER, SUPERVISOR
from audit.checkpoints import make_key_pair
from tests.factories.people import ForceFactory, TeamFactory, UserFactory
from tests.shared import FAST_PASSWORD_HASHERS

URLENCODED = "application/x-www-form-urlencoded"

# Files of few tests that take longest (a load run, a restore drill, a replica, real workers and
# servers killed and restarted, migrations run from an empty database, every link followed, the demo
# loaded, many generated examples, the browser), longest first. `make test` hands whole files to its
# two processes in the order of `pytest_collection_modifyitems` (pytest-xdist, --dist loadfile
# --no-loadscope-reorder): these first, then every other file, most tests first, so that both
# processes end on short files and finish together (a long file of few tests left to the end would
# keep one process busy after the other has finished), and the browser files follow one another (one
# Chromium per process).
SLOW_FIRST = (
    "tests/load/test_smoke.py",
    "tests/ops/test_restore_drill.py",
    "tests/bench/test_generate_partitions.py",
    "tests/replica/",
    "tests/reliability/test_deadlocks.py",
    "tests/reliability/test_worker_outages.py",
    "tests/reliability/test_export_resumed.py",
    "tests/reliability/test_database_restart.py",
    "tests/reliability/test_worker_killed.py",
    "tests/reliability/test_relay_outages.py",
    "tests/reliability/test_request_killed.py",
    "tests/reports/test_figures_export_worker.py",
    "tests/deadlines/test_worker.py",
    "tests/audit/test_checkpoint_worker.py",
    "tests/reliability/test_process_restart.py",
    "tests/accounts/test_people_move_migrations.py",
    "tests/access/test_links.py",
    "tests/casefiles/test_demo.py",
    "tests/reliability/test_bad_import.py",
    "tests/bench/test_generate.py",
    "tests/casefiles/test_export_cases.py",
    "tests/audit/test_parallel_writes.py",
    "tests/audit/test_migration_sequencer.py",
    "tests/deadlines/test_rules_properties.py",
    "tests/test_settings.py",
    "tests/browser/",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files in SLOW_FIRST first, in its order; then the others, most tests first (as pytest-xdist's
    own reordering would); a file's tests stay together and in their order."""
    tests_in = Counter(item.nodeid.split("::")[0] for item in items)

    def place(item: pytest.Item) -> tuple[int, int]:
        path = item.nodeid.split("::")[0]
        slow = next((rank for rank, prefix in enumerate(SLOW_FIRST) if path.startswith(prefix)), len(SLOW_FIRST))
        return slow, -tests_in[path]

    items.sort(key=place)


class BrowserClient(Client):
    """Posts forms URL-encoded, as Safeguard's pages do. Django's test client would send multipart,
    which the metadata-only guard (cases.middleware) refuses with 415 before any view runs."""

    def post(self, path, data=None, content_type=URLENCODED, *args, **kwargs):
        if content_type == URLENCODED and not isinstance(data, str | bytes):
            for key, value in (data or {}).items():
                if value is None:
                    raise TypeError(f"Cannot encode None for key '{key}' as POST data: pass '' or leave it out.")
            data = urlencode(data or {}, doseq=True)
        return super().post(path, data, content_type, *args, **kwargs)

    def force_login(self, user, backend=None, *, two_factor=True):
        """Sign `user` in fully, as after both sign-in steps: password, then a two-factor code from a
        confirmed authenticator app (created for them if they have none). `two_factor=False` stops
        after the password step, as a person who has not yet given their code."""
        super().force_login(user, backend)
        if two_factor:
            verify_two_factor(self, user)


def verify_two_factor(client, user):
    """Mark the client's session as having passed the two-factor step with `user`'s authenticator app,
    exactly as django_otp.login does after a right code (the session holds the device's id)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=True
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


@pytest.fixture
def client():
    return BrowserClient()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


@pytest.fixture(scope="session")
def checkpoint_key_pair(tmp_path_factory) -> tuple[Path, Path]:
    """One Ed25519 key pair for the run's audit checkpoints: (private key, public key)."""
    folder = tmp_path_factory.mktemp("checkpoint-key")
    make_key_pair(folder / "checkpoint.key", folder / "checkpoint.pub")
    return folder / "checkpoint.key", folder / "checkpoint.pub"


@pytest.fixture(autouse=True)
def checkpoint_dir(settings, checkpoint_key_pair, tmp_path_factory) -> Path:
    """Every test runs with audit checkpoints configured, as production is: the run's key pair and
    an empty checkpoint directory of the test's own (docs/audit.md, "Checkpoints")."""
    directory = tmp_path_factory.mktemp("audit-checkpoints")
    settings.SAFEGUARD_AUDIT_CHECKPOINT_KEY = str(checkpoint_key_pair[0])
    settings.SAFEGUARD_AUDIT_CHECKPOINT_PUBLIC_KEYS = [str(checkpoint_key_pair[1])]
    settings.SAFEGUARD_AUDIT_CHECKPOINT_DIR = str(directory)
    return directory


@pytest.fixture
def force(db):
    return ForceFactory(code="STF", name="Staffordshire Police", region="West Midlands")


@pytest.fixture
def team(force):
    return TeamFactory(force=force, name="Safenet")


@pytest.fixture
def other_team(force):
    return TeamFactory(force=force, name="Paedophile Online Investigation Team")


@pytest.fixture
def officer(team):
    return UserFactory(
        username="dc.hughes",
        first_name="Sam",
        last_name="Hughes",
        rank="DC",
        force=team.force,
        teams=[team],
        roles=[OFFICER],
    )


@pytest.fixture
def supervisor(team):
    return UserFactory(
        username="ds.okafor",
        first_name="Grace",
        last_name="Okafor",
        rank="DS",
        force=team.force,
        teams=[team],
        roles=[SUPERVISOR],
    )


@pytest.fixture
def examiner(team):
    return UserFactory(
        username="dfi.patel",
        first_name="Ravi",
        last_name="Patel",
        rank="Police Staff",
        force=team.force,
        teams=[team],
        roles=[EXAMINER],
    )


@pytest.fixture
def outsider(other_team):
    """An officer of another team: must not see this team's cases."""
    return UserFactory(
        username="dc.morgan",
        first_name="Lee",
        last_name="Morgan",
        rank="DC",
        force=other_team.force,
        teams=[other_team],
        roles=[OFFICER],
    )


@pytest.fixture
def administrator(force):
    """An administrator of the cast's force (no team)."""
    return UserFactory(
        username="admin.jones", first_name="Chris", last_name="Jones", rank="", force=force, roles=[ADMINISTRATOR]
    )


@pytest.fixture
def second_administrator(force):
    """Another administrator of the same force: the second pair of eyes."""
    return UserFactory(
        username="admin.okoro", first_name="Ada", last_name="Okoro", rank="", force=force, roles=[ADMINISTRATOR]
    )


@pytest.fixture
def other_force_administrator(db):
    """An administrator of another force: administers none of the cast."""
    other = ForceFactory(code="WAR", name="Warwickshire Police")
    return UserFactory(
        username="admin.war", first_name="Dee", last_name="Warren", rank="", force=other, roles=[ADMINISTRATOR]
    )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database as in production: owned by safeguard_owner, with the application's role
    safeguard_app able only to read and add to the audit trail (audit: setup_database_roles)."""
    from io import StringIO

    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("setup_database_roles", stdout=StringIO())
