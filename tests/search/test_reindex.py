"""manage.py identifiers_reindex: records made without the services (before the index, or by the
benchmark's bulk loader) are indexed and deconflicted; a second run changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from cases.models import DeconflictionMatch, IndexedIdentifier
from tests.factories.cases import (
    CaseFactory,
    PremisesFactory,
    ReferralFactory,
    ReferralIdentifierFactory,
    SubjectFactory,
)
from warrants.models import Warrant

pytestmark = pytest.mark.django_db


def test_reindex_indexes_what_the_services_did_not_and_finds_matches(officer, team, supervisor):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    SubjectFactory(case=case, full_name="Jo Bloggs", pnc_id="01/222222B")
    premises = PremisesFactory(case=case, address="3 Long Row", postcode="st4 7lq")
    Warrant.objects.create(
        case=case, premises=premises, power="pace_s8", court="Stafford", applicant=officer, court_reference="SMC 26-9"
    )
    first = ReferralIdentifierFactory(referral=ReferralFactory(force=officer.force))
    ReferralIdentifierFactory(referral=ReferralFactory(force=officer.force), observed_at=first.observed_at)
    assert not IndexedIdentifier.objects.exists()

    out = StringIO()
    call_command("identifiers_reindex", actor=officer.username, stdout=out)
    kinds = set(IndexedIdentifier.objects.values_list("kind", flat=True))
    assert {"case_reference", "person", "pnc_id", "address", "postcode", "ip", "external_reference"} <= kinds
    assert IndexedIdentifier.objects.get(kind="court_reference").value == "SMC 26-9"
    assert IndexedIdentifier.objects.get(kind="postcode").value == "ST4 7LQ"
    assert DeconflictionMatch.objects.get().kind == "ip"

    rows = IndexedIdentifier.objects.count()
    call_command("identifiers_reindex", actor=officer.username, stdout=StringIO())
    assert IndexedIdentifier.objects.count() == rows
    assert DeconflictionMatch.objects.count() == 1
