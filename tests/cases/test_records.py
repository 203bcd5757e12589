"""cases.records: the records of cases read in one query, the same as Django reads them."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import models
from django.db.models import Prefetch
from django.utils import timezone

from cases.deadlines import case_deadlines, with_deadline_records
from cases.models import (
    Case,
    CaseLogEntry,
    Release,
    RetentionReview,
)
from cases.models.custody import BailBreach, BailExtension, CustodyExtension, CustodyReview
from cases.records import (
    LATEST_LOG_ENTRIES,
    case_page_select,
    case_page_sets,
    load_case_page_records,
    load_records,
)
from tests.factories.cases import CaseFactory, CaseLogEntryFactory
from tests.factories.custody import offence
from tests.factories.warrants import FurtherEntryAuthorityFactory
from tests.shared import set_up_once
from warrants.models import Warrant

pytestmark = pytest.mark.django_db

# What each page reads, as Django's prefetch_related would read it: the reference the loader is
# held to. (path from the case, the foreign keys each row's page shows)
PATHS = {
    "subjects": (),
    "premises": (),
    "warrants": ("premises", "applicant", "executed_by"),
    "warrants__further_entries": (),
    "searches": ("premises", "warrant", "officer_in_charge"),
    "devices": ("search", "examiner"),
    "devices__image_counts": (),
    "arrests": ("subject", "arresting_officer"),
    "arrests__suspected_offences": (),
    "arrests__releases": ("recorded_by",),
    "arrests__releases__bail_extensions": (),
    "arrests__releases__bail_breaches": ("noted_by",),
    "arrests__custody_extensions": (),
    "arrests__custody_reviews": ("recorded_by",),
    "charging_submissions": ("subject", "submitted_by"),
    "charging_submissions__charges": ("offence",),
    "hearings": ("subject",),
    "safeguarding_referrals": ("recorded_by",),
    "retention_reviews": ("reviewed_by",),
    "referral__identifiers": (),
    "referral__comms_requests": ("time_verified_by",),
}


def _by_django(case: Case) -> Case:
    return Case.objects.prefetch_related(  # type: ignore[no-redef]  # to_attr fills the attribute Case declares for cases.records
        *PATHS,
        Prefetch(
            "log_entries",
            queryset=CaseLogEntry.objects.select_related("author", "corrects").order_by("-created_at", "-id")[
                :LATEST_LOG_ENTRIES
            ],
            to_attr="latest_log_entries",
        ),
    ).get(pk=case.pk)


def _rows(parents: list, path: list[str]) -> list:
    """The rows at `path` below `parents`, in the order the page lists them."""
    if not path:
        return parents
    rows: list[Any] = []
    for parent in parents:
        related = getattr(parent, path[0])
        if related is None:
            continue
        rows.extend(related.all() if hasattr(related, "all") else [related])
    return _rows(rows, path[1:])


def _values(row) -> tuple:
    return tuple(
        (field.attname, type(value), value)
        for field in row._meta.concrete_fields
        for value in [getattr(row, field.attname)]
    )


def _shown(rows: list, links: tuple[str, ...]) -> list:
    return [
        (_values(row), [(link, _values(getattr(row, link)) if getattr(row, link) else None) for link in links])
        for row in rows
    ]


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


def _make_demo_week() -> None:
    """The demo week, with the records it does not happen to hold."""
    call_command("load_demo", "--force", stdout=StringIO())
    release = Release.objects.select_related("arrest").order_by("pk")[0]
    arrest = release.arrest
    later = release.released_at + timedelta(days=20)
    for n in range(2):
        BailExtension.objects.create(
            release=release,
            approved_at=later + timedelta(hours=n),
            approved_by="Insp. R. Okafor",
            approver_rank="inspector",
            section="47ZD",
            previous_end=later,
            new_end=later + timedelta(days=30),
        )
        BailBreach.objects.create(
            release=release,
            occurred_at=later + timedelta(hours=n),
            description="Contact with a child under 16.",
            noted_by=arrest.arresting_officer,
        )
        CustodyReview.objects.create(
            arrest=arrest,
            reviewed_at=arrest.arrested_at + timedelta(hours=5 + n),
            review_officer="Insp. K. Byrne",
            recorded_by=arrest.arresting_officer,
        )
        CustodyExtension.objects.create(
            arrest=arrest,
            authority="superintendent",
            authorised_at=arrest.arrested_at + timedelta(hours=20 + n),
            authorised_by="Supt. A. Shah",
            detention_until=arrest.arrested_at + timedelta(hours=36),
        )
    FurtherEntryAuthorityFactory(warrant=Warrant.objects.order_by("pk").first())
    arrest.suspected_offences.add(offence("POCA1978-1-1-a"))
    RetentionReview.objects.create(
        case=arrest.case,
        retention_group="1",
        decision="set",
        reviewed_at=arrest.arrested_at,
        reviewed_by=arrest.arresting_officer,
        rationale="Indecent images of children: group 1.",
    )


@pytest.fixture(scope="class")
def _demo_week(django_db_setup, django_db_blocker) -> Iterator[None]:
    """The demo week, made once for the tests of a class, which only read it (tests/shared.py)."""
    yield from set_up_once(django_db_blocker, _make_demo_week)


@pytest.fixture
def week(_demo_week) -> models.QuerySet[Case]:
    return Case.objects.order_by("pk")


def _shown_on(loaded: Case) -> dict[str, list]:
    shown = {path: _shown(_rows([loaded], path.split("__")), links) for path, links in PATHS.items()}
    shown["log"] = _shown(loaded.latest_log_entries, ("author", "corrects"))
    return shown


class TestTheDemoWeek:
    """Read together and one by one, the cases of the demo week (made once for the class)."""

    def test_it_reads_what_django_reads_in_the_same_order_with_the_same_links(self, week, django_assert_num_queries):
        seen: set[object] = set()
        for case in week:
            wanted = _shown_on(_by_django(case))
            selected = case_page_select(Case.objects.filter(pk=case.pk)).get()
            with django_assert_num_queries(1):
                loaded = load_case_page_records(selected)
            with django_assert_num_queries(0):
                ours = _shown_on(loaded)
                assert all(row.case is loaded for row in _rows([loaded], ["subjects"]))
            for path, rows in wanted.items():
                assert ours[path] == rows, f"{case.reference}: {path}"
            seen.update(path for path, rows in ours.items() if rows)
        assert seen == {*PATHS, "log"}, "the demo week and the fixture leave some records untested"

    def test_many_cases_read_together_each_get_their_own_records(self, week, django_assert_num_queries):
        cases = list(case_page_select(week))
        with django_assert_num_queries(1):
            load_records(cases, case_page_sets())

        for case in cases:
            alone = load_case_page_records(case_page_select(Case.objects.filter(pk=case.pk)).get())
            with django_assert_num_queries(0):
                assert _shown_on(case) == _shown_on(alone), case.reference

    def test_deadlines_of_many_cases_read_together_are_those_of_each_case_page(self, week, django_assert_num_queries):
        now = timezone.now()
        with django_assert_num_queries(2):
            cases = with_deadline_records(week)

        with django_assert_num_queries(0):
            together = {case.reference: case_deadlines(case, now=now) for case in cases}
        for case in cases:
            alone = load_case_page_records(case_page_select(Case.objects.filter(pk=case.pk)).get())
            assert _deadline_values(together[case.reference]) == _deadline_values(case_deadlines(alone, now=now))
        assert sum(len(deadlines) for deadlines in together.values()) > len(cases)


def _deadline_values(deadlines: list) -> list[tuple]:
    return [
        (d.kind, d.label, d.due_at, d.source, d.status, d.met_at, d.note, d.url, d.lapsed, d.record_id)
        for d in deadlines
    ]


def test_a_correction_of_an_entry_older_than_the_page_shows_links_to_it(case, officer, django_assert_num_queries):
    first = CaseLogEntryFactory(case=case, author=officer, text="Premises searched at 06:10.")
    for n in range(LATEST_LOG_ENTRIES):
        CaseLogEntryFactory(case=case, author=officer, text=f"Entry {n}")
    correction = CaseLogEntryFactory(
        case=case, author=officer, kind="correction", text="Searched at 06:40, not 06:10.", corrects=first
    )

    loaded = load_case_page_records(case_page_select(Case.objects.filter(pk=case.pk)).get())

    with django_assert_num_queries(0):
        assert len(loaded.latest_log_entries) == LATEST_LOG_ENTRIES
        assert loaded.latest_log_entries[0] == correction
        assert loaded.latest_log_entries[0].corrects is not None
        assert loaded.latest_log_entries[0].corrects.text == "Premises searched at 06:10."
        assert first not in loaded.latest_log_entries


def test_a_case_without_records_or_referral_reads_empty_sets(case, django_assert_num_queries):
    loaded = load_case_page_records(case_page_select(Case.objects.filter(pk=case.pk)).get())

    with django_assert_num_queries(0):
        assert [list(getattr(loaded, name).all()) for name in ("subjects", "warrants", "arrests", "hearings")] == [
            []
        ] * 4
        assert loaded.latest_log_entries == []


def test_every_set_is_read():
    """A set added (by cases or registered by warrants) but not to what the page reads would go
    unnoticed: each is named here."""
    assert case_page_sets() == {
        "subjects", "premises", "warrants", "further_entries", "searches", "devices", "image_counts",
        "arrests", "suspected_offences", "releases", "bail_extensions", "bail_breaches", "custody_extensions",
        "custody_reviews",
        "charging_submissions", "charges", "hearings", "safeguarding_referrals", "retention_reviews",
        "identifiers", "comms_requests", "latest_log_entries", "corrected_log_entries", "log_versions",
    }  # fmt: skip


def test_the_log_line_of_a_correction_knows_its_record_version_without_a_query(
    case, officer, django_assert_num_queries
):
    from cases.services.case import subject_correct
    from tests.factories.cases import SubjectFactory

    subject = SubjectFactory(case=case, full_name="Jon Smith")
    version = subject_correct(subject=subject, actor=officer, reason="Misspelt.", full_name="John Smith", version=1)
    CaseLogEntryFactory(case=case, author=officer, text="A note.")

    loaded = load_case_page_records(case_page_select(Case.objects.filter(pk=case.pk)).get())

    with django_assert_num_queries(0):
        by_text = {entry.text: entry for entry in loaded.latest_log_entries}
        assert not hasattr(by_text["A note."], "record_version")  # known to have none: no query
        corrected = next(entry for entry in loaded.latest_log_entries if entry.pk == version.log_entry_id)
        assert corrected.record_version.changes[0]["after"] == "John Smith"
        assert (corrected.record_version.record_type, corrected.record_version.record_id) == ("subject", subject.pk)


def test_a_column_type_it_cannot_read_from_json_is_refused_not_read_wrongly():
    from cases.records import _converter

    with pytest.raises(TypeError, match="BinaryField"):
        _converter(models.BinaryField())
    assert _converter(models.DecimalField(max_digits=6, decimal_places=2))(Decimal("12.50")) == Decimal("12.50")
    assert _converter(models.DateTimeField())("2026-11-23T14:05:00.5+00:00") == datetime(
        2026, 11, 23, 14, 5, 0, 500000, tzinfo=UTC
    )
