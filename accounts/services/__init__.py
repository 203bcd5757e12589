"""Writes about people's accounts: two-factor set-up, backup codes, disabling an account. User
administration is in `accounts.services.people`, four-eyes requests in `accounts.services.requests`.

Sessions are stored in the database (django.contrib.sessions). Which person a session belongs to is
inside its encoded data, so ending a person's sessions decodes each live session once. That is a
few milliseconds for the hundreds of people of a unit or force; a much larger deployment would keep
a per-person session table instead.
"""

from binascii import unhexlify

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.permissions import ensure_may_administer
from audit.models import AuditEntry
from audit.services import audit_record

USER_DISABLE_SELF = "You cannot disable your own account. Ask another administrator."
USER_DISABLE_REASON_REQUIRED = "Say why the account is disabled: the person is told when they next sign in."
DISABLE_REASON_MAX_LENGTH = 500
TWO_FACTOR_ALREADY_SET_UP = "An authenticator app is already set up for this account."
TWO_FACTOR_SETUP_WRONG_CODE = (
    "That code does not match. Check that you added the key shown on this page, that your device's "
    "clock is right, and enter the code your app shows now."
)
TWO_FACTOR_SETUP_OTHER_PERSON = "People set up their own authenticator app."

AUTHENTICATOR_NAME = "Authenticator app"
BACKUP_CODES_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10
# Codes from one 30-second step either side of now are accepted, for clock differences.
TOTP_TOLERANCE_STEPS = 1


@transaction.atomic
def two_factor_setup_confirm(*, user: User, actor: User, key: str, code: str) -> TOTPDevice:
    """Add the authenticator app whose secret `key` (hex) the person was shown, once they have proved
    it works by giving its current `code`. Also gives them a fresh set of backup codes.

    The device is created only now, already confirmed: an unconfirmed device is never stored.
    """
    if actor.pk != user.pk:
        raise ValidationError(TWO_FACTOR_SETUP_OTHER_PERSON)
    # Lock the person's row so that two set-ups at once cannot both add a device.
    User.objects.select_for_update().filter(pk=user.pk).get()
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError(TWO_FACTOR_ALREADY_SET_UP)
    totp = TOTP(unhexlify(key.encode()))
    if not code.isdigit() or not totp.verify(int(code), tolerance=TOTP_TOLERANCE_STEPS):
        raise ValidationError({"code": TWO_FACTOR_SETUP_WRONG_CODE})
    # last_t is the step of the code just used, so it cannot be used again to sign in.
    device = TOTPDevice.objects.create(
        user=user, name=AUTHENTICATOR_NAME, key=key, confirmed=True, drift=totp.drift, last_t=totp.t()
    )
    backup_codes_replace(user=user, actor=actor)
    return device


@transaction.atomic
def backup_codes_replace(*, user: User, actor: User) -> list[str]:
    """Give the person BACKUP_CODE_COUNT new single-use backup codes; their old ones stop working."""
    if actor.pk != user.pk:
        raise ValidationError(TWO_FACTOR_SETUP_OTHER_PERSON)
    device, _ = StaticDevice.objects.get_or_create(user=user, name=BACKUP_CODES_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def user_disable(*, user: User, actor: User, reason: str) -> int:
    """Stop `user` signing in and end every session they have now. Returns how many were ended.

    `actor` is an administrator of the person's force (refused and recorded otherwise, and for
    their own account) or a superuser. `reason` is kept and shown to the person, but only once they
    have given the right password (accounts.forms.SignInForm), so it tells nobody else that the
    account exists."""
    if not actor.is_superuser:
        ensure_may_administer(actor, user, action="user_disable")
    if actor.pk == user.pk:
        raise ValidationError(USER_DISABLE_SELF)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": USER_DISABLE_REASON_REQUIRED})
    return _disable(user, actor, reason[:DISABLE_REASON_MAX_LENGTH])


@transaction.atomic
def _disable(user: User, actor: User, reason: str) -> int:
    if user.is_active:
        user.is_active = False
        user.disabled_reason = reason
        user.disabled_at = timezone.now()
        user.save(update_fields=["is_active", "disabled_reason", "disabled_at"])
        audit_record(
            kind=AuditEntry.Kind.ADMIN_ACTION,
            actor=actor,
            object_type=User,
            object_id=str(user.pk),
            summary=f"Disabled {user.get_username()}: {reason}",
            changes={"action": "user_disable", "person": user.get_username(), "reason": reason},
        )
    return user_sessions_end(user=user)


def user_sessions_end(*, user: User) -> int:
    """Delete every unexpired session signed in as `user`; returns how many there were."""
    keys = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get(SESSION_KEY) == str(user.pk)
    ]
    deleted, _ = Session.objects.filter(session_key__in=keys).delete()
    return deleted
