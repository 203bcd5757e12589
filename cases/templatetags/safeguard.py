"""Template filters: stored UTC times shown in Europe/London as `23 Nov 2026 14:05`, and what a
person's roles allow, for choosing which links to show."""

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import template
from django.conf import settings

from cases import rules
from cases.roles import Capability, roles_of, roles_with

register = template.Library()
LONDON = ZoneInfo("Europe/London")


@register.filter
def when(value: datetime | None) -> str:
    """A moment in London time: `23 Nov 2026 14:05`; the end of a day as `28 Jan 2023, end of day`;
    a time in the repeated hour of the autumn clock change with BST or GMT (`rules.uk_moment`).
    Empty for none."""
    if not value:
        return ""
    return rules.uk_moment(value)


@register.filter
def day(value: date | datetime | None) -> str:
    """A date (or the London date of a moment): `23 Nov 2026`."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return f"{value.day} {value:%b %Y}"


@register.filter
def charging_target(arrested_at: datetime | None) -> datetime | None:
    """The charging target for an arrest (a local target, not law), from `cases.rules`."""
    return rules.charging_target_at(arrested_at) if arrested_at else None


@register.filter
def can(user: Any, capability: str) -> bool:
    """`{% if user|can:"read_audit" %}`: whether the person's roles give them `capability`
    (cases.roles). For showing links only: every page checks again."""
    if not getattr(user, "is_authenticated", False):
        return False
    roles = roles_of(user)
    return bool(roles & roles_with(Capability(capability)))


@register.filter
def fully_signed_in(user: Any) -> bool:
    """Signed in with both steps (password and two-factor code): only then is the menu shown."""
    if not getattr(user, "is_authenticated", False):
        return False
    return not settings.SAFEGUARD_REQUIRE_TWO_FACTOR or bool(getattr(user, "is_verified", lambda: False)())
