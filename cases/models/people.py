"""Forces, teams and the people who use Safeguard."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class Force(models.Model):
    code = models.CharField(max_length=8, unique=True, help_text="Short code used in case references, e.g. STF.")
    name = models.CharField(max_length=120, unique=True)
    region = models.CharField(max_length=120, blank=True, help_text="Regional operation, e.g. West Midlands.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=120)

    class Meta:
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

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        name = self.get_full_name() or self.username
        return f"{self.rank} {name}".strip()
