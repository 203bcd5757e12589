"""Request types for views that only a signed-in person reaches."""

from accounts.models import User
from safeguard.http import SignedInHttpRequest


class AuthenticatedHttpRequest(SignedInHttpRequest):
    """A request that `LoginRequiredMiddleware` let through, so `user` is a signed-in `User`.

    Views that need sign-in take this type instead of `HttpRequest`; the type checker then knows
    `request.user` is a `User` and not an `AnonymousUser`.
    """

    user: User
