"""Usernames are NFKC-normalised and hold a unique UTS #39 skeleton, so no two look alike."""

from django.db import migrations, models

from accounts.usernames import normalise_username, username_skeleton


def fill_skeletons(apps, schema_editor):
    User = apps.get_model("cases", "User")
    for user in User.objects.only("pk", "username").iterator():
        username = normalise_username(user.username)
        User.objects.filter(pk=user.pk).update(username=username, username_skeleton=username_skeleton(username))


class Migration(migrations.Migration):
    dependencies = [("cases", "0016_visibility_covering_indexes")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="username_skeleton",
            field=models.CharField(editable=False, max_length=600, null=True),
        ),
        migrations.RunPython(fill_skeletons, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="username_skeleton",
            field=models.CharField(editable=False, max_length=600, unique=True),
        ),
    ]
