"""What the cases app tells the audit trail at start-up (CasesConfig.ready): how to name a case or
a referral on the auditor pages (audit.labels), and the facts of cases its anomaly flags need
(audit.facts). The audit app is below cases and never imports it; cases hands these in."""

from collections.abc import Collection

from audit.facts import CaseFacts, give_case_facts
from audit.labels import label_records
from audit.objects import object_type_value
from cases.models import Case, Referral


def _keys(ids: Collection[str]) -> list[int]:
    return [int(value) for value in ids if value.isdigit()]


def case_labels(ids: Collection[str]) -> dict[str, str]:
    """ "Case SAF-2026-0012", by the case's id."""
    rows = Case.objects.filter(pk__in=_keys(ids)).values_list("pk", "reference")
    return {str(pk): f"Case {reference}" for pk, reference in rows}


def referral_labels(ids: Collection[str]) -> dict[str, str]:
    """ "Referral from NCMEC 123456", by the referral's id."""
    referrals = Referral.objects.filter(pk__in=_keys(ids)).only("source", "source_reference")
    return {str(referral.pk): f"Referral from {referral}" for referral in referrals}


def case_facts(references: Collection[str]) -> dict[str, CaseFacts]:
    """Team, restriction and who is in charge of each existing case among `references`."""
    rows = Case.objects.filter(reference__in=list(references)).values_list(
        "reference", "team_id", "restricted", "officer_in_case_id", "supervisor_id"
    )
    return {
        reference: CaseFacts(
            team_id=team_id,
            restricted=restricted,
            in_charge=frozenset(person for person in (officer, supervisor) if person is not None),
        )
        for reference, team_id, restricted, officer, supervisor in rows
    }


def tell_the_audit_trail() -> None:
    label_records(object_type_value(Case), case_labels)
    label_records(object_type_value(Referral), referral_labels)
    give_case_facts(case_facts)
