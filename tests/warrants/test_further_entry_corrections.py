"""Correcting an inspector's written authority for a further entry under a multiple-entry warrant
(PACE 1984 s.16(3A)-(3B)) and withdrawing one entered in error: the same mechanism as every other
record (`cases.corrections.RECORD_TYPES`), registered by the warrants app as the warrant is.

s.16(3A): "If the warrant is an all premises warrant, no premises which are not specified in it may be
entered or searched unless a police officer of at least the rank of inspector has in writing authorised
them to be entered." s.16(3B): "No premises may be entered or searched for the second or any subsequent
time under a warrant which authorises multiple entries unless a police officer of at least the rank of
inspector has in writing authorised that entry to those premises." s.16(3): "Entry and search under a
warrant must be within three months from the date of its issue."
"""

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from casefiles.io.exporter import case_to_line, cases_for_export
from cases import formats
from cases.corrections import RECORD_TYPES
from cases.models import CaseLogEntry, RecordVersion
from cases.services.corrections import REASON_REQUIRED, RECORD_WITHDRAWN, TOO_EARLY, TOO_LATE, record_withdraw
from cases.services.versions import VersionConflict
from tests.factories.custody import london
from tests.factories.warrants import typed
from tests.warrants.test_warrant_services import executed
from warrants import services
from warrants.models import FurtherEntryAuthority, Warrant

pytestmark = pytest.mark.django_db

AUTHORISED = london(2026, 2, 10, 9)
ENTERED = london(2026, 2, 10, 11)


@pytest.fixture
def authority(case, officer, premises) -> FurtherEntryAuthority:
    warrant = executed(case, officer, premises, entry=Warrant.Entry.MULTIPLE)  # entered 3 Feb 2026 06:30
    return services.warrant_authorise_further_entry(
        warrant=warrant, actor=officer, authorised_by="Inspector Shah", authorised_at=AUTHORISED, entered_at=ENTERED
    )


def correct(authority: FurtherEntryAuthority, actor: Any, *, reason: str = "Read from the authority.", **changes: Any):
    authority = FurtherEntryAuthority.objects.get(pk=authority.pk)
    current: dict[str, Any] = {
        "authorised_by": authority.authorised_by,
        "authorised_at": authority.authorised_at,
        "entered_at": authority.entered_at,
    }
    return services.further_entry_correct(
        authority=authority, actor=actor, reason=reason, version=authority.version, **(current | changes)
    )


def withdraw(authority: FurtherEntryAuthority, actor: Any) -> RecordVersion:
    authority = FurtherEntryAuthority.objects.get(pk=authority.pk)
    return record_withdraw(
        case=authority.warrant.case,
        record_type="further_entry",
        record=authority,
        actor=actor,
        reason="Authority recorded twice.",
        version=authority.version,
        describe=services.further_entry_describe(authority),
        dependants=services.further_entry_dependants,
    )


def test_the_warrants_app_registers_the_further_entry_as_a_correctable_record():
    kind = RECORD_TYPES["further_entry"]
    assert kind.model is FurtherEntryAuthority and kind.via == "warrant__case"
    assert kind.dependants is services.further_entry_dependants


def test_a_corrected_authority_is_saved_with_its_history_and_a_case_log_line(authority, officer, premises):
    version = correct(authority, officer, authorised_by="Inspector Shaw", entered_at=london(2026, 2, 10, 12))

    authority.refresh_from_db()
    assert (authority.authorised_by, authority.entered_at, authority.version) == (
        "Inspector Shaw",
        london(2026, 2, 10, 12),
        2,
    )
    changed = {change["field"]: change for change in version.changes}
    assert changed["authorised_by"] == {
        "field": "authorised_by",
        "label": "Authorised by",
        "before": "Inspector Shah",
        "after": "Inspector Shaw",
    }
    assert changed["entered_at"]["before"] == formats.when(ENTERED)
    assert (version.record_type, version.record_id, version.kind) == (
        "further_entry",
        authority.pk,
        RecordVersion.Kind.CORRECTED,
    )
    log = CaseLogEntry.objects.filter(case=authority.warrant.case).order_by("-id").first()
    assert log is not None and version.log_entry_id == log.pk
    assert log.text.startswith(f"Further entry under the search warrant for {premises} corrected:")
    assert "Read from the authority." in log.text


def test_a_correction_runs_the_first_entrys_checks_and_needs_a_reason(authority, officer):
    with pytest.raises(ValidationError) as before_authority:
        correct(authority, officer, entered_at=AUTHORISED.replace(hour=8))
    assert before_authority.value.message_dict == {"entered_at": [services.WARRANT_FURTHER_ENTRY_BEFORE_AUTHORITY]}
    with pytest.raises(ValidationError) as no_inspector:
        correct(authority, officer, authorised_by="  ")
    assert no_inspector.value.message_dict == {"authorised_by": [services.WARRANT_INSPECTOR_REQUIRED]}
    with pytest.raises(ValidationError) as no_reason:
        correct(authority, officer, reason=" ", authorised_by="Inspector Shaw")
    assert no_reason.value.message_dict == {"reason": [REASON_REQUIRED]}
    authority.refresh_from_db()
    assert authority.authorised_by == "Inspector Shah" and not RecordVersion.objects.filter(record_type="further_entry")


def test_an_authority_cannot_be_moved_before_the_first_entry_and_the_execution_is_named(authority, officer):
    with pytest.raises(ValidationError) as caught:
        correct(authority, officer, authorised_at=london(2026, 2, 2, 9))

    message = TOO_EARLY.format(
        label="The authority",
        record="the first entry under the warrant (its execution)",
        at=formats.when(london(2026, 2, 3, 6, 30)),
    )
    assert caught.value.message_dict == {"authorised_at": [message]}


def test_an_entry_cannot_be_moved_past_the_last_moment_for_entry_or_the_return(authority, officer):
    warrant = authority.warrant
    assert warrant.expires_at is not None
    with pytest.raises(ValidationError) as after_expiry:
        correct(authority, officer, entered_at=london(2026, 5, 2, 9))  # issued 31 Jan 2026: last day 30 Apr
    message = TOO_LATE.format(
        label="The further entry",
        record="the last moment for entry under the warrant (PACE 1984 s.16(3))",
        at=formats.when(warrant.expires_at),
    )
    assert after_expiry.value.message_dict == {"entered_at": [message]}

    returned_at = london(2026, 2, 20, 10)
    services.warrant_record_return(warrant=Warrant.objects.get(pk=warrant.pk), actor=officer, returned_at=returned_at)
    with pytest.raises(ValidationError) as after_return:
        correct(authority, officer, entered_at=london(2026, 2, 21, 9))
    message = TOO_LATE.format(
        label="The further entry", record="the warrant's return to court", at=formats.when(returned_at)
    )
    assert after_return.value.message_dict == {"entered_at": [message]}


def test_a_second_save_from_an_older_page_is_a_conflict(authority, officer, supervisor):
    opened_at_version = authority.version
    correct(authority, officer, authorised_by="Inspector Shaw")

    with pytest.raises(VersionConflict) as conflict:
        services.further_entry_correct(
            authority=authority,
            actor=supervisor,
            reason="Mine.",
            version=opened_at_version,
            authorised_by="Inspector Shore",
            authorised_at=AUTHORISED,
            entered_at=ENTERED,
        )

    current = conflict.value.current
    assert isinstance(current, FurtherEntryAuthority) and current.authorised_by == "Inspector Shaw"


def test_a_withdrawn_authority_is_kept_leaves_the_export_and_no_longer_holds_the_warrant(authority, officer):
    version = withdraw(authority, officer)

    authority.refresh_from_db()
    assert authority.withdrawn_at is not None and authority.withdrawn_reason == "Authority recorded twice."
    assert version.kind == RecordVersion.Kind.WITHDRAWN and version.record_type == "further_entry"
    with pytest.raises(ValidationError) as caught:
        correct(authority, officer, authorised_by="Inspector Shaw")
    assert caught.value.messages == [RECORD_WITHDRAWN]
    warrant = authority.warrant
    # The execution may now be corrected past it, and the warrant withdrawn, as nothing current rests on it.
    assert services.warrant_dependants(warrant) is None
    (exported,) = cases_for_export(references=[warrant.case.reference])
    (line,) = json.loads(case_to_line(exported))["warrants"]
    assert line["further_entries"] == []  # an import must not bring it back


def test_the_warrant_page_links_the_pages_and_a_stale_save_is_a_409(client, authority, officer, supervisor):
    case = authority.warrant.case
    warrant_page = reverse("warrants:detail", args=[case.reference, authority.warrant_id])

    def url(name: str) -> str:
        return reverse(
            f"cases:{name}", kwargs={"reference": case.reference, "record_type": "further_entry", "pk": authority.pk}
        )

    client.force_login(officer)
    page = client.get(warrant_page).content.decode()
    assert url("record_correct") in page and url("record_withdraw") in page and url("record_history") in page
    form = {
        "authorised_by": "Inspector Shaw",
        "authorised_at": typed(AUTHORISED),
        "entered_at": typed(ENTERED),
        "version": "1",
        "reason": "Name read from the written authority.",
    }
    corrected = client.post(url("record_correct"), form)
    stale = client.post(url("record_correct"), form | {"authorised_by": "Inspector Shore"})
    withdrawn = client.post(url("record_withdraw"), {"version": "2", "reason": "Recorded on the wrong warrant."})

    assert corrected.status_code == 302 and corrected["Location"] == warrant_page
    assert stale.status_code == 409
    assert withdrawn.status_code == 302
    page = client.get(warrant_page).content.decode()
    assert "<del>Inspector Shaw</del>" in page and url("record_correct") not in page
    history = client.get(url("record_history")).content.decode()
    assert "Name read from the written authority." in history and "Recorded on the wrong warrant." in history
