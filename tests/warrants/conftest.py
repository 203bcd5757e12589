import pytest

from tests.factories.cases import CaseFactory, PremisesFactory
from tests.factories.custody import london


@pytest.fixture
def case(team, officer, supervisor):
    # Opened before the warrants the tests apply for (a warrant is never applied for before its case).
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=london(2026, 1, 5, 9))


@pytest.fixture
def premises(case):
    return PremisesFactory(case=case, address="12 Mill Lane\nStafford", postcode="ST16 3AB")
