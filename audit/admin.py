"""Audit entries in Django's admin: read only, for superusers only, and every look is audited.

No one may add, change or delete an entry here (the database refuses it anyway).
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from audit.models import AuditEntry
from audit.objects import ObjectType
from audit.services import audit_read


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("id", "occurred_at", "actor_username", "kind", "what", "object_id", "case_reference")
    list_filter = ("kind",)
    search_fields = ("actor_username", "case_reference")
    ordering = ("-occurred_at", "-id")
    show_full_result_count = False

    @admin.display(description="Object type", ordering="object_type")
    def what(self, entry: AuditEntry) -> str:
        return entry.object_type_label

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if self.has_view_permission(request):
            audit_read(
                actor=request.user,
                object_type=ObjectType.AUDIT_TRAIL,
                summary="Listed audit entries in the admin",
                changes={"query": request.GET.urlencode()},
                request=request,
            )
        return super().changelist_view(request, extra_context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if self.has_view_permission(request):
            audit_read(
                actor=request.user,
                object_type=ObjectType.AUDIT_TRAIL,
                object_id=object_id,
                summary="Viewed an audit entry in the admin",
                request=request,
            )
        return super().change_view(request, object_id, form_url, extra_context)
