"""Name the PACE section of each bail extension recorded before sections were stored.

Every release recorded so far was a standard case, so the ladder is the standard one: under the
2022 regime an inspector's extension is s.47ZD and a superintendent's s.47ZDA; under the 2017
regime a superintendent's is s.47ZD as then in force; the court's first extension is s.47ZF and
each later one s.47ZG.
"""

from django.db import migrations


def name_sections(apps, schema_editor):
    BailExtension = apps.get_model("cases", "BailExtension")
    court_seen: set[int] = set()
    police = {("pcsca2022", "inspector"): "47ZD", ("pcsca2022", "superintendent"): "47ZDA"}
    for extension in (
        BailExtension.objects.filter(section="").select_related("release").order_by("release_id", "approved_at", "id")
    ):
        if extension.approver_rank == "magistrates":
            section = "47ZG" if extension.release_id in court_seen else "47ZF"
            court_seen.add(extension.release_id)
        else:
            section = police.get((extension.release.bail_regime, extension.approver_rank), "47ZD")
        BailExtension.objects.filter(pk=extension.pk).update(section=section)


class Migration(migrations.Migration):
    dependencies = [("cases", "0025_bail_investigating_body_designation_court_application")]

    operations = [migrations.RunPython(name_sections, migrations.RunPython.noop)]
