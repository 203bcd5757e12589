"""Dates the law or a local target derives. Each rule names its source and the date it applies from.

Dates are computed here and nowhere else; services store the result, forms never take it.

- Statutory periods that the law counts in whole days (entry under a search warrant, PACE s.16(3);
  pre-charge bail, PACE ss.47ZB-47ZG) end at the end of their last day, a UK date. They are stored
  as the last instant of that day in Europe/London (`end_of_uk_day`) and shown as the date with
  "end of day" (`cases.formats.when`).
- Local targets in months and days are calendar months and days counted in Europe/London (31 Jan
  + 3 months = 30 Apr), keeping the time of day across a change of the clocks.
- Periods in hours (the PACE custody clock, the MASH referral) are elapsed hours, whatever the
  clocks do.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Rule:
    """A rule and its source in words. A statute is cited as it is; a local target is named with
    its period as configured ("Local target: four-week charging target, 28 days"), never by the
    name of the setting that holds the period."""

    key: str
    title: str
    citation: str
    applies_from: date
    local_target: bool = False
    # For a local target: its period in words, read from the settings when it is shown.
    period: Callable[[], str] | None = field(default=None, compare=False)

    @property
    def source(self) -> str:
        if not self.local_target:
            return self.citation
        return f"Local target: {self.citation}" + (f", {self.period()}" if self.period else "")


def _days_setting(name: str) -> Callable[[], str]:
    def period() -> str:
        days = getattr(settings, name)
        return f"{days} day" if days == 1 else f"{days} days"

    return period


def _hours_setting(name: str) -> Callable[[], str]:
    def period() -> str:
        hours = getattr(settings, name)
        return f"{hours} hour" if hours == 1 else f"{hours} hours"

    return period


WARRANT_EXPIRY = Rule(
    key="warrant_expiry",
    title="Entry under a search warrant within three months from the date of issue",
    citation="Police and Criminal Evidence Act 1984 s.16(3)",
    applies_from=date(2006, 1, 1),  # three months since the Serious Organised Crime and Police Act 2005
)
BAIL_PCA_2017 = Rule(
    key="bail_pca2017",
    title="Pre-charge bail: 28 days, then 3 months by a superintendent, then the court",
    citation="Policing and Crime Act 2017 (PACE ss.47ZA-47ZM as then in force)",
    applies_from=date(2017, 4, 3),
)
BAIL_PCSCA_2022 = Rule(
    key="bail_pcsca2022",
    title="Pre-charge bail: 3 months, 6 months by an inspector, 9 months by a superintendent, then the court",
    citation="Police, Crime, Sentencing and Courts Act 2022 Sch 4 (PACE ss.47ZA-47ZM)",
    applies_from=date(2022, 10, 28),
)
CHARGING_TARGET = Rule(
    key="charging_target",
    title="Charging decision within four weeks of arrest",
    citation="four-week charging target",
    applies_from=date(2017, 1, 1),
    local_target=True,
    period=_days_setting("CHARGING_TARGET_DAYS"),
)
RETENTION_REVIEW = Rule(
    key="retention_review",
    title="Management of Police Information review of retained records",
    citation="Authorised Professional Practice: Information management (MoPI), retention groups",
    applies_from=date(2006, 1, 1),
)

# Review interval in years for each MoPI retention group.
RETENTION_REVIEW_YEARS = {"1": 10, "2": 10, "3": 6}

REFERRAL_RESPONSE = Rule(
    key="referral_response",
    title="Respond to a referral within the target for its risk grade",
    citation="referral response by risk grade (HMICFRS 2023)",
    applies_from=date(2023, 1, 1),
    local_target=True,
)
# Days from receipt to respond, by KIRAT-style risk grade; a local target, overridable in settings
# as SAFEGUARD_REFERRAL_RESPONSE_DAYS. Applied to every referral shown, whatever its date.
REFERRAL_RESPONSE_DAYS = {"very_high": 1, "high": 7, "medium": 14, "low": 30}

WARRANT_RETURN = Rule(
    key="warrant_return",
    title="An executed or expired warrant is endorsed and returned to the court",
    citation="Police and Criminal Evidence Act 1984 s.16(9)-(12)",
    applies_from=date(1986, 1, 1),
)
# The Act sets no period for the return: the period is a local target, named in the deadline's source.
WARRANT_RETURN_TARGET = Rule(
    key="warrant_return_target",
    title="Return an executed or expired warrant to the court within the target",
    citation="warrant return",
    applies_from=date(1986, 1, 1),
    local_target=True,
    period=_days_setting("WARRANT_RETURN_DAYS"),
)
# The Act sets no period for the return; Safeguard's target for it is SAFEGUARD_WARRANT_RETURN_DAYS.


def _referral_response_days(risk_grade: str) -> int:
    return int(getattr(settings, "SAFEGUARD_REFERRAL_RESPONSE_DAYS", REFERRAL_RESPONSE_DAYS)[risk_grade])


def referral_response_due_at(*, received_at: datetime, risk_grade: str) -> datetime:
    """When the response to a referral is due: received at + the target days for its risk grade."""
    return add_days_london(received_at, _referral_response_days(risk_grade))


def referral_response_source(risk_grade: str) -> str:
    """The source of a referral's response deadline in words, with the days for its grade:
    "Local target: referral response by risk grade (HMICFRS 2023), 7 days"."""
    days = _referral_response_days(risk_grade)
    return f"{REFERRAL_RESPONSE.source}, {days} day{'' if days == 1 else 's'}"


class NoRuleInForce(ValueError):
    """The date falls before any version of the rule applies."""


def is_ambiguous_uk_time(wall: datetime) -> bool:
    """Whether a UK wall-clock time happens twice (the hour repeated when the clocks go back)."""
    first, second = wall.replace(tzinfo=LONDON, fold=0), wall.replace(tzinfo=LONDON, fold=1)
    return first.utcoffset() != second.utcoffset() and _exists(first) and _exists(second)


def is_missing_uk_time(wall: datetime) -> bool:
    """Whether a UK wall-clock time never happens (the hour skipped when the clocks go forward)."""
    return not _exists(wall.replace(tzinfo=LONDON, fold=0)) and not _exists(wall.replace(tzinfo=LONDON, fold=1))


def _exists(local: datetime) -> bool:
    return local.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) == local.replace(tzinfo=None)


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


# --- Whole days in UK time ---------------------------------------------------------------------


def uk_date(moment: datetime) -> date:
    """The date in the UK (Europe/London) of a moment."""
    return moment.astimezone(LONDON).date()


def end_of_uk_day(day: date) -> datetime:
    """The last instant of a UK date, in UTC: a period that ends at the end of its last day is
    stored as this moment, so that anything done at any time on that day is within it."""
    return datetime.combine(day, time.max).replace(tzinfo=LONDON).astimezone(UTC)


def is_end_of_uk_day(moment: datetime) -> bool:
    """Whether a moment is the end of a UK day (`end_of_uk_day`): shown as the date, "end of day"."""
    return moment.astimezone(LONDON).time() == time.max


def months_after(day: date, months: int) -> date:
    """The corresponding date `months` calendar months after `day`, or the last day of that month
    when it has no such date (31 Jan + 1 month = 28 or 29 Feb)."""
    return day + relativedelta(months=months)


def last_day_of_period(start: date, *, months: int = 0, days: int = 0) -> date:
    """The last day of a period of `months` months or `days` days "beginning with" `start` (the
    start day counts as the first day).

    Months: the period ends on the day before the corresponding date; where the later month has no
    corresponding date (a period of 1 month beginning with 31 Jan), it ends on that month's last
    day. 3 months beginning with 29 Oct 2022 end on 28 Jan 2023; beginning with 1 Nov, on 31 Jan.
    """
    if days:
        return start + timedelta(days=days - 1)
    corresponding = start + relativedelta(months=months)
    if corresponding.day != start.day:  # no corresponding date: relativedelta kept the month's last day
        return corresponding
    return corresponding - timedelta(days=1)


def warrant_last_day(issued_at: datetime) -> date:
    """The last day on which entry under a search warrant is lawful.

    PACE 1984 s.16(3): "Entry and search under a warrant must be within three months from the date
    of its issue." Counted "from" the date of issue, the period ends on the corresponding date three
    months later (issued 15 Jan: last day 15 Apr; issued 31 Jan: 30 Apr, as April has no 31st), and
    entry at any time of that UK day is lawful.
    """
    return months_after(uk_date(issued_at), 3)


def warrant_expires_at(issued_at: datetime) -> datetime:
    """The end of the last day for entry (`warrant_last_day`), PACE s.16(3)."""
    return end_of_uk_day(warrant_last_day(issued_at))


# --- Pre-charge bail (PACE 1984 Part IV, ss.47ZA-47ZM) -------------------------------------------


@dataclass(frozen=True)
class BailLimit:
    rank: str
    months: int | None  # from the bail start date; None: the court sets the period
    section: str = ""


# Who investigates the case (PACE s.47ZB(4)(b)-(c)): a case is an FCA, HMRC, NCA or SFO case when
# that body investigates it and one of its officers or staff confirms so; otherwise it is standard.
BAIL_BODY_STANDARD = "standard"
BAIL_BODIES_2022 = ("nca", "hmrc", "fca", "sfo")

# The initial period of each regime as (months, days) beginning with the bail start date, and the
# ladder of further authorities, each with the furthest end it may set (months beginning with the
# bail start date). Standard cases; the initial period of the others is `bail_initial_period`.
BAIL_INITIAL: dict[str, tuple[int, int]] = {
    # s.47ZB(1)(b) as substituted by PCSCA 2022 Sch 4 para 26: 3 months.
    "pcsca2022": (3, 0),
    # s.47ZB(1)(b) as enacted by PCA 2017 s.63: 28 days.
    "pca2017": (0, 28),
}
BAIL_LIMITS: dict[str, list[BailLimit]] = {
    "pca2017": [
        BailLimit("superintendent", 3, "PACE s.47ZD (as enacted by the Policing and Crime Act 2017)"),
        BailLimit("magistrates", None, "PACE ss.47ZF-47ZG"),
    ],
    "pcsca2022": [
        BailLimit("inspector", 6, "PACE s.47ZD"),
        BailLimit("superintendent", 9, "PACE s.47ZDA"),
        BailLimit("decision_maker", 12, "PACE s.47ZDB"),
        BailLimit("qualifying_officer", 12, "PACE s.47ZE(3)"),
        BailLimit("magistrates", None, "PACE ss.47ZF-47ZG"),
    ],
}


@dataclass(frozen=True)
class BailStep:
    """One authority that may extend the applicable bail period, and the section that gives it."""

    section: str  # "47ZD", "47ZDA", "47ZDB", "47ZE", "47ZF", "47ZG"
    rank: str
    months: int | None  # the police extension's end, months beginning with the bail start date

    @property
    def citation(self) -> str:
        return BAIL_SECTION_CITATIONS[self.section]


BAIL_SECTION_CITATIONS = {
    "47ZD": "PACE s.47ZD",
    "47ZDA": "PACE s.47ZDA",
    "47ZDB": "PACE s.47ZDB",
    "47ZE": "PACE s.47ZE",
    "47ZF": "PACE s.47ZF",
    "47ZG": "PACE s.47ZG",
}
_COURT_FIRST = BailStep("47ZF", "magistrates", None)
_COURT_LATER = BailStep("47ZG", "magistrates", None)


def bail_next_steps(*, regime: str, body: str, done: list[str]) -> list[BailStep]:
    """The authorities that may give the next extension, given the sections of those already given
    (in order). The first is the usual one.

    2022 regime, standard case: inspector to 6 months (s.47ZD(2)), superintendent to 9 months
    (s.47ZDA(2)), then either a qualifying police officer to 12 months in a case the DPP has
    designated exceptionally complex (s.47ZE(1)-(3)), or the court (s.47ZF(1)(b)); after s.47ZE, the
    court (s.47ZF(1)(c)). FCA, HMRC, NCA or SFO case: the appropriate decision-maker to 12 months
    (s.47ZDB(2)), then the court (s.47ZF(1)(ba)). 2017 regime: a superintendent to 3 months (s.47ZD
    as enacted) except in an SFO case, whose initial period is already 3 months, then the court.
    After the court's first extension (s.47ZF), each further one is under s.47ZG.
    """
    if "47ZF" in done or "47ZG" in done:
        return [_COURT_LATER]
    last = done[-1] if done else ""
    if regime == "pca2017":
        if body == "sfo" or last:
            return [_COURT_FIRST]
        return [BailStep("47ZD", "superintendent", 3)]
    if regime != "pcsca2022":
        raise NoRuleInForce(f"Bail under the {regime} regime has no statutory extensions.")
    if body != BAIL_BODY_STANDARD:
        return [BailStep("47ZDB", "decision_maker", 12)] if not last else [_COURT_FIRST]
    ladder = {
        "": [BailStep("47ZD", "inspector", 6)],
        "47ZD": [BailStep("47ZDA", "superintendent", 9)],
        "47ZDA": [_COURT_FIRST, BailStep("47ZE", "qualifying_officer", 12)],
    }
    return ladder.get(last, [_COURT_FIRST])


def bail_court_cap_months(*, regime: str, done: list[str], within_subsection_7: bool) -> int | None:
    """The furthest end, in months beginning with the bail start date, of the court's first extension
    (PACE s.47ZF(4), (6)), by the route the case came: after s.47ZDA, 12 months, or 18 where the case
    falls within s.47ZF(7); after s.47ZDB or s.47ZE, 18 months, or 24 within (7). None where Safeguard
    checks no cap: a later extension under s.47ZG, and the court under the 2017 regime (the texts of
    those provisions are not verified; see docs/deadlines.md)."""
    if regime != "pcsca2022" or "47ZF" in done or "47ZG" in done or not done:
        return None
    if done[-1] == "47ZDA":
        return 18 if within_subsection_7 else 12
    if done[-1] in ("47ZDB", "47ZE"):
        return 24 if within_subsection_7 else 18
    return None


def bail_rule_for_arrest(arrested_at: datetime) -> Rule:
    """Choose the pre-charge bail regime by the arrest date (in London)."""
    arrest_day = uk_date(arrested_at)
    if arrest_day >= BAIL_PCSCA_2022.applies_from:
        return BAIL_PCSCA_2022
    if arrest_day >= BAIL_PCA_2017.applies_from:
        return BAIL_PCA_2017
    raise NoRuleInForce("Arrests before 3 Apr 2017 are outside the pre-charge bail rules Safeguard applies.")


def bail_regime_for_arrest(arrested_at: datetime) -> str:
    return bail_rule_for_arrest(arrested_at).key.removeprefix("bail_")


def bail_start_date(arrested_at: datetime) -> date:
    """PACE s.47ZB(4)(a): "a person's bail start date is the day after the day on which the person
    was arrested for the relevant offence" (the UK date of the arrest, whatever the release time)."""
    return uk_date(arrested_at) + timedelta(days=1)


def bail_initial_period(*, regime: str, body: str = BAIL_BODY_STANDARD) -> tuple[int, int, str]:
    """The applicable bail period set on release as (months, days, subsection of PACE), beginning
    with the bail start date.

    2022 regime (PACE s.47ZB(1) as substituted by PCSCA 2022 Sch 4): 6 months in an FCA, HMRC, NCA or
    SFO case ((1)(a)), 3 months in any other case ((1)(b)). 2017 regime (s.47ZB(1) as enacted by the
    Policing and Crime Act 2017): 3 months in an SFO case ((1)(a)), 28 days in an FCA case or any
    other case ((1)(b)); that text knew no NCA or HMRC case, so those take 28 days.
    """
    if regime == "pcsca2022":
        if body == BAIL_BODY_STANDARD:
            return 3, 0, "47ZB(1)(b)"
        return 6, 0, "47ZB(1)(a)"
    if regime == "pca2017":
        if body == "sfo":
            return 3, 0, "47ZB(1)(a)"
        return 0, 28, "47ZB(1)(b)"
    raise NoRuleInForce(f"Unknown bail regime {regime!r}.")


def bail_initial_citation(*, regime: str, body: str = BAIL_BODY_STANDARD) -> str:
    """The provision that sets the initial period, cited ("PACE s.47ZB(1)(a)")."""
    citation = f"PACE s.{bail_initial_period(regime=regime, body=body)[2]}"
    return citation + (" (as enacted by the Policing and Crime Act 2017)" if regime == "pca2017" else "")


def bail_initial_end(*, regime: str, arrested_at: datetime, body: str = BAIL_BODY_STANDARD) -> datetime:
    """The end of the applicable bail period set on release (PACE s.47ZB(1), `bail_initial_period`):
    the end of the last day of the period beginning with the bail start date."""
    months, days, _section = bail_initial_period(regime=regime, body=body)
    return end_of_uk_day(last_day_of_period(bail_start_date(arrested_at), months=months, days=days))


def bail_period_end(*, arrested_at: datetime, months: int) -> datetime:
    """The end of the last day of the period of `months` months beginning with the bail start date,
    the form every extension of the applicable bail period takes (PACE ss.47ZD-47ZF)."""
    return end_of_uk_day(last_day_of_period(bail_start_date(arrested_at), months=months))


def bail_extension_end(*, regime: str, arrested_at: datetime, approver_rank: str) -> datetime | None:
    """The furthest end an approver of this rank may extend bail to, at the end of the last day of
    the period beginning with the bail start date (PACE ss.47ZD, 47ZDA, 47ZDB, 47ZE); None where the
    court sets it."""
    for limit in BAIL_LIMITS[regime]:
        if limit.rank == approver_rank:
            if limit.months is None:
                return None
            return end_of_uk_day(last_day_of_period(bail_start_date(arrested_at), months=limit.months))
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
    citation="Police and Criminal Evidence Act 1984 s.40",
    applies_from=date(1986, 1, 1),
)
PACE_DETENTION_LIMIT = Rule(
    key="pace_detention_limit",
    title="Detention without charge limited to 24 hours after the relevant time",
    citation="Police and Criminal Evidence Act 1984 s.41",
    applies_from=date(1986, 1, 1),
)
PACE_SUPERINTENDENT_EXTENSION = Rule(
    key="pace_superintendent_extension",
    title="A superintendent may authorise detention to 36 hours after the relevant time",
    citation="Police and Criminal Evidence Act 1984 s.42",
    applies_from=date(1986, 1, 1),
)
PACE_WARRANT_OF_FURTHER_DETENTION = Rule(
    key="pace_warrant_of_further_detention",
    title="Magistrates' warrants of further detention: each at most 36 hours, never beyond 96 hours",
    citation="Police and Criminal Evidence Act 1984 ss.43-44",
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


def custody_next_review_due(*, relevant_time: datetime, reviews: list[datetime]) -> datetime:
    """The latest time for the next review of detention (PACE s.40(3)): "the first review shall be not
    later than six hours after the detention was first authorised; the second review shall be not
    later than nine hours after the first; subsequent reviews shall be at intervals of not more than
    nine hours". Counted from the review actually held, so an early review brings the next forward."""
    if reviews:
        return add_hours(max(reviews), CUSTODY_REVIEW_INTERVAL)
    return add_hours(relevant_time, CUSTODY_FIRST_REVIEW)


# PACE s.43(5): an application for a warrant of further detention may be made "(a) at any time before
# the expiry of 36 hours after the relevant time; or (b) in a case where it is not practicable for the
# magistrates' court to sit at the expiry of 36 hours after the relevant time but the court will sit
# during the 6 hours following the end of that period, at any time before the expiry of the said 6 hours".
CUSTODY_WARRANT_APPLICATION = timedelta(hours=36)
CUSTODY_WARRANT_APPLICATION_COURT_NOT_SITTING = timedelta(hours=42)


def custody_warrant_application_latest(relevant_time: datetime, *, court_not_sitting: bool) -> datetime:
    """The latest time to apply for a warrant of further detention (PACE s.43(5)(a) or (b))."""
    period = CUSTODY_WARRANT_APPLICATION_COURT_NOT_SITTING if court_not_sitting else CUSTODY_WARRANT_APPLICATION
    return add_hours(relevant_time, period)


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
    citation="first court appearance within four weeks of arrest",
    applies_from=date(2017, 1, 1),
    local_target=True,
    period=_days_setting("FIRST_COURT_TARGET_DAYS"),
)
MASH_REFERRAL = Rule(
    key="mash_referral",
    title="Referral to children's services (MASH) soon after the arrest",
    citation="MASH referral after arrest",
    applies_from=date(2017, 1, 1),
    local_target=True,
    period=_hours_setting("MASH_REFERRAL_HOURS"),
)
FORENSIC_EXAMINATION = Rule(
    key="forensic_examination",
    title="Full forensic examination completed within the target after it was requested",
    citation="forensic examination after request",
    applies_from=date(2017, 1, 1),
    local_target=True,
    period=_days_setting("FORENSIC_TARGET_DAYS"),
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
