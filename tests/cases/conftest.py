"""Set-up shared by the tests of cases' records: records entered through their services, as a person
enters them, so that a test starts from a state the rules allow."""

from datetime import timedelta

import pytest

from cases.models import ChargingSubmission
from cases.services.charging import charging_record_decision, charging_submit
from tests.factories.custody import ArrestFactory, offence


@pytest.fixture
def cps_charged(case, officer) -> ChargingSubmission:
    """On the test's `case`: a subject arrested a day after it was opened, submitted to the CPS a day
    later and charged a day after that, with one charge (3 counts, category A)."""
    arrest = ArrestFactory(case=case, arrested_at=case.opened_at + timedelta(days=1))
    submission = charging_submit(
        case=case,
        actor=officer,
        subject=arrest.subject,
        submitted_at=arrest.arrested_at + timedelta(days=1),
        test=ChargingSubmission.Test.FULL_CODE,
    )
    return charging_record_decision(
        submission=submission,
        actor=officer,
        decision=ChargingSubmission.Decision.CHARGE,
        decision_at=submission.submitted_at + timedelta(days=1),
        charges=[{"offence": offence(), "counts": 3, "category": "A"}],
    )
