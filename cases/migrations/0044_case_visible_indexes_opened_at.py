"""The indexes of each way to see a case hold the case's opening time, so that a page of the case list
reads each way apart from its index alone, in opening order (`cases.selectors.case_list_parts`)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_four_eyes_invitations_disable_reason"),
        ("cases", "0043_queue_of_unsummarised_writes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="case",
            name="case_team_visible",
        ),
        migrations.RemoveIndex(
            model_name="case",
            name="case_oic_visible",
        ),
        migrations.RemoveIndex(
            model_name="case",
            name="case_supervisor_visible",
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["team"],
                include=("id", "restricted", "status", "officer_in_case", "opened_at"),
                name="case_team_visible",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["officer_in_case"],
                include=("id", "restricted", "status", "team", "opened_at"),
                name="case_oic_visible",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["supervisor"],
                include=("id", "restricted", "status", "team", "officer_in_case", "opened_at"),
                name="case_supervisor_visible",
            ),
        ),
    ]
