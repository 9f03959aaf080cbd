"""Application references come from a PostgreSQL sequence per prefix and year (`esb.numbering`), no longer
from a counter row locked until commit. Each existing counter seeds its sequence, so no reference is given
out twice; the reverse writes the sequences' positions back into the counter table."""

from django.db import migrations


def _name(prefix: str, year: int) -> str:
    return f"esb_ref_{prefix.lower()}_{year}"


def seed_sequences(apps, schema_editor):
    counter = apps.get_model("applications", "ReferenceCounter")
    quote = schema_editor.connection.ops.quote_name
    with schema_editor.connection.cursor() as cursor:
        for row in counter.objects.all():
            name = quote(_name(row.prefix, row.year))
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name} START WITH {int(row.last_value) + 1:d}")


def counters_from_sequences(apps, schema_editor):
    counter = apps.get_model("applications", "ReferenceCounter")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE sequencename ~ '^esb_ref_[a-z0-9]+_[0-9]{4}$'"
        )
        for name, last_value in cursor.fetchall():
            prefix, year = name.removeprefix("esb_ref_").rsplit("_", 1)
            counter.objects.update_or_create(
                prefix=prefix.upper(), year=int(year), defaults={"last_value": last_value or 0}
            )


class Migration(migrations.Migration):
    dependencies = [("applications", "0004_several_files_per_document_field")]

    operations = [
        migrations.RunPython(seed_sequences, counters_from_sequences),
        migrations.DeleteModel(name="ReferenceCounter"),
    ]
