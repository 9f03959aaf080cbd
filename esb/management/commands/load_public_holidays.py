"""Load or refresh the public holidays of esb/data/public_holidays_kh.yaml (idempotent, audited)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from esb.public_holidays import HOLIDAYS_FILE, HolidayFileError, load_holidays


class Command(BaseCommand):
    help = (
        "Create or update, by date, the public holidays listed in esb/data/public_holidays_kh.yaml. "
        "Rows for other dates (added in the back-office) are left alone; safe to re-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(HOLIDAYS_FILE), help="The YAML file to load.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            result = load_holidays(path=path)
        except HolidayFileError as exc:
            raise CommandError(f"Public holidays not loaded: {exc}") from exc
        unchanged = result.rows_in_file - result.created - result.updated
        self.stdout.write(
            self.style.SUCCESS(
                f"{path.name}: {result.rows_in_file} holidays — {result.created} created, "
                f"{result.updated} updated, {unchanged} unchanged"
            )
        )
