"""The role groups and their permissions (accounts.roles.set_up_role_groups)."""

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from accounts.roles import ADMINISTRATOR, ROLE_PERMISSIONS, ROLES, set_up_role_groups


def held_by(name: str) -> set[tuple[str, str]]:
    return set(Group.objects.get(name=name).permissions.values_list("content_type__app_label", "codename"))


def test_it_puts_back_the_role_groups_and_their_permissions_of_every_app(db):
    Group.objects.filter(name__in=ROLES).delete()

    set_up_role_groups()
    set_up_role_groups()  # idempotent

    assert sorted(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == sorted(ROLES)
    assert held_by(ADMINISTRATOR) == set(ROLE_PERMISSIONS[ADMINISTRATOR])
    assert ("accounts", "add_user") in held_by(ADMINISTRATOR)


def test_it_refuses_a_permission_that_does_not_exist(db, monkeypatch):
    # The codename of the people models before they moved to accounts: no such permission now.
    monkeypatch.setitem(roles.ROLE_PERMISSIONS, ADMINISTRATOR, (("cases", "add_user"),))

    with pytest.raises(LookupError, match=r"\('cases', 'add_user'\)"):
        set_up_role_groups()
