"""Request guards of sign-in that run before any view.

`SessionLifetimeMiddleware` ends a session a fixed time after sign-in, however active it has been,
and after a spell without requests; a form sent just after it ended is kept, and
`KeptFormMiddleware` shows it again, filled in, once the same person has signed in again.
`RequireTwoFactorMiddleware` keeps a person who has given only their password on the two-factor
pages.
"""

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django_otp import user_has_device
from django_otp.middleware import is_verified

from audit.models import AuditEntry
from audit.objects import ObjectType
from audit.services import audit_record
from safeguard.forms import KEPT_FORM_DATA

SIGNED_IN_AT = "safeguard_signed_in_at"
LAST_SEEN_AT = "safeguard_last_seen_at"
# The idle clock is written back to the session at most this often, not on every request.
LAST_SEEN_RESOLUTION_SECONDS = 60
# A form sent after the session ended, kept in the new (signed-out) session: who sent it, where, what,
# and when. Used once; forgotten after KEPT_FORM_SECONDS.
KEPT_FORM = "safeguard_kept_form"
KEPT_FORM_SECONDS = 30 * 60
KEPT_FORM_NOTICE = (
    "Your session had ended, so what you sent was not saved. It is filled in again below: check it and submit again."
)
# Never kept: the form's CSRF token (a new one comes with the page), and anything secret.
NEVER_KEPT = ("csrfmiddlewaretoken",)
SECRET_WORDS = ("password", "secret", "token")
# Pages whose forms are never kept: signing in and out, two factors, the person's own password, and
# the "stay signed in" button.
NEVER_KEPT_VIEWS = frozenset(
    {"login", "logout", "two_factor", "two_factor_setup", "password_change", "session_keep_alive"}
)


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
            kept = _form_to_keep(request, now)
            logout(request)
            if kept is not None:
                request.session[KEPT_FORM] = kept
            return redirect_to_login(request.get_full_path())
        # Before the view, so that the page can say when the session will end (`session_end`).
        _touch(request, now)
        response = self.get_response(request)
        if request.user.is_authenticated and SIGNED_IN_AT not in request.session:
            request.session[SIGNED_IN_AT] = now
        _touch(request, now)
        return response


def _touch(request: HttpRequest, now: float, *, force: bool = False) -> None:
    """Restart the idle clock of a signed-in person (at most once a minute, unless `force`)."""
    if not request.user.is_authenticated:
        return
    last_seen = request.session.get(LAST_SEEN_AT)
    if force or last_seen is None or now - float(last_seen) >= LAST_SEEN_RESOLUTION_SECONDS:
        request.session[LAST_SEEN_AT] = now


def stay_signed_in(request: HttpRequest) -> None:
    """Restart the idle clock now (the "Stay signed in" button). The absolute limit still stands."""
    _touch(request, time.time(), force=True)


def session_ends_at(request: HttpRequest) -> datetime | None:
    """When the signed-in person's session will end if they do nothing more: after the idle limit
    since their last request, or at the absolute limit after sign-in, whichever comes first."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return None
    now = time.time()
    last_seen = float(request.session.get(LAST_SEEN_AT, now))
    signed_in_at = float(request.session.get(SIGNED_IN_AT, now))
    ends = min(last_seen + settings.SAFEGUARD_SESSION_IDLE_MINUTES * 60, signed_in_at + settings.SESSION_COOKIE_AGE)
    return datetime.fromtimestamp(ends, tz=UTC)


def _form_to_keep(request: HttpRequest, now: float) -> dict[str, Any] | None:
    """What to keep of a form sent by `request.user` after their session ended, or None.

    Only a POST with its CSRF token right (a form of this site), to a page that is not about
    signing in, with something typed: the fields as sent, less the CSRF token and anything whose
    name says it is secret. Bound to the person (their id): shown again only to them
    (`KeptFormMiddleware`). Its field names, never its values, go to the audit trail."""
    if request.method != "POST" or _view_name(request) in NEVER_KEPT_VIEWS:
        return None
    if _csrf_refused(request):
        return None
    data = {
        name: request.POST.getlist(name)
        for name in request.POST
        if name not in NEVER_KEPT and not any(word in name.lower() for word in SECRET_WORDS)
    }
    if not any(value for values in data.values() for value in values):
        return None
    audit_record(
        kind=AuditEntry.Kind.CREATE,
        actor=request.user,
        object_type=ObjectType.REQUEST,
        summary=f"Session ended: a form sent to {request.path} kept for its sender to check and submit again",
        changes={"path": request.path, "fields": sorted(data)},
        request=request,
    )
    return {"user": request.user.pk, "path": request.path, "data": data, "kept_at": now}


def _no_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


def _csrf_refused(request: HttpRequest) -> bool:
    """Whether Django's CSRF check refuses `request`: run here, before the view's own turn, because
    the session has ended and the request goes no further than sign-in."""
    return CsrfViewMiddleware(_no_view).process_view(request, _no_view, (), {}) is not None


def _view_name(request: HttpRequest) -> str | None:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return None


class KeptFormMiddleware:
    """Once the person whose session ended has signed in again (both steps), show the page they had
    sent a form from with that form filled in as they sent it (`safeguard.forms.KEPT_FORM_DATA`),
    and say so. Nothing is saved until they submit it again.

    The kept form is used once, only by the person who sent it, only on its own page, and only within
    KEPT_FORM_SECONDS; anyone else signing in, or the time passing, discards it. Runs after
    MessageMiddleware, which it uses for the notice."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = KEPT_FORM_DATA.set(_take_kept_form(request))
        try:
            return self.get_response(request)
        finally:
            KEPT_FORM_DATA.reset(token)


def _take_kept_form(request: HttpRequest) -> dict[str, list[str]] | None:
    kept = request.session.get(KEPT_FORM)
    user = request.user
    if kept is None or not user.is_authenticated:
        return None
    if settings.SAFEGUARD_REQUIRE_TWO_FACTOR and not is_verified(user):
        return None  # half signed in: wait for the second step
    other_person = kept.get("user") != user.pk
    if other_person or time.time() - float(kept.get("kept_at", 0)) > KEPT_FORM_SECONDS:
        del request.session[KEPT_FORM]
        why = "someone else signed in" if other_person else "not used in time"
        _audit_kept(request, kept, f"Kept form discarded ({why})", AuditEntry.Kind.DELETE)
        return None
    if request.method != "GET" or request.path != kept.get("path"):
        return None
    del request.session[KEPT_FORM]
    _audit_kept(request, kept, "Kept form shown again to its sender", AuditEntry.Kind.READ)
    messages.warning(request, KEPT_FORM_NOTICE)
    data: dict[str, list[str]] = kept.get("data", {})
    return data


def _audit_kept(request: HttpRequest, kept: dict[str, Any], summary: str, kind: str) -> None:
    audit_record(
        kind=kind,
        actor=request.user,
        object_type=ObjectType.REQUEST,
        summary=f"{summary}: {kept.get('path', '')}",
        changes={"path": kept.get("path", ""), "sent_by": kept.get("user")},
        request=request,
    )


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
