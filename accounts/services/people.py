"""User administration by an administrator of a force (docs/administration.md): invite, teams and
roles, unlock, reset the authenticator. Disabling is `accounts.services.user_disable`.

Every service checks who may act (`accounts.permissions`: an administrator of the person's force,
never on their own account) before its transaction starts, so that a refusal's audit entry stays
while nothing else is saved; and each records what it did in the audit trail (kind
`admin_action`, `changes["action"]` the service's name), besides the row changes the database
triggers record.
"""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccessRequest, Force, Invitation, Team, User
from accounts.permissions import ensure_administrator, ensure_may_administer
from accounts.roles import ADMINISTRATOR, AUDITOR, EXAMINER, OFFICER, ROLES, SUPERVISOR
from accounts.services import user_sessions_end
from accounts.services.requests import access_request_create
from accounts.usernames import normalise_username, username_skeleton
from audit.models import AuditEntry
from audit.services import audit_record
from safeguard.links import absolute_url

# Roles an administrator gives at once; the others let their holder see or change much, and need
# a second administrator's approval (four eyes).
DIRECT_ROLES = (OFFICER, EXAMINER)
FOUR_EYES_ROLES = (SUPERVISOR, AUDITOR, ADMINISTRATOR)

USERNAME_TAKEN = "That username is already taken. Choose another."
USERNAME_LOOKS_LIKE = "That username looks like the existing username “{existing}”. Choose one that reads differently."
EMAIL_TAKEN = "Another account already has that e-mail address."
TEAM_OTHER_FORCE = "Choose teams of your own force. Membership of another force's team is asked for separately."
TEAM_OWN_FORCE = "That team is in your own force: choose it under Teams instead."
TEAM_ALREADY_MEMBER = "That person is already a member of that team."
ROLE_UNKNOWN = "Choose roles from the list."
ROLE_NEEDS_APPROVAL = (
    "Invite the person first; the {roles} role is then asked for on their page, for a second administrator to approve."
)
ROLE_ALREADY_HELD = "That person already has the {role} role."
INVITATION_INVALID = (
    "This link cannot be used: it has expired, has been used already, or was copied wrongly. Ask your "
    "administrator for a new invitation."
)
INVITATION_SUBJECT = "Safeguard: set your password"
INVITE_ALREADY_SIGNED_IN = "This person has already set a password. Reset their authenticator or password instead."
REASON_REQUIRED = "Say why the account is disabled."
NOTHING_TO_UNLOCK = "This account is not locked."
NOTHING_TO_RESET = "This person has no authenticator app or backup codes set up."
ACCOUNT_NOT_DISABLED = "This account is not disabled."


def token_hash(token: str) -> str:
    """What is stored of an invitation's token: its SHA-256. The token itself has 256 random bits,
    so an unsalted fast hash is enough; the link is the only copy of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def user_invite(
    *,
    actor: User,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    rank: str = "",
    collar_number: str = "",
    teams: Iterable[Team] = (),
    roles: Iterable[str] = (),
) -> tuple[User, str]:
    """Make an account in the administrator's force, with no usable password, and e-mail the person
    a single-use link to set one (valid SAFEGUARD_INVITATION_HOURS). On first sign-in they then set
    up their authenticator app. Returns the person and the link."""
    ensure_administrator(actor, action="user_invite")
    teams, roles = list(teams), list(roles)
    return _invite(actor, username, email, first_name, last_name, rank, collar_number, teams, roles)


@transaction.atomic
def _invite(
    actor: User,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    rank: str,
    collar_number: str,
    teams: list[Team],
    roles: list[str],
) -> tuple[User, str]:
    errors: dict[str, str] = {}
    username = normalise_username(username)
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = USERNAME_TAKEN
    else:
        existing = User.objects.filter(username_skeleton=username_skeleton(username)).first()
        if existing is not None:
            errors["username"] = USERNAME_LOOKS_LIKE.format(existing=existing.username)
    if email and User.objects.filter(email__iexact=email).exists():
        errors["email"] = EMAIL_TAKEN
    if any(team.force_id != actor.force_id for team in teams):
        errors["teams"] = TEAM_OTHER_FORCE
    if any(role not in DIRECT_ROLES for role in roles):
        wanted = sorted(set(roles) & set(FOUR_EYES_ROLES))
        errors["roles"] = ROLE_NEEDS_APPROVAL.format(roles=", ".join(wanted)) if wanted else ROLE_UNKNOWN
    if errors:
        raise ValidationError(errors)
    person = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        rank=rank,
        collar_number=collar_number,
        force_id=actor.force_id,
    )
    person.set_unusable_password()
    person.save()
    person.teams.set(teams)
    person.groups.set(Group.objects.filter(name__in=roles))
    link = _new_invitation(person, actor)
    _audit(actor, person, "user_invite", f"Invited {person.get_username()} ({email})", {"email": email})
    return person, link


def user_invite_again(*, actor: User, person: User) -> str:
    """A new invitation link for someone who has not yet set a password (the old one lapsed or was
    lost); every earlier link of theirs stops working."""
    ensure_may_administer(actor, person, action="user_invite_again")
    return _invite_again(actor, person)


@transaction.atomic
def _invite_again(actor: User, person: User) -> str:
    if person.has_usable_password():
        raise ValidationError(INVITE_ALREADY_SIGNED_IN)
    link = _new_invitation(person, actor)
    _audit(actor, person, "user_invite_again", f"Sent {person.get_username()} a new invitation", {})
    return link


def _new_invitation(person: User, actor: User) -> str:
    now = timezone.now()
    Invitation.objects.filter(user=person, used_at__isnull=True).update(expires_at=now)
    token = secrets.token_urlsafe(32)
    Invitation.objects.create(
        user=person,
        invited_by=actor,
        token_hash=token_hash(token),
        created_at=now - timedelta(microseconds=1),
        expires_at=now + timedelta(hours=settings.SAFEGUARD_INVITATION_HOURS),
    )
    link = absolute_url("invitation_accept", token=token)
    body = (
        f"{actor.get_full_name() or actor.get_username()} has made you an account on Safeguard, "
        f"username {person.get_username()}.\n\n"
        f"Set your password here (the link works once, for {settings.SAFEGUARD_INVITATION_HOURS} hours):\n{link}\n\n"
        "Then sign in: you will be asked to set up an authenticator app on your phone.\n"
    )
    if person.email:
        recipient = person.email
        transaction.on_commit(lambda: send_mail(INVITATION_SUBJECT, body, settings.DEFAULT_FROM_EMAIL, [recipient]))
    return link


def invitation_find(token: str) -> Invitation | None:
    """The unused, unexpired invitation of an active account with this token, or None."""
    return (
        Invitation.objects.select_related("user")
        .filter(token_hash=token_hash(token), used_at__isnull=True, expires_at__gt=timezone.now(), user__is_active=True)
        .first()
    )


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """Set the invited person's first password and use up the link. An expired, used or unknown
    link is a ValidationError that changes nothing."""
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("user")
        .filter(token_hash=token_hash(token), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if invitation is None or not invitation.user.is_active:
        raise ValidationError(INVITATION_INVALID)
    person = invitation.user
    validate_password(password, person)
    person.set_password(password)
    person.save(update_fields=["password"])
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    audit_record(
        kind=AuditEntry.Kind.CHANGE,
        actor=person,
        object_type=User,
        object_id=str(person.pk),
        summary=f"{person.get_username()} set a first password from an invitation",
        changes={"action": "invitation_accept", "person": person.get_username()},
    )
    return person


def user_set_teams(*, actor: User, person: User, teams: Iterable[Team]) -> User:
    """Make `teams` (all of the administrator's force) the person's teams in that force. Teams of
    other forces the person holds, approved by a second administrator, stay."""
    ensure_may_administer(actor, person, action="user_set_teams")
    teams = list(teams)
    if any(team.force_id != actor.force_id for team in teams):
        raise ValidationError({"teams": TEAM_OTHER_FORCE})
    return _set_teams(actor, person, teams)


@transaction.atomic
def _set_teams(actor: User, person: User, teams: list[Team]) -> User:
    current = set(person.teams.filter(force=_force_of(actor)))
    wanted = set(teams)
    person.teams.remove(*(current - wanted))
    person.teams.add(*(wanted - current))
    names = sorted(map(str, wanted))
    _audit(actor, person, "user_set_teams", f"Teams of {person.get_username()} set", {"teams": names})
    return person


def user_set_roles(*, actor: User, person: User, roles: Iterable[str]) -> list[AccessRequest]:
    """Make `roles` the person's roles: roles taken away and Officer or Examiner given take effect
    at once; Supervisor, Auditor or Administrator given becomes a request for a second
    administrator (returned)."""
    ensure_may_administer(actor, person, action="user_set_roles")
    roles = list(roles)
    if any(role not in ROLES for role in roles):
        raise ValidationError({"roles": ROLE_UNKNOWN})
    return _set_roles(actor, person, set(roles))


@transaction.atomic
def _set_roles(actor: User, person: User, wanted: set[str]) -> list[AccessRequest]:
    current = set(person.groups.filter(name__in=ROLES).values_list("name", flat=True))
    person.groups.remove(*Group.objects.filter(name__in=current - wanted))
    person.groups.add(*Group.objects.filter(name__in=(wanted - current) & set(DIRECT_ROLES)))
    requests = []
    for role in sorted((wanted - current) & set(FOUR_EYES_ROLES)):
        pending = AccessRequest.objects.filter(
            kind=AccessRequest.Kind.ROLE,
            person=person,
            role=role,
            status=AccessRequest.Status.PENDING,
            expires_at__gt=timezone.now(),
        )
        if not pending.exists():
            requests.append(
                access_request_create(
                    kind=AccessRequest.Kind.ROLE, actor=actor, force=_force_of(actor), person=person, role=role
                )
            )
    return requests


def user_request_team(*, actor: User, person: User, team: Team, reason: str = "") -> AccessRequest:
    """Ask for the person to join a team of another force: an administrator of that force decides."""
    ensure_may_administer(actor, person, action="user_request_team")
    if team.force_id == actor.force_id:
        raise ValidationError({"team": TEAM_OWN_FORCE})
    if person.teams.filter(pk=team.pk).exists():
        raise ValidationError({"team": TEAM_ALREADY_MEMBER})
    return access_request_create(
        kind=AccessRequest.Kind.TEAM, actor=actor, force=team.force, person=person, team=team, reason=reason
    )


def user_enable(*, actor: User, person: User) -> User:
    """Let a disabled person sign in again; the reason they were disabled is cleared."""
    ensure_may_administer(actor, person, action="user_enable")
    if person.is_active:
        raise ValidationError(ACCOUNT_NOT_DISABLED)
    person.is_active = True
    person.disabled_reason = ""
    person.disabled_at = None
    person.save(update_fields=["is_active", "disabled_reason", "disabled_at"])
    _audit(actor, person, "user_enable", f"Enabled {person.get_username()}", {})
    return person


def user_unlock(*, actor: User, person: User) -> int:
    """Lift django-axes' lockout of the person's username (every address); returns how many records
    of failed attempts were removed."""
    ensure_may_administer(actor, person, action="user_unlock")
    removed = axes_reset(username=person.get_username())
    if not removed:
        raise ValidationError(NOTHING_TO_UNLOCK)
    _audit(actor, person, "user_unlock", f"Unlocked {person.get_username()}", {"attempts_removed": removed})
    return removed


def user_reset_two_factor(*, actor: User, person: User) -> int:
    """Remove the person's authenticator app and backup codes and end their sessions: at their next
    sign-in (password first) they set up a new app. Returns how many devices were removed."""
    ensure_may_administer(actor, person, action="user_reset_two_factor")
    return _reset_two_factor(actor, person)


@transaction.atomic
def _reset_two_factor(actor: User, person: User) -> int:
    totp, _ = TOTPDevice.objects.filter(user=person).delete()
    static = StaticDevice.objects.filter(user=person)
    count = static.count()
    static.delete()
    if not totp and not count:
        raise ValidationError(NOTHING_TO_RESET)
    user_sessions_end(user=person)
    _audit(actor, person, "user_reset_two_factor", f"Authenticator of {person.get_username()} reset", {})
    return totp + count


def _force_of(actor: User) -> Force:
    force = actor.force
    assert force is not None, "an administrator has a force (accounts.permissions.is_administrator)"
    return force


def _audit(actor: User, person: User, action: str, summary: str, extra: dict[str, object]) -> None:
    audit_record(
        kind=AuditEntry.Kind.ADMIN_ACTION,
        actor=actor,
        object_type=User,
        object_id=str(person.pk),
        summary=summary,
        changes={"action": action, "person": person.get_username(), **extra},
    )
