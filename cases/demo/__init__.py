"""Demo data: three forces of the West Midlands regional operation, their teams and people, and a
unit's week of referrals and cases at every stage of the path.

Everything is made through the services, exactly as the pages make it, so the demo obeys every rule
and leaves the same case-log trail. Times are relative to now: referrals received this week,
warrants issued last week and executing tomorrow, arrests nearing the four-week charging target
(and one past it), bail running out, a first appearance next Tuesday, closed cases.

Idempotent: forces by code, teams by name, users by username, and each referral (with the case
developed from it) by its source reference; a second run creates nothing. Demo passwords are random
and returned only for users created by this run, so the command can print them once.

Names, addresses and identifiers are invented. IP addresses are from the ranges reserved for
documentation (RFC 5737: 198.51.100.0/24, 203.0.113.0/24; RFC 3849: 2001:db8::/32); street names
are fictional. Image counts are numbers only: nothing here describes an image.

Layout: `people` (forces, teams, users and roles), `builder` (a clock relative to now and short calls
to the services), `scenarios_early` (referral to search) and `scenarios_late` (arrest to closure).
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cases.demo import scenarios_early, scenarios_late  # noqa: F401 - importing them registers the scenarios
from cases.demo.builder import SCENARIOS, Demo, DemoResult
from cases.demo.people import ROLES, USERS
from cases.models import Referral


def load_demo(*, now: datetime | None = None) -> DemoResult:
    """Create whatever of the demo is missing. Each referral and its case is one transaction."""
    demo = Demo(now=now or timezone.now())
    result = DemoResult()
    with transaction.atomic():
        demo.set_up_people(result)
    for item in sorted(SCENARIOS, key=lambda item: -item.opened_days_ago):
        if Referral.objects.filter(force__code=item.force, source_reference=item.reference).exists():
            result.referrals_existing += 1
            continue
        with transaction.atomic():
            item.build(demo, item.reference)
        result.referrals_created += 1
    return result


__all__ = ["ROLES", "USERS", "DemoResult", "load_demo"]
