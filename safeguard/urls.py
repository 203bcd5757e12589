from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.http import require_GET

from work.views import home


@login_not_required
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Public liveness check: answers only whether the database can be reached."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


urlpatterns = [
    # `/`: My work for officers and examiners, the case list for everyone else (work.views.home).
    path("", home, name="home"),
    path("", include("cases.urls")),
    path("", include("work.urls")),
    path("", include("reports.urls")),
    path("warrants/", include("warrants.urls")),
    path("audit/", include("audit.urls")),
    path("api/v1/", include("api.urls")),
    path("administration/api-clients/", include("api.administration_urls")),
    path("", include("accounts.urls")),
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
]

# A database outage is a 503 "try again in a minute" page, any other failure the 500 page.
handler500 = "safeguard.errors.server_error"
