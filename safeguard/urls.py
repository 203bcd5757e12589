from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.http import require_GET

from cases.views import auth as sign_in_views


@login_not_required
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Public liveness check: answers only whether the database can be reached."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("", include("cases.urls")),
    path("warrants/", include("warrants.urls")),
    path("audit/", include("audit.urls")),
    path("sign-in/", sign_in_views.SignInView.as_view(), name="login"),
    path("sign-in/two-factor/", sign_in_views.two_factor, name="two_factor"),
    path("sign-in/two-factor/set-up/", sign_in_views.two_factor_setup, name="two_factor_setup"),
    path("account/backup-codes/", sign_in_views.two_factor_backup_codes, name="two_factor_backup_codes"),
    path("account/password/", sign_in_views.PasswordChange.as_view(), name="password_change"),
    path("account/password/changed/", sign_in_views.PasswordChangeDone.as_view(), name="password_change_done"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
]

# A database outage is a 503 "try again in a minute" page, any other failure the 500 page.
handler500 = "safeguard.errors.server_error"
