"""Fold every day of every member system (or of --system CODE) again from its probe results."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from monitoring import services
from monitoring.models import MemberSystem


class Command(BaseCommand):
    help = "Rebuild the daily uptime and latency rollups of the member systems from their probe results."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--system", action="append", default=[], help="a member system's code (repeatable)"
        )

    def handle(self, *args, **options) -> None:
        ids = None
        if options["system"]:
            ids = list(MemberSystem.objects.filter(code__in=options["system"]).values_list("pk", flat=True))
            if not ids:
                self.stderr.write("no member system with that code")
                return
        count = services.rebuild_rollups(ids)
        self.stdout.write(f"{count} daily rollup(s) folded")
