"""Cambodia's official public holidays as reference data: `esb/data/public_holidays_kh.yaml`.

Read and checked here (a malformed file stops with a message naming the entry, before anything is written),
then upserted by date. Used by the data migration that seeds the table (with the historical model) and by
`manage.py load_public_holidays` (with the real one, audited). After the seed, the table is the back-office's:
loading again updates the dates the file lists and leaves every other row alone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.db import models, transaction

from esb import audit, working_days
from esb.models import PublicHoliday, contains_khmer

HOLIDAYS_FILE = Path(__file__).resolve().parent / "data" / "public_holidays_kh.yaml"
PROVISIONAL_NOTE = "Provisional: check this date against the sub-decree for the year."
_KINDS = {choice.value for choice in PublicHoliday.Kind}


class HolidayFileError(Exception):
    """The holiday file is missing or malformed; the message names the entry."""


@dataclass(frozen=True)
class HolidayRow:
    date: datetime.date
    name_km: str
    name_en: str
    kind: str
    notes: str


@dataclass
class LoadResult:
    rows_in_file: int
    created: int = 0
    updated: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def read_holidays(path: Path = HOLIDAYS_FILE) -> list[HolidayRow]:
    """The holidays of the file, one row per date, in date order."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise HolidayFileError(f"{path.name}: cannot be read: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("years"), dict):
        raise HolidayFileError(f"{path.name}: expected a mapping with `years`")
    rows: dict[datetime.date, HolidayRow] = {}
    for year, block in document["years"].items():
        where = f"{path.name}: years.{year}"
        if not isinstance(block, dict) or not isinstance(block.get("holidays"), list):
            raise HolidayFileError(f"{where}: expected `source` and a list of `holidays`")
        notes = str(block.get("source", "")).strip()
        if block.get("provisional"):
            notes = f"{PROVISIONAL_NOTE} {notes}".strip()
        for index, entry in enumerate(block["holidays"]):
            for row in _rows(entry, year, notes, f"{where}.holidays[{index}]"):
                if row.date in rows:
                    raise HolidayFileError(f"{where}: {row.date.isoformat()} is listed twice")
                rows[row.date] = row
    return sorted(rows.values(), key=lambda row: row.date)


def _rows(entry: object, year: object, notes: str, where: str) -> list[HolidayRow]:
    if not isinstance(entry, dict):
        raise HolidayFileError(f"{where}: expected a mapping")
    dates = entry.get("dates", [entry.get("date")])
    if not isinstance(dates, list) or not dates or not all(isinstance(d, datetime.date) for d in dates):
        raise HolidayFileError(f"{where}: `date` (or `dates`) must be dates written YYYY-MM-DD")
    if any(day.year != year for day in dates):
        raise HolidayFileError(f"{where}: a date is outside the year {year}")
    name_km, name_en = str(entry.get("km", "")).strip(), str(entry.get("en", "")).strip()
    if not name_km or not contains_khmer(name_km):
        raise HolidayFileError(f"{where}: `km` must be the Khmer name, in Khmer script")
    if not name_en:
        raise HolidayFileError(f"{where}: `en` (the English name) is required")
    kind = entry.get("kind", PublicHoliday.Kind.PUBLIC)
    if kind not in _KINDS:
        raise HolidayFileError(f"{where}: `kind` must be one of {', '.join(sorted(_KINDS))}")
    return [HolidayRow(day, name_km, name_en, kind, notes) for day in dates]


def load_holidays(
    model: type[models.Model] = PublicHoliday, path: Path = HOLIDAYS_FILE, *, record_audit: bool = True
) -> LoadResult:
    """Create or update (by date) the holidays of the file, in one transaction; a row already equal to the
    file is not written. `model` is the historical model when a migration calls it (which records no audit:
    the seed is part of the schema's history, not an operator's action)."""
    rows = read_holidays(path)
    result = LoadResult(rows_in_file=len(rows))
    fields = ("name_km", "name_en", "kind", "notes")
    with transaction.atomic():
        existing = {h.date: h for h in model._default_manager.filter(date__in=[r.date for r in rows])}
        for row in rows:
            wanted = {name: getattr(row, name) for name in fields}
            holiday = existing.get(row.date)
            if holiday is None:
                model._default_manager.create(date=row.date, **wanted)
                result.created += 1
            elif any(getattr(holiday, name) != value for name, value in wanted.items()):
                for name, value in wanted.items():
                    setattr(holiday, name, value)
                holiday.save(update_fields=[*fields, "updated_at"])
                result.updated += 1
        # The historical model of a migration sends no signal our receivers hear: forget the years here.
        working_days.forget_years({row.date.year for row in rows})
        if record_audit and result.changed:
            audit.record(
                "esb.public_holidays.load",
                object_type=PublicHoliday._meta.label_lower,
                object_id=path.name,
                object_repr=f"public holidays: {path.name}",
                after={"created": result.created, "updated": result.updated, "rows": result.rows_in_file},
            )
    return result


def unload_holidays(model: type[models.Model] = PublicHoliday, path: Path = HOLIDAYS_FILE) -> int:
    """Delete the rows of the dates the file lists (the seed migration's reverse); returns how many."""
    rows = read_holidays(path)
    deleted, _by_model = model._default_manager.filter(date__in=[r.date for r in rows]).delete()
    working_days.forget_years({row.date.year for row in rows})
    return deleted
