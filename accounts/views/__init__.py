"""Signing in: password, then a two-factor code (or setting up an authenticator app first).

Step one is Django's LoginView behind django-axes: it signs the person in, which starts a new
session (new key), and sends them to step two. Until step two, RequireTwoFactorMiddleware
(accounts/middleware.py) keeps them on these pages. Step two verifies a code with django-otp and
starts a new session key again.

A wrong two-factor code sends Django's `user_login_failed` signal with
`credentials={"username": ...}` and `two_factor=True`, exactly as a wrong password does without
the flag: django-axes counts it towards the lockout, and the audit trail can record it.
"""

from base64 import b32encode
from typing import Any
from urllib.parse import urlencode

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model, logout, user_login_failed
from django.contrib.auth.views import LoginView, PasswordChangeDoneView, PasswordChangeView
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.middleware import is_verified
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from accounts.forms import SignInForm, TwoFactorCodeForm, TwoFactorSetupForm
from accounts.http import AuthenticatedHttpRequest
from accounts.middleware import session_ends_at, stay_signed_in
from accounts.services import AUTHENTICATOR_NAME, BACKUP_CODES_NAME, two_factor_setup_confirm
from audit.models import AuditEntry
from audit.services import audit_record
from safeguard.formats import when
from safeguard.forms import add_service_error

WRONG_CODE = (
    "That code is not right. Enter the code your authenticator app shows now. "
    "After several wrong codes, wait a minute before trying again."
)
# The secret shown on the set-up page, kept in the (server-side) session until the person proves
# their app has it; only then is a device stored.
SETUP_KEY = "safeguard_totp_setup_key"


class SignInView(LoginView):
    """Step one: username and password. Then on to the two-factor code."""

    redirect_authenticated_user = True
    form_class = SignInForm

    def get_success_url(self) -> str:
        next_url = super().get_success_url()
        if not settings.SAFEGUARD_REQUIRE_TWO_FACTOR:
            return next_url
        return _step_url("two_factor", next_url)


class PasswordChange(PasswordChangeView):
    """Django's password change with Safeguard's templates; other sessions of the person end."""

    success_url = reverse_lazy("password_change_done")


class PasswordChangeDone(PasswordChangeDoneView):
    pass


@require_http_methods(["GET", "POST"])
def two_factor(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Step two: a code from the authenticator app, or a backup code."""
    if is_verified(request.user):  # set up by OTPMiddleware
        return redirect(_next_url(request))
    if not user_has_device(request.user, confirmed=True):
        return redirect(_step_url("two_factor_setup", _next_url(request)))
    credentials = {"username": request.user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        logout(request)
        return get_lockout_response(request, credentials=credentials)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            _finish_sign_in(request, device)
            return redirect(_next_url(request))
        form.add_error("code", WRONG_CODE)
        user_login_failed.send(sender=__name__, credentials=credentials, request=request, two_factor=True)
        if getattr(request, "axes_locked_out", False):
            # AxesMiddleware turns this response into the lockout page; the half-finished sign-in ends.
            logout(request)
            return HttpResponse(status=429)
    status = 400 if form.errors else 200
    return render(request, "registration/two_factor.html", {"form": form, "next": _next_url(request)}, status=status)


@require_http_methods(["GET", "POST"])
def two_factor_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), then give its first code."""
    if user_has_device(request.user, confirmed=True):
        return redirect(_step_url("two_factor", _next_url(request)))
    key = request.session.get(SETUP_KEY) or default_key()
    request.session[SETUP_KEY] = key
    form = TwoFactorSetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor_setup_confirm(
                user=request.user,
                actor=request.user,
                key=key,
                code=form.cleaned_data["code"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            del request.session[SETUP_KEY]
            _finish_sign_in(request, device)
            return redirect(_step_url("two_factor_backup_codes", _next_url(request)))
    # An unsaved device, only to build the otpauth:// address its QR code carries.
    device = TOTPDevice(user=request.user, name=AUTHENTICATOR_NAME, key=key)
    context = {
        "form": form,
        "next": _next_url(request),
        "qr_svg": _qr_svg(device.config_url),
        "manual_key": _grouped(_base32(device)),
    }
    return render(request, "registration/two_factor_setup.html", context, status=400 if form.errors else 200)


@require_GET
def two_factor_backup_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The person's unused backup codes, to write down or print and keep safe."""
    codes = list(
        StaticToken.objects.filter(device__user=request.user, device__name=BACKUP_CODES_NAME, device__confirmed=True)
        .order_by("pk")
        .values_list("token", flat=True)
    )
    return render(request, "registration/two_factor_backup_codes.html", {"codes": codes, "next": _next_url(request)})


@require_POST
def session_keep_alive(request: AuthenticatedHttpRequest) -> HttpResponse:
    """ "Stay signed in": restart the idle clock. Asked for by the page's script (Accept:
    application/json), answer when the session now ends; from the button without a script, go back
    to the page it was pressed on (`next`, else the page the browser says it came from, if it is one
    of Safeguard's) and say so. The page does not write its own address into the button's form, so
    a page reads the same whatever address it was asked for. A session past its limit has already
    ended before this runs (SessionLifetimeMiddleware), so nothing here brings one back."""
    stay_signed_in(request)
    ends_at = session_ends_at(request)
    assert ends_at is not None, "only a signed-in person reaches this page"
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"ends_at": ends_at.isoformat(), "ends_at_text": when(ends_at)})
    messages.success(request, f"You are still signed in. Your session now ends at {when(ends_at)} if you do nothing.")
    if REDIRECT_FIELD_NAME in request.POST:
        return redirect(_next_url(request))
    return redirect(_safe_url(request, request.headers.get("Referer", "")) or resolve_url(settings.LOGIN_REDIRECT_URL))


def _finish_sign_in(request: AuthenticatedHttpRequest, device: Any) -> None:
    otp_login(request, device)
    # A new session key now the session is trusted, as at every change of privilege.
    request.session.cycle_key()
    kind = "backup code" if isinstance(device, StaticDevice) else "authenticator app"
    audit_record(
        kind=AuditEntry.Kind.SIGN_IN,
        actor=request.user,
        object_type=get_user_model(),
        object_id=str(request.user.pk),
        summary=f"Second factor verified ({kind})",
        request=request,
    )


def _next_url(request: AuthenticatedHttpRequest) -> str:
    candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    return _safe_url(request, candidate) or resolve_url(settings.LOGIN_REDIRECT_URL)


def _safe_url(request: AuthenticatedHttpRequest, candidate: str) -> str:
    """`candidate` if it is an address of this site, else ""."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _step_url(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"


def _qr_svg(data: str) -> str:
    """The QR code as SVG markup to place in the page: no image request, no script."""
    qr = segno.make(data, error="m")
    return qr.svg_inline(
        scale=5, border=4, dark="#000", light="#fff", svgclass="qr-code", lineclass=None, omitsize=False
    )


def _base32(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode("ascii")


def _grouped(text: str) -> str:
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))
