"""The time each record was first entered, as the database wrote it (cases.models.correctable).

The column is added empty, then given its default: added with `DEFAULT now()` at once, every row
already there would take the migration's time, later than its real first entry, and the search for
that entry (cases.services.versions.first_entry) would start too late. Rows from before stay empty
and are searched for over the whole audit trail. Both steps change only the catalogue, however
large the table.
"""

from django.db import migrations, models
from django.db.models.functions import Now

MODELS = ["furtherentryauthority", "warrant"]


class Migration(migrations.Migration):
    dependencies = [
        ("warrants", "0005_further_entry_correctable"),
    ]

    operations = [
        *(
            migrations.AddField(
                model_name=name, name="first_entered_at", field=models.DateTimeField(editable=False, null=True)
            )
            for name in MODELS
        ),
        *(
            migrations.AlterField(
                model_name=name,
                name="first_entered_at",
                field=models.DateTimeField(db_default=Now(), editable=False, null=True),
            )
            for name in MODELS
        ),
    ]
