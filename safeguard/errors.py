"""The page shown when a request fails (handler500 in safeguard/urls.py).

While PostgreSQL cannot be reached (restarting, failing over, down for longer), no page can be
served: every page needs the session, the person and their records. The person then sees a plain
"try again in a minute" page with status 503 and Retry-After, never a stack trace; any other failure
shows the 500 page (docs/reliability.md)."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

RETRY_AFTER_SECONDS = 60
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """Called by Django while it handles the failure, so the exception is the one being handled."""
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        # Stand-alone template: it reads nothing from the database.
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())
