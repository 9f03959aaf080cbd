"""Load or refresh the gazetteer, ISIC Rev.4 and countries shipped in registry/data/ (idempotent)."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.reference_loader import (
    DATA_DIR,
    LOADERS,
    ReferenceDataError,
    gazetteer_counts,
    load_reference_data,
)


class Command(BaseCommand):
    help = (
        "Load the national gazetteer, ISIC Rev.4 activities and ISO countries from registry/data/. "
        "Safe to re-run: rows are upserted and unchanged rows are not written."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--only",
            action="append",
            choices=sorted(LOADERS),
            help="Load only this dataset (repeatable). Default: all.",
        )
        parser.add_argument(
            "--data-dir", default=str(DATA_DIR), help="Folder holding the CSV files (default: registry/data)."
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        data_dir = Path(options["data_dir"])
        datasets = options["only"] or list(LOADERS)
        try:
            results = load_reference_data(datasets, data_dir)
        except ReferenceDataError as exc:
            raise CommandError(f"Reference data not loaded: {exc}") from exc
        for result in results:
            self.stdout.write(
                f"{result.dataset}: {result.rows_in_file:,} rows in file — {result.created:,} created, "
                f"{result.updated:,} updated, {result.unchanged:,} unchanged"
            )
        if "gazetteer" in datasets:
            counts = gazetteer_counts()
            self.stdout.write(
                "gazetteer now holds "
                f"{counts['province']:,} provinces, {counts['district']:,} districts, "
                f"{counts['commune']:,} communes, {counts['village']:,} villages"
            )
        self.stdout.write(self.style.SUCCESS(f"Reference data loaded in {time.monotonic() - started:.1f} s"))
