"""The request type of a page that only a signed-in person reaches, for code below the accounts app
(the audit trail's pages): `user` is a signed-in user of the model `AUTH_USER_MODEL` names, never an
`AnonymousUser`. It imports no app: the type checker's Django plugin reads the user model from the
settings. Views above accounts take `accounts.http.AuthenticatedHttpRequest`, the same type."""

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import _User


class SignedInHttpRequest(HttpRequest):
    """A request that `LoginRequiredMiddleware` let through, so `user` is not an `AnonymousUser`."""

    user: "_User"
