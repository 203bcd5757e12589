"""Disabling a person's account ends every session they have; only an administrator of their force
disables it, with a reason."""

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.permissions import OWN_ACCOUNT
from accounts.services import USER_DISABLE_SELF, user_disable
from tests.conftest import BrowserClient

pytestmark = pytest.mark.django_db


def _signed_in(user):
    client = BrowserClient()
    client.force_login(user)
    return client


def test_disabling_ends_all_of_the_persons_sessions_and_no_one_elses(officer, supervisor, administrator):
    laptop, desktop = _signed_in(officer), _signed_in(officer)
    colleague = _signed_in(supervisor)
    assert Session.objects.count() == 3

    ended = user_disable(user=officer, actor=administrator, reason="Left the unit.")

    assert ended == 2
    officer.refresh_from_db()
    assert officer.is_active is False
    assert list(Session.objects.values_list("session_key", flat=True)) == [colleague.session.session_key]
    for client in (laptop, desktop):
        response = client.get(reverse("cases:list"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert colleague.get(reverse("cases:list")).status_code == 200


def test_a_disabled_person_cannot_sign_in_again(client, officer, administrator):
    user_disable(user=officer, actor=administrator, reason="Left the unit.")
    response = client.post(reverse("login"), {"username": "dc.hughes", "password": "correct horse battery staple"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_disabling_an_already_disabled_person_is_harmless(officer, administrator):
    user_disable(user=officer, actor=administrator, reason="Left the unit.")
    assert user_disable(user=officer, actor=administrator, reason="Left the unit.") == 0


def test_no_administrator_can_disable_their_own_account(administrator):
    session = _signed_in(administrator).session
    with pytest.raises(PermissionDenied) as error:
        user_disable(user=administrator, actor=administrator, reason="Testing.")
    assert str(error.value) == OWN_ACCOUNT
    administrator.refresh_from_db()
    assert administrator.is_active is True
    assert Session.objects.filter(session_key=session.session_key).exists()


def test_no_superuser_can_disable_their_own_account(officer):
    root = officer.__class__.objects.create_superuser("root", "root@example.org", "x-long-pass")
    with pytest.raises(ValidationError) as error:
        user_disable(user=root, actor=root, reason="Testing.")
    assert error.value.messages == [USER_DISABLE_SELF]


def test_a_supervisor_cannot_disable_anyone(officer, supervisor):
    with pytest.raises(PermissionDenied):
        user_disable(user=officer, actor=supervisor, reason="Left the unit.")
    officer.refresh_from_db()
    assert officer.is_active is True


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
