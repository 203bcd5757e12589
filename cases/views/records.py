"""Correcting a record, withdrawing one entered in error, and reading its every version: one set of
pages for every record type in `cases.corrections.RECORD_TYPES`.

Access is the first entry's: the correction and withdrawal pages need the capability the record's
type is recorded with (`RecordType.capability`), the history page only sight of the case. A record
of another case, or of a type not listed, is a 404 like any record not found.
"""

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from cases.corrections import RECORD_TYPES, RecordType, initial_values
from cases.forms.corrections import WithdrawForm
from cases.models import Case, RecordVersion
from cases.permissions import (
    RECORD_NOT_FOUND,
    VIEW,
    get_case_for_user,
    get_child_or_404,
    not_found,
    require_case_allows,
)
from cases.services.corrections import record_withdraw, versions_of
from cases.services.versions import first_entry
from cases.views.find import show_deconfliction_notices
from cases.views.stage import record_stage, shown_value

TYPE_NOT_FOUND = "No such kind of record."


def _record_for_change(
    user: User, reference: str, record_type: str, pk: int, *, withdraw: bool = False
) -> tuple[Case, RecordType, Any]:
    """The case, the record type and the record, for `user` to correct (or `withdraw`) it with the
    type's capability. The case is fetched first, whatever the rest of the address: an address
    naming a case hidden from `user` and one naming no case do the same work (`get_case_for_user`),
    even with a type not listed. Then the type (not listed: a 404), the capability (a 403) and the
    record (a 404)."""
    kind = RECORD_TYPES.get(record_type)
    case = get_case_for_user(user, reference, action=kind.capability if kind else VIEW)
    if kind is None or (withdraw and kind.dependants is None):
        raise Http404(TYPE_NOT_FOUND)
    require_case_allows(case, user, kind.capability)
    return case, kind, _record(case, kind.model, pk, user, kind.via)


def _record_for_history(user: User, reference: str, record_type: str, pk: int) -> tuple[Case, RecordType, Any]:
    """As `_record_for_change`, for reading a record's history (sight of the case is enough)."""
    kind = RECORD_TYPES.get(record_type)
    case = get_case_for_user(user, reference)
    if kind is None:
        raise Http404(TYPE_NOT_FOUND)
    return case, kind, _record(case, kind.model, pk, user, kind.via)


def _record(case: Case, model: type, pk: int, user: User, via: str = "case") -> Any:
    """The record `pk` of `case` (for the case's own details, the case itself); any other is a 404."""
    if model is Case:
        if pk != case.pk:  # another case's id: refused, and recorded, as a case not found
            raise not_found(user, Case, str(pk), VIEW, RECORD_NOT_FOUND)
        return case
    return get_child_or_404(case, model, pk, via=via)


def history_url(case: Case, key: str, pk: int) -> str:
    return reverse("cases:record_history", kwargs={"reference": case.reference, "record_type": key, "pk": pk})


def _correct(request: AuthenticatedHttpRequest, kind: RecordType, record: Any, data: dict[str, Any]) -> RecordVersion:
    """The correction, then a notice for each deconfliction match its new values made, as on a first entry."""
    started = timezone.now()
    version = kind.correct(record, request.user, data)
    show_deconfliction_notices(request, record, since=started)
    return version


@require_http_methods(["GET", "POST"])
def record_correct(request: AuthenticatedHttpRequest, reference: str, record_type: str, pk: int) -> HttpResponse:
    case, kind, record = _record_for_change(request.user, reference, record_type, pk)
    form = kind.make_form(case, request.POST or None, record)
    return record_stage(
        request,
        case=case,
        form=form,
        save=lambda data: _correct(request, kind, record, data),
        title=f"Correct: {kind.describe(record)}",
        success=f"{kind.label} corrected.",
        submit="Save the correction",
        redirect_to=kind.url(case, record),
        current=lambda current: initial_values(kind.form, current),
        extra={"history_url": history_url(case, kind.key, pk), "withdrawn": getattr(record, "withdrawn_at", None)},
        template="cases/records/correct.html",
    )


@require_http_methods(["GET", "POST"])
def record_withdraw_view(request: AuthenticatedHttpRequest, reference: str, record_type: str, pk: int) -> HttpResponse:
    case, kind, record = _record_for_change(request.user, reference, record_type, pk, withdraw=True)
    dependants = kind.dependants
    assert dependants is not None, "_record_for_change(withdraw=True) refuses a type never withdrawn"
    form = WithdrawForm(request.POST or None, initial={"version": record.version})
    withdraw = kind.withdraw

    def save(data: dict[str, Any]) -> RecordVersion:
        if withdraw is not None:
            return withdraw(record, request.user, data)
        return record_withdraw(
            case=case,
            record_type=kind.key,
            record=record,
            actor=request.user,
            describe=kind.describe(record),
            dependants=dependants,
            **data,
        )

    return record_stage(
        request,
        case=case,
        form=form,
        save=save,
        title=f"Withdraw as entered in error: {kind.describe(record)}",
        success=f"{kind.label} withdrawn as entered in error.",
        submit="Withdraw the record",
        redirect_to=kind.url(case, record),
        extra={"history_url": history_url(case, kind.key, pk), "withdrawn": record.withdrawn_at},
        template="cases/records/correct.html",
    )


def _first_values(kind: RecordType, case: Case, record: Any, versions: list[Any]) -> list[tuple[str, str]]:
    """Each field's value as first entered: the value before its first change, or as it now stands."""
    form = kind.make_form(case)
    current = initial_values(kind.form, record)
    earliest: dict[str, str] = {}
    for version in versions:
        for change in version.changes:
            earliest.setdefault(change["field"], change["before"])
    return [
        (str(form[name].label), earliest.get(name) or shown_value(field, current.get(name)))
        for name, field in form.fields.items()
        if name in current and name != "version"
    ]


@require_GET
def record_history(request: AuthenticatedHttpRequest, reference: str, record_type: str, pk: int) -> HttpResponse:
    """Every version of a record: its first entry (who and when, from the audit trail), then each
    correction, withdrawal, reopening or closing again, with the reason and each value before and after."""
    case, kind, record = _record_for_history(request.user, reference, record_type, pk)
    versions = list(versions_of(case, record_type, pk))
    context = {
        "case": case,
        "nav": "cases",
        "record": record,
        "label": kind.label,
        "title": f"History: {kind.describe(record)}",
        "record_url": kind.url(case, record),
        "created": first_entry(record),
        "first_values": _first_values(kind, case, record, versions),
        "versions": versions,
    }
    return render(request, "cases/records/history.html", context)
