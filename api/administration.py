"""The administration pages of API clients (docs/administration.md): an administrator of a force
lists its clients, registers one (its token shown once, on the page that answers the registration)
and revokes one. Anyone else is refused (403, audited, as on every administration page); another
force's client is "not found" (404, audited), as a missing one. Registering and revoking are
audited by the row trigger, with the administrator as actor."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.permissions import ensure_administrator
from accounts.roles import Capability, roles_with
from api.forms import ClientForm
from api.models import ApiClient
from api.services import ClientError, create_client, revoke_client
from audit.models import AuditEntry
from audit.services import audit_record

LONDON = ZoneInfo("Europe/London")
NAV = "administration"
CLIENT_NOT_FOUND = "No such API client."


def _force_id(administrator: User) -> int:
    assert administrator.force_id is not None  # ensure_administrator: an administrator of a force
    return administrator.force_id


def _clients_of(administrator: User) -> list[ApiClient]:
    clients = ApiClient.objects.filter(force_id=_force_id(administrator))
    return list(clients.select_related("records_for", "created_by"))


def _recorders(administrator: User) -> QuerySet[User]:
    """The people of the force who may record referrals: whom an intake client may record for."""
    return User.objects.filter(
        force_id=_force_id(administrator), is_active=True, groups__name__in=roles_with(Capability.REFERRALS)
    ).distinct()


@require_GET
def client_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    ensure_administrator(request.user, action="api_client_list")
    context = {"clients": _clients_of(request.user), "now": timezone.now(), "nav": NAV}
    return render(request, "api/clients.html", context)


@require_http_methods(["GET", "POST"])
def client_register(request: AuthenticatedHttpRequest) -> HttpResponse:
    ensure_administrator(request.user, action="api_client_register")
    form = ClientForm(request.POST or None, recorders=_recorders(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        expires = datetime.combine(data["expires"], time.max, tzinfo=LONDON) if data["expires"] else None
        assert request.user.force is not None  # ensure_administrator: an administrator of a force
        try:
            made = create_client(
                force=request.user.force,
                name=data["name"],
                scopes=data["scopes"],
                created_by=request.user,
                records_for=data["records_for"],
                expires_at=expires,
            )
        except ClientError as error:
            field, _, message = str(error).partition(": ")
            form.add_error(field if field in form.fields else None, message)
        else:
            # The token, once: this answer is not stored by any cache (NoStoreMiddleware).
            return render(request, "api/client_token.html", {"client": made.client, "token": made.token, "nav": NAV})
    status = 400 if request.method == "POST" else 200
    return render(request, "api/client_form.html", {"form": form, "nav": NAV}, status=status)


@require_POST
def client_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ensure_administrator(request.user, action="api_client_revoke")
    client = ApiClient.objects.filter(pk=pk, force_id=_force_id(request.user)).first()
    if client is None:
        audit_record(
            kind=AuditEntry.Kind.ACCESS_DENIED,
            actor=request.user,
            object_type=ApiClient,
            object_id=str(pk),
            summary=f"Refused to revoke API client {pk}: not a client of the administrator's force",
            changes={"action": "api_client_revoke"},
            request=request,
        )
        raise Http404(CLIENT_NOT_FOUND)
    revoke_client(client=client)
    messages.success(request, f"{client.name} is revoked: its token is refused from now on.")
    return redirect("api_clients:list")
