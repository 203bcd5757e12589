# The role groups (accounts/roles.py). Data only; names are copied here, not imported, so that this
# migration keeps meaning what it meant when it was written.

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ("Officer", "Digital forensics examiner", "Supervisor", "Auditor", "Administrator")
# The administrator manages people and teams in Django's admin, and never case content.
ADMINISTRATOR_PERMISSIONS = (
    "add_user", "change_user", "view_user", "add_team", "change_team", "view_team", "view_force",
)


def create_role_groups(apps, schema_editor):
    # Permissions are otherwise created only after every migration has run (post_migrate).
    cases_app = apps.get_app_config("cases")
    cases_app.models_module = True
    create_permissions(cases_app, apps=apps, verbosity=0)
    cases_app.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    administrator = Group.objects.get(name="Administrator")
    administrator.permissions.add(
        *Permission.objects.filter(content_type__app_label="cases", codename__in=ADMINISTRATOR_PERMISSIONS)
    )


def remove_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0004_case_access"),
    ]

    operations = [
        migrations.RunPython(create_role_groups, remove_role_groups),
    ]
