"""Pre-charge bail and warrant entry periods end at the end of their last UK day.

Bail periods are counted beginning with the bail start date, the day after the arrest (PACE
s.47ZB(4)(a)), not from the release; entry under a warrant is lawful through the whole of its last
day (s.16(3)). Recomputes the stored ends from the arrest and the issue. A release whose corrected
end would not follow it (bail given after the period had run out) keeps what was stored.
"""

from django.db import migrations


def recompute(apps, schema_editor):
    from cases import rules

    Warrant = apps.get_model("warrants", "Warrant")
    Release = apps.get_model("cases", "Release")
    BailExtension = apps.get_model("cases", "BailExtension")

    for warrant in Warrant.objects.filter(issued_at__isnull=False).iterator():
        expires = rules.warrant_expires_at(warrant.issued_at)
        if warrant.executed_at is None or warrant.executed_at <= expires:
            Warrant.objects.filter(pk=warrant.pk).update(expires_at=expires)

    for release in Release.objects.filter(kind="bail").select_related("arrest").iterator():
        arrested_at = release.arrest.arrested_at
        end = rules.bail_initial_end(regime=release.bail_regime, arrested_at=arrested_at)
        if end <= release.released_at:
            continue
        Release.objects.filter(pk=release.pk).update(bail_ends_at=end)
        for extension in BailExtension.objects.filter(release=release).order_by("approved_at", "id"):
            if extension.approver_rank == "magistrates":
                new_end = rules.end_of_uk_day(rules.uk_date(extension.new_end))
            else:
                new_end = rules.bail_extension_end(
                    regime=release.bail_regime, arrested_at=arrested_at, approver_rank=extension.approver_rank
                )
            if new_end is None or new_end <= end:
                break
            BailExtension.objects.filter(pk=extension.pk).update(previous_end=end, new_end=new_end)
            end = new_end


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0018_export_job_heartbeat"),
        ("warrants", "0001_initial"),
    ]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]
