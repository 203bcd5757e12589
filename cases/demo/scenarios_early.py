"""Demo scenarios from referral to search: referrals this week, new cases, warrants, searches."""

from datetime import date

from cases.demo.builder import (
    CANNOCK_COURT,
    CEOP,
    COMPUTER,
    ENCRYPTED,
    HIGH,
    INCONCLUSIVE,
    LAPTOP,
    LOW,
    MEDIUM,
    NEGATIVE,
    NUNEATON_COURT,
    ON_SCENE,
    OVERSEAS,
    P2P,
    PARTNER,
    PHONE,
    POSITIVE,
    STAFFS_COURT,
    STORAGE,
    TABLET,
    TELFORD_COURT,
    VERY_HIGH,
    WORCESTER_COURT,
    Demo,
    case_from_referral,
    counts,
    scenario,
)
from cases.models import (
    CommsDataRequest,
    Device,
    Referral,
    SafeguardingReferral,
)
from cases.rules import LONDON
from cases.services.referrals import (
    referral_record_outcome,
)
from warrants.models import Warrant

# --- Referrals still being researched, or closed at referral stage ---------------------------------


@scenario("STF", "CEOP-118734")
def _stf_very_high_received_today(d: Demo, ref: str) -> None:
    c = d.clock
    referral = d.referral(
        force="STF",
        source=CEOP,
        reference=ref,
        received=c.ago(0, "08:10"),
        risk=VERY_HIGH,
        by="officer",
        platform="Snapchat",
        files=41,
        summary="NCMEC CyberTipline report via NCA-CEOP. Provider reports uploads from one account over 6 days; "
        "the account holder appears to live with children.",
        ips=(("203.0.113.45", 50812, 3, "19:42:11", "America/Los_Angeles"),),
        accounts=("snap: fenwick_blue88",),
    )
    d.comms(
        referral,
        reference="CDR/STF/26/04417",
        by="officer",
        submitted=c.ago(0, "08:40"),
        approved=c.ago(0, "09:05"),
        route=CommsDataRequest.Route.URGENT,
        notes="Urgent route: risk to children in the household.",
    )


@scenario("STF", "CPS-P2P-0031877")
def _stf_p2p_awaiting_result(d: Demo, ref: str) -> None:
    c = d.clock
    referral = d.referral(
        force="STF",
        source=P2P,
        reference=ref,
        received=c.ago(2, "10:15"),
        risk=HIGH,
        by="dc.bennett",
        platform="BitTorrent",
        files=17,
        summary="Child Protection System: 17 files of interest offered for download from one address.",
        ips=(("198.51.100.23", 51413, 4, "21:14:07", "UTC"), ("198.51.100.23", 51413, 2, "22:03:55", "UTC")),
    )
    d.comms(
        referral,
        reference="CDR/STF/26/04391",
        by="dc.bennett",
        submitted=c.ago(2, "14:30"),
        approved=c.ago(1, "11:20"),
    )


@scenario("STF", "CEOP-118102")
def _stf_account_resolved_this_week(d: Demo, ref: str) -> None:
    c = d.clock
    referral = d.referral(
        force="STF",
        source=CEOP,
        reference=ref,
        received=c.ago(4, "09:30"),
        risk=MEDIUM,
        by="dc.walsh",
        platform="Instagram",
        files=6,
        summary="Provider report of 6 uploads by one account; subscriber details requested.",
        ips=(("2001:db8:4a1c::19", None, 9, "16:05:40", "America/New_York"),),
        accounts=("instagram: t.hollis_1979",),
    )
    d.comms(
        referral,
        reference="CDR/STF/26/04350",
        by="dc.walsh",
        submitted=c.ago(4, "13:00"),
        approved=c.ago(3, "10:10"),
        result=c.ago(1, "15:45"),
        notes="Result places the subscriber in Leek; research continuing before a case is opened.",
    )


@scenario("STF", "CEOP-117560")
def _stf_no_further_action(d: Demo, ref: str) -> None:
    c = d.clock
    referral = d.referral(
        force="STF",
        source=CEOP,
        reference=ref,
        received=c.ago(6, "11:00"),
        risk=LOW,
        by="dc.sharma",
        platform="Discord",
        files=1,
        summary="Single upload reported by the provider; IP address on a mobile network.",
        ips=(("203.0.113.201", 443, 12, "03:22:18", "UTC"),),
    )
    d.comms(
        referral,
        reference="CDR/STF/26/04302",
        by="dc.sharma",
        submitted=c.ago(6, "12:00"),
        approved=c.ago(5, "09:40"),
        result=c.ago(2, "16:10"),
        outcome=CommsDataRequest.Outcome.NOT_RESOLVED,
        notes="Carrier-grade NAT: port not retained; subscriber cannot be resolved.",
    )
    referral_record_outcome(
        referral=referral,
        actor=d.user("supervisor"),
        outcome=Referral.Outcome.NO_FURTHER_ACTION,
        outcome_at=c.ago(1, "10:00"),
        outcome_reason="Subscriber not resolvable (carrier-grade NAT, no port retained); no other lines of enquiry.",
    )


@scenario("STF", "CEOP-117998")
def _stf_disseminated(d: Demo, ref: str) -> None:
    c = d.clock
    referral = d.referral(
        force="STF",
        source=CEOP,
        reference=ref,
        received=c.ago(5, "15:20"),
        risk=HIGH,
        by="dc.turner",
        platform="Kik",
        files=9,
        summary="Provider report; subscriber resolved to an address in Greater Manchester.",
        accounts=("kik: northern_lad_4411",),
    )
    d.comms(
        referral,
        reference="CDR/STF/26/04333",
        by="dc.turner",
        submitted=c.ago(5, "16:00"),
        approved=c.ago(4, "10:30"),
        result=c.ago(3, "14:00"),
    )
    referral_record_outcome(
        referral=referral,
        actor=d.user("supervisor"),
        outcome=Referral.Outcome.DISSEMINATED,
        outcome_at=c.ago(3, "15:30"),
        disseminated_to="Greater Manchester Police, Online Child Abuse Investigation Team",
    )


@scenario("WAR", "HSI-CT-55120")
def _war_overseas_low(d: Demo, ref: str) -> None:
    c = d.clock
    referral = d.referral(
        force="WAR",
        source=OVERSEAS,
        reference=ref,
        received=c.ago(3, "13:45"),
        risk=LOW,
        by="dc.green",
        platform="MEGA",
        files=3,
        summary="US Homeland Security Investigations via NCA: shared-folder link accessed from a UK address.",
        ips=(("198.51.100.77", 443, 30, "10:12:09", "America/Chicago"),),
    )
    d.comms(referral, reference="CDR/WAR/26/01188", by="dc.green", submitted=c.ago(2, "09:15"))


@scenario("WMP", "IWF-30917")
def _wmp_partner_medium(d: Demo, ref: str) -> None:
    c = d.clock
    d.referral(
        force="WMP",
        source=PARTNER,
        reference=ref,
        received=c.ago(1, "16:40"),
        risk=MEDIUM,
        by="dc.morris",
        platform="Image host",
        files=2,
        summary="Internet Watch Foundation report: uploads traced to a West Mercia address by the host.",
        ips=(("203.0.113.118", 8443, 8, "20:30:00", "Europe/London"),),
    )


# --- Cases: investigation, warrants ---------------------------------------------------------------


@scenario("STF", "CEOP-118290", opened_days_ago=2)
def _stf_opened_warrant_drafted(d: Demo, ref: str) -> None:
    c = d.clock
    case = case_from_referral(
        d,
        force="STF",
        ref=ref,
        source=CEOP,
        received_days=3,
        risk=VERY_HIGH,
        team="Safenet",
        oic="officer",
        supervisor="supervisor",
        opened_days=2,
        platform="Snapchat",
        files=23,
        ip="203.0.113.12",
        summary="Very high risk: subscriber is a father of two; uploads over the last month.",
        district="Stafford",
    )
    subject = d.subject(case, "Daniel Hartley", date(1986, 4, 17), "06/331245K")
    home = d.premises(case, "14 Kingfisher Rise\nStafford", "ST16 9ZX")
    d.warrant(case, home, court=STAFFS_COURT)
    d.log(case, "Intelligence checks complete; PNC shows no previous convictions.", at=c.ago(2, "11:30"))
    d.safeguarding(
        case,
        reference="CHILD-A",
        children=2,
        relationship=SafeguardingReferral.Relationship.OWN_CHILD,
        referred=c.ago(1, "10:00"),
        mash="STF-MASH-26-2214",
        strategy=True,
    )
    d.log(
        case,
        f"Strategy discussion with children's services booked; warrant to be sought for {subject}'s home.",
        at=c.ago(1, "12:00"),
        kind="decision",
        by="supervisor",
    )


@scenario("STF", "CPS-P2P-0031540", opened_days_ago=5)
def _stf_warrant_applied(d: Demo, ref: str) -> None:
    c = d.clock
    case = case_from_referral(
        d,
        force="STF",
        ref=ref,
        source=P2P,
        received_days=8,
        risk=HIGH,
        team="POLIT North",
        oic="dc.walsh",
        supervisor="supervisor",
        opened_days=5,
        platform="BitTorrent",
        files=31,
        ip="198.51.100.40",
        summary="Child Protection System: repeated offers of files of interest from one address.",
        district="Newcastle-under-Lyme",
        operation="",
    )
    d.subject(case, "Mark Jennings", date(1979, 11, 2))
    home = d.premises(case, "3 Larkspur Way\nNewcastle-under-Lyme", "ST5 9ZY")
    d.warrant(case, home, court=STAFFS_COURT, applied=c.ago(1, "14:00"))


@scenario("WAR", "CEOP-118011", opened_days_ago=6)
def _war_opened_research(d: Demo, ref: str) -> None:
    c = d.clock
    case = case_from_referral(
        d,
        force="WAR",
        ref=ref,
        source=CEOP,
        received_days=9,
        risk=HIGH,
        team="OCSAE Team",
        oic="dc.singh",
        supervisor="ds.price",
        opened_days=6,
        platform="Telegram",
        files=12,
        ip="203.0.113.88",
        summary="Provider report; account linked to an address in Nuneaton.",
        district="North Warwickshire",
        operation="",
    )
    d.subject(case, "Stephen Coles", date(1991, 2, 9))
    d.premises(case, "27 Saxon Mill Close\nNuneaton", "CV11 9ZX")
    d.log(
        case, "Open-source research on the account; second address (workplace) being confirmed.", at=c.ago(3, "15:00")
    )


@scenario("WMP", "CEOP-118355", opened_days_ago=3)
def _wmp_restricted(d: Demo, ref: str) -> None:
    c = d.clock
    case = case_from_referral(
        d,
        force="WMP",
        ref=ref,
        source=CEOP,
        received_days=4,
        risk=HIGH,
        team="Safenet West",
        oic="dc.evans",
        supervisor="ds.clarke",
        opened_days=3,
        platform="Dropbox",
        files=8,
        ip="198.51.100.150",
        summary="Restricted: the subscriber is a member of police staff. Need-to-know only.",
        district="Worcester",
        restricted=True,
    )
    d.subject(case, "Gareth Lloyd", date(1983, 7, 30))
    d.premises(case, "8 Orchard View\nWorcester", "WR1 9ZY")
    d.log(
        case, "Professional Standards informed; case restricted.", at=c.ago(3, "12:00"), kind="decision", by="ds.clarke"
    )


@scenario("STF", "CEOP-117420", opened_days_ago=12)
def _stf_warrant_issued_executing_tomorrow(d: Demo, ref: str) -> None:
    c = d.clock
    case = case_from_referral(
        d,
        force="STF",
        ref=ref,
        source=CEOP,
        received_days=16,
        risk=HIGH,
        team="Safenet",
        oic="dc.bennett",
        supervisor="supervisor",
        opened_days=12,
        platform="Instagram",
        files=15,
        ip="203.0.113.61",
        summary="Provider report; subscriber lives alone, works as a delivery driver.",
        district="Tamworth",
    )
    d.subject(case, "Andrew Whitmore", date(1975, 9, 12), "94/118203L")
    home = d.premises(case, "41 Heronsgate Drive\nTamworth", "B79 9ZX")
    d.warrant(
        case,
        home,
        court=CANNOCK_COURT,
        applied=c.ago(7, "10:00"),
        issued=c.ago(6, "11:45"),
        justice="Ms J. Whitfield JP",
    )
    d.log(
        case,
        f"Warrant execution planned for tomorrow 06:30 ({c.ahead(1, '06:30').astimezone(LONDON):%a %d %b}); "
        "DFI booked; briefing at Tamworth at 05:45.",
        at=c.ago(0, "08:00"),
        kind="decision",
        by="supervisor",
    )


@scenario("WAR", "CPS-P2P-0031290", opened_days_ago=14)
def _war_warrant_issued(d: Demo, ref: str) -> None:
    c = d.clock
    case = case_from_referral(
        d,
        force="WAR",
        ref=ref,
        source=P2P,
        received_days=18,
        risk=MEDIUM,
        team="OCSAE Team",
        oic="dc.green",
        supervisor="ds.price",
        opened_days=14,
        platform="eMule",
        files=22,
        ip="198.51.100.201",
        summary="Child Protection System: eD2k client sharing files of interest.",
        district="Rugby",
        operation="",
    )
    d.subject(case, "Paul Ridley", date(1968, 1, 25))
    home = d.premises(case, "19 Linnet Grove\nRugby", "CV21 9ZY")
    d.warrant(
        case,
        home,
        court=NUNEATON_COURT,
        applied=c.ago(9, "10:30"),
        issued=c.ago(8, "12:10"),
        justice="District Judge (MC) Harrison",
        power=Warrant.Power.PACE_S8,
    )
    d.log(case, "Execution planned for tomorrow at 07:00 with the DFI.", at=c.ago(1, "16:00"))


@scenario("WMP", "CEOP-117689", opened_days_ago=9)
def _wmp_warrant_issued(d: Demo, ref: str) -> None:
    c = d.clock
    case = case_from_referral(
        d,
        force="WMP",
        ref=ref,
        source=CEOP,
        received_days=12,
        risk=HIGH,
        team="Safenet West",
        oic="dc.morris",
        supervisor="ds.clarke",
        opened_days=9,
        platform="Kik",
        files=19,
        ip="203.0.113.140",
        summary="Provider report; subscriber resolved to a flat in Telford.",
        district="Telford and Wrekin",
    )
    d.subject(case, "Kieran Doyle", date(1997, 3, 3))
    flat = d.premises(case, "Flat 6, Beacon House\nWellington\nTelford", "TF1 9ZX")
    d.warrant(
        case,
        flat,
        court=TELFORD_COURT,
        applied=c.ago(6, "09:30"),
        issued=c.ago(5, "14:00"),
        justice="Mr R. Okoye JP",
    )


@scenario("STF", "CEOP-116904", opened_days_ago=17)
def _stf_warrant_refused_then_issued(d: Demo, ref: str) -> None:
    c = d.clock
    case = case_from_referral(
        d,
        force="STF",
        ref=ref,
        source=CEOP,
        received_days=20,
        risk=MEDIUM,
        team="POLIT North",
        oic="dc.turner",
        supervisor="supervisor",
        opened_days=17,
        platform="X",
        files=5,
        ip="2001:db8:77::4",
        summary="Provider report; subscriber in Leek.",
        district="Staffordshire Moorlands",
        operation="",
    )
    d.subject(case, "Simon Ashworth", date(1988, 12, 1))
    home = d.premises(case, "5 Wren Hollow\nLeek", "ST13 9ZY")
    d.warrant(
        case,
        home,
        court=STAFFS_COURT,
        applied=c.ago(12, "10:00"),
        refused=c.ago(12, "12:30"),
        refusal_reason="Information did not show the subscriber still lived at the address.",
    )
    d.log(case, "Council tax and electoral roll checks confirm current occupancy.", at=c.ago(8, "14:00"))
    d.warrant(
        case,
        home,
        court=STAFFS_COURT,
        applied=c.ago(4, "10:00"),
        issued=c.ago(3, "11:00"),
        justice="Mrs A. Pemberton JP",
    )


# --- Cases: search and triage ---------------------------------------------------------------------


@scenario("STF", "CEOP-117115", opened_days_ago=11)
def _stf_searched_this_week(d: Demo, ref: str) -> None:
    c = d.clock
    case = case_from_referral(
        d,
        force="STF",
        ref=ref,
        source=CEOP,
        received_days=15,
        risk=HIGH,
        team="Safenet",
        oic="dc.sharma",
        supervisor="supervisor",
        opened_days=11,
        platform="Snapchat",
        files=28,
        ip="198.51.100.66",
        summary="Provider report; subscriber not at home at the search, voluntary interview arranged.",
        district="Burton upon Trent",
    )
    d.subject(case, "Lee Brennan", date(1993, 6, 14))
    home = d.premises(case, "22 Millstone Lane\nBurton upon Trent", "DE14 9ZX")
    warrant = d.warrant(
        case,
        home,
        court=CANNOCK_COURT,
        applied=c.ago(8, "10:00"),
        issued=c.ago(7, "13:00"),
        justice="Ms J. Whitfield JP",
        executed=c.ago(2, "06:15"),
        executed_by="dc.sharma",
        present="DC Sharma, DC Bennett, Ravi Patel (DFI). " + ON_SCENE,
        result="Subject not present; three devices seized.",
    )
    search = d.search(case, home, warrant=warrant, started=c.ago(2, "06:15"), ended=c.ago(2, "09:40"))
    search.device(
        "PS/01",
        PHONE,
        "Samsung Galaxy S23",
        triage=POSITIVE,
        triaged=c.ago(2, "08:10"),
        counts=counts(a=(4, 1), b=(11, 0), c=(37, 2)),
    )
    search.device(
        "PS/02",
        LAPTOP,
        "Lenovo ThinkPad E14",
        triage=ENCRYPTED,
        triaged=c.ago(2, "08:50"),
        forensic_requested=c.ago(1, "10:00"),
    )
    search.device("PS/03", STORAGE, "SanDisk 64 GB USB drive", triage=NEGATIVE, triaged=c.ago(2, "09:15"))
    d.log(case, "Voluntary interview arranged for next week through his solicitor.", at=c.ago(1, "15:00"))


@scenario("WAR", "CEOP-116650", opened_days_ago=20)
def _war_searched_multiple_entry(d: Demo, ref: str) -> None:
    c = d.clock
    case = case_from_referral(
        d,
        force="WAR",
        ref=ref,
        source=CEOP,
        received_days=24,
        risk=HIGH,
        team="OCSAE Team",
        oic="dc.singh",
        supervisor="ds.price",
        opened_days=20,
        platform="Discord",
        files=14,
        ip="203.0.113.99",
        summary="Provider report; subscriber's home and a lock-up garage.",
        district="Warwick District",
        operation="",
    )
    d.subject(case, "Jason Pike", date(1981, 8, 19))
    home = d.premises(case, "11 Avon Meadow\nLeamington Spa", "CV32 9ZX")
    warrant = d.warrant(
        case,
        home,
        court=NUNEATON_COURT,
        applied=c.ago(12, "10:00"),
        issued=c.ago(11, "12:00"),
        justice="District Judge (MC) Harrison",
        executed=c.ago(9, "07:05"),
        executed_by="dc.singh",
        present="DC Singh, DC Green, Kwame Osei (DFI). " + ON_SCENE,
        result="Subject present; devices previewed and seized.",
        entry=Warrant.Entry.MULTIPLE,
    )
    search = d.search(case, home, warrant=warrant, started=c.ago(9, "07:05"), ended=c.ago(9, "11:30"))
    search.device(
        "HS/01",
        COMPUTER,
        "Custom desktop PC",
        triage=INCONCLUSIVE,
        triaged=c.ago(9, "09:30"),
        examiner="dfi.osei",
        forensic_requested=c.ago(8, "10:00"),
    )
    search.device("HS/02", PHONE, "Apple iPhone 13", triage=NEGATIVE, triaged=c.ago(9, "10:10"), examiner="dfi.osei")
    search.device(
        "HS/03",
        TABLET,
        "Amazon Fire HD 10",
        action=Device.Action.LEFT,
        triage=NEGATIVE,
        triaged=c.ago(9, "10:40"),
        examiner="dfi.osei",
    )


@scenario("WMP", "CPS-P2P-0030882", opened_days_ago=26)
def _wmp_searched_forensic_complete(d: Demo, ref: str) -> None:
    c = d.clock
    case = case_from_referral(
        d,
        force="WMP",
        ref=ref,
        source=P2P,
        received_days=30,
        risk=MEDIUM,
        team="Safenet West",
        oic="dc.evans",
        supervisor="ds.clarke",
        opened_days=26,
        platform="BitTorrent",
        files=11,
        ip="198.51.100.9",
        summary="Child Protection System: BitTorrent client at a house in Kidderminster.",
        district="Wyre Forest",
    )
    d.subject(case, "Neil Forrester", date(1972, 5, 6))
    home = d.premises(case, "2 Teasel Court\nKidderminster", "DY10 9ZY")
    warrant = d.warrant(
        case,
        home,
        court=WORCESTER_COURT,
        applied=c.ago(18, "10:00"),
        issued=c.ago(17, "15:00"),
        justice="Mr R. Okoye JP",
        executed=c.ago(12, "06:40"),
        executed_by="dc.evans",
        present="DC Evans, DC Morris, Sophie Hall (DFI). " + ON_SCENE,
        result="Subject present; desktop and external drive seized.",
        returned=c.ago(10, "11:00"),
    )
    search = d.search(case, home, warrant=warrant, started=c.ago(12, "06:40"), ended=c.ago(12, "10:00"))
    search.device(
        "NF/01",
        COMPUTER,
        "Dell OptiPlex 7010",
        triage=NEGATIVE,
        triaged=c.ago(12, "08:30"),
        examiner="dfi.hall",
        forensic_requested=c.ago(11, "09:00"),
        forensic_completed=c.ago(2, "16:00"),
        forensic_counts=counts(),
    )
    search.device(
        "NF/02",
        STORAGE,
        "Seagate 2 TB external drive",
        triage=INCONCLUSIVE,
        triaged=c.ago(12, "09:10"),
        examiner="dfi.hall",
    )
    d.log(case, "Forensic report: no indecent images found on NF/01. NF/02 still to be examined.", at=c.ago(2, "16:30"))
