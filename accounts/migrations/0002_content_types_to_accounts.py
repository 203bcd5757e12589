# Data only: the content types of forces, teams and people move to the accounts app with the models.
# Their ids stay, so that auth permissions, django-guardian grants and admin log entries that point at
# them keep pointing at the same models.

from django.db import migrations

MOVED = ("force", "team", "user")


def move_content_types(apps, schema_editor, *, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    using = schema_editor.connection.alias
    for model in MOVED:
        # A row for the target made by an earlier `migrate` of this code's models (post_migrate) holds
        # nothing yet that the moved row does not: the moved row, with its id, wins.
        if ContentType.objects.using(using).filter(app_label=source, model=model).exists():
            ContentType.objects.using(using).filter(app_label=target, model=model).delete()
        ContentType.objects.using(using).filter(app_label=source, model=model).update(app_label=target)


def forwards(apps, schema_editor):
    move_content_types(apps, schema_editor, source="cases", target="accounts")


def backwards(apps, schema_editor):
    move_content_types(apps, schema_editor, source="accounts", target="cases")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_people_from_cases"),
        ("cases", "0024_people_moved_to_accounts"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
