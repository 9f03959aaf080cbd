"""Recompute the dashboard's tables from the history (docs/dashboard.md)."""

from django.core.management.base import BaseCommand

from dashboard.services import folding


class Command(BaseCommand):
    help = "Recompute the dashboard's pre-aggregated tables from the applications' history."

    def handle(self, *args, **options) -> None:
        marks = folding.rebuild_from_history()
        self.stdout.write(", ".join(f"{source} folded through id {mark}" for source, mark in marks.items()))
