"""What accounts tells the audit trail at start-up (AccountsConfig.ready), besides who may read it
(audit.readers): how to name a person on the auditor pages (audit.labels), and which teams people
are in, for the anomaly flags (audit.facts). The audit app is below accounts and never imports it."""

from collections.abc import Collection

from accounts.models import User
from audit.facts import give_teams
from audit.labels import label_records
from audit.objects import object_type_value


def person_labels(ids: Collection[str]) -> dict[str, str]:
    """ "DC Jo Reid (dc.reid)", by the person's id."""
    people = User.objects.filter(pk__in=[int(value) for value in ids if value.isdigit()])
    return {str(person.pk): f"{person} ({person.username})" for person in people}


def teams_of(user_ids: Collection[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {user_id: set() for user_id in user_ids}
    for user_id, team_id in User.teams.through.objects.filter(user_id__in=list(user_ids)).values_list(
        "user_id", "team_id"
    ):
        found[user_id].add(team_id)
    return found


def tell_the_audit_trail() -> None:
    label_records(object_type_value(User), person_labels)
    give_teams(teams_of)
