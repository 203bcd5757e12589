"""Sign-in, two factors and the person's own account pages. The names have no namespace
(`login`, `two_factor`, ...): Django's sign-in machinery and `LOGIN_URL` look them up so.
User administration is under /administration/ (namespace `administration`)."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views
from accounts.views import administration

administration_patterns = [
    path("", administration.people, name="people"),
    path("invite/", administration.invite, name="invite"),
    path("people/<int:pk>/", administration.person, name="person"),
    path("people/<int:pk>/teams/", administration.person_teams, name="person_teams"),
    path("people/<int:pk>/roles/", administration.person_roles, name="person_roles"),
    path("people/<int:pk>/other-force-team/", administration.person_team_request, name="person_team_request"),
    path("people/<int:pk>/disable/", administration.person_disable, name="person_disable"),
    path("people/<int:pk>/enable/", administration.person_enable, name="person_enable"),
    path("people/<int:pk>/unlock/", administration.person_unlock, name="person_unlock"),
    path(
        "people/<int:pk>/reset-authenticator/", administration.person_reset_two_factor, name="person_reset_two_factor"
    ),
    path("people/<int:pk>/invite-again/", administration.person_invite_again, name="person_invite_again"),
    path("requests/", administration.requests, name="requests"),
    path("requests/<int:pk>/approve/", administration.request_approve, name="request_approve"),
    path("requests/<int:pk>/refuse/", administration.request_refuse, name="request_refuse"),
]

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-in/two-factor/", views.two_factor, name="two_factor"),
    path("sign-in/two-factor/set-up/", views.two_factor_setup, name="two_factor_setup"),
    path("account/backup-codes/", views.two_factor_backup_codes, name="two_factor_backup_codes"),
    path("account/password/", views.PasswordChange.as_view(), name="password_change"),
    path("account/password/changed/", views.PasswordChangeDone.as_view(), name="password_change_done"),
    path("account/session/stay/", views.session_keep_alive, name="session_keep_alive"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("invitation/<str:token>/", administration.invitation, name="invitation_accept"),
    path("administration/", include((administration_patterns, "administration"))),
]
