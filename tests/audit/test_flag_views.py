"""The flag pages: flags listed for auditors (still to review first), each with the entries behind
it; an auditor can mark one reviewed with a note (audited), and can do nothing else to it: not
review it twice, not without a note, not a flag about themselves. Anyone else meets 404."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.roles import AUDITOR
from audit.models import AuditEntry, Flag
from tests.factories.people import UserFactory

pytestmark = pytest.mark.django_db
Kind = AuditEntry.Kind
NOON = datetime(2026, 11, 10, 12, 0, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture
def flag(officer):
    entry = AuditEntry.objects.create(
        actor=officer, actor_username=officer.username, kind=Kind.ACCESS_DENIED, occurred_at=NOON
    )
    return Flag.objects.create(
        kind=Flag.Kind.REFUSED,
        person=officer,
        username=officer.username,
        window_start=NOON,
        window_end=NOON,
        entry_ids=[entry.id],
        detail="Refused 1 times within 10 minutes",
    )


def test_flags_to_review_are_listed_first_and_reviewed_ones_on_asking(as_auditor, flag, auditor):
    reviewed = Flag.objects.create(
        kind=Flag.Kind.OUT_OF_HOURS,
        username="dc.b",
        window_start=NOON - timedelta(days=1),
        window_end=NOON - timedelta(days=1),
        entry_ids=[],
        status=Flag.Status.REVIEWED,
        reviewed_by=auditor,
        reviewed_at=NOON,
        review_note="On call that night",
    )
    officer = flag.person
    response = as_auditor.get(reverse("audit:flags"))
    assert response.context["flags"] == [(flag, f"{officer.get_full_name()} ({officer.username})")]
    assert "Access refused 5 times within 10 minutes." in response.content.decode()  # the settings, said
    listed = as_auditor.get(reverse("audit:flags"), {"status": "reviewed"}).context["flags"]
    assert listed == [(reviewed, "dc.b")]
    assert as_auditor.get(reverse("audit:flags"), {"kind": "out_of_hours", "status": ""}).context["flags"] == [
        (reviewed, "dc.b")
    ]
    assert as_auditor.get(reverse("audit:flags"), {"status": "nonsense"}).status_code == 400


def test_a_flag_shows_the_entries_behind_it_and_looking_is_audited(as_auditor, flag, auditor):
    response = as_auditor.get(reverse("audit:flag_detail", args=[flag.pk]))
    assert [row.entry.id for row in response.context["rows"]] == flag.entry_ids
    assert "Access refused" in response.content.decode()
    latest = AuditEntry.objects.order_by("-id")[0]
    assert (latest.kind, latest.actor_id, latest.changes["flag"]) == (Kind.AUDIT_READ, auditor.pk, flag.pk)


def test_an_auditor_marks_a_flag_reviewed_with_a_note_and_it_is_audited(as_auditor, flag, auditor):
    start = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    response = as_auditor.post(
        reverse("audit:flag_detail", args=[flag.pk]),
        {"note": "Asked DC Hughes: wrong reference typed.", "kind": "new_network", "username": "someone.else"},
    )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert (flag.status, flag.reviewed_by_id, flag.review_note) == (
        Flag.Status.REVIEWED,
        auditor.pk,
        "Asked DC Hughes: wrong reference typed.",
    )
    assert (flag.kind, flag.username) == (Flag.Kind.REFUSED, "dc.hughes")  # nothing else changes
    [change] = AuditEntry.objects.filter(id__gt=start, object_type="audit.Flag")
    assert (change.kind, change.actor_id) == (Kind.CHANGE, auditor.pk)
    assert change.changes["status"] == {"before": "open", "after": "reviewed"}


def test_a_review_without_a_note_is_refused_naming_the_field(as_auditor, flag):
    response = as_auditor.post(reverse("audit:flag_detail", args=[flag.pk]), {"note": "  "})
    assert response.status_code == 400
    assert response.context["form"].errors["note"]
    flag.refresh_from_db()
    assert flag.status == Flag.Status.OPEN


def test_a_flag_cannot_be_reviewed_twice(as_auditor, flag):
    url = reverse("audit:flag_detail", args=[flag.pk])
    assert as_auditor.post(url, {"note": "First look"}).status_code == 302
    response = as_auditor.post(url, {"note": "Second look"})
    assert response.status_code == 400
    flag.refresh_from_db()
    assert flag.review_note == "First look"


def test_an_auditor_cannot_review_a_flag_about_themselves(client, force):
    auditor = UserFactory(username="aud.self", force=force, roles=[AUDITOR])
    own = Flag.objects.create(
        kind=Flag.Kind.OUT_OF_HOURS,
        person=auditor,
        username=auditor.username,
        window_start=NOON,
        window_end=NOON,
        entry_ids=[],
    )
    client.force_login(auditor)
    response = client.post(reverse("audit:flag_detail", args=[own.pk]), {"note": "Fine"})
    assert response.status_code == 400 and "another auditor" in response.content.decode()
    own.refresh_from_db()
    assert own.status == Flag.Status.OPEN


def test_a_flag_that_does_not_exist_is_not_found(as_auditor, flag):
    assert as_auditor.get(reverse("audit:flag_detail", args=[flag.pk + 1000])).status_code == 404
    assert as_auditor.post(reverse("audit:flag_detail", args=[flag.pk + 1000]), {"note": "x"}).status_code == 404


def test_to_anyone_but_an_auditor_a_flag_is_as_missing_as_one_that_does_not_exist(client, flag, officer, supervisor):
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    for person in (officer, supervisor, superuser):
        client.force_login(person)
        real = client.get(reverse("audit:flag_detail", args=[flag.pk]))
        missing = client.get(reverse("audit:flag_detail", args=[flag.pk + 1000]))
        assert real.status_code == missing.status_code == 404
        assert client.post(reverse("audit:flag_detail", args=[flag.pk]), {"note": "x"}).status_code == 404
    flag.refresh_from_db()
    assert flag.status == Flag.Status.OPEN
