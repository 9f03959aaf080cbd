"""Load the reference data (gazetteer, ISIC Rev.4, countries) from the CSV files in `registry/data/`.

Each dataset is copied into a temporary table and upserted in one statement per hierarchy level (parents
before children), so a full load takes about a second and a re-run writes nothing: a row is only updated when
one of its values differs. The CSVs ship with the project (`registry/data/NOTICE.md` lists their licences);
nothing is read from outside the repository at run time.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Count

from esb import audit
from registry.models import AdministrativeUnit, Country, IsicActivity

DATA_DIR = Path(__file__).resolve().parent / "data"
GAZETTEER_LEVELS = ("province", "district", "commune", "village")
ISIC_LEVELS = ("section", "division", "group", "class")
ISIC_CODE_WIDTH = {"division": 2, "group": 3, "class": 4}


class ReferenceDataError(Exception):
    """A reference file is missing or malformed; the message says where."""


@dataclass
class LoadResult:
    dataset: str
    rows_in_file: int
    created: int = 0
    updated: int = 0

    @property
    def unchanged(self) -> int:
        return self.rows_in_file - self.created - self.updated

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _read_csv(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    if not path.is_file():
        raise ReferenceDataError(f"{path} does not exist")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise ReferenceDataError(f"{path.name}: missing column(s) {', '.join(missing)}")
        rows = []
        for line, row in enumerate(reader, start=2):
            if None in row or any(v is None for v in row.values()):
                raise ReferenceDataError(f"{path.name} line {line}: wrong number of fields")
            rows.append({k: v.strip() for k, v in row.items()})
    codes = [r[required[0]] for r in rows]
    if len(set(codes)) != len(codes):
        dupes = sorted({c for c in codes if codes.count(c) > 1})[:5]
        raise ReferenceDataError(f"{path.name}: duplicate code(s) {', '.join(dupes)}")
    return rows


def _upsert(
    table: str, key: str, columns: list[str], rows: list[tuple], parent_table: str | None = None
) -> tuple[int, int]:
    """Upsert `rows` (values for `columns`) into `table`; return (created, updated).

    When `parent_table` is given, the last column of each row is a parent *code* and is resolved to the
    parent's id (`parent_id`) by a join, so callers load one hierarchy level at a time, parents first.
    """
    if not rows:
        return 0, 0
    staged = [*columns[:-1], "parent_code"] if parent_table else columns
    target = [*columns[:-1], "parent_id"] if parent_table else columns
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS _refload")
        cursor.execute(
            f"CREATE TEMP TABLE _refload ({', '.join(f'{c} text' for c in staged)}) ON COMMIT DROP"
        )
        with cursor.copy(f"COPY _refload ({', '.join(staged)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        select = (
            ", ".join(f"s.{c}" for c in columns[:-1])
            if parent_table
            else ", ".join(f"s.{c}" for c in columns)
        )
        join = ""
        if parent_table:
            select += ", p.id"
            join = f"LEFT JOIN {parent_table} p ON p.{key} = s.parent_code"
        updates = [c for c in target if c != key]
        # Identifiers come from model metadata and literal column lists, never from input.
        sql = f"""
            WITH up AS (
                INSERT INTO {table} AS t ({", ".join(target)})
                SELECT {select} FROM _refload s {join}
                ON CONFLICT ({key}) DO UPDATE SET {", ".join(f"{c} = EXCLUDED.{c}" for c in updates)}
                WHERE ({", ".join(f"t.{c}" for c in updates)})
                      IS DISTINCT FROM ({", ".join(f"EXCLUDED.{c}" for c in updates)})
                RETURNING (xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up
        """  # noqa: S608
        cursor.execute(sql)
        created, updated = cursor.fetchone()
        cursor.execute("DROP TABLE _refload")
    return created, updated


def _check_hierarchy(name: str, rows: list[dict], levels: tuple[str, ...], width: dict[str, int]) -> None:
    known: dict[str, str] = {r["code"]: r["level"] for r in rows}
    for row in rows:
        code, level, parent = row["code"], row["level"], row["parent_code"]
        if level not in levels:
            raise ReferenceDataError(f"{name}: {code} has unknown level {level!r}")
        index = levels.index(level)
        if level in width and (len(code) != width[level] or not code.isdigit()):
            raise ReferenceDataError(f"{name}: {level} code {code!r} must be {width[level]} digits")
        if index == 0:
            if parent:
                raise ReferenceDataError(f"{name}: top-level {code} must have no parent")
            continue
        if known.get(parent) != levels[index - 1]:
            raise ReferenceDataError(f"{name}: {code} has no {levels[index - 1]} parent {parent!r}")


def load_gazetteer(data_dir: Path = DATA_DIR) -> LoadResult:
    rows = _read_csv(
        data_dir / "gazetteer.csv",
        ("code", "level", "parent_code", "name_km", "name_en", "name_en_ncdd", "type_km", "type_en"),
    )
    _check_hierarchy("gazetteer.csv", rows, GAZETTEER_LEVELS, AdministrativeUnit.CODE_WIDTH)
    for row in rows:
        if row["level"] != "province" and not row["code"].startswith(row["parent_code"]):
            raise ReferenceDataError(f"gazetteer.csv: {row['code']} does not start with its parent's code")
    columns = [
        "code",
        "level",
        "name_km",
        "name_en",
        "name_en_ncdd",
        "type_km",
        "type_latin",
        "type_en",
        "iso3166_2",
        "parent",
    ]
    result = LoadResult("gazetteer", len(rows))
    table = AdministrativeUnit._meta.db_table
    for level in GAZETTEER_LEVELS:
        batch = [
            (*(r.get(c, "") for c in columns[:-1]), r["parent_code"] or None)
            for r in rows
            if r["level"] == level
        ]
        created, updated = _upsert(table, "code", columns, batch, parent_table=table)
        result.created += created
        result.updated += updated
    return result


def load_isic(data_dir: Path = DATA_DIR) -> LoadResult:
    rows = _read_csv(data_dir / "isic_rev4.csv", ("code", "level", "parent_code", "section", "title_en"))
    _check_hierarchy("isic_rev4.csv", rows, ISIC_LEVELS, ISIC_CODE_WIDTH)
    khmer = {
        r["code"]: r["title_km"]
        for r in _read_csv(data_dir / "isic_sections_km.csv", ("code", "title_km"))
        if r["title_km"]
    }
    columns = ["code", "level", "section", "title_en", "title_km", "parent"]
    result = LoadResult("isic", len(rows))
    table = IsicActivity._meta.db_table
    for level in ISIC_LEVELS:
        batch = [
            (
                r["code"],
                r["level"],
                r["section"],
                r["title_en"],
                khmer.get(r["code"]) or r.get("title_km", ""),
                r["parent_code"] or None,
            )
            for r in rows
            if r["level"] == level
        ]
        created, updated = _upsert(table, "code", columns, batch, parent_table=table)
        result.created += created
        result.updated += updated
    return result


def load_countries(data_dir: Path = DATA_DIR) -> LoadResult:
    rows = _read_csv(
        data_dir / "countries.csv", ("alpha2", "alpha3", "numeric", "name_en", "name_km", "nationality_en")
    )
    for row in rows:
        if len(row["alpha2"]) != 2 or len(row["alpha3"]) != 3 or len(row["numeric"]) != 3:
            raise ReferenceDataError(f"countries.csv: malformed codes for {row['alpha2']!r}")
    columns = ["alpha2", "alpha3", "numeric", "name_en", "name_en_iso", "name_km", "nationality_en"]
    batch = [tuple(r.get(c, "") for c in columns) for r in rows]
    created, updated = _upsert(Country._meta.db_table, "alpha2", columns, batch)
    return LoadResult("countries", len(rows), created, updated)


LOADERS = {"countries": load_countries, "gazetteer": load_gazetteer, "isic": load_isic}


def load_reference_data(datasets: list[str] | None = None, data_dir: Path = DATA_DIR) -> list[LoadResult]:
    """Load the named datasets (all by default), each in its own transaction; audit those that changed."""
    results = []
    for name in datasets or list(LOADERS):
        with transaction.atomic():
            result = LOADERS[name](data_dir)
            if result.changed:
                audit.record(
                    "registry.reference_data.load",
                    object_type=f"registry.{name}",
                    object_id=name,
                    object_repr=f"reference data: {name}",
                    after={"created": result.created, "updated": result.updated, "rows": result.rows_in_file},
                )
        results.append(result)
    return results


def gazetteer_counts() -> dict[str, int]:
    counts = dict.fromkeys(GAZETTEER_LEVELS, 0)
    for row in AdministrativeUnit.objects.values("level").annotate(n=Count("id")).order_by():
        counts[row["level"]] = row["n"]
    return counts
