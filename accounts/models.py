"""Forces, teams and the people who use Safeguard."""

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

from accounts.usernames import normalise_username, username_skeleton

USERNAME_CONFUSABLE = (
    "This username looks like the existing username “{existing}”: people could mistake one for the other. "
    "Choose a username that reads differently."
)


class Force(models.Model):
    code = models.CharField(max_length=8, unique=True, help_text="Short code used in case references, e.g. STF.")
    name = models.CharField(max_length=120, unique=True)
    region = models.CharField(max_length=120, blank=True, help_text="Regional operation, e.g. West Midlands.")

    class Meta:
        db_table = "cases_force"  # made when forces lived in the cases app; kept so that no data moves
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=120)

    class Meta:
        db_table = "cases_team"
        ordering = ["force__name", "name"]
        constraints = [models.UniqueConstraint(fields=["force", "name"], name="team_unique_name_per_force")]

    def __str__(self) -> str:
        return f"{self.name} ({self.force.code})"


class User(AbstractUser):
    """A person who signs in. Roles are groups; team and force membership are data."""

    force = models.ForeignKey(Force, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    teams = models.ManyToManyField(Team, blank=True, related_name="members")
    rank = models.CharField(max_length=40, blank=True, help_text="e.g. DC, DS, DI, Police Staff.")
    collar_number = models.CharField(max_length=20, blank=True)
    # Set from the username on every save (`username_skeleton`); unique, so that however a user is
    # made (the admin, createsuperuser, the ORM, a bulk write that must then supply it) no two
    # usernames look alike.
    username_skeleton = models.CharField(max_length=600, unique=True, editable=False)
    # Not a column: the roles read once per request and kept on the user (cases.roles.roles_of).
    _safeguard_roles: frozenset[str]

    class Meta:
        db_table = "cases_user"
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        name = self.get_full_name() or self.username
        return f"{self.rank} {name}".strip()

    def clean(self) -> None:
        super().clean()  # NFKC-normalises the username
        if not self.username:  # refused already by the form's own check
            return
        self.username_skeleton = username_skeleton(self.username)
        existing = (
            User.objects.filter(username_skeleton=self.username_skeleton)
            .exclude(pk=self.pk)
            .values_list("username", flat=True)
            .first()
        )
        if existing is not None:
            raise ValidationError({"username": USERNAME_CONFUSABLE.format(existing=existing)})

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.username = normalise_username(self.username)
        self.username_skeleton = username_skeleton(self.username)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "username" in update_fields:
            kwargs["update_fields"] = {*update_fields, "username_skeleton"}
        super().save(*args, **kwargs)
