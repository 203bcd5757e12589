from collections.abc import Iterable

import factory
from django.contrib.auth.models import Group

from accounts.models import Force, Team, User


class ForceFactory(factory.django.DjangoModelFactory[Force]):
    class Meta:
        model = Force
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"F{n:02d}")
    name = factory.Sequence(lambda n: f"Force {n}")
    region = "West Midlands"


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    class Meta:
        model = Team
        django_get_or_create = ("force", "name")

    force = factory.SubFactory(ForceFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


def _set_teams(user: User, create: bool, extracted: Iterable[Team] | None, **kwargs: object) -> None:
    if create and extracted:
        user.teams.set(extracted)


def _add_roles(user: User, create: bool, extracted: Iterable[str] | None, **kwargs: object) -> None:
    """`roles=[OFFICER]`: the role groups (accounts/roles.py) the user belongs to; none by default."""
    if create and extracted:
        user.groups.add(*(Group.objects.get_or_create(name=name)[0] for name in extracted))


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Alex"
    last_name = factory.Sequence(lambda n: f"Officer{n}")
    rank = "DC"
    email = factory.LazyAttribute(lambda u: f"{u.username}@police.example")
    password = factory.django.Password("correct horse battery staple")

    teams = factory.PostGeneration(_set_teams)
    roles = factory.PostGeneration(_add_roles)
