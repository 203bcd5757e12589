"""Dates the law or a local target derives. Each rule names its source and the date it applies from.

Dates are computed here and nowhere else; services store the result, forms never take it. Periods
in months and days are calendar months and days counted in Europe/London (31 Jan + 3 months =
30 Apr), so a time of day is kept across a change of the clocks. Periods in hours (the PACE custody
clock, the MASH referral) are elapsed hours, whatever the clocks do.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Rule:
    key: str
    title: str
    source: str
    applies_from: date
    local_target: bool = False


WARRANT_EXPIRY = Rule(
    key="warrant_expiry",
    title="Entry under a search warrant within three months of issue",
    source="Police and Criminal Evidence Act 1984 s.16(3)",
    applies_from=date(2006, 1, 1),  # three months since the Serious Organised Crime and Police Act 2005
)
BAIL_PCA_2017 = Rule(
    key="bail_pca2017",
    title="Pre-charge bail: 28 days, then 3 months by a superintendent, then the court",
    source="Policing and Crime Act 2017 (PACE ss.47ZA-47ZM as then in force)",
    applies_from=date(2017, 4, 3),
)
BAIL_PCSCA_2022 = Rule(
    key="bail_pcsca2022",
    title="Pre-charge bail: 3 months, 6 months by an inspector, 9 months by a superintendent, then the court",
    source="Police, Crime, Sentencing and Courts Act 2022 Sch 4 (PACE ss.47ZA-47ZM)",
    applies_from=date(2022, 10, 28),
)
CHARGING_TARGET = Rule(
    key="charging_target",
    title="Charging decision within four weeks of arrest",
    source="Local target (not law); SAFEGUARD_CHARGING_TARGET_DAYS",
    applies_from=date(2017, 1, 1),
    local_target=True,
)
RETENTION_REVIEW = Rule(
    key="retention_review",
    title="Management of Police Information review of retained records",
    source="Authorised Professional Practice: Information management (MoPI), retention groups",
    applies_from=date(2006, 1, 1),
)

# Review interval in years for each MoPI retention group.
RETENTION_REVIEW_YEARS = {"1": 10, "2": 10, "3": 6}

REFERRAL_RESPONSE = Rule(
    key="referral_response",
    title="Respond to a referral within the target for its risk grade",
    source="HMICFRS 2023 (local response targets)",
    applies_from=date(2023, 1, 1),
    local_target=True,
)
# Days from receipt to respond, by KIRAT-style risk grade; a local target, overridable in settings
# as SAFEGUARD_REFERRAL_RESPONSE_DAYS. Applied to every referral shown, whatever its date.
REFERRAL_RESPONSE_DAYS = {"very_high": 1, "high": 7, "medium": 14, "low": 30}

WARRANT_RETURN = Rule(
    key="warrant_return",
    title="An executed or expired warrant is endorsed and returned to the court",
    source="Police and Criminal Evidence Act 1984 s.16(9)-(12); period: local target",
    applies_from=date(1986, 1, 1),
)
# The Act sets no period for the return; Safeguard's target for it is SAFEGUARD_WARRANT_RETURN_DAYS.


def referral_response_due_at(*, received_at: datetime, risk_grade: str) -> datetime:
    """When the response to a referral is due: received at + the target days for its risk grade."""
    days = getattr(settings, "SAFEGUARD_REFERRAL_RESPONSE_DAYS", REFERRAL_RESPONSE_DAYS)[risk_grade]
    return add_days_london(received_at, days)


class NoRuleInForce(ValueError):
    """The date falls before any version of the rule applies."""


def add_months_london(moment: datetime, months: int) -> datetime:
    """Add calendar months in Europe/London local time; end-of-month dates clamp (31 Jan + 1 = 28/29 Feb)."""
    local = moment.astimezone(LONDON)
    shifted = (local.replace(tzinfo=None) + relativedelta(months=months)).replace(tzinfo=LONDON)
    return shifted.astimezone(UTC)


def add_days_london(moment: datetime, days: int) -> datetime:
    """Add calendar days in Europe/London local time (the same time of day, whatever the clocks do)."""
    local = moment.astimezone(LONDON)
    shifted = (local.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=LONDON)
    return shifted.astimezone(UTC)


def add_hours(moment: datetime, hours: timedelta) -> datetime:
    """Add elapsed hours. Counted in UTC: Python adds to a London time by the wall clock, which is
    an hour out across a change of the clocks."""
    return moment.astimezone(UTC) + hours


def warrant_expires_at(issued_at: datetime) -> datetime:
    """A warrant authorises entry within three months from its issue (PACE s.16(3))."""
    return add_months_london(issued_at, 3)


@dataclass(frozen=True)
class BailLimit:
    rank: str
    months: int | None  # None: the court sets the period


BAIL_LIMITS: dict[str, tuple[int, list[BailLimit]]] = {
    # regime: (initial period in days, limits of each further authority in months from bail start)
    "pca2017": (28, [BailLimit("superintendent", 3), BailLimit("magistrates", None)]),
    "pcsca2022": (
        0,
        [BailLimit("inspector", 6), BailLimit("superintendent", 9), BailLimit("magistrates", None)],
    ),
}


def bail_rule_for_arrest(arrested_at: datetime) -> Rule:
    """Choose the pre-charge bail regime by the arrest date (in London)."""
    arrest_day = arrested_at.astimezone(LONDON).date()
    if arrest_day >= BAIL_PCSCA_2022.applies_from:
        return BAIL_PCSCA_2022
    if arrest_day >= BAIL_PCA_2017.applies_from:
        return BAIL_PCA_2017
    raise NoRuleInForce("Arrests before 3 Apr 2017 are outside the pre-charge bail rules Safeguard applies.")


def bail_regime_for_arrest(arrested_at: datetime) -> str:
    return bail_rule_for_arrest(arrested_at).key.removeprefix("bail_")


def bail_initial_end(*, regime: str, bail_start: datetime) -> datetime:
    """The end of the initial bail period set by the custody officer."""
    if regime == "pcsca2022":
        return add_months_london(bail_start, 3)
    if regime == "pca2017":
        return add_days_london(bail_start, 28)
    raise NoRuleInForce(f"Unknown bail regime {regime!r}.")


def bail_extension_end(*, regime: str, bail_start: datetime, approver_rank: str) -> datetime | None:
    """The furthest end an approver of this rank may extend bail to; None where the court sets it."""
    for limit in BAIL_LIMITS[regime][1]:
        if limit.rank == approver_rank:
            return None if limit.months is None else add_months_london(bail_start, limit.months)
    raise NoRuleInForce(f"A {approver_rank} cannot extend bail under the {regime} regime.")


def charging_target_at(arrested_at: datetime) -> datetime:
    """The four-week charging target: a local target, configurable, not law."""
    return add_days_london(arrested_at, settings.CHARGING_TARGET_DAYS)


def retention_next_review_at(*, reviewed_at: datetime, retention_group: str) -> datetime:
    years = RETENTION_REVIEW_YEARS[retention_group]
    return add_months_london(reviewed_at, 12 * years)


# PACE custody clock. The statute counts reviews from when detention was first authorised
# (s.40(3)); Safeguard counts them from the relevant time, which is never later, so a review
# shown as due is never late.
PACE_REVIEWS = Rule(
    key="pace_reviews",
    title="Reviews of detention: the first within 6 hours, then at intervals of at most 9 hours",
    source="Police and Criminal Evidence Act 1984 s.40",
    applies_from=date(1986, 1, 1),
)
PACE_DETENTION_LIMIT = Rule(
    key="pace_detention_limit",
    title="Detention without charge limited to 24 hours after the relevant time",
    source="Police and Criminal Evidence Act 1984 s.41",
    applies_from=date(1986, 1, 1),
)
PACE_SUPERINTENDENT_EXTENSION = Rule(
    key="pace_superintendent_extension",
    title="A superintendent may authorise detention to 36 hours after the relevant time",
    source="Police and Criminal Evidence Act 1984 s.42",
    applies_from=date(1986, 1, 1),
)
PACE_WARRANT_OF_FURTHER_DETENTION = Rule(
    key="pace_warrant_of_further_detention",
    title="Magistrates' warrants of further detention: each at most 36 hours, never beyond 96 hours",
    source="Police and Criminal Evidence Act 1984 ss.43-44",
    applies_from=date(1986, 1, 1),
)

CUSTODY_FIRST_REVIEW = timedelta(hours=6)
CUSTODY_REVIEW_INTERVAL = timedelta(hours=9)
CUSTODY_LIMIT = timedelta(hours=24)
CUSTODY_SUPERINTENDENT_LIMIT = timedelta(hours=36)
CUSTODY_MAXIMUM = timedelta(hours=96)
CUSTODY_WARRANT_PERIOD = timedelta(hours=36)


def custody_limit_at(relevant_time: datetime) -> datetime:
    """Detention without charge ends 24 hours after the relevant time unless extended (PACE s.41)."""
    return add_hours(relevant_time, CUSTODY_LIMIT)


def custody_superintendent_limit_at(relevant_time: datetime) -> datetime:
    """The furthest a superintendent may authorise: 36 hours after the relevant time (PACE s.42)."""
    return add_hours(relevant_time, CUSTODY_SUPERINTENDENT_LIMIT)


def custody_maximum_at(relevant_time: datetime) -> datetime:
    """The absolute maximum: 96 hours after the relevant time (PACE s.44(3))."""
    return add_hours(relevant_time, CUSTODY_MAXIMUM)


def custody_warrant_limit_at(*, relevant_time: datetime, issued_at: datetime) -> datetime:
    """A warrant of further detention (or its extension) runs at most 36 hours from its issue
    (PACE s.43(12), s.44(3)) and never beyond 96 hours after the relevant time."""
    return min(add_hours(issued_at, CUSTODY_WARRANT_PERIOD), custody_maximum_at(relevant_time))


def custody_reviews_due(*, relevant_time: datetime, until: datetime) -> list[datetime]:
    """Latest times for each review of detention up to `until`: 6 hours, then every 9 hours (PACE s.40)."""
    due = []
    moment = add_hours(relevant_time, CUSTODY_FIRST_REVIEW)
    while moment <= until:
        due.append(moment)
        moment += CUSTODY_REVIEW_INTERVAL
    return due


def warrant_return_due_at(*, executed_at: datetime | None, expires_at: datetime) -> datetime:
    """Return to the court after execution or expiry (PACE s.16(10)); the period is a local target."""
    return add_days_london(executed_at or expires_at, settings.WARRANT_RETURN_DAYS)


# --- Local targets after arrest and seizure ----------------------------------------------------

FIRST_COURT = Rule(
    key="first_court",
    title="First court appearance of a charged suspect within four weeks of arrest",
    source="Local target (not law); SAFEGUARD_FIRST_COURT_TARGET_DAYS",
    applies_from=date(2017, 1, 1),
    local_target=True,
)
MASH_REFERRAL = Rule(
    key="mash_referral",
    title="Referral to children's services (MASH) soon after the arrest",
    source="Local target (not law); SAFEGUARD_MASH_REFERRAL_HOURS",
    applies_from=date(2017, 1, 1),
    local_target=True,
)
FORENSIC_EXAMINATION = Rule(
    key="forensic_examination",
    title="Full forensic examination completed within the target after it was requested",
    source="Local target (not law); SAFEGUARD_FORENSIC_TARGET_DAYS",
    applies_from=date(2017, 1, 1),
    local_target=True,
)


def first_court_due_at(arrested_at: datetime) -> datetime:
    """A charged suspect's first court appearance: arrest + the target days (local target, not law)."""
    return add_days_london(arrested_at, settings.FIRST_COURT_TARGET_DAYS)


def mash_referral_due_at(arrested_at: datetime) -> datetime:
    """Children with access to the suspect referred to children's services: arrest + the target hours."""
    return add_hours(arrested_at, timedelta(hours=settings.MASH_REFERRAL_HOURS))


def forensic_examination_due_at(requested_at: datetime) -> datetime:
    """A full forensic examination: requested at + the target days (local target, not law)."""
    return add_days_london(requested_at, settings.FORENSIC_TARGET_DAYS)


def bail_rule(regime: str) -> Rule:
    """The rule of a bail regime recorded on a release."""
    return BAIL_PCA_2017 if regime == "pca2017" else BAIL_PCSCA_2022
