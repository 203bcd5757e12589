"""Template filters: stored UTC times shown in Europe/London as `23 Nov 2026 14:05` (cases.formats),
and what a person's roles allow, for choosing which links to show."""

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django import template
from django.conf import settings
from django.utils.html import format_html

from accounts.roles import Capability, roles_of, roles_with
from cases import formats, rules
from cases.models import ImageCategory, ImageCount

register = template.Library()


register.filter("when", formats.when)
register.filter("day", formats.day)
register.filter("when_utc", formats.when_utc)


@register.filter
def image_count_tables(cells: Iterable[ImageCount]) -> list[dict[str, Any]]:
    """A device's image counts (`device.image_counts.all`, prefetched on the case page) as one table per
    source, in the order triage, CAID, forensic report: {"source": label, "rows": [(category, [still,
    moving])]}, categories A, B, C; a cell not counted is None (all six are stored when counted)."""
    by_cell = {(cell.source, cell.category, cell.kind): cell.count for cell in cells}
    sources = sorted({source for source, _, _ in by_cell}, key=ImageCount.Source.values.index)
    return [
        {
            "source": ImageCount.Source(source).label,
            "rows": [
                (category, [by_cell.get((source, category, kind)) for kind in ImageCount.Kind.values])
                for category in ImageCategory.values
            ],
        }
        for source in sources
    ]


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
