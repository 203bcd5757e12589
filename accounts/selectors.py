"""Reads for user administration, scoped to the administrator's own force."""

from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import AccessRequest, Team, User

SEARCH_MAX_LENGTH = 100


def people_of_force(actor: User, *, query: str = "", include_disabled: bool = True) -> QuerySet[User]:
    """The people of `actor`'s force (none for a person without one), found by part of their
    username, name, e-mail address or collar number."""
    force_id = actor.force_id
    people = User.objects.filter(force_id=force_id) if force_id is not None else User.objects.none()
    if not include_disabled:
        people = people.filter(is_active=True)
    for word in query.split()[:5]:
        people = people.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(collar_number__icontains=word)
        )
    return people.prefetch_related("groups", Prefetch("teams", queryset=Team.objects.select_related("force")))


def teams_of_force(actor: User) -> QuerySet[Team]:
    force_id = actor.force_id
    teams = Team.objects.filter(force_id=force_id) if force_id is not None else Team.objects.none()
    return teams.select_related("force")


def teams_of_other_forces(actor: User) -> QuerySet[Team]:
    force_id = actor.force_id
    teams = Team.objects.exclude(force_id=force_id) if force_id is not None else Team.objects.all()
    return teams.select_related("force")


def locked_out_usernames(usernames: list[str]) -> set[str]:
    """Which of `usernames` django-axes is refusing now (too many failed sign-ins within the
    cool-off time)."""
    since = timezone.now() - timedelta(seconds=_cooloff_seconds())
    return set(
        AccessAttempt.objects.filter(
            username__in=usernames, failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
        ).values_list("username", flat=True)
    )


def _cooloff_seconds() -> float:
    cooloff = settings.AXES_COOLOFF_TIME
    return cooloff.total_seconds() if isinstance(cooloff, timedelta) else float(cooloff or 0) * 3600


def pending_requests_for(actor: User) -> QuerySet[AccessRequest]:
    """Requests waiting for an administrator of `actor`'s force, not yet lapsed (a request lapses
    SAFEGUARD_ACCESS_REQUEST_DAYS after it was made: checked on read, nothing needs to run)."""
    force_id = actor.force_id
    if force_id is None:
        return AccessRequest.objects.none()
    return (
        AccessRequest.objects.filter(
            force_id=force_id, status=AccessRequest.Status.PENDING, expires_at__gt=timezone.now()
        )
        .select_related("person", "requested_by", "team__force")
        .order_by("expires_at", "id")
    )


def recent_requests_for(actor: User, *, limit: int = 50) -> QuerySet[AccessRequest]:
    """The latest requests of `actor`'s force or made by them, whatever their state."""
    return (
        AccessRequest.objects.filter(Q(force_id=actor.force_id) | Q(requested_by=actor))
        .select_related("person", "requested_by", "decided_by", "team__force")
        .order_by("-requested_at", "-id")[:limit]
    )


def requests_about(person: User) -> QuerySet[AccessRequest]:
    return (
        AccessRequest.objects.filter(person=person)
        .select_related("requested_by", "decided_by", "team__force")
        .order_by("-requested_at", "-id")
    )
