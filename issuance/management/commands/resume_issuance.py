"""Start the issuance chain again for licences left PENDING (their retries ran out, or the template that
failed was fixed): `manage.py resume_issuance` (older than 10 minutes), `--older-than 0`, `--licence <id>`."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from issuance.models import Licence, LicenceStatus
from issuance.services import chain


class Command(BaseCommand):
    help = "Start the issuance chain again for licences still being issued."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--older-than", type=int, default=10, help="minutes since created")
        parser.add_argument("--licence", type=int, help="only this licence (id)")

    def handle(self, *args, older_than: int, licence: int | None, **options) -> None:
        pending = Licence.objects.filter(status=LicenceStatus.PENDING)
        if licence is not None:
            pending = pending.filter(pk=licence)
        else:
            pending = pending.filter(created_at__lte=timezone.now() - datetime.timedelta(minutes=older_than))
        count = sum(1 for row in pending.order_by("pk") if chain.resume(row))
        self.stdout.write(f"{count} licence(s) sent back to the issuance chain")
