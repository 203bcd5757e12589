"""Importing cases from JSON Lines: every case through the services, all or nothing."""

import copy
import io
import json
from pathlib import Path

import pytest

from audit.models import AuditEntry
from casefiles.io import export_cases, import_cases
from casefiles.io.fields import (
    CHILD_NAMED,
    NO_OFFSET,
    NOT_A_CHOICE,
    NOT_A_DATE,
    NOT_A_DATETIME,
    REQUIRED,
    UNKNOWN_FIELD,
    UNKNOWN_FORCE,
    UNKNOWN_KEY,
    UNKNOWN_OFFENCE,
    UNKNOWN_TEAM,
    UNKNOWN_USER,
    WRONG_TYPE,
)
from casefiles.io.importer import ACTOR_INACTIVE, model_counts
from casefiles.io.parsing import (
    CORRECTS_EARLIER,
    DUPLICATE_REFERENCE_IN_DATABASE,
    DUPLICATE_REFERENCE_IN_FILE,
    LINE_TOO_LONG,
    NOT_AN_OBJECT,
    STATUS_CLOSED_WITHOUT_CLOSURE,
)
from casefiles.io.screening import DATA_URI, ENCODED_BLOB, IMAGE_DATA
from cases import rules
from cases.models import (
    Arrest,
    Case,
    CaseLogEntry,
    ChargingSubmission,
    CommsDataRequest,
    Device,
    ImageCount,
    Referral,
    Release,
    RetentionReview,
    SafeguardingReferral,
)
from cases.services.charging import CHARGING_NEEDS_ARREST
from cases.services.custody import BAIL_BODY_CONFIRMER_REQUIRED, BAIL_DESIGNATION_REQUIRED
from tests.factories.people import UserFactory
from warrants.models import Warrant
from warrants.services import WARRANT_EXECUTED_AFTER_LAST_DAY

FULL = Path(__file__).resolve().parent.parent / "data" / "cases-full.jsonl"
# 1x1 PNG as a browser would put it in a JSON string.
PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


AFTER_LAST_DAY = WARRANT_EXECUTED_AFTER_LAST_DAY.format(day="22 May 2021")


def full_cases() -> list[dict]:
    return [json.loads(line) for line in FULL.read_text(encoding="utf-8").splitlines()]


def as_file(*lines: dict | str | bytes) -> io.BytesIO:
    """A case file: dicts become JSON lines, strings and bytes are written as they are."""
    out = b""
    for line in lines:
        if isinstance(line, dict):
            line = json.dumps(line, ensure_ascii=False)
        if isinstance(line, str):
            line = line.encode("utf-8")
        out += line + b"\n"
    return io.BytesIO(out)


@pytest.fixture
def importer(team, officer, supervisor, examiner):
    """The cast the full file names; the supervisor imports."""
    UserFactory(username="pc.begum", first_name="Aisha", last_name="Begum", rank="PC", force=team.force, teams=[team])
    return supervisor


def refused(file: io.BytesIO, actor) -> list[str]:
    """Import a file that must fail; prove nothing at all was stored and return the error lines."""
    before = model_counts()
    report = import_cases(file, actor=actor)
    assert not report.ok
    assert model_counts() == before
    assert report.references == []
    return [str(error) for error in report.errors]


def test_it_imports_every_case_in_the_full_file_with_every_record(importer):
    report = import_cases(FULL.open("rb"), actor=importer)

    assert report.ok, [str(e) for e in report.errors]
    assert report.references == ["STF-2021-000187", "STF-2025-000412", "STF-2026-000031"]
    created = report.created
    assert created["cases"] == 3
    assert created["referrals"] == 3
    assert created["referral identifiers"] == 4
    assert created["communications-data requests"] == 2
    assert created["subjects"] == 4
    assert created["premises"] == 4
    assert created["warrants"] == 5
    assert created["further entry authorities"] == 1
    assert created["searches"] == 3
    assert created["devices"] == 5
    assert created["image counts"] == 24  # four sources counted, six cells each
    assert created["arrests"] == 2
    assert created["custody extensions"] == 1
    assert created["releases"] == 4
    assert created["bail extensions"] == 5
    assert created["charging submissions"] == 3
    assert created["charges"] == 4
    assert created["court hearings"] == 3
    assert created["safeguarding referrals"] == 3
    assert created["closures"] == 1
    assert created["retention reviews"] == 2
    assert CaseLogEntry.objects.exclude(kind=CaseLogEntry.Kind.SYSTEM).count() == 7
    assert model_counts() == created
    assert "Imported 3 case(s) from 3 line(s)" in report.summary()


def test_it_keeps_historical_times_and_the_people_each_record_names(importer, officer, supervisor, examiner):
    import_cases(FULL.open("rb"), actor=importer)

    case = Case.objects.get(reference="STF-2025-000412")
    assert case.opened_at.isoformat() == "2025-05-07T11:00:00+00:00"
    assert case.created_by == importer
    assert case.referral is not None and case.referral.outcome == "developed"
    warrant = case.warrants.get(power="poca_s4")
    assert warrant.executed_by is not None and warrant.executed_by.username == "pc.begum"
    assert warrant.applicant == officer
    assert warrant.status == Warrant.Status.RETURNED
    assert case.warrants.get(power="pace_s8").status == Warrant.Status.REFUSED
    arrest = Arrest.objects.get(case=case)
    assert arrest.arresting_officer.username == "pc.begum"
    assert CommsDataRequest.objects.get(reference="IPA-STF-2025-0412").time_verified_by == supervisor
    assert Device.objects.get(exhibit_reference="CA/1").examiner == examiner
    safeguarding = SafeguardingReferral.objects.get(case=case, pseudonymous_reference="HH1-C1")
    assert safeguarding.recorded_at.isoformat() == "2025-05-09T13:30:00+00:00"
    decision = case.log_entries.get(kind=CaseLogEntry.Kind.DECISION)
    assert (decision.author, decision.created_at.isoformat()) == (supervisor, "2025-05-07T11:30:00+00:00")
    assert case.stage == Case.Stage.CHARGING
    assert case.charging_submissions.filter(decision=ChargingSubmission.Decision.PENDING).count() == 1


def test_it_replays_a_closed_case_to_closure_with_its_correction_and_review(importer):
    import_cases(FULL.open("rb"), actor=importer)

    case = Case.objects.get(reference="STF-2021-000187")
    assert (case.status, case.stage) == (Case.Status.CLOSED, Case.Stage.CLOSED)
    correction = case.log_entries.get(kind=CaseLogEntry.Kind.CORRECTION)
    assert (
        correction.corrects is not None
        and correction.corrects.text == "Briefing held at Hanley police station before the warrant."
    )
    assert list(case.retention_reviews.order_by("reviewed_at").values_list("decision", flat=True)) == [
        RetentionReview.Decision.SET,
        RetentionReview.Decision.RETAIN,
    ]
    counts = ImageCount.objects.filter(device__exhibit_reference="GL/1", source="forensic")
    assert counts.get(category="C", kind="still").count == 212


def test_the_2021_arrest_is_bailed_under_the_2017_regime_and_2025_under_2022(importer):
    import_cases(FULL.open("rb"), actor=importer)

    old = Release.objects.get(arrest__case__reference="STF-2021-000187", kind=Release.Kind.BAIL)
    assert old.bail_regime == Release.BailRegime.PCA_2017
    # Arrested 4 Mar 2021: 28 days beginning with 5 Mar end with 1 Apr, at midnight BST.
    assert old.bail_ends_at is not None and old.bail_ends_at.isoformat() == "2021-04-01T22:59:59.999999+00:00"
    assert [e.approver_rank for e in old.bail_extensions.order_by("approved_at")] == ["superintendent", "magistrates"]
    recent = Release.objects.get(arrest__case__reference="STF-2025-000412", kind=Release.Kind.BAIL)
    assert recent.bail_regime == Release.BailRegime.PCSCA_2022
    assert [e.approver_rank for e in recent.bail_extensions.order_by("approved_at")] == [
        "inspector",
        "superintendent",
        "magistrates",
    ]


def test_it_recomputes_derived_dates_and_ignores_read_only_fields_in_the_file(importer):
    cases = full_cases()
    warrant = cases[0]["warrants"][0]
    warrant["expires_at"] = "2030-01-01T00:00:00+00:00"
    warrant["status"] = "draft"
    cases[0]["arrests"][0]["releases"][0]["bail_ends_at"] = "2030-01-01T00:00:00+00:00"
    cases[0]["arrests"][0]["releases"][0]["bail_regime"] = "pcsca2022"
    cases[0]["stage"] = "investigation"

    report = import_cases(as_file(*cases), actor=importer)

    assert report.ok, [str(e) for e in report.errors]
    stored = Warrant.objects.get(case__reference="STF-2021-000187")
    assert stored.issued_at is not None and stored.expires_at == rules.warrant_expires_at(stored.issued_at)
    release = Release.objects.get(arrest__case__reference="STF-2021-000187", kind=Release.Kind.BAIL)
    assert release.bail_regime == "pca2017"
    assert (
        release.bail_ends_at is not None and release.bail_ends_at.isoformat() == "2021-04-01T22:59:59.999999+00:00"
    )  # to the end of 1 Apr


def test_a_dry_run_checks_every_line_and_stores_nothing(importer):
    before = model_counts()

    report = import_cases(FULL.open("rb"), actor=importer, dry_run=True)

    assert report.ok
    assert report.created["cases"] == 3
    assert not report.stored
    assert "Dry run: nothing was stored." in report.summary()
    assert model_counts() == before


def test_a_dry_run_still_reports_bad_lines(importer):
    cases = full_cases()
    cases[1]["officer_in_case"] = "dc.nobody"

    report = import_cases(as_file(*cases), actor=importer, dry_run=True)

    assert [str(e) for e in report.errors] == [f"line 2: officer_in_case: {UNKNOWN_USER.format(value='dc.nobody')}"]
    assert Case.objects.count() == 0


def test_it_refuses_malformed_json_and_stores_none_of_the_good_lines(importer):
    cases = full_cases()

    errors = refused(as_file(cases[0], '{"reference": "STF-2025-000999",', cases[2]), importer)

    assert len(errors) == 1
    assert errors[0].startswith("line 2: Not valid JSON: ")


def test_it_refuses_a_line_that_is_not_an_object(importer):
    errors = refused(as_file(full_cases()[0], "[1, 2, 3]"), importer)

    assert errors == [f"line 2: {NOT_AN_OBJECT}"]


def test_it_refuses_an_unknown_field_and_names_it(importer):
    cases = full_cases()
    cases[2]["subjects"][0]["nickname"] = "Ry"

    errors = refused(as_file(*cases), importer)

    assert errors == [f"line 3: subjects[0].nickname: {UNKNOWN_FIELD.format(name='nickname')}"]


def test_it_refuses_a_field_that_would_name_a_child(importer):
    cases = full_cases()
    cases[0]["safeguarding"][0]["child_name"] = "Amelia"

    errors = refused(as_file(*cases), importer)

    assert errors == [f"line 1: safeguarding[0].child_name: {CHILD_NAMED.format(name='child_name')}"]


def test_it_refuses_wrong_types_missing_fields_and_unknown_choices(importer):
    cases = full_cases()
    cases[0]["restricted"] = "yes"
    cases[0]["devices"][0]["image_counts"]["triage"]["A"]["still"] = "4"
    del cases[0]["premises"][0]["address"]
    cases[0]["warrants"][0]["power"] = "pace_s18"

    errors = refused(as_file(*cases), importer)

    not_a_number = WRONG_TYPE.format(expected="a whole number", got="a string")
    assert errors == [
        f"line 1: restricted: {WRONG_TYPE.format(expected='true or false', got='a string')}",
        f"line 1: premises[0].address: {REQUIRED}",
        f"line 1: warrants[0].power: {NOT_A_CHOICE.format(value='pace_s18', choices='pace_s8, poca_s4')}",
        f"line 1: devices[0].image_counts.triage.A.still: {not_a_number}",
    ]


def test_it_refuses_unknown_users_force_team_offences_and_keys(importer):
    cases = full_cases()
    cases[0]["supervisor"] = "ds.nobody"
    cases[0]["arrests"][0]["suspected_offences"] = ["POCA1978-1-1-a", "THEFT1968-1"]
    cases[0]["searches"][0]["premises"] = "P9"
    cases[1]["force"] = "WMP"
    cases[2]["team"] = "Burglary"

    errors = refused(as_file(*cases), importer)

    assert errors == [
        f"line 1: supervisor: {UNKNOWN_USER.format(value='ds.nobody')}",
        f"line 1: searches[0].premises: {UNKNOWN_KEY.format(record='premises', value='P9')}",
        f"line 1: arrests[0].suspected_offences[1]: {UNKNOWN_OFFENCE.format(value='THEFT1968-1')}",
        f"line 2: force: {UNKNOWN_FORCE.format(value='WMP')}",
        f"line 3: team: {UNKNOWN_TEAM.format(value='Burglary', force='STF')}",
    ]


def test_it_refuses_bad_dates_and_times_without_an_offset(importer):
    cases = full_cases()
    cases[0]["opened_at"] = "01/02/2021 09:00"
    cases[0]["subjects"][0]["date_of_birth"] = "14/06/1979"
    cases[1]["warrants"][0]["issued_at"] = "2025-05-08T10:45:00"

    errors = refused(as_file(*cases), importer)

    assert errors == [
        f"line 1: opened_at: {NOT_A_DATETIME}",
        f"line 1: subjects[0].date_of_birth: {NOT_A_DATE}",
        f"line 2: warrants[0].issued_at: {NO_OFFSET}",
    ]


def test_it_reports_a_rule_a_service_enforces_on_the_field_it_concerns(importer):
    cases = full_cases()
    cases[0]["warrants"][0]["executed_at"] = "2021-06-01T06:05:00+00:00"  # issued 22 Feb: expired 22 May

    errors = refused(as_file(*cases), importer)

    assert errors == [f"line 1: warrants[0].executed_at: {AFTER_LAST_DAY}"]


def test_it_reports_every_bad_line_not_just_the_first(importer):
    cases = full_cases()
    cases[0]["warrants"][0]["executed_at"] = "2021-06-01T06:05:00+00:00"
    cases[2]["charging"] = [{"subject": "S1", "submitted_at": "2026-02-01T09:00:00+00:00", "test": "full_code"}]

    errors = refused(as_file(*cases), importer)

    assert errors == [
        f"line 1: warrants[0].executed_at: {AFTER_LAST_DAY}",
        f"line 3: charging[0].subject: {CHARGING_NEEDS_ARREST}",
    ]


def test_it_refuses_a_reference_twice_in_the_file_or_already_in_safeguard(importer):
    cases = full_cases()
    again = copy.deepcopy(cases[2])
    again["referral"]["source_reference"] = "WMP-INT-26-00311"

    errors = refused(as_file(*cases, again), importer)

    assert errors == [f"line 4: reference: {DUPLICATE_REFERENCE_IN_FILE.format(value='STF-2026-000031', line=3)}"]

    assert import_cases(as_file(cases[2]), actor=importer).ok
    errors = refused(as_file(cases[0], cases[2]), importer)

    assert errors == [f"line 2: reference: {DUPLICATE_REFERENCE_IN_DATABASE.format(value='STF-2026-000031')}"]


def test_it_refuses_a_data_uri(importer):
    cases = full_cases()
    cases[1]["summary"] = f"Screenshot: data:image/png;base64,{PNG_BASE64}"

    errors = refused(as_file(*cases), importer)

    assert errors == [f"line 2: summary: {DATA_URI}"]


def test_it_refuses_image_bytes_in_a_string(importer):
    cases = full_cases()
    cases[0]["devices"][0]["notes"] = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
    cases[1]["log"][0]["text"] = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwg"

    errors = refused(as_file(*cases), importer)

    assert errors == [
        f"line 1: devices[0].notes: {IMAGE_DATA.format(kind='PNG image')}",
        f"line 2: log[0].text: {IMAGE_DATA.format(kind='JPEG image (base64)')}",
    ]


def test_it_refuses_a_line_of_raw_image_bytes(importer):
    cases = full_cases()

    errors = refused(as_file(cases[0], b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01", cases[2]), importer)

    assert errors == [f"line 2: {IMAGE_DATA.format(kind='JPEG image')}"]


def test_imagery_refused_in_an_import_is_audited_with_its_line_and_kind_never_its_bytes(importer):
    cases = full_cases()
    cases[0]["devices"][0]["notes"] = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
    cases[1]["summary"] = f"Screenshot: data:image/png;base64,{PNG_BASE64}"
    cases[2]["summary"] = "Not a case: missing fields are refused, but not audited as imagery"
    del cases[2]["team"]

    refused(as_file(*cases, b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01"), importer)

    entries = AuditEntry.objects.filter(kind=AuditEntry.Kind.MEDIA_REFUSED).order_by("id")
    assert [(e.actor_id, e.object_type, e.changes) for e in entries] == [
        (importer.pk, "import", {"where": "import_cases", "line": 1, "field": "devices[0].notes", "what": "PNG image"}),
        (importer.pk, "import", {"where": "import_cases", "line": 2, "field": "summary", "what": "data: URI"}),
        (importer.pk, "import", {"where": "import_cases", "line": 4, "field": "", "what": "JPEG image"}),
    ]
    assert not any(PNG_BASE64[:24] in str(e.changes) + e.summary for e in entries)


def test_it_refuses_a_long_base64_blob(importer):
    cases = full_cases()
    cases[2]["subjects"][0]["notes"] = "QUJD" + "A" * 300  # no signature, but no note looks like it

    errors = refused(as_file(*cases), importer)

    assert errors == [f"line 3: subjects[0].notes: {ENCODED_BLOB}"]


def test_it_refuses_a_zip_file_in_base64(importer):
    cases = full_cases()
    cases[2]["subjects"][0]["notes"] = "UEsDBBQ" + "A" * 300

    errors = refused(as_file(*cases), importer)

    assert errors == [f"line 3: subjects[0].notes: {IMAGE_DATA.format(kind='ZIP archive (base64)')}"]


def test_it_refuses_an_over_long_line_without_reading_it_and_goes_on(importer):
    cases = full_cases()
    huge = dict(cases[1], summary="Long summary. " * 80_000)  # over 1 MiB

    errors = refused(as_file(cases[0], huge, cases[2], {"reference": "X"}), importer)

    assert errors[0] == f"line 2: {LINE_TOO_LONG}"
    assert errors[1].startswith("line 4: force: ")


def test_it_refuses_a_correction_of_a_later_entry_and_a_closed_status_without_closure(importer):
    cases = full_cases()
    cases[1]["log"].append({"kind": "correction", "text": "x", "at": "2025-05-14T10:00:00+00:00", "corrects": 5})
    cases[2]["status"] = "closed"

    errors = refused(as_file(*cases), importer)

    assert errors == [
        f"line 2: log[2].corrects: {CORRECTS_EARLIER}",
        f"line 3: status: {STATUS_CLOSED_WITHOUT_CLOSURE}",
    ]


def test_blank_lines_are_skipped_and_line_numbers_stay_those_of_the_file(importer):
    cases = full_cases()
    cases[2]["district"] = 7

    errors = refused(as_file(cases[0], "", "   ", cases[2]), importer)

    assert errors == [f"line 4: district: {WRONG_TYPE.format(expected='a string', got='a number')}"]


def test_an_inactive_importing_user_is_refused(importer):
    importer.is_active = False
    importer.save()

    report = import_cases(FULL.open("rb"), actor=importer)

    assert [e.message for e in report.errors] == [ACTOR_INACTIVE]
    assert Case.objects.count() == 0


def test_it_accepts_text_streams_as_well_as_bytes(importer):
    report = import_cases(io.StringIO(FULL.read_text(encoding="utf-8")), actor=importer)

    assert report.ok
    assert Case.objects.count() == 3


def a_2016_case() -> dict:
    """The unwarranted 2026 case of the full file, moved to 2016, with an arrest and bail: a unit's
    history from before the Policing and Crime Act 2017."""
    case = full_cases()[2]
    case["reference"] = "STF-2016-000044"
    case["opened_at"] = "2016-03-01T09:00:00+00:00"
    case["referral"]["received_at"] = "2016-02-29T14:00:00+00:00"
    case["warrants"] = []
    case["log"] = []
    case["arrests"] = [
        {
            "key": "A1",
            "subject": "S1",
            "arrested_at": "2016-06-01T05:30:00+00:00",
            "suspected_offences": ["CJA1988-160"],
            "releases": [
                {
                    "kind": "bail",
                    "released_at": "2016-06-01T17:00:00+00:00",
                    "answer_at": "2017-02-01T10:00:00+00:00",
                    "answer_place": "Stafford police station",
                    "bail_breaches": [
                        {
                            "occurred_at": "2016-08-12T21:30:00+00:00",
                            "description": "Found at an address with a child under 16.",
                            "noted_by": "dc.hughes",
                        }
                    ],
                }
            ],
        }
    ]
    return case


def a_2023_case_with_the_rest_of_the_bail_law() -> dict:
    """An NCA case's bail extended by the appropriate decision-maker (PACE s.47ZDB) with an application
    to the court pending (s.47ZJ), and a designated case's bail (s.47ZE) extended by the court after
    its end on an application made in time (s.47ZF(2), s.47ZJ(3))."""
    case = a_2016_case()
    case["reference"] = "STF-2023-000051"
    case["opened_at"] = "2023-01-10T09:00:00+00:00"
    case["referral"]["received_at"] = "2023-01-09T14:00:00+00:00"
    nca = {
        "kind": "bail",
        "released_at": "2023-01-31T12:00:00+00:00",
        "investigating_body": "nca",
        "body_confirmed_by": "NCA officer J. Patel",
        "bail_extensions": [
            {
                "approved_at": "2023-07-20T10:00:00+00:00",
                "approved_by": "NCA Grade 2 Hale",
                "approver_rank": "decision_maker",
            }
        ],
        "court_applied_at": "2024-01-20T10:00:00+00:00",
    }
    designated = {
        "kind": "bail",
        "released_at": "2023-02-15T12:00:00+00:00",
        "bail_extensions": [
            {"approved_at": "2023-05-10T10:00:00+00:00", "approved_by": "Insp Carter", "approver_rank": "inspector"},
            {"approved_at": "2023-08-10T10:00:00+00:00", "approved_by": "Supt Rees", "approver_rank": "superintendent"},
            {
                "approved_at": "2023-11-10T10:00:00+00:00",
                "approved_by": "Cdr Lowe",
                "approver_rank": "qualifying_officer",
                "designated_at": "2023-11-09T10:00:00+00:00",
                "designated_by": "CPS Special Crime Division",
            },
            {
                "approved_at": "2024-02-20T10:00:00+00:00",
                "approved_by": "Cannock Magistrates' Court",
                "approver_rank": "magistrates",
                "applied_at": "2024-02-10T10:00:00+00:00",
                "new_end": "2024-08-10T22:59:59.999999+00:00",
            },
        ],
    }
    first, second = (dict(case["arrests"][0]) for _ in range(2))
    first.update(key="A1", arrested_at="2023-01-31T06:00:00+00:00", releases=[nca])
    second.update(key="A2", arrested_at="2023-02-15T06:00:00+00:00", releases=[designated])
    case["arrests"] = [first, second]
    return case


def test_bail_after_a_2016_arrest_imports_with_its_answer_date_no_limit_and_its_breach(importer, officer):
    report = import_cases(as_file(a_2016_case()), actor=importer)

    assert report.ok, [str(e) for e in report.errors]
    release = Release.objects.get(arrest__case__reference="STF-2016-000044")
    assert release.bail_regime == Release.BailRegime.PRE_2017
    assert release.bail_ends_at is None
    assert release.answer_at is not None and release.answer_at.isoformat() == "2017-02-01T10:00:00+00:00"
    assert release.answer_place == "Stafford police station"
    breach = release.bail_breaches.get()
    assert breach.noted_by == officer
    assert breach.description == "Found at an address with a child under 16."


def test_bail_after_a_2016_arrest_without_its_answer_date_is_refused_on_that_field(importer):
    case = a_2016_case()
    del case["arrests"][0]["releases"][0]["answer_at"]

    errors = refused(as_file(case), importer)

    assert any("arrests[0].releases[0].answer_at" in e and "3 Apr 2017" in e for e in errors), errors


def test_a_breach_before_the_release_on_bail_is_refused_on_that_field(importer):
    case = a_2016_case()
    case["arrests"][0]["releases"][0]["bail_breaches"][0]["occurred_at"] = "2016-06-01T16:00:00+00:00"

    errors = refused(as_file(case), importer)

    assert any("bail_breaches[0].occurred_at" in e for e in errors), errors


def test_a_case_without_a_reference_gets_the_next_one_and_its_examiners_are_assigned(importer, examiner):
    case = full_cases()[2]
    del case["reference"]
    case["examiners"] = [examiner.username]

    report = import_cases(as_file(case), actor=importer)

    assert report.ok, [str(e) for e in report.errors]
    imported = Case.objects.get(reference=report.references[0])
    assert imported.reference.startswith(f"{imported.force.code}-{imported.opened_at.year}-")
    assert examiner.has_perm("cases.record_triage", imported)
    assert imported.log_entries.filter(text__contains=f"examiner {examiner} assigned").exists()
    exported = io.StringIO()
    export_cases(exported, references=[imported.reference])
    assert json.loads(exported.getvalue())["examiners"] == [examiner.username]


def test_an_examiner_who_is_not_one_is_refused_on_the_field(importer, officer):
    case = full_cases()[2]
    case["examiners"] = [officer.username]

    errors = refused(as_file(case), importer)

    assert len(errors) == 1 and errors[0].startswith("line 1: examiners[0]: "), errors


def test_a_referral_without_a_case_is_imported_with_its_outcome(importer):
    referral = full_cases()[2]["referral"]
    pending = {"type": "referral", "force": "STF", "referral": referral}
    closed = copy.deepcopy(pending)
    closed["referral"]["source_reference"] = "CEOP-NFA-1"
    closed["outcome"] = "nfa"
    closed["outcome_at"] = "2026-02-01T10:00:00+00:00"
    closed["outcome_reason"] = "Subscriber not resolvable."

    report = import_cases(as_file(pending, closed), actor=importer)

    assert report.ok, [str(e) for e in report.errors]
    assert report.references == []
    assert report.referrals == [referral["source_reference"], "CEOP-NFA-1"]
    assert "Imported 0 case(s) and 2 referral(s) without a case from 2 line(s)" in report.summary()
    outcomes = dict(Referral.objects.values_list("source_reference", "outcome"))
    assert outcomes == {referral["source_reference"]: "pending", "CEOP-NFA-1": "nfa"}
    assert not Case.objects.exists()


def test_a_referral_line_is_checked_against_its_own_declaration(importer):
    line = {"type": "referral", "force": "STF", "referral": full_cases()[2]["referral"], "team": "Safenet"}
    line["outcome"] = "developed"

    errors = refused(as_file(line), importer)

    assert errors == [
        "line 1: outcome: " + NOT_A_CHOICE.format(value="developed", choices="pending, disseminated, nfa"),
        f"line 1: team: {UNKNOWN_FIELD.format(name='team')}",
    ]


def test_a_commanders_extension_without_the_dpps_designation_is_refused_naming_the_field(importer):
    case = a_2023_case_with_the_rest_of_the_bail_law()
    designated = case["arrests"][1]["releases"][0]["bail_extensions"][2]
    del designated["designated_at"], designated["designated_by"]

    errors = refused(as_file(case), importer)

    # The first problem is reported, on the field it names.
    assert errors == [f"line 1: arrests[1].releases[0].bail_extensions[2].designated_at: {BAIL_DESIGNATION_REQUIRED}"]
    assert not Case.objects.filter(reference=case["reference"]).exists()


def test_an_nca_case_without_its_confirming_officer_is_refused_naming_the_field(importer):
    case = a_2023_case_with_the_rest_of_the_bail_law()
    del case["arrests"][0]["releases"][0]["body_confirmed_by"]

    errors = refused(as_file(case), importer)

    message = BAIL_BODY_CONFIRMER_REQUIRED.format(body="the National Crime Agency")
    assert errors == [f"line 1: arrests[0].releases[0].body_confirmed_by: {message}"]
    assert not Case.objects.filter(reference=case["reference"]).exists()
