"""Session expiry without loss: every page says when the session will end, in UK time, with a way to
stay signed in; a form sent after the session ended is kept, and shown again filled in to the same
person once they have signed in again (both steps), never saved until they submit it again, never
shown to anyone else, and forgotten after 30 minutes."""

import re
import time
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.middleware import KEPT_FORM, KEPT_FORM_NOTICE, KEPT_FORM_SECONDS, LAST_SEEN_AT, SIGNED_IN_AT
from audit.models import AuditEntry
from cases.models import CaseLogEntry
from safeguard.formats import when
from tests.conftest import BrowserClient, verify_two_factor
from tests.factories.cases import CaseFactory
from tests.factories.people import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
TYPED = {"kind": "note", "text": "Spoke to the safeguarding lead of the school about the second child.", "at": ""}


def _idle_for(client, seconds):
    session = client.session
    session[LAST_SEEN_AT] = time.time() - seconds
    session.save()


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


@pytest.fixture
def log_add(case):
    return reverse("cases:log_add", args=[case.reference])


def _entries(case):
    return CaseLogEntry.objects.filter(case=case, text=TYPED["text"]).count()


def _sent_after_the_session_ended(client, officer, url):
    client.force_login(officer)
    assert client.get(url).status_code == 200
    _idle_for(client, settings.SAFEGUARD_SESSION_IDLE_MINUTES * 60 + 1)
    return client.post(url, TYPED | {"password": "never kept", "csrfmiddlewaretoken": "x"})


def _sign_in_with_password(client, user):
    """Step one as a person does it (the sign-in page), then step two as after a right code."""
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(reverse("two_factor"))
    verify_two_factor(client, user)


# --- Saying when the session ends ----------------------------------------------------------------


def test_every_page_says_when_the_session_will_end_in_uk_time_and_offers_to_stay_signed_in(client, officer):
    client.force_login(officer)
    client.get(reverse("cases:list"))
    _idle_for(client, 10 * 60)

    page = client.get(reverse("cases:list")).content.decode()

    last_seen = client.session[LAST_SEEN_AT]  # this request restarted the idle clock
    assert abs(last_seen - time.time()) < 5
    ends = datetime.fromtimestamp(last_seen + 30 * 60, tz=UTC)
    assert f"Your session ends at <strong data-session-time>{when(ends)}</strong> (UK time)" in page
    assert "30 minutes after your last action." in page
    assert f'action="{reverse("session_keep_alive")}"' in page and ">Stay signed in</button>" in page
    assert 'data-session-live role="status" aria-live="polite"' in page
    assert 'data-warning-seconds="300"' in page


def test_the_end_shown_is_the_absolute_limit_when_that_comes_first(client, officer):
    client.force_login(officer)
    client.get(reverse("cases:list"))
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.SESSION_COOKIE_AGE + 5 * 60
    session.save()
    page = client.get(reverse("cases:list")).content.decode()
    ends = datetime.fromtimestamp(client.session[SIGNED_IN_AT] + settings.SESSION_COOKIE_AGE, tz=UTC)
    assert f"<strong data-session-time>{when(ends)}</strong>" in page


def test_nothing_is_said_about_a_session_before_both_sign_in_steps(client, officer):
    assert "data-session-end" not in client.get(reverse("login")).content.decode()
    client.force_login(officer, two_factor=False)
    assert "data-session-end" not in client.get(reverse("two_factor")).content.decode()


def test_stay_signed_in_restarts_the_idle_clock_and_goes_back_to_the_page(client, officer):
    client.force_login(officer)
    client.get(reverse("cases:list"))
    _idle_for(client, 25 * 60)

    response = client.post(
        reverse("session_keep_alive"), {}, HTTP_REFERER=f"http://testserver{reverse('cases:deadlines')}"
    )

    assert response.status_code == 302 and response["Location"] == f"http://testserver{reverse('cases:deadlines')}"
    elsewhere = client.post(reverse("session_keep_alive"), {}, HTTP_REFERER="https://elsewhere.example/page")
    assert elsewhere["Location"] == reverse("home")  # the landing page (docs/work.md)
    assert abs(client.session[LAST_SEEN_AT] - time.time()) < 5
    assert "You are still signed in. Your session now ends at" in client.get(response["Location"]).content.decode()


def test_stay_signed_in_answers_the_script_with_the_new_end(client, officer):
    client.force_login(officer)
    client.get(reverse("cases:list"))
    _idle_for(client, 25 * 60)
    answer = client.post(reverse("session_keep_alive"), {}, HTTP_ACCEPT="application/json").json()
    ends = datetime.fromisoformat(answer["ends_at"])
    assert abs(ends.timestamp() - (time.time() + 30 * 60)) < 5
    assert answer["ends_at_text"] == when(ends)


def test_stay_signed_in_cannot_bring_back_an_ended_session_or_pass_the_absolute_limit(client, officer):
    client.force_login(officer)
    client.get(reverse("cases:list"))
    _idle_for(client, 31 * 60)
    response = client.post(reverse("session_keep_alive"), {}, HTTP_ACCEPT="application/json")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert KEPT_FORM not in client.session
    client.force_login(officer)
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.SESSION_COOKIE_AGE + 60
    session.save()
    answer = client.post(reverse("session_keep_alive"), {}, HTTP_ACCEPT="application/json").json()
    assert datetime.fromisoformat(answer["ends_at"]).timestamp() <= time.time() + 61


# --- Keeping a form sent after the session ended ------------------------------------------------------


def test_a_form_sent_after_the_session_ended_is_kept_and_shown_again_filled_in_after_signing_in(
    client, officer, case, log_add
):
    sent = _sent_after_the_session_ended(client, officer, log_add)

    assert sent.status_code == 302
    assert sent["Location"] == f"{reverse('login')}?next={log_add}"
    assert _entries(case) == 0
    kept = client.session[KEPT_FORM]
    assert kept["user"] == officer.pk and kept["path"] == log_add
    assert set(kept["data"]) == {"kind", "text", "at"}  # no password, no CSRF token
    assert AuditEntry.objects.filter(kind=AuditEntry.Kind.CREATE, object_type="request", changes__path=log_add).exists()

    _sign_in_with_password(client, officer)
    page = client.get(log_add)

    assert page.status_code == 200
    text = page.content.decode()
    assert KEPT_FORM_NOTICE in text
    assert f"{TYPED['text']}</textarea>" in text
    assert re.search(r'<input type="radio" name="kind" value="note"[^>]*checked', text)
    assert _entries(case) == 0  # nothing saved until it is sent again
    assert KEPT_FORM not in client.session
    assert AuditEntry.objects.filter(kind=AuditEntry.Kind.READ, object_type="request", changes__path=log_add).exists()

    again = client.get(log_add).content.decode()  # used once
    assert KEPT_FORM_NOTICE not in again and TYPED["text"] not in again

    saved = client.post(log_add, TYPED)
    assert saved.status_code == 302 and _entries(case) == 1


def test_the_kept_form_waits_for_the_second_sign_in_step(client, officer, log_add):
    _sent_after_the_session_ended(client, officer, log_add)
    client.post(reverse("login"), {"username": officer.username, "password": PASSWORD})
    assert client.get(reverse("two_factor")).status_code == 200
    assert KEPT_FORM in client.session
    verify_two_factor(client, officer)
    assert TYPED["text"] in client.get(log_add).content.decode()


def test_someone_else_signing_in_does_not_get_the_kept_form(client, team, officer, log_add):
    _sent_after_the_session_ended(client, officer, log_add)
    colleague = UserFactory(force=team.force, teams=[team], roles=["Officer"])

    _sign_in_with_password(client, colleague)
    page = client.get(log_add).content.decode()

    assert TYPED["text"] not in page and KEPT_FORM_NOTICE not in page
    assert KEPT_FORM not in client.session
    discarded = AuditEntry.objects.get(kind=AuditEntry.Kind.DELETE, object_type="request")
    assert discarded.actor_id == colleague.pk and "someone else signed in" in discarded.summary
    client.force_login(officer)  # and the person who sent it no longer finds it either
    assert TYPED["text"] not in client.get(log_add).content.decode()


def test_a_kept_form_not_used_within_30_minutes_is_forgotten(client, officer, log_add):
    _sent_after_the_session_ended(client, officer, log_add)
    session = client.session
    session[KEPT_FORM] = session[KEPT_FORM] | {"kept_at": time.time() - KEPT_FORM_SECONDS - 1}
    session.save()

    _sign_in_with_password(client, officer)
    page = client.get(log_add).content.decode()

    assert TYPED["text"] not in page
    assert KEPT_FORM not in client.session
    assert "not used in time" in AuditEntry.objects.get(kind=AuditEntry.Kind.DELETE, object_type="request").summary


def test_the_kept_form_is_shown_only_on_its_own_page(client, officer, log_add):
    _sent_after_the_session_ended(client, officer, log_add)
    _sign_in_with_password(client, officer)
    assert KEPT_FORM_NOTICE not in client.get(reverse("cases:create")).content.decode()
    assert KEPT_FORM in client.session
    assert TYPED["text"] in client.get(log_add).content.decode()


def test_a_form_without_a_valid_csrf_token_is_not_kept(officer, log_add):
    client = BrowserClient(enforce_csrf_checks=True)
    client.force_login(officer)
    client.get(log_add)
    _idle_for(client, 31 * 60)
    response = client.post(log_add, TYPED | {"csrfmiddlewaretoken": "forged"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert KEPT_FORM not in client.session


def test_nothing_is_kept_of_an_empty_form_or_a_sign_in_page(client, officer, log_add):
    client.force_login(officer)
    client.get(log_add)
    _idle_for(client, 31 * 60)
    client.post(log_add, {"kind": "", "text": "", "at": ""})
    assert KEPT_FORM not in client.session
    client.force_login(officer)
    _idle_for(client, 31 * 60)
    client.post(reverse("password_change"), {"old_password": "a", "new_password1": "b", "new_password2": "b"})
    assert KEPT_FORM not in client.session
