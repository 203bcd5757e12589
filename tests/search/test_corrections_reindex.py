"""The identifier index follows corrections and withdrawals, for every record type it reads.

Each record type of the correction registry that the index reads (`INDEXED_MODELS`) is corrected
through the registry, as the correction page does: the search then finds the new value and not the
old. Each such type that can be withdrawn is withdrawn: the search and deconfliction no longer find
it, and its matches are no longer shown. A correction that makes a new match notifies once, as a
first entry does. The registry and the index's record types are walked, so a new indexed type
without a test here (and so without its index following its corrections) fails.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse

from accounts.roles import AUDITOR
from audit.models import AuditEntry
from cases.corrections import RECORD_TYPES
from cases.models import Case, Correctable, DeconflictionMatch, Device, IndexedIdentifier, Notification, Subject
from cases.selectors import identifiers_found, matches_of, matches_of_record
from cases.services.case import premises_add, subject_add
from cases.services.corrections import record_field, record_withdraw
from cases.services.identifiers import INDEXED_MODELS, identifiers_index
from cases.services.search import device_record
from tests.factories.people import UserFactory
from tests.search.conftest import open_case

pytestmark = pytest.mark.django_db

BORN = date(1980, 5, 17)


@dataclass(frozen=True)
class Scenario:
    """A record of the type, made as its recording service makes it, and a correction of an indexed value."""

    make: Callable[[Case, Any], models.Model]
    changes: dict[str, Any]
    old: str | None  # a search for the value before (None: the correction leaves the indexed values)
    new: str  # a search for the value after
    matched: bool = True  # compared across investigations (exhibit references are searched only)


SCENARIOS: dict[str, Scenario] = {
    "case": Scenario(make=lambda case, actor: case, changes={"district": "Stafford North"}, old=None, new=""),
    "subject": Scenario(
        make=lambda case, actor: subject_add(
            case=case, actor=actor, full_name="Jonathon Quillfeather", date_of_birth=BORN, pnc_id="09/123456A"
        ),
        changes={"full_name": "Bartholomew Vexington", "pnc_id": "11/654321B"},
        old="Jonathon Quillfeather",
        new="Bartholomew Vexington",
    ),
    "premises": Scenario(
        make=lambda case, actor: premises_add(case=case, actor=actor, address="12 Acacia Avenue", postcode="ST16 2AA"),
        changes={"address": "7 Marlpit Crescent", "postcode": "WS11 1DB"},
        old="Acacia Avenue",
        new="Marlpit Crescent",
    ),
    "device": Scenario(
        make=lambda case, actor: device_record(
            case=case,
            actor=actor,
            exhibit_reference="QKW/17",
            device_type=Device.Type.LAPTOP,
            action=Device.Action.SEIZED,
        ),
        changes={"exhibit_reference": "ZRT/42"},
        old="QKW/17",
        new="ZRT/42",
        matched=False,
    ),
}


def indexed_keys() -> set[str]:
    return {key for key, kind in RECORD_TYPES.items() if issubclass(kind.model, INDEXED_MODELS)}


def test_every_indexed_record_type_of_the_registry_is_tested_here():
    assert indexed_keys() == set(SCENARIOS)


def test_every_correctable_record_type_of_the_index_is_in_the_registry():
    """A record the index reads that can be withdrawn is corrected and withdrawn through the registry,
    the path that indexes it again."""
    registered = {kind.model for kind in RECORD_TYPES.values()}
    for model in INDEXED_MODELS:
        if issubclass(model, Correctable):
            assert model in registered, f"{model._meta.label} is indexed and correctable but not in RECORD_TYPES"


def current_values(record: models.Model, key: str) -> dict[str, Any]:
    """The values of the correction form's fields as the record stands, as the services take them."""
    values: dict[str, Any] = {}
    for name in RECORD_TYPES[key].form.base_fields:
        try:
            field = record_field(record, name)
        except FieldDoesNotExist:
            continue
        values[name] = list(getattr(record, name).all()) if field.many_to_many else getattr(record, name)
    return values


def correct(key: str, record: Any, actor: Any, **changes: Any) -> None:
    record.refresh_from_db()
    data = {**current_values(record, key), **changes, "reason": "Entered wrongly.", "version": record.version}
    RECORD_TYPES[key].correct(record, actor, data)


def found_for(user: Any, q: str, record: models.Model) -> list[IndexedIdentifier]:
    return [
        entry
        for entry in identifiers_found(user, q)
        if (entry.source_type, entry.source_id) == (record._meta.label, record.pk)
    ]


@pytest.mark.parametrize("key", sorted(SCENARIOS))
def test_a_correction_is_found_by_its_new_value_and_not_its_old(key, team, officer, supervisor):
    scenario = SCENARIOS[key]
    case = open_case(officer, team, supervisor)
    record = scenario.make(case, officer)
    new = scenario.new or case.reference
    if scenario.old is not None:
        assert found_for(officer, scenario.old, record)
        assert not found_for(officer, new, record)

    correct(key, record, officer, **scenario.changes)

    assert found_for(officer, new, record)
    if scenario.old is not None:
        assert not found_for(officer, scenario.old, record)
    # One current row per value: the old ones are kept, superseded, not added to.
    current = IndexedIdentifier.objects.filter(
        source_type=record._meta.label, source_id=record.pk, superseded_at__isnull=True
    )
    assert len(current) == len({(row.kind, row.value) for row in current})


def test_a_corrected_pnc_id_is_found_and_the_old_one_is_not(team, officer, supervisor):
    case = open_case(officer, team, supervisor)
    subject = subject_add(case=case, actor=officer, full_name="Ann Example", pnc_id="09/123456A")

    correct("subject", subject, officer, pnc_id="11/654321B")

    assert found_for(officer, "11/654321B", subject)
    assert not found_for(officer, "09/123456A", subject)


def two_subjects(ours_name: str, theirs_name: str, *, ours: tuple, theirs: tuple) -> Subject:
    """A subject on a new case of ours and one on a new case of the neighbouring force, both born on
    BORN; returns ours. `ours` and `theirs` are (team, officer, supervisor)."""
    their_team, their_officer, their_supervisor = theirs
    subject_add(
        case=open_case(their_officer, their_team, their_supervisor),
        actor=their_officer,
        full_name=theirs_name,
        date_of_birth=BORN,
    )
    team, officer, supervisor = ours
    case = open_case(officer, team, supervisor)
    return subject_add(case=case, actor=officer, full_name=ours_name, date_of_birth=BORN)


def test_a_new_spelling_of_the_same_value_keeps_its_row_and_its_matches(team, officer, supervisor, neighbours):
    ours = two_subjects("Mary O'Neil", "Mary ONeil", ours=(team, officer, supervisor), theirs=neighbours)
    [match] = matches_of_record(ours)

    correct("subject", ours, officer, full_name="MARY O'NEIL")

    assert list(matches_of_record(ours)) == [match]
    ours_row = match.first if match.first.source_id == ours.pk else match.second
    ours_row.refresh_from_db()
    assert ours_row.shown == "MARY O'NEIL" and ours_row.superseded_at is None
    assert Notification.objects.filter(match=match).count() == 4


# --- Withdrawn records ---------------------------------------------------------------------------


WITHDRAWABLE = sorted(key for key in SCENARIOS if RECORD_TYPES[key].dependants is not None)


def test_each_withdrawable_indexed_type_is_withdrawn_here():
    assert sorted(key for key in indexed_keys() if RECORD_TYPES[key].dependants is not None) == WITHDRAWABLE


def withdraw(key: str, record: Any, actor: Any) -> None:
    kind = RECORD_TYPES[key]
    assert kind.dependants is not None
    record.refresh_from_db()
    record_withdraw(
        case=record.case,
        record_type=key,
        record=record,
        actor=actor,
        reason="Added to the wrong case.",
        version=record.version,
        describe=kind.describe(record),
        dependants=kind.dependants,
    )


@pytest.mark.parametrize("key", WITHDRAWABLE)
def test_a_withdrawn_record_is_no_longer_searched_matched_or_shown(key, team, officer, supervisor, neighbours):
    their_team, their_officer, their_supervisor = neighbours
    scenario = SCENARIOS[key]
    ours = scenario.make(open_case(officer, team, supervisor), officer)
    theirs_case = open_case(their_officer, their_team, their_supervisor)
    theirs = scenario.make(theirs_case, their_officer)
    assert scenario.old is not None and found_for(officer, scenario.old, ours)
    if not scenario.matched:
        withdraw(key, ours, officer)
        assert not found_for(officer, scenario.old, ours)
        return
    assert matches_of_record(ours).exists() and matches_of(case=theirs_case).exists()

    withdraw(key, ours, officer)

    assert not found_for(officer, scenario.old, ours)
    assert not matches_of_record(ours).exists()
    assert not matches_of(case=theirs_case).exists()
    assert not matches_of_record(theirs).exists()
    # Kept, for the record: the match and its audit entries stay.
    assert DeconflictionMatch.objects.count() >= 1
    # A third investigation with the same value matches only the record still held.
    third_team, third_officer, third_supervisor = team, officer, supervisor
    third = scenario.make(open_case(third_officer, third_team, third_supervisor), third_officer)
    others = {
        (m.first.source_id if m.second.source_id == third.pk else m.second.source_id) for m in matches_of_record(third)
    }
    assert others == {theirs.pk}


def test_indexing_a_withdrawn_record_again_adds_nothing(team, officer, supervisor):
    subject = subject_add(case=open_case(officer, team, supervisor), actor=officer, full_name="Ann Example")
    withdraw("subject", subject, officer)
    subject.refresh_from_db()

    assert identifiers_index(record=subject, actor=officer) == []
    assert not IndexedIdentifier.objects.filter(
        source_type="cases.Subject", source_id=subject.pk, superseded_at__isnull=True
    ).exists()


# --- A correction that makes a match ---------------------------------------------------------------


@pytest.fixture
def near_miss(team, officer, supervisor, neighbours) -> Subject:
    """Our subject, a name's letter away from a subject of the neighbouring force with the same date of birth."""
    ours = two_subjects("Petra Lindqvist", "Peter Lindqvist", ours=(team, officer, supervisor), theirs=neighbours)
    assert not matches_of_record(ours).exists()
    return ours


def test_a_correction_that_makes_a_match_notifies_once_and_is_audited(near_miss, officer):
    ours = near_miss

    correct("subject", ours, officer, full_name="Peter Lindqvist")
    correct("subject", ours, officer, notes="Seen at the address.")
    correct("subject", ours, officer, full_name="PETER LINDQVIST")

    [match] = matches_of_record(ours)
    notified = Notification.objects.filter(match=match)
    assert sorted(n.recipient.username for n in notified) == ["dc.hughes", "dc.war", "ds.okafor", "ds.war"]
    audited = AuditEntry.objects.filter(kind=AuditEntry.Kind.LINK, object_id=str(match.pk))
    assert [entry.changes["event"] for entry in audited] == ["found"]


def test_the_correction_page_shows_the_notice_of_a_match_it_makes_once(client, near_miss, officer):
    ours = near_miss
    client.force_login(officer)
    url = reverse(
        "cases:record_correct", kwargs={"reference": ours.case.reference, "record_type": "subject", "pk": ours.pk}
    )
    values = {"full_name": "Peter Lindqvist", "date_of_birth": BORN.isoformat(), "pnc_id": "", "notes": ""}

    made = client.post(url, {**values, "reason": "Misread from the referral.", "version": "1"}, follow=True)
    again = client.post(url, {**values, "notes": "Seen.", "reason": "Notes added.", "version": "2"}, follow=True)

    [match] = matches_of_record(ours)
    link = reverse("cases:match_detail", kwargs={"pk": match.pk})
    notice = "Deconfliction: this person matches one held in another investigation"
    assert notice in made.content.decode() and link in made.content.decode()
    # Not noticed again; still listed in the case page's deconfliction panel.
    assert notice not in again.content.decode()
    assert link in again.content.decode().split('id="deconfliction-title"')[1]


NO_LONGER_CURRENT = "no longer current"


def test_a_withdrawn_records_match_is_kept_but_no_longer_current(client, team, officer, supervisor, neighbours):
    ours = two_subjects("Ann Example", "Ann Example", ours=(team, officer, supervisor), theirs=neighbours)
    [match] = matches_of_record(ours)
    auditor = UserFactory(username="auditor.lee", force=team.force, roles=[AUDITOR])
    page = reverse("cases:match_detail", kwargs={"pk": match.pk})
    client.force_login(officer)
    assert NO_LONGER_CURRENT not in client.get(page).content.decode().lower()

    withdraw("subject", ours, officer)

    assert NO_LONGER_CURRENT in client.get(page).content.decode().lower()
    client.force_login(auditor)
    assert NO_LONGER_CURRENT in client.get(reverse("cases:match_list")).content.decode().lower()
