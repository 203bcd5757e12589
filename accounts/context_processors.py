"""What every page of a signed-in person says about their session: when it will end."""

from django.conf import settings
from django.http import HttpRequest

from accounts.middleware import session_ends_at


def session_end(request: HttpRequest) -> dict[str, object]:
    """`session_ends_at` (when the session ends if the person does nothing more) and the settings the
    notice and its script need. Nothing for someone not signed in."""
    ends_at = session_ends_at(request)
    if ends_at is None:
        return {}
    return {
        "session_ends_at": ends_at,
        "session_idle_minutes": settings.SAFEGUARD_SESSION_IDLE_MINUTES,
        "session_warning_seconds": settings.SAFEGUARD_SESSION_WARNING_MINUTES * 60,
    }
