"""Django's admin, for superusers only. Administrators of a force manage their people in
Safeguard's own pages (/administration/, docs/administration.md); the admin stays for the few tasks
only a superuser does (forces and teams, a superuser's own repairs)."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class SuperuserAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)


class SafeguardAdminConfig(AdminConfig):
    default_site = "accounts.adminsite.SuperuserAdminSite"
