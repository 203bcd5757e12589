"""Sign-in, two factors and the person's own account pages. The names have no namespace
(`login`, `two_factor`, ...): Django's sign-in machinery and `LOGIN_URL` look them up so."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-in/two-factor/", views.two_factor, name="two_factor"),
    path("sign-in/two-factor/set-up/", views.two_factor_setup, name="two_factor_setup"),
    path("account/backup-codes/", views.two_factor_backup_codes, name="two_factor_backup_codes"),
    path("account/password/", views.PasswordChange.as_view(), name="password_change"),
    path("account/password/changed/", views.PasswordChangeDone.as_view(), name="password_change_done"),
    path("account/session/stay/", views.session_keep_alive, name="session_keep_alive"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
]
