"""Request guards of sign-in that run before any view.

`SessionLifetimeMiddleware` ends a session a fixed time after sign-in, however active it has been,
and after a spell without requests. `RequireTwoFactorMiddleware` keeps a person who has given only
their password on the two-factor pages.
"""

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import user_has_device
from django_otp.middleware import is_verified

SIGNED_IN_AT = "safeguard_signed_in_at"
LAST_SEEN_AT = "safeguard_last_seen_at"
# The idle clock is written back to the session at most this often, not on every request.
LAST_SEEN_RESOLUTION_SECONDS = 60


class SessionLifetimeMiddleware:
    """End a session SESSION_COOKIE_AGE seconds after sign-in, however active it has been, and
    SAFEGUARD_SESSION_IDLE_MINUTES after the last request.

    Django's own expiry restarts whenever the session is saved; the absolute limit counts from the
    request that signed the person in. The idle clock is saved at most once a minute, so a session
    ends between 30 and 31 minutes after its last request. Sessions also end when the browser closes
    (SESSION_EXPIRE_AT_BROWSER_CLOSE).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        now = time.time()
        if request.user.is_authenticated and _session_has_ended(request, now):
            logout(request)
            return redirect_to_login(request.get_full_path())
        response = self.get_response(request)
        if request.user.is_authenticated:
            if SIGNED_IN_AT not in request.session:
                request.session[SIGNED_IN_AT] = now
            last_seen = request.session.get(LAST_SEEN_AT)
            if last_seen is None or now - float(last_seen) >= LAST_SEEN_RESOLUTION_SECONDS:
                request.session[LAST_SEEN_AT] = now
        return response


def _session_has_ended(request: HttpRequest, now: float) -> bool:
    signed_in_at = request.session.get(SIGNED_IN_AT)
    if signed_in_at is not None and now - float(signed_in_at) > settings.SESSION_COOKIE_AGE:
        return True
    last_seen = request.session.get(LAST_SEEN_AT)
    idle_limit = settings.SAFEGUARD_SESSION_IDLE_MINUTES * 60
    return last_seen is not None and now - float(last_seen) > idle_limit


# Pages a person who has given their password but not yet a two-factor code may open.
TWO_FACTOR_OPEN_VIEWS = frozenset({"login", "logout", "two_factor", "two_factor_setup", "health"})


class RequireTwoFactorMiddleware:
    """Send a signed-in person who has not yet given a two-factor code to the code page, or to set up
    an authenticator app if they have none, whatever page they ask for.

    Runs after OTPMiddleware (which sets `request.user.is_verified()`) and LoginRequiredMiddleware
    (which has already sent anonymous requests to sign in). Pages marked `login_not_required` are
    not let through on that account: Django's admin marks its own pages so.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if not settings.SAFEGUARD_REQUIRE_TWO_FACTOR or not request.user.is_authenticated:
            return None
        if is_verified(request.user):  # set up by OTPMiddleware
            return None
        match = request.resolver_match
        if match is not None and match.view_name in TWO_FACTOR_OPEN_VIEWS:
            return None
        step = "two_factor" if user_has_device(request.user, confirmed=True) else "two_factor_setup"
        return redirect(f"{reverse(step)}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}")
