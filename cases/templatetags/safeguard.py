"""Template filters: stored UTC times shown in Europe/London as `23 Nov 2026 14:05` (cases.formats),
and what a person's roles allow, for choosing which links to show."""

from datetime import UTC, datetime
from typing import Any

from django import template
from django.conf import settings
from django.utils.html import format_html

from accounts.roles import Capability, roles_of, roles_with
from cases import formats, rules

register = template.Library()


register.filter("when", formats.when)
register.filter("day", formats.day)
register.filter("when_utc", formats.when_utc)


@register.filter
def moment(value: datetime | None) -> str:
    """A moment to the second in UK time, with UTC on hover and for machines:
    `<time datetime="2026-11-23T14:05:09+00:00" title="23 Nov 2026 14:05:09 UTC">23 Nov 2026 14:05:09</time>`."""
    if not value:
        return ""
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        value.astimezone(UTC).isoformat(),
        formats.when_utc(value),
        formats.when_seconds(value),
    )


@register.filter
def iso(value: datetime | None) -> str:
    """A moment in UTC in ISO 8601, for machines (a script's data attribute): `2026-11-23T14:05:09+00:00`."""
    return value.astimezone(UTC).isoformat() if value else ""


@register.filter
def charging_target(arrested_at: datetime | None) -> datetime | None:
    """The charging target for an arrest (a local target, not law), from `cases.rules`."""
    return rules.charging_target_at(arrested_at) if arrested_at else None


@register.filter
def can(user: Any, capability: str) -> bool:
    """`{% if user|can:"read_audit" %}`: whether the person's roles give them `capability`
    (accounts.roles). For showing links only: every page checks again."""
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
