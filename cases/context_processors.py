"""Values every page's navigation shows."""

from django.http import HttpRequest

from cases.models import Notification


def inbox(request: HttpRequest) -> dict[str, object]:
    """The signed-in person's unread reminders, for the Inbox link (one indexed count, only when shown)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": lambda: Notification.objects.filter(recipient=user, read_at__isnull=True).count()}
