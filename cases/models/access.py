"""Per-case grants: django-guardian object permissions with a direct foreign key to the case.

Direct foreign keys (rather than guardian's generic tables) let `cases_visible_to` find a user's
grants with one indexed subquery. Rows are written only by `cases.services.access`.
"""

from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from .case import Case


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="user_grants")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "case grant to a person"


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="group_grants")

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "case grant to a group"
