"""Recompute the statistics' spans and counts from the timeline (docs/statistics.md)."""

import time

from django.core.management.base import BaseCommand

from applications.services import statistics


class Command(BaseCommand):
    help = (
        "Rebuild the Part 5 application statistics (status spans and the counts of closed days) from the "
        "append-only timeline. Run after loading applications outside the services (a bulk load); "
        "status changes wait until it commits."
    )

    def handle(self, *args, **options):
        began = time.perf_counter()
        result = statistics.rebuild_from_history()
        self.stdout.write(
            f"{result['spans']:,} spans, {result['cells']:,} count cells, closed through "
            f"{result['closed_through']}, in {time.perf_counter() - began:.1f} s"
        )
