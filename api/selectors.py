"""Filters of the API's case list that the pages do not have (docs/api.md)."""

from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Collate

from audit.models import AuditEntry
from cases.models import Case

CHANGE_KINDS = (AuditEntry.Kind.CREATE, AuditEntry.Kind.CHANGE, AuditEntry.Kind.DELETE)


def changed_since(cases: QuerySet[Case], since: datetime) -> QuerySet[Case]:
    """The cases of `cases` with a change to them or a record of theirs in the audit trail at or after
    `since`: the trail is where every change is recorded (a case has no "updated" column), read by
    its index on (case reference, time)."""
    changes = AuditEntry.objects.filter(
        case_reference=Collate(OuterRef("reference"), "C"), occurred_at__gte=since, kind__in=CHANGE_KINDS
    )
    return cases.filter(Exists(changes))
