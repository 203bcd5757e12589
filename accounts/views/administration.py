"""User administration for an administrator of a force (docs/administration.md), and the public page
where an invited person sets their first password.

Every page is for administrators (403 for anyone else); a person or request of another force is
"not found" (404), as a missing one; an administrator's own account is refused (403) on every page
that changes something. `accounts.permissions` decides and records each refusal; the services in
`accounts.services.people` and `accounts.services.requests` do the work and audit it.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import user_has_device

from accounts.forms import (
    DecisionForm,
    DisableForm,
    InviteForm,
    PeopleSearchForm,
    RolesForm,
    TeamRequestForm,
    TeamsForm,
)
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.permissions import ensure_administrator, get_person_for_administration, get_request_for_decision
from accounts.roles import ROLES
from accounts.selectors import (
    locked_out_usernames,
    pending_requests_for,
    people_of_force,
    recent_requests_for,
    requests_about,
    teams_of_force,
    teams_of_other_forces,
)
from accounts.services import user_disable
from accounts.services.people import (
    INVITATION_INVALID,
    invitation_accept,
    invitation_find,
    user_enable,
    user_invite,
    user_invite_again,
    user_request_team,
    user_reset_two_factor,
    user_set_roles,
    user_set_teams,
    user_unlock,
)
from accounts.services.requests import access_request_approve, access_request_refuse
from safeguard.forms import add_service_error

PEOPLE_PER_PAGE = 50
NAV = "administration"


@require_GET
def people(request: AuthenticatedHttpRequest) -> HttpResponse:
    ensure_administrator(request.user, action="people_list")
    form = PeopleSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(people_of_force(request.user, query=query), PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    locked = locked_out_usernames([person.username for person in page])
    context = {"form": form, "page": page, "query": query, "locked": locked, "nav": NAV}
    context["pending_count"] = pending_requests_for(request.user).count()
    return render(request, "accounts/administration/people.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def invite(request: AuthenticatedHttpRequest) -> HttpResponse:
    ensure_administrator(request.user, action="user_invite")
    form = InviteForm(request.POST or None, teams=teams_of_force(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            person, _link = user_invite(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Invitation sent to {person.email}. The link works once.")
            return redirect("administration:person", pk=person.pk)
    return _form_page(request, form, title="Invite a person", submit="Send invitation")


@require_GET
def person(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    shown = get_person_for_administration(request.user, pk, action="person_view", own_account_allowed=True)
    return _person_page(request, shown)


def _person_page(request: AuthenticatedHttpRequest, shown: User, *, status: int = 200) -> HttpResponse:
    context = {
        "person": shown,
        "roles": sorted(shown.groups.filter(name__in=ROLES).values_list("name", flat=True)),
        "teams": shown.teams.select_related("force"),
        "locked": bool(locked_out_usernames([shown.username])),
        "has_authenticator": user_has_device(shown, confirmed=True),
        "invited": not shown.has_usable_password(),
        "requests": requests_about(shown)[:20],
        "own_account": shown.pk == request.user.pk,
        "nav": NAV,
    }
    return render(request, "accounts/administration/person.html", context, status=status)


def _person_form(
    request: AuthenticatedHttpRequest,
    pk: int,
    *,
    action: str,
    make_form: Callable[[User], Any],
    save: Callable[[User, dict[str, Any]], str],
    title: str,
    submit: str,
) -> HttpResponse:
    """A form about one person: refused for another force's person (404) or one's own account (403)."""
    shown = get_person_for_administration(request.user, pk, action=action)
    form = make_form(shown)
    if request.method == "POST" and form.is_valid():
        try:
            message = save(shown, form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, message)
            return redirect("administration:person", pk=shown.pk)
    return _form_page(request, form, title=title, submit=submit, person=shown)


@require_http_methods(["GET", "POST"])
def person_teams(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def make_form(shown: User) -> TeamsForm:
        own = teams_of_force(request.user)
        initial = {"teams": list(shown.teams.filter(pk__in=own.values("pk")))}
        return TeamsForm(request.POST or None, teams=own, initial=initial)

    def save(shown: User, data: dict[str, Any]) -> str:
        user_set_teams(actor=request.user, person=shown, **data)
        return "Teams saved."

    return _person_form(
        request, pk, action="user_set_teams", make_form=make_form, save=save, title="Teams", submit="Save teams"
    )


@require_http_methods(["GET", "POST"])
def person_roles(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def make_form(shown: User) -> RolesForm:
        initial = {"roles": list(shown.groups.filter(name__in=ROLES).values_list("name", flat=True))}
        return RolesForm(request.POST or None, initial=initial)

    def save(shown: User, data: dict[str, Any]) -> str:
        asked = user_set_roles(actor=request.user, person=shown, **data)
        if asked:
            roles = ", ".join(request.role for request in asked)
            return f"Roles saved. Sent for a second administrator to approve: {roles}."
        return "Roles saved."

    return _person_form(
        request, pk, action="user_set_roles", make_form=make_form, save=save, title="Roles", submit="Save roles"
    )


@require_http_methods(["GET", "POST"])
def person_team_request(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def make_form(shown: User) -> TeamRequestForm:
        return TeamRequestForm(request.POST or None, teams=teams_of_other_forces(request.user))

    def save(shown: User, data: dict[str, Any]) -> str:
        user_request_team(actor=request.user, person=shown, **data)
        return "Sent to an administrator of that team's force to approve."

    return _person_form(
        request,
        pk,
        action="user_request_team",
        make_form=make_form,
        save=save,
        title="Ask for membership of another force's team",
        submit="Send for approval",
    )


@require_http_methods(["GET", "POST"])
def person_disable(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def save(shown: User, data: dict[str, Any]) -> str:
        ended = user_disable(user=shown, actor=request.user, **data)
        return f"Account disabled; {ended} session(s) ended."

    return _person_form(
        request,
        pk,
        action="user_disable",
        make_form=lambda shown: DisableForm(request.POST or None),
        save=save,
        title="Disable the account",
        submit="Disable",
    )


def _person_action(
    request: AuthenticatedHttpRequest, pk: int, *, action: str, act: Callable[[User], str]
) -> HttpResponse:
    """A button on the person's page: one service call, then back to the page with what happened."""
    shown = get_person_for_administration(request.user, pk, action=action)
    try:
        messages.success(request, act(shown))
    except ValidationError as error:
        # Nothing was changed: the page again, with why.
        messages.error(request, " ".join(error.messages))
        return _person_page(request, shown, status=400)
    return redirect("administration:person", pk=shown.pk)


@require_POST
def person_enable(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def act(shown: User) -> str:
        user_enable(actor=request.user, person=shown)
        return "Account enabled: the person can sign in again."

    return _person_action(request, pk, action="user_enable", act=act)


@require_POST
def person_unlock(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def act(shown: User) -> str:
        user_unlock(actor=request.user, person=shown)
        return "Account unlocked: the person can try to sign in again."

    return _person_action(request, pk, action="user_unlock", act=act)


@require_POST
def person_reset_two_factor(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def act(shown: User) -> str:
        user_reset_two_factor(actor=request.user, person=shown)
        return "Authenticator reset: the person sets up a new app at their next sign-in."

    return _person_action(request, pk, action="user_reset_two_factor", act=act)


@require_POST
def person_invite_again(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    def act(shown: User) -> str:
        user_invite_again(actor=request.user, person=shown)
        return f"A new invitation was sent to {shown.email}; earlier links no longer work."

    return _person_action(request, pk, action="user_invite_again", act=act)


@require_GET
def requests(request: AuthenticatedHttpRequest) -> HttpResponse:
    ensure_administrator(request.user, action="access_request_list")
    return _requests_page(request)


def _requests_page(request: AuthenticatedHttpRequest, *, status: int = 200) -> HttpResponse:
    context = {
        "pending": pending_requests_for(request.user),
        "recent": recent_requests_for(request.user),
        "decision_form": DecisionForm(),
        "nav": NAV,
    }
    return render(request, "accounts/administration/requests.html", context, status=status)


def _decide(request: AuthenticatedHttpRequest, pk: int, *, approve: bool) -> HttpResponse:
    action = "access_request_approve" if approve else "access_request_refuse"
    access_request = get_request_for_decision(request.user, pk, action=action)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        # A note that cannot be kept (too long, a null character): nothing is decided; the list
        # again, saying what is wrong with the note.
        messages.error(
            request,
            " ".join(
                f"{form.fields[name].label}: {' '.join(map(str, errors))}" for name, errors in form.errors.items()
            ),
        )
        return _requests_page(request, status=400)
    note = form.cleaned_data["note"]
    decide = access_request_approve if approve else access_request_refuse
    try:
        decide(access_request=access_request, actor=request.user, note=note)
    except ValidationError as error:
        # Already decided or lapsed: nothing was changed; the list again, with why.
        messages.error(request, " ".join(error.messages))
        return _requests_page(request, status=400)
    messages.success(request, "Request approved: the change is made." if approve else "Request refused.")
    return redirect("administration:requests")


@require_POST
def request_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=True)


@require_POST
def request_refuse(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=False)


def _form_page(
    request: AuthenticatedHttpRequest, form: Any, *, title: str, submit: str, person: User | None = None
) -> HttpResponse:
    context = {"form": form, "title": title, "submit": submit, "person": person, "nav": NAV}
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/administration/form.html", context, status=status)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Set a first password from an invitation link. A used, expired or unknown link gets the same
    answer (400), so the page does not tell which."""
    found = invitation_find(token)
    if found is None:
        return render(request, "registration/invitation_invalid.html", {"message": INVITATION_INVALID}, status=400)
    form = SetPasswordForm(found.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation_accept(token=token, password=form.cleaned_data["new_password1"])
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Password set. Sign in with it; you will then set up your authenticator app.")
            return redirect(reverse("login"))
    status = 400 if form.errors else 200
    return render(request, "registration/invitation.html", {"form": form, "person": found.user}, status=status)
