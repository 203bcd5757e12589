"""Look-alike accounts: a username that reads as an existing one (UTS #39 skeletons: Cyrillic or
Greek letters for Latin ones, 1 for l, 0 for O, rn for m, a case change, an invisible character) is
refused wherever a user can be made: the admin, createsuperuser, the ORM. Usernames are NFKC-normalised."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import USERNAME_CONFUSABLE, User
from tests.factories.people import UserFactory

pytestmark = pytest.mark.django_db

EXISTING = "dc.hulme"
LOOK_ALIKES = {
    "a Cyrillic e": "dc.hulm\u0435",
    "a Greek iota for l": "dc.hu\u0399me",
    "1 for l": "dc.hu1me",
    "capitals": "DC.Hulme",
    "a zero-width space": "dc.hul\u200bme",
    "full-width letters": "\uff44\uff43.hulme",
    "rn for m": "dc.hulrne",
}


@pytest.fixture
def existing(force):
    return UserFactory(username=EXISTING, force=force)


@pytest.mark.parametrize("username", LOOK_ALIKES.values(), ids=LOOK_ALIKES.keys())
def test_a_look_alike_username_cannot_be_made_through_the_orm(existing, username):
    before = User.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username=username, password="x")
    assert User.objects.count() == before


@pytest.mark.parametrize("username", LOOK_ALIKES.values(), ids=LOOK_ALIKES.keys())
def test_a_look_alike_username_is_refused_in_the_admin_with_what_to_fix(client, existing, username):
    root = UserFactory(username="root.admin", is_superuser=True, is_staff=True)
    client.force_login(root)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {"username": username, "password1": "A long passphrase 4 safety", "password2": "A long passphrase 4 safety",
         "usable_password": "true"},
    )  # fmt: skip
    assert response.status_code == 200
    page = response.content.decode()
    # Django's own form refuses an existing name in other capitals (NFKC makes full-width plain first).
    assert USERNAME_CONFUSABLE.format(existing=EXISTING) in page or "A user with that username already exists" in page
    assert list(User.objects.filter(username_skeleton=existing.username_skeleton)) == [existing]


def test_a_look_alike_superuser_cannot_be_made_by_createsuperuser(existing):
    before = User.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        call_command("createsuperuser", interactive=False, username=LOOK_ALIKES["a Cyrillic e"], email="x@example.org")
    assert User.objects.count() == before


def test_a_username_is_stored_nfkc_normalised(force):
    user = UserFactory(username="\uff4a\uff4f.bloggs", force=force)
    user.refresh_from_db()
    assert user.username == "jo.bloggs"


def test_a_username_that_reads_differently_is_accepted(existing):
    User.objects.create_user(username="dc.holme", password="x")
    assert User.objects.filter(username="dc.holme").exists()
