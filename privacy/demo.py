"""The first consent texts, for `seed_demo_data` after a database flush (migration 0002 creates them on a
fresh database; a flush removes them, and without a published text nobody can apply). The texts are those of
the migration, created as drafts and published through the service the back-office uses."""

from __future__ import annotations

import importlib

from django.db import transaction


def seed(out=None, **options) -> None:
    from privacy import services
    from privacy.models import ConsentText

    if ConsentText.objects.exists():
        return
    migration = importlib.import_module("privacy.migrations.0002_consent_texts")
    with transaction.atomic():
        for purpose, title_km, title_en, body_km, body_en in migration.TEXTS:
            draft = ConsentText.objects.create(
                purpose=purpose,
                version=1,
                title_km=title_km,
                title_en=title_en,
                body_km=body_km,
                body_en=body_en,
            )
            services.publish_consent_text(draft, by=None)
    if out is not None:
        out.write("privacy: version 1 of the consent texts published")
