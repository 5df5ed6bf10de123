# The database stage's blocks become wider (docs/DECISIONS.md#discovery-matching-inside-postgresql): PDQ in 11
# blocks of 23-24 bits, pHash in 3 of 21-22, probed two bits either way, instead of 16 and 4 blocks of 16 bits.

from django.db import migrations, models

from hashing.mih import split_blocks

FILL_BATCH = 2_000
PDQ_FIELDS = tuple(f"pdq_s{i}" for i in range(11))
PHASH_FIELDS = tuple(f"phash_s{i}" for i in range(3))


def crawled_pdq_segments(apps, schema_editor):
    """The new block columns of every variant row that has none yet, in batches. The logic of
    ``takedowns.models.discovery.segment_values``, frozen here."""
    CrawledPdq = apps.get_model("takedowns", "CrawledPdq")
    db = schema_editor.connection.alias
    last = 0
    while True:
        batch = list(
            CrawledPdq.objects.using(db)
            .filter(pk__gt=last, pdq_s0__isnull=True)
            .order_by("pk")
            .only("pk", "value", "phash")[:FILL_BATCH]
        )
        if not batch:
            return
        for row in batch:
            for name, (block, _) in zip(PDQ_FIELDS, split_blocks(row.value, 11), strict=True):
                setattr(row, name, block)
            phash = split_blocks(row.phash, 3) if len(row.phash) == 16 else ((None, 0),) * 3
            for name, (block, _) in zip(PHASH_FIELDS, phash, strict=True):
                setattr(row, name, block)
        CrawledPdq.objects.using(db).bulk_update(batch, PDQ_FIELDS + PHASH_FIELDS)
        last = batch[-1].pk


class Migration(migrations.Migration):

    dependencies = [
        ("takedowns", "0030_pgmatch_crawled_pdq"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="crawledpdq", name="crawledpdq_pdq_b0"),
        migrations.RemoveIndex(model_name="crawledpdq", name="crawledpdq_pdq_b1"),
        migrations.RemoveIndex(model_name="crawledpdq", name="crawledpdq_pdq_b2"),
        migrations.RemoveIndex(model_name="crawledpdq", name="crawledpdq_pdq_b3"),
        migrations.RemoveIndex(model_name="crawledpdq", name="crawledpdq_pdq_b4"),
        migrations.RemoveIndex(model_name="crawledpdq", name="crawledpdq_pdq_b5"),
        migrations.RemoveIndex(model_name="crawledpdq", name="crawledpdq_pdq_b6"),
        migrations.RemoveIndex(model_name="crawledpdq", name="crawledpdq_pdq_b7"),
        migrations.RemoveIndex(model_name="crawledpdq", name="crawledpdq_pdq_b8"),
        migrations.RemoveIndex(model_name="crawledpdq", name="crawledpdq_pdq_b9"),
        migrations.RemoveIndex(model_name="crawledpdq", name="crawledpdq_pdq_b10"),
        migrations.RemoveIndex(model_name="crawledpdq", name="crawledpdq_pdq_b11"),
        migrations.RemoveIndex(model_name="crawledpdq", name="crawledpdq_pdq_b12"),
        migrations.RemoveIndex(model_name="crawledpdq", name="crawledpdq_pdq_b13"),
        migrations.RemoveIndex(model_name="crawledpdq", name="crawledpdq_pdq_b14"),
        migrations.RemoveIndex(model_name="crawledpdq", name="crawledpdq_pdq_b15"),
        migrations.RemoveIndex(model_name="crawledpdq", name="crawledpdq_phash_b0"),
        migrations.RemoveIndex(model_name="crawledpdq", name="crawledpdq_phash_b1"),
        migrations.RemoveIndex(model_name="crawledpdq", name="crawledpdq_phash_b2"),
        migrations.RemoveIndex(model_name="crawledpdq", name="crawledpdq_phash_b3"),
        migrations.RemoveField(model_name="crawledpdq", name="pdq_b0"),
        migrations.RemoveField(model_name="crawledpdq", name="pdq_b1"),
        migrations.RemoveField(model_name="crawledpdq", name="pdq_b2"),
        migrations.RemoveField(model_name="crawledpdq", name="pdq_b3"),
        migrations.RemoveField(model_name="crawledpdq", name="pdq_b4"),
        migrations.RemoveField(model_name="crawledpdq", name="pdq_b5"),
        migrations.RemoveField(model_name="crawledpdq", name="pdq_b6"),
        migrations.RemoveField(model_name="crawledpdq", name="pdq_b7"),
        migrations.RemoveField(model_name="crawledpdq", name="pdq_b8"),
        migrations.RemoveField(model_name="crawledpdq", name="pdq_b9"),
        migrations.RemoveField(model_name="crawledpdq", name="pdq_b10"),
        migrations.RemoveField(model_name="crawledpdq", name="pdq_b11"),
        migrations.RemoveField(model_name="crawledpdq", name="pdq_b12"),
        migrations.RemoveField(model_name="crawledpdq", name="pdq_b13"),
        migrations.RemoveField(model_name="crawledpdq", name="pdq_b14"),
        migrations.RemoveField(model_name="crawledpdq", name="pdq_b15"),
        migrations.RemoveField(model_name="crawledpdq", name="phash_b0"),
        migrations.RemoveField(model_name="crawledpdq", name="phash_b1"),
        migrations.RemoveField(model_name="crawledpdq", name="phash_b2"),
        migrations.RemoveField(model_name="crawledpdq", name="phash_b3"),
        migrations.AddField(
            model_name="crawledpdq",
            name="pdq_s0",
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="crawledpdq",
            name="pdq_s1",
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="crawledpdq",
            name="pdq_s2",
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="crawledpdq",
            name="pdq_s3",
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="crawledpdq",
            name="pdq_s4",
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="crawledpdq",
            name="pdq_s5",
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="crawledpdq",
            name="pdq_s6",
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="crawledpdq",
            name="pdq_s7",
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="crawledpdq",
            name="pdq_s8",
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="crawledpdq",
            name="pdq_s9",
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="crawledpdq",
            name="pdq_s10",
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="crawledpdq",
            name="phash_s0",
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="crawledpdq",
            name="phash_s1",
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="crawledpdq",
            name="phash_s2",
            field=models.IntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(crawled_pdq_segments, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="crawledpdq",
            index=models.Index(
                condition=models.Q(("pdq_s0__isnull", False)), fields=["pdq_s0"], name="crawledpdq_pdq_s0"
            ),
        ),
        migrations.AddIndex(
            model_name="crawledpdq",
            index=models.Index(
                condition=models.Q(("pdq_s1__isnull", False)), fields=["pdq_s1"], name="crawledpdq_pdq_s1"
            ),
        ),
        migrations.AddIndex(
            model_name="crawledpdq",
            index=models.Index(
                condition=models.Q(("pdq_s2__isnull", False)), fields=["pdq_s2"], name="crawledpdq_pdq_s2"
            ),
        ),
        migrations.AddIndex(
            model_name="crawledpdq",
            index=models.Index(
                condition=models.Q(("pdq_s3__isnull", False)), fields=["pdq_s3"], name="crawledpdq_pdq_s3"
            ),
        ),
        migrations.AddIndex(
            model_name="crawledpdq",
            index=models.Index(
                condition=models.Q(("pdq_s4__isnull", False)), fields=["pdq_s4"], name="crawledpdq_pdq_s4"
            ),
        ),
        migrations.AddIndex(
            model_name="crawledpdq",
            index=models.Index(
                condition=models.Q(("pdq_s5__isnull", False)), fields=["pdq_s5"], name="crawledpdq_pdq_s5"
            ),
        ),
        migrations.AddIndex(
            model_name="crawledpdq",
            index=models.Index(
                condition=models.Q(("pdq_s6__isnull", False)), fields=["pdq_s6"], name="crawledpdq_pdq_s6"
            ),
        ),
        migrations.AddIndex(
            model_name="crawledpdq",
            index=models.Index(
                condition=models.Q(("pdq_s7__isnull", False)), fields=["pdq_s7"], name="crawledpdq_pdq_s7"
            ),
        ),
        migrations.AddIndex(
            model_name="crawledpdq",
            index=models.Index(
                condition=models.Q(("pdq_s8__isnull", False)), fields=["pdq_s8"], name="crawledpdq_pdq_s8"
            ),
        ),
        migrations.AddIndex(
            model_name="crawledpdq",
            index=models.Index(
                condition=models.Q(("pdq_s9__isnull", False)), fields=["pdq_s9"], name="crawledpdq_pdq_s9"
            ),
        ),
        migrations.AddIndex(
            model_name="crawledpdq",
            index=models.Index(
                condition=models.Q(("pdq_s10__isnull", False)), fields=["pdq_s10"], name="crawledpdq_pdq_s10"
            ),
        ),
        migrations.AddIndex(
            model_name="crawledpdq",
            index=models.Index(
                condition=models.Q(("phash_s0__isnull", False)), fields=["phash_s0"], name="crawledpdq_phash_s0"
            ),
        ),
        migrations.AddIndex(
            model_name="crawledpdq",
            index=models.Index(
                condition=models.Q(("phash_s1__isnull", False)), fields=["phash_s1"], name="crawledpdq_phash_s1"
            ),
        ),
        migrations.AddIndex(
            model_name="crawledpdq",
            index=models.Index(
                condition=models.Q(("phash_s2__isnull", False)), fields=["phash_s2"], name="crawledpdq_phash_s2"
            ),
        ),
    ]
