"""Entries get their place in the hash chain from a sequencer, after they are written (docs/audit.md,
"The hash chain"): the place column (`seq`), the hashes NULL until then, the chain head's place, and
the flags' mark counted in places. Data in 0008, indexes and the database functions in 0009."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0006_anomaly_flags'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(
            model_name='flagmark',
            old_name='last_entry_id',
            new_name='last_seq',
        ),
        migrations.AddField(
            model_name='auditchainhead',
            name='last_seq',
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='auditentry',
            name='seq',
            field=models.BigIntegerField(editable=False, null=True),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='hash',
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='prev_hash',
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
    ]
