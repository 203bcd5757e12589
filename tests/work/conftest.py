from datetime import timedelta

import pytest

from tests.factories.cases import CaseFactory
from work.models import Task
from work.selectors import london_today


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


def make_task(case, owner, *, days=3, status=Task.Status.OPEN, title="Chase the ISP's response", **extra):
    """A task straight into the table (its services are what the tests exercise)."""
    return Task.objects.create(
        case=case,
        title=title,
        owner=owner,
        due_on=london_today() + timedelta(days=days),
        status=status,
        created_by=case.supervisor,
        **extra,
    )


@pytest.fixture
def task(case, officer):
    return make_task(case, officer)
