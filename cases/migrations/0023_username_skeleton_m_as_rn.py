"""Usernames' skeletons recomputed: m is now written as rn, as Unicode's confusables.txt maps it."""

from django.db import migrations

from accounts.usernames import username_skeleton


def recompute_skeletons(apps, schema_editor):
    User = apps.get_model("cases", "User")
    for user in User.objects.only("pk", "username").iterator():
        User.objects.filter(pk=user.pk).update(username_skeleton=username_skeleton(user.username))


class Migration(migrations.Migration):
    dependencies = [("cases", "0022_closure_confirmations")]

    operations = [migrations.RunPython(recompute_skeletons, migrations.RunPython.noop)]
