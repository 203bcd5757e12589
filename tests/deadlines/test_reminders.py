"""The deadline sweep: reminders once per deadline, threshold and recipient, their e-mail queued
through the outbox, and the e-mail sent once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditEntry
from cases.models import Arrest, Notification
from cases.services.notifications import SEND_EMAIL_TASK, deadline_sweep, notification_send_email
from safeguard.outbox.models import OutboxMessage
from tests.emails import assert_links_on_base_url
from tests.factories.cases import CaseFactory, SubjectFactory
from tests.factories.warrants import WarrantFactory
from warrants.models import Warrant

DAY = timedelta(days=1)


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=timezone.now() - 40 * DAY)


def arrest(case, *, days_ago):
    """An arrest, and a child with access to the suspect not yet referred to children's services."""
    subject = SubjectFactory(case=case, full_name="John Smith")
    case.safeguarding_referrals.create(
        pseudonymous_reference="CHILD-A", children_count=1, relationship="own_child", recorded_by=case.officer_in_case
    )
    return Arrest.objects.create(
        case=case,
        subject=subject,
        arrested_at=timezone.now() - days_ago * DAY,
        arresting_officer=case.officer_in_case,
    )


def reminders():
    return sorted(
        Notification.objects.values_list("recipient__username", "kind", "threshold"),
    )


def test_it_reminds_the_officer_and_supervisor_once_however_often_it_runs(case, officer, supervisor):
    arrest(case, days_ago=30)  # charging target (28 days) and MASH referral (24 hours) missed
    first = deadline_sweep()
    assert first.notifications_created == 4
    assert reminders() == [
        ("dc.hughes", "charging_target", "missed"),
        ("dc.hughes", "mash_referral", "missed"),
        ("ds.okafor", "charging_target", "missed"),
        ("ds.okafor", "mash_referral", "missed"),
    ]
    assert deadline_sweep().notifications_created == 0
    assert deadline_sweep().notifications_created == 0
    assert Notification.objects.count() == 4
    # One e-mail queued in the outbox for each reminder, and no more.
    assert sorted(OutboxMessage.objects.values_list("task", "args")) == sorted(
        (SEND_EMAIL_TASK, [pk]) for pk in Notification.objects.values_list("pk", flat=True)
    )


def test_due_soon_then_missed_are_two_reminders(case):
    made = arrest(case, days_ago=26)  # the charging target is two days away: due soon
    case.safeguarding_referrals.update(mash_referred_at=made.arrested_at + timedelta(hours=2))
    deadline_sweep()
    assert reminders() == [("dc.hughes", "charging_target", "due_soon"), ("ds.okafor", "charging_target", "due_soon")]
    deadline_sweep(now=timezone.now() + 3 * DAY)
    assert [r[2] for r in reminders()] == ["due_soon", "missed", "due_soon", "missed"]


def test_nothing_on_track_or_met_is_reminded(case):
    arrest(case, days_ago=0)
    case.safeguarding_referrals.update(mash_referred_at=timezone.now())
    assert deadline_sweep().notifications_created == 0


def test_an_inactive_supervisor_is_not_reminded(case, supervisor):
    supervisor.is_active = False
    supervisor.save()
    arrest(case, days_ago=30)
    deadline_sweep()
    assert {r[0] for r in reminders()} == {"dc.hughes"}


def test_the_database_refuses_a_second_reminder_of_the_same_threshold(case, officer):
    fields = {
        "recipient": officer,
        "case": case,
        "deadline_key": "charging_target:cases.arrest:1:2026-01-01T00:00:00+00:00",
        "threshold": "missed",
        "kind": "charging_target",
        "label": "Charging decision",
        "due_at": timezone.now(),
        "source": "Local target",
    }
    Notification.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(**fields)


def test_the_sweep_marks_expired_warrants_and_reminds_of_their_return(case):
    warrant = WarrantFactory(case=case, issued=True, applied_at=timezone.now() - 100 * DAY)
    report = deadline_sweep()
    warrant.refresh_from_db()
    assert warrant.status == Warrant.Status.EXPIRED
    assert report.expired == {"warrants": 1}
    assert ("dc.hughes", "warrant_return") in [r[:2] for r in reminders()]
    assert deadline_sweep().as_dict()["warrants_expired"] == 0


def test_the_sweep_is_recorded_in_the_audit_trail_as_the_task(case):
    from audit.context import acting_as

    arrest(case, days_ago=30)
    with acting_as(None, source="task:deadline_sweep"):
        deadline_sweep()
    created = AuditEntry.objects.filter(kind="create", object_type="cases.Notification")
    assert created.count() == 4
    assert set(created.values_list("source", flat=True)) == {"task:deadline_sweep"}


def test_the_email_goes_out_once(case, officer, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    arrest(case, days_ago=30)
    deadline_sweep()
    notification = Notification.objects.get(recipient=officer, kind="charging_target")
    assert notification_send_email(notification_id=notification.pk) is True
    assert notification_send_email(notification_id=notification.pk) is False
    [message] = mail.outbox
    assert message.to == ["dc.hughes@police.example"]
    assert message.subject == f"Safeguard: missed on {case.reference}"
    assert "Charging decision for John Smith (four-week target)" in message.body
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def missed_charging_target(case, officer):
    """The officer's reminder of a missed charging target, not yet e-mailed."""
    arrest(case, days_ago=30)
    deadline_sweep()
    return Notification.objects.get(recipient=officer, kind="charging_target")


def test_the_emails_link_to_the_case_is_absolute_on_the_base_url(case, officer, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SAFEGUARD_BASE_URL = "https://safeguard.staffordshire.police.example"
    notification = missed_charging_target(case, officer)
    notification_send_email(notification_id=notification.pk)
    [message] = mail.outbox
    links = assert_links_on_base_url(str(message.body))
    assert links == [f"https://safeguard.staffordshire.police.example/cases/{case.reference}/"]
    assert f"Open the case in Safeguard: {links[0]}" in message.body


def test_no_email_without_a_base_url_for_its_link(case, officer, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SAFEGUARD_BASE_URL = ""
    notification = missed_charging_target(case, officer)
    with pytest.raises(ImproperlyConfigured, match="SAFEGUARD_BASE_URL is not set"):
        notification_send_email(notification_id=notification.pk)
    assert mail.outbox == []
    notification.refresh_from_db()
    assert notification.emailed_at is None  # sent once the setting is there


def test_no_email_about_a_case_the_recipient_can_no_longer_see(case, officer, other_team, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    arrest(case, days_ago=30)
    deadline_sweep()
    notification = Notification.objects.get(recipient=officer, kind="charging_target")
    case.officer_in_case = case.supervisor
    case.save()
    officer.teams.set([other_team])
    assert notification_send_email(notification_id=notification.pk) is False
    assert mail.outbox == []


def test_a_missing_notification_is_no_error(db):
    assert notification_send_email(notification_id=987654) is False
