"""Redis is down: Safeguard's pages and saves carry on as normal, and nothing waits for Redis.

Nothing a page does needs Redis: sessions and sign-in lockouts (axes) are in PostgreSQL, and
background work is queued from the database, not from a request. These tests point Celery's broker
and result backend, and Django's cache, at a port where nothing listens (the shared Redis server
keeps running for everyone else) and then sign in, read and save through the real pages. The time
bound is a guard against a request hanging on Redis, not a speed claim.
"""

import socket
import time

import pytest
from celery import Celery
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from kombu.exceptions import OperationalError

from audit import tasks as audit_tasks
from cases.models import CaseLogEntry, SafeguardingReferral
from tests.factories.cases import CaseFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
# Generous: a page takes a few tens of milliseconds; a request waiting on Redis would take seconds.
HANG_GUARD_SECONDS = 2.0


def closed_port() -> int:
    """A local port nothing listens on: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def redis_down(settings):
    url = f"redis://127.0.0.1:{closed_port()}"
    settings.CELERY_BROKER_URL = f"{url}/8"
    settings.CELERY_RESULT_BACKEND = f"{url}/9"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"{url}/8",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    return url


def timed(call):
    started = time.monotonic()
    response = call()
    elapsed = time.monotonic() - started
    assert elapsed < HANG_GUARD_SECONDS, f"{response.request['PATH_INFO']} took {elapsed:.1f} s"
    return response


def test_sign_in_pages_and_saves_work_with_redis_down(redis_down, client, team, officer, supervisor):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    device = TOTPDevice.objects.create(user=officer, name="Authenticator app", confirmed=True)

    # Sign in: both steps, with the lockout counter (axes) and the session.
    response = timed(lambda: client.post(reverse("login"), {"username": officer.username, "password": PASSWORD}))
    assert response.status_code == 302
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    response = timed(lambda: client.post(reverse("two_factor"), {"code": code}))
    assert response.status_code == 302

    # Read.
    for url in (reverse("cases:list"), case.get_absolute_url(), reverse("cases:log", args=[case.reference])):
        assert timed(lambda url=url: client.get(url)).status_code == 200

    # Save.
    response = timed(
        lambda: client.post(reverse("cases:log_add", args=[case.reference]), {"kind": "note", "text": "Checked."})
    )
    assert response.status_code == 302
    assert CaseLogEntry.objects.filter(case=case, text="Checked.").exists()
    response = timed(
        lambda: client.post(
            reverse("cases:safeguarding_add", args=[case.reference]),
            {
                "pseudonymous_reference": "CHILD-A",
                "children_count": "1",
                "relationship": "household",
                "children_safeguarded": "0",
            },
        )
    )
    assert response.status_code == 302
    assert SafeguardingReferral.objects.filter(case=case).exists()

    # Sign out.
    assert timed(lambda: client.post(reverse("logout"))).status_code == 302


def test_queueing_a_task_with_redis_down_fails_quickly_rather_than_hanging(redis_down):
    """Whatever queues a task (the beat, a worker, a command) is told at once that Redis is down:
    Safeguard's publish settings give up after one short retry."""
    # Not the current app: shared tasks elsewhere must keep using Safeguard's own.
    app = Celery("redis-down-probe", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    task = app.tasks[audit_tasks.verify_audit_chain.name]
    started = time.monotonic()

    with pytest.raises(OperationalError):
        task.delay()

    assert time.monotonic() - started < HANG_GUARD_SECONDS
