# Notice bodies become encrypted at rest. The column type does not change (text); rows written before are
# encrypted in place, in the same migration, so no plaintext body is left behind.

from django.db import migrations

import takedowns.crypto


def encrypt_existing(apps, schema_editor):
    from takedowns.crypto import encrypt_bytes

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, body_text, body_html FROM takedowns_notice")
        rows = cursor.fetchall()
    for pk, text, html in rows:
        values = [
            encrypt_bytes(value.encode()).decode("ascii") if value and not value.startswith("gAAAAA") else value
            for value in (text, html)
        ]
        if values != [text, html]:
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE takedowns_notice SET body_text = %s, body_html = %s WHERE id = %s", [*values, pk]
                )


class Migration(migrations.Migration):
    dependencies = [
        ("takedowns", "0004_verification"),
    ]

    operations = [
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="notice",
            name="body_html",
            field=takedowns.crypto.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="notice",
            name="body_text",
            field=takedowns.crypto.EncryptedTextField(blank=True),
        ),
    ]
