"""The correction, withdrawal and history pages, and reopening a closed case, as a person uses them."""

import html
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from cases.formats import when
from cases.models import (
    Arrest,
    Case,
    CaseLogEntry,
    Closure,
    ClosureConfirmation,
    CustodyExtension,
    RecordVersion,
    Release,
    RetentionReview,
)
from cases.rules import LONDON
from cases.services.closure import CASE_REOPEN_NEEDS_SUPERVISOR, CASE_REOPEN_NOT_CLOSED, case_close, case_reopen
from cases.services.corrections import REASON_REQUIRED
from cases.services.custody import bail_breach_record, release_record
from cases.services.versions import VERSION_CONFLICT
from tests.factories.cases import CaseFactory, SubjectFactory
from tests.factories.custody import ArrestFactory, offence, reviewed_twice

pytestmark = pytest.mark.django_db


def local(moment):
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(
        team=team, officer_in_case=officer, supervisor=supervisor, opened_at=timezone.now() - timedelta(days=10)
    )


def url(name, case, key, pk):
    return reverse(f"cases:{name}", kwargs={"reference": case.reference, "record_type": key, "pk": pk})


def arrest_form(arrest, **changes):
    data = {
        "subject": arrest.subject_id,
        "arrested_at": local(arrest.arrested_at),
        "suspected_offences": [o.pk for o in arrest.suspected_offences.all()],
        "custody_reference": arrest.custody_reference,
        "relevant_time": local(arrest.relevant_time) if arrest.relevant_time else "",
        "left_custody_at": "",
        "version": arrest.version,
        "reason": "Typed in error.",
    }
    return data | changes


def test_the_correction_page_shows_the_record_as_it_stands(client, officer, case):
    arrest = ArrestFactory(case=case, custody_reference="ST/123/26")
    client.force_login(officer)

    page = client.get(url("record_correct", case, "arrest", arrest.pk)).content.decode()

    assert 'value="ST/123/26"' in page
    assert 'name="version" value="1"' in page
    assert "Reason for the correction" in page


def test_a_correction_saved_from_the_page_goes_back_to_the_record_and_is_in_the_log(client, officer, case):
    arrest = ArrestFactory(case=case)
    earlier = arrest.arrested_at.replace(second=0, microsecond=0) - timedelta(hours=2)
    client.force_login(officer)

    response = client.post(
        url("record_correct", case, "arrest", arrest.pk), arrest_form(arrest, arrested_at=local(earlier))
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("cases:arrest_detail", args=[case.reference, arrest.pk])
    arrest.refresh_from_db()
    assert arrest.arrested_at == earlier and arrest.version == 2
    log = client.get(reverse("cases:log", args=[case.reference])).content.decode()
    assert "corrected: Arrested at" in log and "Reason: Typed in error." in log
    assert url("record_history", case, "arrest", arrest.pk) + "#version-2" in log


def test_a_correction_without_a_reason_is_refused_naming_the_field(client, officer, case):
    arrest = ArrestFactory(case=case)
    client.force_login(officer)

    response = client.post(url("record_correct", case, "arrest", arrest.pk), arrest_form(arrest, reason=""))

    assert response.status_code == 400
    assert "Reason for the correction" in response.content.decode()
    assert Arrest.objects.get(pk=arrest.pk).version == 1
    assert REASON_REQUIRED  # the service's own words when a reason is only spaces


def test_the_second_save_shows_the_conflict_and_both_values(client, officer, supervisor, case):
    arrest = ArrestFactory(case=case, custody_reference="ST/1/26")
    client.force_login(officer)
    other = type(client)()
    other.force_login(supervisor)
    assert (
        client.post(
            url("record_correct", case, "arrest", arrest.pk), arrest_form(arrest, custody_reference="ST/2/26")
        ).status_code
        == 302
    )

    response = other.post(
        url("record_correct", case, "arrest", arrest.pk), arrest_form(arrest, custody_reference="ST/3/26")
    )

    assert response.status_code == 409
    page = html.unescape(response.content.decode())
    change = AuditEntry.objects.filter(object_type="cases.Arrest", object_id=str(arrest.pk), kind="change").latest("id")
    assert VERSION_CONFLICT.format(name=str(officer), time=when(change.occurred_at)) in page
    assert 'value="ST/3/26"' in page  # what the second person typed, ready to save again
    assert "ST/2/26" in page  # beside the value now saved
    assert Arrest.objects.get(pk=arrest.pk).custody_reference == "ST/2/26"


def test_a_withdrawn_subject_is_struck_through_on_the_case_page_and_keeps_its_history(client, officer, case):
    subject = SubjectFactory(case=case, full_name="Wrong Person")
    client.force_login(officer)

    response = client.post(
        url("record_withdraw", case, "subject", subject.pk), {"reason": "Another case's suspect.", "version": 1}
    )

    assert response.status_code == 302
    page = client.get(case.get_absolute_url()).content.decode()
    assert '<tr class="withdrawn">' in page and "Withdrawn as entered in error" in page
    assert url("record_correct", case, "subject", subject.pk) not in page
    history = client.get(url("record_history", case, "subject", subject.pk)).content.decode()
    assert "Version 2: withdrawn: entered in error" in history and "Another case&#x27;s suspect." in history
    assert "Wrong Person" in history


def test_the_history_lists_the_first_entry_and_each_correction_with_old_and_new_values(client, officer, case):
    subject = SubjectFactory(case=case, full_name="Jon Smith")
    client.force_login(officer)
    form = {
        "full_name": "John Smith",
        "date_of_birth": "",
        "pnc_id": "",
        "notes": "",
        "reason": "Misspelt.",
        "version": 1,
    }
    assert client.post(url("record_correct", case, "subject", subject.pk), form).status_code == 302

    page = html.unescape(client.get(url("record_history", case, "subject", subject.pk)).content.decode())

    assert "Version 1: first entry" in page
    assert "<dt>Full name</dt><dd>Jon Smith</dd>" in page
    assert "Version 2: corrected" in page and "Reason: Misspelt." in page
    assert '<th scope="row">Full name</th><td>Jon Smith</td><td>John Smith</td>' in page


def test_the_case_details_are_corrected_from_the_case_page(client, officer, case):
    client.force_login(officer)
    page = client.get(case.get_absolute_url()).content.decode()
    correct = url("record_correct", case, "case", case.pk)
    assert correct in page

    form = {"opened_at": local(case.opened_at), "operation": "Safenet II", "district": "North", "summary": ""}
    response = client.post(correct, form | {"reason": "Operation renamed.", "version": case.version})

    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).operation == "Safenet II"


# --- Reopening a closed case ----------------------------------------------------------------------


@pytest.fixture
def closed(case, supervisor):
    case_close(
        case=case,
        actor=supervisor,
        outcome_type="15",
        closed_at=case.opened_at + timedelta(days=2),
        rationale="Evidential difficulties.",
        retention_group="1",
    )
    case.refresh_from_db()
    return case


def test_a_supervisor_reopens_a_closed_case_and_the_log_history_and_audit_say_so(client, supervisor, closed):
    client.force_login(supervisor)
    page = client.get(closed.get_absolute_url()).content.decode()
    assert reverse("cases:case_reopen", args=[closed.reference]) in page

    response = client.post(
        reverse("cases:case_reopen", args=[closed.reference]), {"reason": "New evidence.", "version": closed.version}
    )

    assert response.status_code == 302
    closed.refresh_from_db()
    assert closed.status == Case.Status.OPEN
    closure = Closure.objects.get(case=closed)  # kept
    assert closure.reopened_at is not None
    assert CaseLogEntry.objects.filter(case=closed, text="Case reopened. Reason: New evidence.").exists()
    (version,) = RecordVersion.objects.filter(record_type="closure", record_id=closure.pk)
    assert version.kind == RecordVersion.Kind.REOPENED and "Evidential difficulties." in version.changes[0]["before"]
    assert AuditEntry.objects.filter(
        object_type="cases.Case", object_id=str(closed.pk), changes__has_key="status"
    ).exists()
    history = client.get(url("record_history", closed, "closure", closure.pk)).content.decode()
    assert "Version 2: case reopened" in history


def test_what_was_outstanding_reappears_on_reopening_and_closing_again_is_kept(supervisor, closed):
    arrest = ArrestFactory(case=closed, arrested_at=closed.opened_at + timedelta(days=1))
    arrest.suspected_offences.set([offence()])
    case_reopen(case=closed, actor=supervisor, reason="Arrest to follow up.", version=closed.version)
    closed.refresh_from_db()
    assert closed.stage == Case.Stage.ARREST

    case_close(
        case=closed,
        actor=supervisor,
        outcome_type="15",
        closed_at=timezone.now() - timedelta(minutes=1),
        rationale="Again: evidential difficulties.",
        retention_group="1",
    )

    closure = Closure.objects.get(case=closed)
    assert closure.rationale == "Again: evidential difficulties." and closure.reopened_at is None
    kinds = list(RecordVersion.objects.filter(record_type="closure").order_by("number").values_list("kind", flat=True))
    assert kinds == [RecordVersion.Kind.REOPENED, RecordVersion.Kind.CLOSED_AGAIN]
    assert RetentionReview.objects.filter(case=closed).count() == 2
    assert not ClosureConfirmation.objects.exists()


def test_only_a_closed_case_is_reopened_and_only_by_a_supervisor(officer, supervisor, case, closed):
    with pytest.raises(Exception) as not_supervisor:
        case_reopen(case=closed, actor=officer, reason="x", version=closed.version)
    assert CASE_REOPEN_NEEDS_SUPERVISOR in str(not_supervisor.value)
    case_reopen(case=closed, actor=supervisor, reason="x", version=closed.version)
    with pytest.raises(Exception) as not_closed:
        case_reopen(case=closed, actor=supervisor, reason="x")
    assert CASE_REOPEN_NOT_CLOSED in str(not_closed.value)


def test_an_officer_is_not_offered_the_reopening(client, officer, closed):
    client.force_login(officer)
    assert (
        reverse("cases:case_reopen", args=[closed.reference])
        not in client.get(closed.get_absolute_url()).content.decode()
    )
    assert client.get(reverse("cases:case_reopen", args=[closed.reference])).status_code == 403


def test_a_withdrawn_arrest_leaves_the_dashboards_charging_table(client, officer, supervisor, case):
    arrest = ArrestFactory(case=case, arrested_at=timezone.now() - timedelta(days=3))
    client.force_login(supervisor)
    dashboard = reverse("reports:dashboard")
    assert case.reference in client.get(dashboard).content.decode()

    client.force_login(officer)
    withdrawn = client.post(url("record_withdraw", case, "arrest", arrest.pk), {"reason": "Wrong case.", "version": 1})
    assert withdrawn.status_code == 302

    client.force_login(supervisor)
    assert case.reference not in client.get(dashboard).content.decode()


def test_a_breach_of_bail_is_corrected_and_withdrawn_from_the_arrest_page(client, officer, case):
    arrest = ArrestFactory(case=case, arrested_at=case.opened_at + timedelta(days=1), relevant_time=None)
    release = release_record(
        arrest=arrest, actor=officer, kind=Release.Kind.BAIL, released_at=arrest.arrested_at + timedelta(hours=4)
    )
    breach = bail_breach_record(
        release=release, actor=officer, occurred_at=release.released_at + timedelta(days=1), description="Late."
    )
    arrest_page = reverse("cases:arrest_detail", args=[case.reference, arrest.pk])
    client.force_login(officer)

    page = client.get(arrest_page).content.decode()
    assert url("record_correct", case, "bail_breach", breach.pk) in page
    assert url("record_withdraw", case, "bail_breach", breach.pk) in page
    form = {
        "occurred_at": local(breach.occurred_at),
        "description": "Did not answer bail at Hanley.",
        "version": "1",
        "reason": "Fuller account.",
    }
    corrected = client.post(url("record_correct", case, "bail_breach", breach.pk), form)
    stale = client.post(url("record_correct", case, "bail_breach", breach.pk), form | {"description": "Other."})
    withdrawn = client.post(
        url("record_withdraw", case, "bail_breach", breach.pk), {"version": "2", "reason": "Another person's bail."}
    )

    assert corrected.status_code == 302 and corrected["Location"] == arrest_page
    assert stale.status_code == 409
    stale_page = html.unescape(stale.content.decode())
    assert "Did not answer bail at Hanley." in stale_page and "Other." in stale_page
    assert withdrawn.status_code == 302
    page = client.get(arrest_page).content.decode()
    assert "<del><strong>Breach of bail</strong>" in page and "Withdrawn as entered in error" in page
    history = client.get(url("record_history", case, "bail_breach", breach.pk)).content.decode()
    assert "Fuller account." in history and "Another person&#x27;s bail." in history


def test_an_extension_of_detention_is_corrected_from_the_arrest_page(client, officer, case):
    arrest = ArrestFactory(case=case, arrested_at=case.opened_at + timedelta(days=1))
    assert arrest.relevant_time is not None
    extension = CustodyExtension.objects.create(
        arrest=arrest,
        authority=CustodyExtension.Authority.SUPERINTENDENT,
        authorised_at=arrest.relevant_time + timedelta(hours=20),
        authorised_by="Supt Rees",
        detention_until=arrest.relevant_time + timedelta(hours=30),
    )
    reviewed_twice(arrest)
    arrest_page = reverse("cases:arrest_detail", args=[case.reference, arrest.pk])
    client.force_login(officer)

    page = client.get(arrest_page).content.decode()
    corrected = client.post(
        url("record_correct", case, "custody_extension", extension.pk),
        {
            "authority": "superintendent",
            "authorised_at": local(extension.authorised_at),
            "authorised_by": "Supt A Rees",
            "detention_until": local(arrest.relevant_time + timedelta(hours=36)),
            "version": "1",
            "reason": "The custody record says 36 hours.",
        },
    )

    assert url("record_correct", case, "custody_extension", extension.pk) in page
    assert url("record_withdraw", case, "custody_extension", extension.pk) in page
    assert corrected.status_code == 302 and corrected["Location"] == arrest_page
    extension.refresh_from_db()
    assert extension.authorised_by == "Supt A Rees" and extension.version == 2
    assert when(arrest.relevant_time + timedelta(hours=36)) in client.get(arrest_page).content.decode()


def test_the_history_names_who_first_recorded_the_record_and_when(client, officer, case):
    from audit.context import acting_as

    with acting_as(officer, source="web"):
        subject = SubjectFactory(case=case, full_name="Jon Smith")
    client.force_login(officer)
    assert client.post(url("record_correct", case, "subject", subject.pk), {
        "full_name": "John Smith", "date_of_birth": "", "pnc_id": "", "notes": "", "reason": "Misspelt.", "version": 1,
    }).status_code == 302  # fmt: skip
    created = AuditEntry.objects.get(kind="create", object_type="cases.Subject", object_id=str(subject.pk))

    page = html.unescape(client.get(url("record_history", case, "subject", subject.pk)).content.decode())

    assert f"Recorded {when(created.occurred_at)} by {officer}." in page


@pytest.mark.parametrize("page", ["record_history", "record_correct"])
def test_a_records_pages_read_its_chosen_offences_in_one_query_however_many(client, officer, case, page):
    # The values of a multiple choice of records are read together, not one query each.
    codes = ["POCA1978-1-1-a", "POCA1978-1-1-b", "POCA1978-1-1-c", "CJA1988-160"]

    def queries_with(count):
        arrest = ArrestFactory(case=case, suspected_offences=[offence(code) for code in codes[:count]])
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url(page, case, "arrest", arrest.pk))
        assert response.status_code == 200
        page_text = html.unescape(response.content.decode())
        assert all(offence(code).title in page_text for code in codes[:count])
        return len(captured)

    client.force_login(officer)
    queries_with(1)  # the session's first page
    assert queries_with(4) == queries_with(1)
