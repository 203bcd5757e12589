"""Reads for warrant pages: what may be done next, and who may be named on a record."""

from datetime import datetime

from django.db.models import Q, QuerySet

from accounts.models import User
from cases.models import Case
from warrants.models import Warrant
from warrants.services import ACTIONS, warrant_state_error

ACTION_LABELS = {
    "apply": "Record the application",
    "issue": "Record the issue",
    "refuse": "Record a refusal",
    "execute": "Record the execution",
    "return": "Record the return to court",
    "further_entry": "Record an inspector's authority for a further entry",
}


def warrant_next_actions(warrant: Warrant, *, now: datetime | None = None) -> list[tuple[str, str]]:
    """(URL name, label) for each action valid in the warrant's current state, in path order."""
    return [
        (f"warrants:{action}", ACTION_LABELS[action])
        for action in ACTIONS
        if warrant_state_error(warrant, action, now=now) is None
    ]


def case_people(case: Case) -> QuerySet[User]:
    """Active people who work this case: its team's members, its officer in the case and supervisor."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(teams=case.team_id) | Q(pk=case.officer_in_case_id) | Q(pk=case.supervisor_id))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
