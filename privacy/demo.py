"""The first consent texts, for `seed_demo_data` after a database flush (migration 0002 creates them on a
fresh database; a flush removes them, and without a published text nobody can apply)."""

from __future__ import annotations

import importlib

from django.apps import apps


def seed(out=None, **options) -> None:
    from privacy.models import ConsentText

    if ConsentText.objects.exists():
        return
    migration = importlib.import_module("privacy.migrations.0002_consent_texts")
    migration.create_texts(apps, None)
    if out is not None:
        out.write("privacy: version 1 of the consent texts published")
