"""Template filters for showing stored UTC times in Europe/London, as `23 Nov 2026 14:05`."""

from contextlib import suppress
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django import template

from cases import rules
from cases.roles import Capability, roles_of, roles_with

register = template.Library()
LONDON = ZoneInfo("Europe/London")


@register.filter
def when(value: datetime | None) -> str:
    """A moment in London time: `23 Nov 2026 14:05`. Empty for none."""
    if not value:
        return ""
    local = value.astimezone(LONDON)
    return f"{local.day} {local:%b %Y %H:%M}"


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
def may(user: object, capability: str) -> bool:
    """Whether the user's role has `capability` (cases.roles), e.g. `user|may:"figures"` for the
    navigation. The user's roles are read once per request and kept on the user object."""
    roles = getattr(user, "_safeguard_roles", None)
    if roles is None:
        roles = roles_of(user)  # type: ignore[arg-type]
        with suppress(AttributeError):
            user._safeguard_roles = roles  # type: ignore[attr-defined]
    return bool(roles & roles_with(Capability(capability)))
