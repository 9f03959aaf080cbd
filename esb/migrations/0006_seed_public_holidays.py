"""Seed Cambodia's official public holidays for 2025–2027 (esb/data/public_holidays_kh.yaml), so every
installation, production included, has them after `migrate`. Idempotent (upsert by date); the reverse deletes
the dates the file lists. From here on the table is maintained in the back-office."""

from django.db import migrations


def seed(apps, schema_editor):
    from esb.public_holidays import load_holidays

    load_holidays(apps.get_model("esb", "PublicHoliday"), record_audit=False)


def unseed(apps, schema_editor):
    from esb.public_holidays import unload_holidays

    unload_holidays(apps.get_model("esb", "PublicHoliday"))


class Migration(migrations.Migration):
    dependencies = [("esb", "0005_public_holiday")]

    operations = [migrations.RunPython(seed, unseed)]
