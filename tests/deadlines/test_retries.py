"""Tasks retried on a transient error wait long enough that a short outage cannot use up their retries.

A task that met a database outage of five seconds once failed for good: Celery's full jitter may
wait anything from 0 s, so all five retries could fall inside the outage. `retry_delay` keeps at
least half of each doubling delay. A real worker retrying through a real outage is
tests/reliability/test_worker_outages.py."""

import pytest
from celery import Task
from celery.exceptions import Retry
from django.db import OperationalError

from cases import tasks
from cases.tasks import RETRIES, RetriedWhenTransient, retry_delay
from reports import tasks as report_tasks


def test_the_retries_span_at_least_thirty_seconds_whatever_the_jitter(monkeypatch):
    monkeypatch.setattr(tasks.random, "uniform", lambda low, high: low)
    shortest = [retry_delay(retries) for retries in range(RETRIES)]
    monkeypatch.setattr(tasks.random, "uniform", lambda low, high: high)
    longest = [retry_delay(retries) for retries in range(RETRIES)]

    assert shortest == [1, 2, 4, 8, 16]
    assert sum(shortest) > 30
    assert longest == [2, 4, 8, 16, 32]


def test_the_delay_stops_growing_at_ten_minutes(monkeypatch):
    monkeypatch.setattr(tasks.random, "uniform", lambda low, high: high)
    assert retry_delay(20) == 600


def test_every_task_that_reads_the_database_retries_so():
    for task in (
        tasks.deadline_sweep,
        tasks.send_notification_email,
        report_tasks.figures_export_run,
        report_tasks.exports_resume_stalled,
        report_tasks.refresh_summaries,
    ):
        assert isinstance(task, RetriedWhenTransient), task.name
        assert task.max_retries == RETRIES
        assert OperationalError in task.autoretry_for


def test_a_transient_error_has_the_task_retried_after_the_delay(monkeypatch):
    asked: dict[str, object] = {}

    def retry(
        self, args=None, kwargs=None, exc=None, throw=True, eta=None, countdown=None, max_retries=None, **options
    ):
        asked.update(exc=exc, countdown=countdown)
        return Retry(exc=exc, when=countdown)

    def unreachable(**kwargs):
        raise OperationalError("could not connect to server")

    # Celery's own retry would send the task to the broker again: recorded instead.
    monkeypatch.setattr(Task, "retry", retry)
    monkeypatch.setattr(tasks, "notification_send_email", unreachable)
    monkeypatch.setattr(tasks.random, "uniform", lambda low, high: low)

    with pytest.raises(Retry):
        tasks.send_notification_email.run(0)

    assert isinstance(asked["exc"], OperationalError)
    assert asked["countdown"] == 1
