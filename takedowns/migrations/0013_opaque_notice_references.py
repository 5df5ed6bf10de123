# Notice references become opaque (NT-XXXX-XXXX) instead of "<case reference>-N<id>": a notice seen by anyone
# (a forwarded e-mail, a Lumen copy) no longer reveals the case reference. Existing notices get one each.

from django.db import migrations, models

import takedowns.models.notices


def fill(apps, schema_editor):
    Notice = apps.get_model("takedowns", "Notice")
    taken = set()
    for notice in Notice.objects.filter(public_reference__isnull=True).only("pk"):
        reference = takedowns.models.notices.notice_reference_generate()
        while reference in taken:
            reference = takedowns.models.notices.notice_reference_generate()
        taken.add(reference)
        Notice.objects.filter(pk=notice.pk).update(public_reference=reference)


class Migration(migrations.Migration):
    dependencies = [
        ("takedowns", "0012_cockpit_event_types"),
    ]

    operations = [
        migrations.AddField(
            model_name="notice",
            name="public_reference",
            field=models.CharField(max_length=20, null=True, editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="notice",
            name="public_reference",
            field=models.CharField(
                default=takedowns.models.notices.notice_reference_generate,
                editable=False,
                max_length=20,
                unique=True,
            ),
        ),
    ]
