# The search over every record reads a force's rows through the trigram indexes on (force,
# UPPER(value)) (docs/search.md, "Indexes"). Removed: the full-text index (the words of a name or an
# address in any order are now parts of the value, served by the trigram index); the B-tree of the
# force alone, which drew PostgreSQL into reading a whole force's rows and ANDing them with the
# trigrams; and the indexes on the case and the referral, which repeated those of their foreign
# keys. Fewer indexes for every save that records an identifier to keep up.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_four_eyes_invitations_disable_reason"),
        ("cases", "0038_bail_extension_and_charge_correctable"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="indexedidentifier", name="identifier_case"),
        migrations.RemoveIndex(model_name="indexedidentifier", name="identifier_referral"),
        migrations.RemoveIndex(model_name="indexedidentifier", name="identifier_force_words"),
        migrations.AlterField(
            model_name="indexedidentifier",
            name="force",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.force",
            ),
        ),
    ]
