"""Django's admin is for administrators to manage people, teams and forces, and nothing else.

No case content is registered here (cases, referrals, warrants, grants...): those are seen and
changed only through the pages and services that apply the access rules. Roles are given on the
person's page (their groups); the groups themselves are made by migration, so Group is not
registered either.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from accounts.models import Force, Team, User
from accounts.services import user_disable, user_sessions_end

admin.site.unregister(Group)

DJANGO_ADMIN_REASON = "Disabled by a superuser in the Django admin."


@admin.register(User)
class SafeguardUserAdmin(UserAdmin):
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Force and teams", {"fields": ("force", "teams", "rank", "collar_number")}),
    )
    list_display = ("username", "first_name", "last_name", "rank", "force", "is_active")
    list_filter = ("is_active", "force", "groups", "teams")
    filter_horizontal = ("groups", "user_permissions", "teams")
    actions = ["disable_and_sign_out"]

    @admin.action(description="Disable the selected people and end their sessions")
    def disable_and_sign_out(self, request, queryset):
        ended = 0
        for user in queryset:
            try:
                ended += user_disable(user=user, actor=request.user, reason=DJANGO_ADMIN_REASON)
            except ValidationError as error:
                self.message_user(request, f"{user}: {' '.join(error.messages)}", messages.ERROR)
        self.message_user(request, f"Disabled; {ended} session(s) ended.", messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Unticking "active" on the person's page ends their sessions too, as the action does.
        if change and "is_active" in form.changed_data and not obj.is_active:
            user_sessions_end(user=obj)

    def get_readonly_fields(self, request, obj=None):
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
