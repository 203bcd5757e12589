"""One search over every record, and deconfliction matches (docs/search.md)."""

from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.roles import Capability
from audit.services import audit_search
from cases.forms.find import FindForm, MatchDecisionForm
from cases.models import Case, DeconflictionMatch, IndexedIdentifier
from cases.permissions import get_match_for_user, require_capability
from cases.selectors import SideView, identifiers_found, match_sides, matches_of, matches_of_record
from cases.services.identifiers import (
    audit_match,
    deconfliction_match_confirm,
    deconfliction_match_undo,
    match_recordable_by,
    match_state,
)
from cases.views.stage import add_service_error

MATCHES_PER_PAGE = 50
# The newest matches a case page lists (each reads both its sides, as the match page does); the
# inbox and the auditors' list hold every one.
PANEL_MATCHES = 20
NOTICE = 'Deconfliction: this {} matches one held in another investigation ({}). <a href="{}">See the match</a>.'


def _owner_label(entry: IndexedIdentifier) -> str:
    if entry.case is not None:
        return entry.case.reference
    return str(entry.referral)


@require_GET
def find(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Results grouped by kind, only of records the person may see. A query too long or with
    control characters is a 400 naming the field."""
    form = FindForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "cases/find.html", {"form": form, "groups": [], "nav": "find"}, status=400)
    q = form.cleaned_data["q"].strip() if form.is_bound else ""
    found = identifiers_found(request.user, q) if q else []
    kinds = dict(IndexedIdentifier.Kind.choices)
    found.sort(key=lambda entry: list(kinds).index(entry.kind))
    groups = [(kinds[kind], list(rows)) for kind, rows in groupby(found, key=lambda entry: entry.kind)]
    if q:
        audit_search(
            request,
            object_type=IndexedIdentifier,
            filters={"q": q},
            shown=sorted({_owner_label(entry) for entry in found}),
            page=1,
        )
    context = {"form": form, "q": q, "groups": groups, "count": len(found), "find_query": q, "nav": "find"}
    return render(request, "cases/find.html", context)


def in_sentence(label: str) -> str:
    """A kind's label inside a sentence: "Phone number" -> "phone number", "IP address" as it is."""
    return label if label[:2].isupper() else label[0].lower() + label[1:]


def show_deconfliction_notices(
    request: AuthenticatedHttpRequest, record: models.Model, *, since: datetime | None = None
) -> None:
    """After recording: a notice for each match the record's identifiers make, at once (after a
    correction, `since`: each match its new values made). Someone who may not see the other record is
    told only that a match is held and whom to contact. Each notice shown is audited as a combination
    of data."""
    matches = matches_of_record(record)
    if since is not None:
        matches = matches.filter(found_at__gte=since)
    for match in matches:
        audit_match(match, actor=request.user, event="shown", extra={"shown_to": request.user.get_username()})
        hidden = [view for view in match_sides(match, request.user) if not view.visible]
        whom = f"a match is held: contact {hidden[0].contact}" if hidden else "you may see both records"
        messages.warning(
            request,
            format_html(
                NOTICE,
                in_sentence(match.get_kind_display()),
                whom,
                reverse("cases:match_detail", kwargs={"pk": match.pk}),
            ),
        )


@dataclass(frozen=True)
class PanelRow:
    """A match of a case's identifier, as its panel on the case page shows it to one person."""

    match: DeconflictionMatch
    ours: SideView
    other: SideView


def deconfliction_panel(request: AuthenticatedHttpRequest, case: Case) -> list[PanelRow]:
    """The current matches of the case's identifiers, each as the match page shows its sides: the
    other record only to someone who may see it, otherwise whom to contact. Each match shown is
    audited as a combination of data, as on the match page."""
    rows = []
    for match in matches_of(case=case).order_by("-found_at", "-id")[:PANEL_MATCHES]:
        first, second = match_sides(match, request.user)
        ours_first = match.first.case_id == case.pk
        rows.append(PanelRow(match, *((first, second) if ours_first else (second, first))))
        audit_match(
            match, actor=request.user, event="shown", extra={"shown_to": request.user.get_username(), "on": "case page"}
        )
    return rows


@require_GET
def match_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    match = get_match_for_user(request.user, pk)
    sides = match_sides(match, request.user)
    audit_match(match, actor=request.user, event="shown", extra={"shown_to": request.user.get_username()})
    context = {
        "match": match,
        "sides": sides,
        "state": match_state(match),
        "decisions": list(match.decisions.select_related("decided_by")),
        "may_decide": match_recordable_by(match, request.user),
        "form": MatchDecisionForm(),
        "nav": "find",
    }
    return render(request, "cases/match.html", context)


def _decide(request: AuthenticatedHttpRequest, pk: int, *, confirm: bool) -> HttpResponse:
    match = get_match_for_user(request.user, pk)
    form = MatchDecisionForm(request.POST)
    if form.is_valid():
        decide = deconfliction_match_confirm if confirm else deconfliction_match_undo
        try:
            decide(match=match, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Link confirmed: same suspect." if confirm else "Link undone.")
            return redirect("cases:match_detail", pk=match.pk)
    context = {
        "match": match,
        "sides": match_sides(match, request.user),
        "state": match_state(match),
        "decisions": list(match.decisions.select_related("decided_by")),
        "may_decide": True,
        "form": form,
        "nav": "find",
    }
    return render(request, "cases/match.html", context, status=400)


@require_POST
def match_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, confirm=True)


@require_POST
def match_undo(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, confirm=False)


@require_GET
def match_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """For auditors: every deconfliction match, newest first, naming both records (references, not
    the identifiers themselves)."""
    require_capability(request.user, Capability.READ_AUDIT)
    matches = DeconflictionMatch.objects.select_related(
        "first__case", "first__referral", "second__case", "second__referral", "found_by"
    ).prefetch_related("decisions")
    page = Paginator(matches, MATCHES_PER_PAGE).get_page(request.GET.get("page"))
    audit_search(request, object_type=DeconflictionMatch, filters={}, shown=[str(m.pk) for m in page], page=page.number)
    return render(request, "cases/matches.html", {"page": page, "nav": "audit"})
