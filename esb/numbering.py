"""Readable numbers for the whole portal, never `max()+1` (DESIGN.md §4).

Two kinds, because they promise different things:

- `next_reference(prefix, year)`: application references (`MOC-2026-000123`). Unique and readable, *not*
  gap-free. Drawn from a PostgreSQL sequence per prefix and year: `nextval()` is not transactional, so no
  submission waits for another one to commit (a rolled-back submission leaves a gap, which is allowed).
- `next_gap_free_number(scope, year)`: licence numbers and anything else the law wants without gaps. A
  counter row incremented inside the caller's transaction: the row stays locked until that transaction ends,
  so a rollback gives the number back. Only issuing transactions of the same scope wait; keep them short.
"""

from __future__ import annotations

import re

from django.db import connection, transaction
from django.utils import timezone

_PREFIX = re.compile(r"^[A-Z0-9]{1,20}$")


def sequence_name(prefix: str, year: int) -> str:
    """The sequence behind one prefix and year (prefixes are institution codes: letters and digits)."""
    prefix = prefix.upper()
    if not _PREFIX.match(prefix):
        raise ValueError(f"reference prefix must be 1-20 letters or digits, not {prefix!r}")
    if not 1900 <= year <= 9999:
        raise ValueError(f"reference year out of range: {year!r}")
    return f"esb_ref_{prefix.lower()}_{year}"


def _create_sequence(name: str) -> None:
    """Create the sequence on a connection of its own, committed at once, through the database function
    `esb_create_reference_sequence` (migration esb 0004: the portal's role may not create objects itself).

    Created inside the caller's transaction it would be invisible to others until that commits, and every
    concurrent first submission of the year would queue behind the catalog lock; created here it exists for
    everyone immediately. `IF NOT EXISTS` makes a lost race harmless (a catalog error from two simultaneous
    creations is retried by the caller).
    """
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = True
        with raw.cursor() as cursor:
            cursor.execute("SELECT esb_create_reference_sequence(%s)", [name])
    finally:
        raw.close()


def next_reference(prefix: str, year: int | None = None) -> str:
    """`PREFIX-YEAR-NNNNNN`, unique; takes no lock and never waits for another transaction."""
    year = year or timezone.localdate().year
    prefix = prefix.upper()
    name = sequence_name(prefix, year)
    for _attempt in range(3):
        with connection.cursor() as cursor:
            # Found through pg_class (read with the statement's snapshot) rather than a name cast: a missing
            # sequence is no row instead of an error that would spoil the caller's transaction, and one just
            # created by another connection is seen at once (a name lookup may use a stale catalog cache).
            cursor.execute(
                "SELECT nextval(c.oid) FROM pg_class c WHERE c.relname = %s AND c.relkind = 'S' "
                "AND c.relnamespace = current_schema()::regnamespace",
                [name],
            )
            row = cursor.fetchone()
            value = row[0] if row else None
        if value is not None:
            return f"{prefix}-{year}-{value:06d}"
        try:
            _create_sequence(name)
        except Exception as error:
            # A concurrent creation won the race (the sequence now exists), or two first users granted
            # themselves the sequence at the same moment: look it up again.
            if not any(s in str(error) for s in ("already exists", "duplicate key", "concurrently updated")):
                raise
    raise RuntimeError(f"could not create the reference sequence {name}")


def next_gap_free_number(scope: str, year: int | None = None) -> int:
    """The next number of `scope` in `year`, without gaps: must be called inside the transaction that uses
    it (the counter row stays locked until it commits or rolls back, giving the number back)."""
    if not connection.in_atomic_block:
        raise RuntimeError("next_gap_free_number() must run inside the transaction that uses the number")
    year = year or timezone.localdate().year
    if not scope or len(scope) > 50:
        raise ValueError(f"numbering scope must be 1-50 characters, not {scope!r}")
    with transaction.atomic(), connection.cursor() as cursor:
        # Creates the row if missing, then takes its row lock (SELECT ... FOR UPDATE); the increment below
        # happens under that lock, held until the caller's transaction ends.
        cursor.execute(
            "INSERT INTO esb_numbercounter (scope, year, last_value) VALUES (%s, %s, 0) "
            "ON CONFLICT (scope, year) DO NOTHING",
            [scope, year],
        )
        cursor.execute(
            "SELECT id, last_value FROM esb_numbercounter WHERE scope = %s AND year = %s FOR UPDATE",
            [scope, year],
        )
        counter_id, last_value = cursor.fetchone()
        cursor.execute(
            "UPDATE esb_numbercounter SET last_value = %s WHERE id = %s", [last_value + 1, counter_id]
        )
    return last_value + 1


__all__ = ["next_gap_free_number", "next_reference", "sequence_name"]
