"""Django's admin is for administrators to manage people, teams and forces, and nothing else.

No case content is registered here (cases, referrals, warrants, grants...): those are seen and
changed only through the pages and services that apply the access rules. Roles are given on the
person's page (their groups); the groups themselves are made by migration, so Group is not
registered either.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group

from cases.models import Force, Team, User

admin.site.unregister(Group)


@admin.register(User)
class SafeguardUserAdmin(UserAdmin):
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Force and teams", {"fields": ("force", "teams", "rank", "collar_number")}),
    )
    list_display = ("username", "first_name", "last_name", "rank", "force", "is_active")
    list_filter = ("is_active", "force", "groups", "teams")
    filter_horizontal = ("groups", "user_permissions", "teams")

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # An administrator gives roles (groups); only a superuser may make superusers or give
        # permissions one by one.
        if request.user.is_superuser:
            return ()
        return ("is_superuser", "user_permissions")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "force")
    list_filter = ("force",)


@admin.register(Force)
class ForceAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "region")
