"""Correcting a record, withdrawing one entered in error, and reading its every version: one set of
pages for every record type in `cases.corrections.RECORD_TYPES`, at the case's addresses, and for a
referral not developed into a case, its identifiers and its communications-data requests, at the
referral's (`/referrals/<pk>/records/...`).

Access is the first entry's: the correction and withdrawal pages need the capability the record's
type is recorded with (`RecordType.capability`), the history page only sight of the case. A record
of another case, or of a type not listed, is a 404 like any record not found. A referral's records
are corrected by whoever may see the referral (`get_referral_for_user`: who may record referrals and
their identifiers); once it is developed into a case, its pages send the person on to the case's,
where the case's rules apply (a case they may not see: a 403 naming no case).
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.roles import Capability
from cases.corrections import RECORD_TYPES, RecordType, initial_values
from cases.forms.corrections import WithdrawForm
from cases.models import Case, RecordVersion, Referral
from cases.permissions import (
    RECORD_NOT_FOUND,
    VIEW,
    deny,
    get_case_for_user,
    get_child_or_404,
    get_referral_child_or_404,
    get_referral_for_user,
    not_found,
    require_case_allows,
)
from cases.selectors import cases_visible_to, referral_has_case
from cases.services.corrections import record_withdraw, versions_of
from cases.services.versions import first_entry
from cases.views.find import show_deconfliction_notices
from cases.views.stage import record_stage, shown_value

TYPE_NOT_FOUND = "No such kind of record."
REFERRAL_ON_A_CASE_NOT_SEEN = (
    "This referral was developed into a case you cannot see: its records are corrected there, by who may record on it."
)


@dataclass(frozen=True)
class Place:
    """Where a record's pages are: its case, or the referral it belongs to while that has no case."""

    case: Case | None = None
    referral: Referral | None = None

    def page_url(self, page: str, key: str, pk: int) -> str:
        """The record's `page`: "correct", "withdraw" or "history"."""
        if self.case is not None:
            kwargs: dict[str, Any] = {"reference": self.case.reference, "record_type": key, "pk": pk}
            return reverse(f"cases:record_{page}", kwargs=kwargs)
        assert self.referral is not None, "a record's pages are its case's or its referral's"
        kwargs = {"pk": self.referral.pk, "record_type": key, "record_pk": pk}
        return reverse(f"cases:referral_record_{page}", kwargs=kwargs)

    def record_url(self, kind: RecordType, record: Any) -> str:
        if self.case is not None:
            return kind.url(self.case, record)
        assert self.referral is not None, "a record's pages are its case's or its referral's"
        return f"{reverse('cases:referral_detail', kwargs={'pk': self.referral.pk})}#{kind.on_referral}"

    def context(self) -> dict[str, Any]:
        """What the pages show of the place: the breadcrumbs, the way back, the section of the menu."""
        if self.case is not None:
            back = {"back_url": self.case.get_absolute_url(), "back_label": self.case.reference}
            return {"case": self.case, "nav": "cases", **back}
        assert self.referral is not None, "a record's pages are its case's or its referral's"
        back_url = reverse("cases:referral_detail", kwargs={"pk": self.referral.pk})
        return {"referral": self.referral, "nav": "referrals", "back_url": back_url, "back_label": str(self.referral)}


def _record_for_change(
    user: User, reference: str, record_type: str, pk: int, *, withdraw: bool = False
) -> tuple[Place, RecordType, Any]:
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
    return Place(case=case), kind, _record(case, kind.model, pk, user, kind.via)


def _record_for_history(user: User, reference: str, record_type: str, pk: int) -> tuple[Place, RecordType, Any]:
    """As `_record_for_change`, for reading a record's history (sight of the case is enough)."""
    kind = RECORD_TYPES.get(record_type)
    case = get_case_for_user(user, reference)
    if kind is None:
        raise Http404(TYPE_NOT_FOUND)
    return Place(case=case), kind, _record(case, kind.model, pk, user, kind.via)


def _record(case: Case, model: type, pk: int, user: User, via: str = "case") -> Any:
    """The record `pk` of `case` (for the case's own details, the case itself); any other is a 404."""
    if model is Case:
        if pk != case.pk:  # another case's id: refused, and recorded, as a case not found
            raise not_found(user, Case, str(pk), VIEW, RECORD_NOT_FOUND)
        return case
    return get_child_or_404(case, model, pk, via=via)


class OnTheCase(Exception):  # not an error: where the page is now
    """The referral was developed into a case `user` may see: the record's page is the case's."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def _referral_record(
    user: User, pk: int, record_type: str, record_pk: int, page: str, *, withdraw: bool = False
) -> tuple[Place, RecordType, Any]:
    """The referral, the record type and the record (the referral itself, or an identifier or a
    request of it), for `user`, who may see the referral (who may record referrals), to read or
    change it on the referral's pages. The referral is fetched first, whatever the rest of the
    address, so that a hidden referral and a missing one do the same work. A referral developed into
    a case: `OnTheCase` with the case's page if `user` may see the case, else a 403."""
    kind = RECORD_TYPES.get(record_type)
    referral = get_referral_for_user(user, pk, action=VIEW if page == "history" else Capability.REFERRALS)
    if kind is None or kind.on_referral is None or (withdraw and kind.dependants is None):
        raise Http404(TYPE_NOT_FOUND)
    case = cases_visible_to(user).filter(referral=referral).first()
    if case is not None:
        raise OnTheCase(Place(case=case).page_url(page, kind.key, record_pk))
    if referral_has_case(referral):
        deny(user, Referral, referral.pk, page)
        raise PermissionDenied(REFERRAL_ON_A_CASE_NOT_SEEN)
    if kind.model is Referral:
        if record_pk != referral.pk:  # another referral's id: refused, and recorded, as not found
            raise not_found(user, Referral, record_pk, VIEW, RECORD_NOT_FOUND)
        return Place(referral=referral), kind, referral
    return Place(referral=referral), kind, get_referral_child_or_404(referral, kind.model, record_pk, user=user)


def _correct(request: AuthenticatedHttpRequest, kind: RecordType, record: Any, data: dict[str, Any]) -> RecordVersion:
    """The correction, then a notice for each deconfliction match its new values made, as on a first entry."""
    started = timezone.now()
    version = kind.correct(record, request.user, data)
    show_deconfliction_notices(request, record, since=started)
    return version


def _correct_page(request: AuthenticatedHttpRequest, place: Place, kind: RecordType, record: Any) -> HttpResponse:
    form = kind.make_form(place.case, request.POST or None, record)
    return record_stage(
        request,
        case=place.case,
        form=form,
        save=lambda data: _correct(request, kind, record, data),
        title=f"Correct: {kind.describe(record)}",
        success=f"{kind.label} corrected.",
        submit="Save the correction",
        redirect_to=place.record_url(kind, record),
        current=lambda current: initial_values(kind.form, current),
        extra={
            **place.context(),
            "history_url": place.page_url("history", kind.key, record.pk),
            "withdrawn": getattr(record, "withdrawn_at", None),
        },
        template="cases/records/correct.html",
    )


def _withdraw_page(request: AuthenticatedHttpRequest, place: Place, kind: RecordType, record: Any) -> HttpResponse:
    dependants = kind.dependants
    assert dependants is not None, "a type never withdrawn has no withdrawal page"
    form = WithdrawForm(request.POST or None, initial={"version": record.version})
    withdraw = kind.withdraw

    def save(data: dict[str, Any]) -> RecordVersion:
        if withdraw is not None:
            return withdraw(record, request.user, data)
        return record_withdraw(
            case=place.case,
            referral=place.referral,
            record_type=kind.key,
            record=record,
            actor=request.user,
            describe=kind.describe(record),
            dependants=dependants,
            **data,
        )

    return record_stage(
        request,
        case=place.case,
        form=form,
        save=save,
        title=f"Withdraw as entered in error: {kind.describe(record)}",
        success=f"{kind.label} withdrawn as entered in error.",
        submit="Withdraw the record",
        redirect_to=place.record_url(kind, record),
        extra={
            **place.context(),
            "history_url": place.page_url("history", kind.key, record.pk),
            "withdrawn": record.withdrawn_at,
        },
        template="cases/records/correct.html",
    )


@require_http_methods(["GET", "POST"])
def record_correct(request: AuthenticatedHttpRequest, reference: str, record_type: str, pk: int) -> HttpResponse:
    return _correct_page(request, *_record_for_change(request.user, reference, record_type, pk))


@require_http_methods(["GET", "POST"])
def record_withdraw_view(request: AuthenticatedHttpRequest, reference: str, record_type: str, pk: int) -> HttpResponse:
    return _withdraw_page(request, *_record_for_change(request.user, reference, record_type, pk, withdraw=True))


def _first_values(kind: RecordType, case: Case | None, record: Any, versions: list[Any]) -> list[tuple[str, str]]:
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


def _history_page(request: AuthenticatedHttpRequest, place: Place, kind: RecordType, record: Any) -> HttpResponse:
    """Every version of a record: its first entry (who and when, from the audit trail), then each
    correction, withdrawal, reopening or closing again, with the reason and each value before and after."""
    versions = list(versions_of(place.case, kind.key, record.pk, referral=place.referral))
    context = {
        **place.context(),
        "record": record,
        "label": kind.label,
        "title": f"History: {kind.describe(record)}",
        "record_url": place.record_url(kind, record),
        "created": first_entry(record),
        "first_values": _first_values(kind, place.case, record, versions),
        "versions": versions,
    }
    return render(request, "cases/records/history.html", context)


@require_GET
def record_history(request: AuthenticatedHttpRequest, reference: str, record_type: str, pk: int) -> HttpResponse:
    return _history_page(request, *_record_for_history(request.user, reference, record_type, pk))


# A referral's own records, while it has no case: the same three pages at the referral's addresses.


@require_http_methods(["GET", "POST"])
def referral_record_correct(
    request: AuthenticatedHttpRequest, pk: int, record_type: str, record_pk: int
) -> HttpResponse:
    try:
        found = _referral_record(request.user, pk, record_type, record_pk, "correct")
    except OnTheCase as moved:
        return redirect(moved.url)
    return _correct_page(request, *found)


@require_http_methods(["GET", "POST"])
def referral_record_withdraw(
    request: AuthenticatedHttpRequest, pk: int, record_type: str, record_pk: int
) -> HttpResponse:
    try:
        found = _referral_record(request.user, pk, record_type, record_pk, "withdraw", withdraw=True)
    except OnTheCase as moved:
        return redirect(moved.url)
    return _withdraw_page(request, *found)


@require_GET
def referral_record_history(
    request: AuthenticatedHttpRequest, pk: int, record_type: str, record_pk: int
) -> HttpResponse:
    try:
        found = _referral_record(request.user, pk, record_type, record_pk, "history")
    except OnTheCase as moved:
        return redirect(moved.url)
    return _history_page(request, *found)
