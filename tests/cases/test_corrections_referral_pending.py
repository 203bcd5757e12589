"""Correcting a referral not developed into a case, its identifiers (IP address, account, phone number,
e-mail address) and its communications-data requests: the same services and registry as on a case,
with the versions kept on the referral (a referral has no case log), the first entry's rules, a
reason required, a second save from an older page shown as a conflict, a withdrawn identifier out of
search and deconfliction; and, once the referral is developed, the next versions on the case,
numbered on from the referral's."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from cases.corrections import RECORD_TYPES
from cases.models import CaseLogEntry, RecordVersion, Referral, ReferralIdentifier
from cases.selectors import identifiers_found, matches_of, matches_of_record
from cases.services.case import case_open
from cases.services.corrections import (
    REASON_REQUIRED,
    RECORD_WITHDRAWN,
    REFERRAL_DEVELOPED,
    record_withdraw,
    versions_of,
)
from cases.services.referrals import (
    IDENTIFIER_IP_INVALID,
    IDENTIFIER_OBSERVED_AFTER_RECEIPT,
    IDENTIFIER_PORT_WITHOUT_IP,
    REFERRAL_DUPLICATE,
    comms_request_correct,
    comms_request_submit,
    referral_add_identifier,
    referral_correct,
    referral_create,
    referral_identifier_correct,
    referral_identifier_dependants,
)
from cases.services.versions import VersionConflict

pytestmark = pytest.mark.django_db

RECEIVED = (timezone.now() - timedelta(days=10)).replace(microsecond=0)
OBSERVED = (RECEIVED - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")


def _new_referral(officer, reference: str = "CEOP-2026-0101") -> Referral:
    return referral_create(
        actor=officer,
        force=officer.force,
        source=Referral.Source.NCA_CEOP,
        source_reference=reference,
        received_at=RECEIVED,
        risk_grade=Referral.RiskGrade.HIGH,
        platform="BitTorrent",
    )


@pytest.fixture
def referral(officer):
    return _new_referral(officer)


def _referral_values(referral: Referral, **changes: Any) -> dict[str, Any]:
    values = {
        "source": referral.source,
        "source_reference": referral.source_reference,
        "received_at": referral.received_at,
        "risk_grade": referral.risk_grade,
        "platform": referral.platform,
        "files_reported": referral.files_reported,
        "summary": referral.summary,
    }
    return {**values, **changes}


# Each kind of identifier: its first entry, a correction of it, and the values it is shown and searched by.
IDENTIFIERS: dict[str, dict[str, Any]] = {
    "ip": {
        "first": {
            "ip_address": "203.0.113.7",
            "port": 51413,
            "observed_original": OBSERVED,
            "observed_timezone": "UTC",
        },
        "corrected": {
            "ip_address": "203.0.113.9",
            "port": 6881,
            "observed_original": OBSERVED,
            "observed_timezone": "UTC",
        },
        "old": "203.0.113.7",
        "new": "203.0.113.9",
    },
    "account": {
        "first": {"account_id": "kik:shadow_77"},
        "corrected": {"account_id": "kik:shadow_71"},
        "old": "kik:shadow_77",
        "new": "kik:shadow_71",
    },
    "phone": {
        "first": {"account_id": "07700 900123"},
        "corrected": {"account_id": "07700 900132"},
        "old": "+447700900123",
        "new": "+447700900132",
    },
    "email": {
        "first": {"account_id": "First.Suspect@Example.com"},
        "corrected": {"account_id": "second.suspect@example.com"},
        "old": "first.suspect@example.com",
        "new": "second.suspect@example.com",
    },
}


def _add(referral: Referral, actor, kind: str) -> ReferralIdentifier:
    return referral_add_identifier(referral=referral, actor=actor, kind=kind, **IDENTIFIERS[kind]["first"])


def _found(user, q: str, identifier: ReferralIdentifier) -> bool:
    return any(
        (entry.source_type, entry.source_id) == (identifier._meta.label, identifier.pk)
        for entry in identifiers_found(user, q)
    )


def _withdraw(referral: Referral, identifier: ReferralIdentifier, actor, *, reason: str = "Another package's.") -> Any:
    return record_withdraw(
        case=None,
        referral=referral,
        record_type="referral_identifier",
        record=identifier,
        actor=actor,
        reason=reason,
        version=identifier.version,
        describe=RECORD_TYPES["referral_identifier"].describe(identifier),
        dependants=referral_identifier_dependants,
    )


# --- The referral itself ----------------------------------------------------------------------------


def test_a_referral_without_a_case_is_corrected_with_its_history_kept_on_the_referral(referral, officer):
    logged = CaseLogEntry.objects.count()

    version = referral_correct(
        referral=referral,
        actor=officer,
        reason="Risk grade misread from the package.",
        version=referral.version,
        **_referral_values(referral, risk_grade=Referral.RiskGrade.VERY_HIGH, files_reported=12),
    )

    referral.refresh_from_db()
    assert (referral.risk_grade, referral.files_reported, referral.version) == ("very_high", 12, 2)
    assert (version.case, version.referral, version.log_entry, version.number) == (None, referral, None, 2)
    assert {(c["label"], c["before"], c["after"]) for c in version.changes} == {
        ("Risk grade", "High", "Very high"),
        ("Files reported", "Not recorded", "12"),
    }
    assert CaseLogEntry.objects.count() == logged  # no case, no case log
    assert list(versions_of(None, "referral", referral.pk, referral=referral)) == [version]


def test_a_referral_without_a_case_takes_the_first_entrys_rules_and_a_reason(referral, officer):
    _new_referral(officer, "CEOP-2026-0102")

    with pytest.raises(ValidationError) as duplicate:
        referral_correct(
            referral=referral,
            actor=officer,
            reason="Reference.",
            version=referral.version,
            **_referral_values(referral, source_reference="CEOP-2026-0102"),
        )
    with pytest.raises(ValidationError) as no_reason:
        referral_correct(
            referral=referral, actor=officer, reason="  ", version=referral.version, **_referral_values(referral)
        )

    assert duplicate.value.message_dict["source_reference"] == [REFERRAL_DUPLICATE]
    assert no_reason.value.message_dict["reason"] == [REASON_REQUIRED]
    assert not RecordVersion.objects.filter(referral=referral).exists()


def test_a_second_save_of_a_referral_without_a_case_from_an_older_page_is_a_conflict(referral, officer, supervisor):
    referral_correct(
        referral=referral,
        actor=officer,
        reason="Platform.",
        version=1,
        **_referral_values(referral, platform="eMule"),
    )

    with pytest.raises(VersionConflict) as conflict:
        referral_correct(
            referral=referral,
            actor=supervisor,
            reason="Platform too.",
            version=1,
            **_referral_values(referral, platform="Gnutella"),
        )

    assert conflict.value.current.platform == "eMule"  # type: ignore[attr-defined]  # current is typed as any record
    referral.refresh_from_db()
    assert referral.platform == "eMule"


# --- Each kind of identifier ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(IDENTIFIERS))
def test_each_kind_of_identifier_is_corrected_and_searched_by_its_new_value(kind, referral, officer):
    identifier = _add(referral, officer, kind)
    assert _found(officer, IDENTIFIERS[kind]["old"], identifier)

    version = referral_identifier_correct(
        identifier=identifier,
        actor=officer,
        reason="Copied from the wrong line.",
        version=identifier.version,
        kind=kind,
        **IDENTIFIERS[kind]["corrected"],
    )

    identifier.refresh_from_db()
    assert str(identifier).startswith(IDENTIFIERS[kind]["new"])
    assert (version.case, version.referral, version.record_type, version.number) == (
        None,
        referral,
        "referral_identifier",
        2,
    )
    assert _found(officer, IDENTIFIERS[kind]["new"], identifier)
    assert not _found(officer, IDENTIFIERS[kind]["old"], identifier)


@pytest.mark.parametrize("kind", sorted(IDENTIFIERS))
def test_each_kind_of_identifier_is_withdrawn_and_leaves_search_and_deconfliction(kind, referral, officer):
    ours = _add(referral, officer, kind)
    theirs = _add(_new_referral(officer, "CEOP-2026-0199"), officer, kind)
    assert matches_of_record(ours).exists() and matches_of(referral=referral).exists()

    version = _withdraw(referral, ours, officer)

    ours.refresh_from_db()
    assert ours.withdrawn_at is not None and ours.withdrawn_reason == "Another package's."
    assert (version.kind, version.case, version.referral) == (RecordVersion.Kind.WITHDRAWN, None, referral)
    assert not _found(officer, IDENTIFIERS[kind]["old"], ours)
    assert _found(officer, IDENTIFIERS[kind]["old"], theirs)
    assert not matches_of_record(ours).exists()
    assert not matches_of_record(theirs).exists()
    with pytest.raises(ValidationError) as refused:
        referral_identifier_correct(
            identifier=ours,
            actor=officer,
            reason="Again.",
            version=ours.version,
            kind=kind,
            **IDENTIFIERS[kind]["corrected"],
        )
    assert refused.value.messages == [RECORD_WITHDRAWN]


@pytest.mark.parametrize("kind", sorted(IDENTIFIERS))
def test_a_second_save_of_each_kind_of_identifier_is_a_conflict(kind, referral, officer, supervisor):
    identifier = _add(referral, officer, kind)
    values = {"kind": kind, **IDENTIFIERS[kind]["corrected"]}
    referral_identifier_correct(identifier=identifier, actor=officer, reason="Typo.", version=1, **values)
    stale = ReferralIdentifier.objects.get(pk=identifier.pk)
    stale.version = 1

    with pytest.raises(VersionConflict):
        referral_identifier_correct(identifier=identifier, actor=supervisor, reason="Mine.", version=1, **values)
    with pytest.raises(VersionConflict):
        _withdraw(referral, stale, supervisor)

    assert RecordVersion.objects.filter(referral=referral, record_id=identifier.pk).count() == 1


@pytest.mark.parametrize(
    ("kind", "values", "field", "message"),
    [
        (
            "ip",
            {"ip_address": "203.0.113.300", "observed_original": OBSERVED, "observed_timezone": "UTC"},
            "ip_address",
            IDENTIFIER_IP_INVALID,
        ),
        (
            "ip",
            {
                "ip_address": "203.0.113.7",
                "observed_original": (RECEIVED + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S"),
                "observed_timezone": "UTC",
            },
            "observed_original",
            IDENTIFIER_OBSERVED_AFTER_RECEIPT,
        ),
        ("account", {"account_id": "kik:shadow_77", "port": 443}, "port", IDENTIFIER_PORT_WITHOUT_IP),
        ("phone", {"account_id": "not a number"}, "account_id", None),
        ("email", {"account_id": "no-at-sign"}, "account_id", None),
    ],
)
def test_a_correction_of_an_identifier_is_refused_by_its_first_entrys_rules(
    kind, values, field, message, referral, officer
):
    identifier = _add(referral, officer, kind)

    with pytest.raises(ValidationError) as refused:
        referral_identifier_correct(
            identifier=identifier, actor=officer, reason="Wrong.", version=identifier.version, kind=kind, **values
        )

    assert field in refused.value.message_dict
    if message is not None:
        assert refused.value.message_dict[field] == [message]
    identifier.refresh_from_db()
    assert identifier.version == 1
    assert not RecordVersion.objects.filter(referral=referral).exists()


def test_an_identifier_is_not_withdrawn_without_a_reason(referral, officer):
    identifier = _add(referral, officer, "email")

    with pytest.raises(ValidationError) as refused:
        _withdraw(referral, identifier, officer, reason=" ")

    assert refused.value.message_dict["reason"] == [REASON_REQUIRED]
    identifier.refresh_from_db()
    assert identifier.withdrawn_at is None


def test_a_request_of_a_referral_without_a_case_is_corrected(referral, officer):
    request = comms_request_submit(
        referral=referral, actor=officer, reference="CDR-1", submitted_at=RECEIVED + timedelta(hours=1)
    )

    version = comms_request_correct(
        comms_request=request,
        actor=officer,
        reason="Reference mistyped.",
        version=request.version,
        reference="CDR-11",
        submitted_at=request.submitted_at,
    )

    request.refresh_from_db()
    assert request.reference == "CDR-11"
    assert (version.case, version.referral, version.record_type) == (None, referral, "comms_request")


# --- Developed into a case ---------------------------------------------------------------------------


def test_once_developed_the_next_version_is_on_the_case_numbered_on_and_the_history_reads_both(
    referral, officer, supervisor, team
):
    identifier = _add(referral, officer, "email")
    values = {"kind": "email", **IDENTIFIERS["email"]["corrected"]}
    before = referral_identifier_correct(
        identifier=identifier, actor=officer, reason="Typo.", version=identifier.version, **values
    )
    case = case_open(
        actor=officer,
        team=team,
        officer_in_case=officer,
        supervisor=supervisor,
        opened_at=RECEIVED + timedelta(days=1),
        referral=referral,
    )
    identifier.refresh_from_db()

    after = referral_identifier_correct(
        identifier=identifier,
        actor=officer,
        reason="Second typo.",
        version=identifier.version,
        kind="email",
        account_id="third.suspect@example.com",
    )

    assert (after.case, after.referral, after.number) == (case, None, 3)
    assert after.log_entry is not None and after.log_entry.case == case
    assert list(versions_of(case, "referral_identifier", identifier.pk)) == [before, after]
    # The referral's own pages no longer change its records: the case's do.
    with pytest.raises(ValidationError) as refused:
        _withdraw(referral, identifier, officer)
    assert refused.value.messages == [REFERRAL_DEVELOPED]


def test_a_version_belongs_to_exactly_one_case_or_referral_and_only_a_referrals_record_to_a_referral(referral, officer):
    common = {"record_id": referral.pk, "number": 2, "kind": "corrected", "recorded_by": officer, "reason": "R."}

    with pytest.raises(IntegrityError), transaction.atomic():
        RecordVersion.objects.create(record_type="referral", **common)
    with pytest.raises(IntegrityError), transaction.atomic():
        RecordVersion.objects.create(record_type="arrest", referral=referral, **common)
    RecordVersion.objects.create(record_type="referral", referral=referral, **common)
    with pytest.raises(IntegrityError), transaction.atomic():
        RecordVersion.objects.create(record_type="referral", referral=referral, **common)


# --- The pages ---------------------------------------------------------------------------------------


def _page(name: str, referral: Referral, key: str, pk: int) -> str:
    return reverse(f"cases:{name}", kwargs={"pk": referral.pk, "record_type": key, "record_pk": pk})


def test_the_referral_page_links_each_record_to_its_pages_and_strikes_through_a_withdrawn_one(
    client, referral, officer
):
    kept = _add(referral, officer, "ip")
    withdrawn = _add(referral, officer, "email")
    _withdraw(referral, withdrawn, officer, reason="Belongs to another package.")
    client.force_login(officer)

    page = client.get(reverse("cases:referral_detail", kwargs={"pk": referral.pk})).content.decode()

    for key, pk in (("referral", referral.pk), ("referral_identifier", kept.pk)):
        assert _page("referral_record_correct", referral, key, pk) in page
        assert _page("referral_record_history", referral, key, pk) in page
    assert _page("referral_record_withdraw", referral, "referral_identifier", kept.pk) in page
    assert _page("referral_record_correct", referral, "referral_identifier", withdrawn.pk) not in page
    assert "<del>first.suspect@example.com</del>" in page
    # Its corrections and withdrawals are listed on its page, as a case's are in its log.
    assert "Corrections and withdrawals" in page and "Belongs to another package." in page


def test_the_correction_page_saves_with_a_reason_and_the_history_shows_both_versions(client, referral, officer):
    identifier = _add(referral, officer, "account")
    client.force_login(officer)
    url = _page("referral_record_correct", referral, "referral_identifier", identifier.pk)
    data = {"kind": "account", "account_id": "kik:shadow_71", "version": identifier.version}

    refused = client.post(url, {**data, "reason": ""})
    saved = client.post(url, {**data, "reason": "Digit misread."})
    history = client.get(_page("referral_record_history", referral, "referral_identifier", identifier.pk))

    assert refused.status_code == 400
    assert saved.status_code == 302
    assert saved.url == reverse("cases:referral_detail", kwargs={"pk": referral.pk}) + "#identifiers"
    text = history.content.decode()
    assert history.status_code == 200
    assert "Version 2: corrected" in text and "Digit misread." in text
    assert "kik:shadow_77" in text and "kik:shadow_71" in text


def test_a_save_from_an_older_page_shows_the_conflict_with_both_values(client, referral, officer, supervisor):
    identifier = _add(referral, officer, "account")
    referral_identifier_correct(
        identifier=identifier, actor=supervisor, reason="Mine.", version=1, kind="account", account_id="kik:ds_one"
    )
    client.force_login(officer)

    response = client.post(
        _page("referral_record_correct", referral, "referral_identifier", identifier.pk),
        {"kind": "account", "account_id": "kik:dc_two", "version": 1, "reason": "Theirs."},
    )

    text = response.content.decode()
    assert response.status_code == 409
    assert "kik:ds_one" in text and "kik:dc_two" in text
    identifier.refresh_from_db()
    assert identifier.account_id == "kik:ds_one"


def test_the_withdrawal_page_withdraws_with_a_reason(client, referral, officer):
    identifier = _add(referral, officer, "phone")
    client.force_login(officer)
    url = _page("referral_record_withdraw", referral, "referral_identifier", identifier.pk)

    response = client.post(url, {"reason": "Another package's number.", "version": identifier.version})

    assert response.status_code == 302
    identifier.refresh_from_db()
    assert identifier.withdrawn_reason == "Another package's number."
    assert RecordVersion.objects.get(referral=referral, record_id=identifier.pk).kind == "withdrawn"


def test_the_pages_are_audited_as_reads_and_the_correction_as_a_change(client, referral, officer):
    identifier = _add(referral, officer, "account")
    client.force_login(officer)
    url = _page("referral_record_correct", referral, "referral_identifier", identifier.pk)
    start = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

    client.get(url)
    read_done = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    client.post(
        url, {"kind": "account", "account_id": "kik:shadow_71", "version": identifier.version, "reason": "Misread."}
    )

    [read] = AuditEntry.objects.filter(id__gt=start, id__lte=read_done, kind=AuditEntry.Kind.READ)
    assert (read.actor_id, read.object_type, read.object_id) == (
        officer.pk,
        "cases.ReferralIdentifier",
        str(identifier.pk),
    )
    assert [item[:2] for item in read.changes["read"]] == [
        ["cases.Referral", str(referral.pk)],
        ["cases.ReferralIdentifier", str(identifier.pk)],
    ]
    changed = AuditEntry.objects.filter(id__gt=read_done, kind=AuditEntry.Kind.CHANGE, actor=officer)
    assert changed.filter(object_type="cases.ReferralIdentifier", object_id=str(identifier.pk)).exists()
    assert AuditEntry.objects.filter(
        id__gt=read_done, kind=AuditEntry.Kind.CREATE, object_type="cases.RecordVersion"
    ).exists()
