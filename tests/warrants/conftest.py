import pytest

from tests.factories.cases import CaseFactory, PremisesFactory


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


@pytest.fixture
def premises(case):
    return PremisesFactory(case=case, address="12 Mill Lane\nStafford", postcode="ST16 3AB")
