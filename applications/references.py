"""Readable reference numbers (`MOC-2026-000123`) from a counter table, never `max()+1`.

The counter row is created and incremented under a transaction-scoped advisory lock, so two submissions at
the same moment never get the same number and a rolled-back submission does not leave a gap behind a
committed one (the lock is held until commit).
"""

from __future__ import annotations

import zlib

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from applications.models import ReferenceCounter


def next_reference(prefix: str, year: int | None = None) -> str:
    year = year or timezone.localdate().year
    prefix = prefix.upper()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [0x45534252, zlib.crc32(f"{prefix}:{year}".encode()) & 0x7FFFFFFF],
            )
        counter, _created = ReferenceCounter.objects.get_or_create(prefix=prefix, year=year)
        ReferenceCounter.objects.filter(pk=counter.pk).update(last_value=F("last_value") + 1)
        value = ReferenceCounter.objects.filter(pk=counter.pk).values_list("last_value", flat=True).get()
    return f"{prefix}-{year}-{value:06d}"
