"""Demo scenarios from arrest to closure: custody, bail, charging, court and closed cases."""

from datetime import date

from cases.demo.builder import (
    CANNOCK_COURT,
    CEOP,
    HIGH,
    INCONCLUSIVE,
    LOW,
    MEDIUM,
    NUNEATON_COURT,
    ON_SCENE,
    P2P,
    PHONE,
    POSITIVE,
    STAFFORD_CROWN,
    STAFFS_COURT,
    TELFORD_COURT,
    WARWICK_CROWN,
    WORCESTER_COURT,
    Demo,
    case_from_referral,
    counts,
    reference_number,
    scenario,
)
from cases.models import (
    Case,
    ChargingSubmission,
    Closure,
    CourtHearing,
    Release,
    SafeguardingReferral,
    Subject,
)
from cases.services.custody import bail_extend

# --- Cases: arrest, custody and bail ----------------------------------------------------------------


def _arrested_case(
    d: Demo,
    *,
    force: str,
    ref: str,
    team: str,
    oic: str,
    supervisor: str,
    court: str,
    arrest_days: int,
    name: str,
    born: date,
    address: str,
    postcode: str,
    ip: str,
    district: str,
    release: str = Release.Kind.BAIL,
    in_custody_hours: float = 9,
    triage_counts: dict[str, dict[str, int]] | None = None,
    examiner: str = "examiner",
    source: str = CEOP,
    platform: str = "Snapchat",
) -> tuple[Case, Subject]:
    """A case through warrant, search and arrest at the search, released `release`."""
    c = d.clock
    opened = arrest_days + 10
    case = case_from_referral(
        d,
        force=force,
        ref=ref,
        source=source,
        received_days=opened + 4,
        risk=HIGH,
        team=team,
        oic=oic,
        supervisor=supervisor,
        opened_days=opened,
        platform=platform,
        files=20,
        ip=ip,
        summary=f"Provider report; subscriber resolved to {address.splitlines()[-1]}.",
        district=district,
    )
    subject = d.subject(case, name, born)
    home = d.premises(case, address, postcode)
    warrant = d.warrant(
        case,
        home,
        court=court,
        applied=c.ago(arrest_days + 5, "10:00"),
        issued=c.ago(arrest_days + 4, "12:00"),
        justice="District Judge (MC) Harrison",
        executed=c.ago(arrest_days, "06:30"),
        present=ON_SCENE,
        result="Subject arrested at the address; devices seized.",
        # Endorsed and returned to the court a few days after execution (PACE 1984 s.16(9)-(12)).
        returned=c.ago(arrest_days - 3, "11:00") if arrest_days > 3 else None,
    )
    search = d.search(
        case, home, warrant=warrant, started=c.ago(arrest_days, "06:30"), ended=c.ago(arrest_days, "10:30")
    )
    search.device(
        f"{name[0]}{name.split()[-1][0]}/01",
        PHONE,
        "Apple iPhone 14",
        triage=POSITIVE if triage_counts else INCONCLUSIVE,
        triaged=c.ago(arrest_days, "08:00"),
        examiner=examiner,
        counts=triage_counts,
        forensic_requested=c.ago(arrest_days - 1, "10:00") if arrest_days > 1 else None,
    )
    d.arrest(
        case,
        subject,
        at=c.ago(arrest_days, "07:10"),
        offences=("POCA1978-1-1-a", "CJA1988-160"),
        custody=f"{force}/{reference_number(name, 10000, 99999)}/26",
        in_custody_hours=in_custody_hours,
        release=release,
        conditions="Not to have unsupervised contact with any child under 18; to live and sleep at home address."
        if release == Release.Kind.BAIL
        else "",
    )
    return case, subject


@scenario("STF", "CEOP-114552", opened_days_ago=31)
def _stf_arrest_three_weeks(d: Demo, ref: str) -> None:
    c = d.clock
    case, _ = _arrested_case(
        d,
        force="STF",
        ref=ref,
        team="Safenet",
        oic="officer",
        supervisor="supervisor",
        court=CANNOCK_COURT,
        arrest_days=21,
        name="Craig Holloway",
        born=date(1984, 10, 11),
        address="9 Thornbury Walk\nStafford",
        postcode="ST17 9ZY",
        ip="203.0.113.7",
        district="Stafford",
        triage_counts=counts(a=(2, 0), b=(9, 1), c=(54, 3)),
    )
    d.safeguarding(
        case,
        reference="CHILD-1",
        children=1,
        relationship=SafeguardingReferral.Relationship.STEP_CHILD,
        referred=c.ago(21, "13:00"),
        mash="STF-MASH-26-2031",
        safeguarded=1,
        strategy=True,
        section_47=True,
        outcome="Joint visit; safety plan agreed with the child's mother.",
    )
    d.log(
        case,
        "Forensic examination of the phone prioritised: charging target in one week.",
        at=c.ago(3, "09:30"),
        kind="decision",
        by="supervisor",
    )


@scenario("STF", "CPS-P2P-0029410", opened_days_ago=35)
def _stf_arrest_nearing_target(d: Demo, ref: str) -> None:
    c = d.clock
    case, subject = _arrested_case(
        d,
        force="STF",
        ref=ref,
        team="POLIT North",
        oic="dc.walsh",
        supervisor="supervisor",
        court=STAFFS_COURT,
        arrest_days=25,
        name="Martin Keane",
        born=date(1966, 3, 22),
        address="30 Foxglove Road\nKidsgrove",
        postcode="ST7 9ZX",
        ip="198.51.100.91",
        district="Newcastle-under-Lyme",
        source=P2P,
        platform="BitTorrent",
        triage_counts=counts(a=(0, 0), b=(3, 0), c=(12, 0)),
    )
    d.charging(case, subject, submitted=c.ago(3, "11:00"), cps="51TT0412326")


@scenario("WAR", "CEOP-113978", opened_days_ago=45)
def _war_past_target_rui(d: Demo, ref: str) -> None:
    c = d.clock
    case, _ = _arrested_case(
        d,
        force="WAR",
        ref=ref,
        team="OCSAE Team",
        oic="dc.green",
        supervisor="ds.price",
        court=NUNEATON_COURT,
        arrest_days=35,
        name="Richard Vaughan",
        born=date(1990, 1, 5),
        address="56 Mercia Way\nBedworth",
        postcode="CV12 9ZY",
        ip="203.0.113.150",
        district="Nuneaton and Bedworth",
        release=Release.Kind.RUI,
        examiner="dfi.osei",
    )
    d.log(
        case,
        "Charging target missed: awaiting full forensic examination (backlog about 10 weeks).",
        at=c.ago(6, "10:00"),
        kind="note",
        by="ds.price",
    )


@scenario("STF", "CEOP-109871", opened_days_ago=98)
def _stf_bail_running_out(d: Demo, ref: str) -> None:
    c = d.clock
    case, _ = _arrested_case(
        d,
        force="STF",
        ref=ref,
        team="Safenet",
        oic="dc.bennett",
        supervisor="supervisor",
        court=CANNOCK_COURT,
        arrest_days=88,
        name="Adam Fletcher",
        born=date(1995, 9, 28),
        address="17 Sandpiper Close\nCannock",
        postcode="WS11 9ZX",
        ip="198.51.100.180",
        district="Cannock Chase",
        triage_counts=counts(b=(6, 0), c=(19, 1)),
    )
    d.log(
        case,
        "Bail ends within days: inspector's extension to be sought (forensic report not yet back).",
        at=c.ago(1, "09:00"),
        kind="decision",
        by="supervisor",
    )


@scenario("WMP", "CEOP-104420", opened_days_ago=160)
def _wmp_bail_extended(d: Demo, ref: str) -> None:
    c = d.clock
    case, subject = _arrested_case(
        d,
        force="WMP",
        ref=ref,
        team="Safenet West",
        oic="dc.morris",
        supervisor="ds.clarke",
        court=WORCESTER_COURT,
        arrest_days=150,
        name="Darren Mills",
        born=date(1977, 4, 2),
        address="4 Chaffinch Drive\nShrewsbury",
        postcode="SY1 9ZY",
        ip="203.0.113.33",
        district="Shropshire",
        examiner="dfi.hall",
        triage_counts=counts(a=(1, 0), c=(8, 0)),
    )
    release = subject.arrests.get().releases.get()
    bail_extend(
        release=release,
        actor=case.officer_in_case,
        approved_at=c.ago(65, "11:00"),
        approved_by="Insp K. Rowlands",
        approver_rank="inspector",
    )


@scenario("STF", "CEOP-118003", opened_days_ago=13)
def _stf_custody_extended(d: Demo, ref: str) -> None:
    _arrested_case(
        d,
        force="STF",
        ref=ref,
        team="POLIT North",
        oic="dc.turner",
        supervisor="supervisor",
        court=STAFFS_COURT,
        arrest_days=3,
        name="Gary Thornton",
        born=date(1970, 7, 19),
        address="12 Ashdown Terrace\nStoke-on-Trent",
        postcode="ST4 9ZX",
        ip="198.51.100.12",
        district="Stoke-on-Trent",
        release=Release.Kind.RUI,
        in_custody_hours=30,
        triage_counts=counts(a=(0, 2), b=(5, 0), c=(22, 0)),
    )


# --- Cases: charging and court ----------------------------------------------------------------------


@scenario("WAR", "CEOP-112205", opened_days_ago=50)
def _war_further_evidence(d: Demo, ref: str) -> None:
    c = d.clock
    case, subject = _arrested_case(
        d,
        force="WAR",
        ref=ref,
        team="OCSAE Team",
        oic="dc.singh",
        supervisor="ds.price",
        court=NUNEATON_COURT,
        arrest_days=40,
        name="Liam Rowe",
        born=date(1999, 11, 23),
        address="8 Coventry Road\nKenilworth",
        postcode="CV8 9ZY",
        ip="203.0.113.171",
        district="Warwick District",
        examiner="dfi.osei",
        triage_counts=counts(b=(2, 0), c=(15, 0)),
    )
    d.charging(
        case,
        subject,
        submitted=c.ago(20, "10:00"),
        cps="42WA0098726",
        decision=ChargingSubmission.Decision.FURTHER_EVIDENCE,
        decided=c.ago(12, "15:00"),
        notes="CPS asks for the forensic report and the CAID grading before deciding.",
    )
    d.charging(case, subject, submitted=c.ago(2, "10:00"), cps="42WA0098726")


@scenario("WMP", "CEOP-113330", opened_days_ago=32)
def _wmp_charged_first_appearance_next_tuesday(d: Demo, ref: str) -> None:
    c = d.clock
    case, subject = _arrested_case(
        d,
        force="WMP",
        ref=ref,
        team="Safenet West",
        oic="dc.evans",
        supervisor="ds.clarke",
        court=TELFORD_COURT,
        arrest_days=22,
        name="Carl Bishop",
        born=date(1982, 2, 14),
        address="21 Ironbridge Road\nMadeley\nTelford",
        postcode="TF7 9ZX",
        ip="198.51.100.222",
        district="Telford and Wrekin",
        examiner="dfi.hall",
        triage_counts=counts(a=(3, 1), b=(14, 2), c=(88, 4)),
    )
    d.charging(
        case,
        subject,
        submitted=c.ago(6, "10:00"),
        cps="22WM1173426",
        decision=ChargingSubmission.Decision.CHARGE,
        decided=c.ago(2, "16:00"),
        charges=(("POCA1978-1-1-a", 3, "A"), ("POCA1978-1-1-a", 3, "B"), ("POCA1978-1-1-a", 3, "C")),
    )
    d.hearing(case, subject, court="Telford Magistrates' Court", at=c.next_weekday(1, "10:00"), kind="first_appearance")
    d.safeguarding(
        case,
        reference="HH1-C1",
        children=2,
        relationship=SafeguardingReferral.Relationship.HOUSEHOLD,
        referred=c.ago(22, "12:00"),
        mash="TWC-MASH-9921",
        safeguarded=2,
        strategy=True,
    )


@scenario("STF", "CEOP-108190", opened_days_ago=72)
def _stf_court_plea_next_tuesday(d: Demo, ref: str) -> None:
    c = d.clock
    case, subject = _arrested_case(
        d,
        force="STF",
        ref=ref,
        team="Safenet",
        oic="officer",
        supervisor="supervisor",
        court=CANNOCK_COURT,
        arrest_days=62,
        name="Philip Nash",
        born=date(1963, 6, 8),
        address="6 Willowbrook\nRugeley",
        postcode="WS15 9ZY",
        ip="203.0.113.205",
        district="Cannock Chase",
        triage_counts=counts(a=(6, 2), b=(21, 0), c=(140, 5)),
    )
    d.charging(
        case,
        subject,
        submitted=c.ago(45, "10:00"),
        cps="51ST0377926",
        decision=ChargingSubmission.Decision.CHARGE,
        decided=c.ago(38, "14:00"),
        charges=(("POCA1978-1-1-a", 2, "A"), ("POCA1978-1-1-a", 2, "B"), ("CJA1988-160", 1, "C")),
    )
    d.hearing(
        case,
        subject,
        court="Cannock Magistrates' Court",
        at=c.ago(30, "10:00"),
        kind="first_appearance",
        outcome="Sent to the Crown Court.",
        remand=CourtHearing.RemandStatus.CONDITIONAL_BAIL,
    )
    d.hearing(case, subject, court=STAFFORD_CROWN, at=c.next_weekday(1, "10:00"), kind="plea")


@scenario("WAR", "CEOP-107415", opened_days_ago=80)
def _war_trial_listed(d: Demo, ref: str) -> None:
    c = d.clock
    case, subject = _arrested_case(
        d,
        force="WAR",
        ref=ref,
        team="OCSAE Team",
        oic="dc.green",
        supervisor="ds.price",
        court=NUNEATON_COURT,
        arrest_days=70,
        name="Ian Lowther",
        born=date(1974, 12, 17),
        address="15 Hatton Close\nWarwick",
        postcode="CV34 9ZX",
        ip="198.51.100.33",
        district="Warwick District",
        examiner="dfi.osei",
        triage_counts=counts(b=(4, 0), c=(31, 0)),
    )
    d.charging(
        case,
        subject,
        submitted=c.ago(40, "10:00"),
        cps="42WA0087126",
        decision=ChargingSubmission.Decision.CHARGE,
        decided=c.ago(33, "11:00"),
        charges=(("POCA1978-1-1-a", 2, "B"), ("POCA1978-1-1-a", 4, "C")),
    )
    d.hearing(
        case,
        subject,
        court="Nuneaton Magistrates' Court",
        at=c.ago(25, "10:00"),
        kind="first_appearance",
        outcome="Sent to the Crown Court.",
        remand=CourtHearing.RemandStatus.CONDITIONAL_BAIL,
    )
    d.hearing(
        case,
        subject,
        court=WARWICK_CROWN,
        at=c.ago(11, "10:00"),
        kind="plea",
        outcome="Not guilty plea; trial listed.",
        remand=CourtHearing.RemandStatus.CONDITIONAL_BAIL,
    )
    d.hearing(case, subject, court=WARWICK_CROWN, at=c.ahead(84, "10:00"), kind="trial")


@scenario("STF", "CEOP-101877", opened_days_ago=130)
def _stf_sentenced_awaiting_closure(d: Demo, ref: str) -> None:
    c = d.clock
    case, subject = _arrested_case(
        d,
        force="STF",
        ref=ref,
        team="POLIT North",
        oic="dc.walsh",
        supervisor="supervisor",
        court=STAFFS_COURT,
        arrest_days=120,
        name="Wayne Booth",
        born=date(1980, 3, 29),
        address="44 Brindley Street\nBiddulph",
        postcode="ST8 9ZY",
        ip="203.0.113.230",
        district="Staffordshire Moorlands",
        triage_counts=counts(a=(10, 3), b=(40, 2), c=(212, 9)),
    )
    d.charging(
        case,
        subject,
        submitted=c.ago(100, "10:00"),
        cps="51ST0299126",
        decision=ChargingSubmission.Decision.CHARGE,
        decided=c.ago(96, "15:00"),
        charges=(
            ("POCA1978-1-1-a", 3, "A"),
            ("POCA1978-1-1-a", 3, "B"),
            ("POCA1978-1-1-a", 3, "C"),
            ("POCA1978-1-1-b", 1, ""),
        ),
    )
    d.hearing(
        case,
        subject,
        court="North Staffordshire Justice Centre",
        at=c.ago(88, "10:00"),
        kind="first_appearance",
        outcome="Sent to the Crown Court.",
        remand=CourtHearing.RemandStatus.CONDITIONAL_BAIL,
    )
    d.hearing(
        case,
        subject,
        court=STAFFORD_CROWN,
        at=c.ago(60, "10:00"),
        kind="plea",
        outcome="Guilty pleas to all counts.",
        remand=CourtHearing.RemandStatus.CONDITIONAL_BAIL,
    )
    d.hearing(
        case,
        subject,
        court=STAFFORD_CROWN,
        at=c.ago(8, "14:00"),
        kind="sentence",
        outcome="2 years' imprisonment suspended for 2 years; 40 days' rehabilitation activity.",
        orders=True,
    )
    d.safeguarding(
        case,
        reference="CHILD-2",
        children=3,
        relationship=SafeguardingReferral.Relationship.RELATIVE,
        referred=c.ago(119, "11:00"),
        mash="SOT-MASH-26-0712",
        safeguarded=3,
        strategy=True,
        section_47=True,
        outcome="Contact arrangements changed; family supported by children's services.",
    )


# --- Closed cases -----------------------------------------------------------------------------------


@scenario("STF", "CEOP-098812", opened_days_ago=170)
def _stf_closed_charged(d: Demo, ref: str) -> None:
    c = d.clock
    case, subject = _arrested_case(
        d,
        force="STF",
        ref=ref,
        team="Safenet",
        oic="dc.sharma",
        supervisor="supervisor",
        court=CANNOCK_COURT,
        arrest_days=160,
        name="Scott Hadley",
        born=date(1987, 8, 8),
        address="29 Meadowsweet Avenue\nLichfield",
        postcode="WS13 9ZX",
        ip="198.51.100.199",
        district="Lichfield",
        triage_counts=counts(a=(1, 0), b=(7, 0), c=(45, 1)),
    )
    d.charging(
        case,
        subject,
        submitted=c.ago(140, "10:00"),
        cps="51ST0254425",
        decision=ChargingSubmission.Decision.CHARGE,
        decided=c.ago(135, "12:00"),
        charges=(("POCA1978-1-1-a", 1, "A"), ("POCA1978-1-1-a", 1, "B"), ("POCA1978-1-1-a", 1, "C")),
    )
    d.hearing(
        case,
        subject,
        court="Cannock Magistrates' Court",
        at=c.ago(120, "10:00"),
        kind="first_appearance",
        outcome="Sent to the Crown Court.",
        remand=CourtHearing.RemandStatus.CONDITIONAL_BAIL,
    )
    d.hearing(
        case,
        subject,
        court=STAFFORD_CROWN,
        at=c.ago(40, "10:00"),
        kind="sentence",
        outcome="14 months' imprisonment.",
        remand=CourtHearing.RemandStatus.CUSTODY,
        orders=True,
    )
    d.close(
        case,
        outcome=Closure.OutcomeType.CHARGED,
        at=c.ago(14, "16:00"),
        rationale="Sentenced; notification requirements and SHPO made.",
        confirm="Sentenced on guilty pleas: the full forensic examination is no longer needed and was cancelled.",
    )


@scenario("WMP", "CPS-P2P-0027114", opened_days_ago=140)
def _wmp_closed_cps_nfa(d: Demo, ref: str) -> None:
    c = d.clock
    case, subject = _arrested_case(
        d,
        force="WMP",
        ref=ref,
        team="Safenet West",
        oic="dc.morris",
        supervisor="ds.clarke",
        court=WORCESTER_COURT,
        arrest_days=130,
        name="Jamie Corbett",
        born=date(2001, 1, 30),
        address="7 Severn Bank\nBewdley",
        postcode="DY12 9ZY",
        ip="203.0.113.244",
        district="Wyre Forest",
        release=Release.Kind.RUI,
        examiner="dfi.hall",
        source=P2P,
        platform="BitTorrent",
    )
    d.charging(
        case,
        subject,
        submitted=c.ago(50, "10:00"),
        cps="22WM0944325",
        decision=ChargingSubmission.Decision.NO_FURTHER_ACTION,
        decided=c.ago(30, "15:00"),
        notes="Shared network: insufficient evidence that the suspect made the files available.",
    )
    d.close(
        case,
        outcome=Closure.OutcomeType.EVIDENTIAL_SUSPECT_IDENTIFIED,
        at=c.ago(20, "12:00"),
        rationale="CPS decided no further action (evidential difficulties). Suspect informed.",
        confirm="CPS decided no further action: the full forensic examination is no longer needed and was cancelled.",
    )


@scenario("STF", "CEOP-097003", opened_days_ago=125)
def _stf_closed_warrant_expired(d: Demo, ref: str) -> None:
    c = d.clock
    case = case_from_referral(
        d,
        force="STF",
        ref=ref,
        source=CEOP,
        received_days=130,
        risk=LOW,
        team="POLIT North",
        oic="dc.turner",
        supervisor="supervisor",
        opened_days=125,
        platform="Image host",
        files=1,
        ip="198.51.100.101",
        summary="Single upload; subscriber moved abroad before the warrant could be executed.",
        district="Stoke-on-Trent",
        operation="",
    )
    d.subject(case, "Matthew Quinn", date(1992, 4, 4))
    home = d.premises(case, "1 Trentside Mews\nStoke-on-Trent", "ST1 9ZY")
    d.warrant(
        case,
        home,
        court=STAFFS_COURT,
        applied=c.ago(121, "10:00"),
        issued=c.ago(120, "12:00"),
        justice="Mrs A. Pemberton JP",
        returned=c.ago(20, "11:00"),
    )
    d.close(
        case,
        outcome=Closure.OutcomeType.FURTHER_INVESTIGATION_NOT_IN_PUBLIC_INTEREST,
        at=c.ago(18, "15:00"),
        rationale="Subject emigrated; intelligence shared with the NCA. Warrant expired unexecuted and returned.",
    )


@scenario("WAR", "CEOP-103330", opened_days_ago=104)
def _war_warrant_expired_unreturned(d: Demo, ref: str) -> None:
    c = d.clock
    case = case_from_referral(
        d,
        force="WAR",
        ref=ref,
        source=CEOP,
        received_days=110,
        risk=MEDIUM,
        team="OCSAE Team",
        oic="dc.singh",
        supervisor="ds.price",
        opened_days=104,
        platform="Snapchat",
        files=4,
        ip="203.0.113.19",
        summary="Subscriber of no fixed abode since the referral; enquiries to trace him continue.",
        district="Rugby",
        operation="",
    )
    d.subject(case, "Robert Ellison", date(1985, 10, 21))
    home = d.premises(case, "Flat 2, 90 Railway Terrace\nRugby", "CV21 9ZX")
    d.warrant(
        case,
        home,
        court=NUNEATON_COURT,
        applied=c.ago(101, "10:00"),
        issued=c.ago(100, "12:00"),
        justice="District Judge (MC) Harrison",
    )
