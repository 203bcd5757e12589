"""Reads for warrant pages: who may be named on a record."""

from django.db.models import Q, QuerySet

from accounts.models import User
from cases.models import Case


def case_people(case: Case) -> QuerySet[User]:
    """Active people who work this case: its team's members, its officer in the case and supervisor."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(teams=case.team_id) | Q(pk=case.officer_in_case_id) | Q(pk=case.supervisor_id))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
