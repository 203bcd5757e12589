"""Reads of the API that the pages do not have (docs/api.md): a filter of the case list, and the
answer to a referral delivered."""

from datetime import UTC, datetime
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Collate

from api.models import ApiClient, Scope
from audit.models import AuditEntry
from cases.models import Case, Referral
from cases.selectors import matches_of, side_of, side_view_for_force_client
from cases.services.identifiers import audit_match

CHANGE_KINDS = (AuditEntry.Kind.CREATE, AuditEntry.Kind.CHANGE, AuditEntry.Kind.DELETE)


def changed_since(cases: QuerySet[Case], since: datetime) -> QuerySet[Case]:
    """The cases of `cases` with a change to them or a record of theirs in the audit trail at or after
    `since`: the trail is where every change is recorded (a case has no "updated" column), read by
    its index on (case reference, time)."""
    changes = AuditEntry.objects.filter(
        case_reference=Collate(OuterRef("reference"), "C"), occurred_at__gte=since, kind__in=CHANGE_KINDS
    )
    return cases.filter(Exists(changes))


def referral_delivered(referral: Referral, client: ApiClient) -> dict[str, Any]:
    """What the client is told of a referral it delivered: the referral, its identifiers as recorded
    (normalised, the time of observation in UTC) and each deconfliction match they made, as the notice
    a person recording it is shown: the other record named only if the client may read it
    (`side_view_for_force_client`), otherwise whom to contact. Each match shown is audited as a
    combination of data, shown to the client."""
    reads_cases = Scope.READ_CASES.value in client.scopes
    matches = []
    for match in matches_of(referral=referral).order_by("id"):
        first, second = side_of(match.first), side_of(match.second)
        other = second if match.first.referral_id == referral.pk else first
        seen = side_view_for_force_client(other, client.force_id, reads_cases=reads_cases)
        audit_match(match, actor=None, event="shown", extra={"shown_to": client.audit_name})
        matches.append(
            {
                "id": match.pk,
                "kind": match.kind,
                "kind_label": match.get_kind_display(),
                "visible": seen.visible,
                "record": seen.label,
                "identifier": seen.shown,
                "contact": seen.contact,
            }
        )
    return {
        "id": referral.pk,
        "source": referral.source,
        "source_reference": referral.source_reference,
        # In UTC: an offset of a zone's local mean time (London's before 1847 was -00:01:15) has
        # seconds, which RFC 3339 cannot write.
        "received_at": referral.received_at.astimezone(UTC).isoformat(),
        "risk_grade": referral.risk_grade,
        "identifiers": [
            {
                "kind": identifier.kind,
                "value": str(identifier),
                "observed_at": identifier.observed_at.astimezone(UTC).isoformat() if identifier.observed_at else None,
            }
            for identifier in referral.identifiers.order_by("id")
        ],
        "matches": matches,
    }
