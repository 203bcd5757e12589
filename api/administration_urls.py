"""The administration pages of API clients, under /administration/api-clients/ (safeguard/urls.py)."""

from django.urls import path

from api import administration

app_name = "api_clients"

urlpatterns = [
    path("", administration.client_list, name="list"),
    path("register/", administration.client_register, name="register"),
    path("<int:pk>/revoke/", administration.client_revoke, name="revoke"),
]
