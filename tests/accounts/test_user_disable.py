"""Disabling a person's account ends every session they have."""

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.services import USER_DISABLE_SELF, user_disable
from tests.conftest import BrowserClient

pytestmark = pytest.mark.django_db


def _signed_in(user):
    client = BrowserClient()
    client.force_login(user)
    return client


def test_disabling_ends_all_of_the_persons_sessions_and_no_one_elses(officer, supervisor):
    laptop, desktop = _signed_in(officer), _signed_in(officer)
    colleague = _signed_in(supervisor)
    assert Session.objects.count() == 3

    ended = user_disable(user=officer, actor=supervisor)

    assert ended == 2
    officer.refresh_from_db()
    assert officer.is_active is False
    assert list(Session.objects.values_list("session_key", flat=True)) == [colleague.session.session_key]
    for client in (laptop, desktop):
        response = client.get(reverse("cases:list"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert colleague.get(reverse("cases:list")).status_code == 200


def test_a_disabled_person_cannot_sign_in_again(client, officer, supervisor):
    user_disable(user=officer, actor=supervisor)
    response = client.post(reverse("login"), {"username": "dc.hughes", "password": "correct horse battery staple"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_disabling_an_already_disabled_person_is_harmless(officer, supervisor):
    user_disable(user=officer, actor=supervisor)
    assert user_disable(user=officer, actor=supervisor) == 0


def test_no_one_can_disable_their_own_account(officer):
    session = _signed_in(officer).session
    with pytest.raises(ValidationError) as error:
        user_disable(user=officer, actor=officer)
    assert error.value.messages == [USER_DISABLE_SELF]
    officer.refresh_from_db()
    assert officer.is_active is True
    assert Session.objects.filter(session_key=session.session_key).exists()


def test_the_admin_action_disables_and_ends_sessions(officer, supervisor):
    administrator = supervisor.__class__.objects.create_superuser("admin.jones", "admin@example.org", "x-long-pass")
    laptop = _signed_in(officer)
    admin_client = _signed_in(administrator)

    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "disable_and_sign_out", "_selected_action": [officer.pk]},
    )

    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.is_active is False
    assert laptop.get(reverse("cases:list")).status_code == 302


def test_unticking_active_in_the_admin_ends_the_persons_sessions(officer):
    laptop = _signed_in(officer)
    assert Session.objects.count() == 1
    officer.is_active = False
    from django.contrib.admin import site

    from accounts.admin import SafeguardUserAdmin

    class Form:
        changed_data = ["is_active"]

    SafeguardUserAdmin(type(officer), site).save_model(None, officer, Form(), True)

    assert Session.objects.count() == 0
    assert laptop.get(reverse("cases:list")).status_code == 302
