"""Synthetic businesses at scale: `python -m bench.synthetic N` (e.g. a million, for benchmarks).

Each synthetic business has an owner (a synthetic person), a primary ISIC activity and a real gazetteer
address. Rows are written with PostgreSQL COPY in batches; identifiers are encrypted and hashed exactly
as the ORM would (`esb.crypto`), in worker processes when the run is large. Synthetic rows live in reserved
ranges (`rows.py`) and are keyed by their index, so a re-run only adds what is missing.

Large runs use "bulk mode": the non-unique indexes (GIN trigram, hashes, foreign-key b-trees) and the foreign
keys of the loaded tables are dropped first and re-created after the load (an index build and a one-join
validation are much cheaper than maintaining them row by row). It all happens in one transaction, so once the
run commits nothing is missing; if it fails, the rollback brings the indexes and keys back. Other sessions
wait on the loaded tables while it runs.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from bench.synthetic import rows
from esb import audit, crypto
from registry.models import AdministrativeUnit, Business, BusinessActivity, BusinessRole, IsicActivity, Person

DEFAULT_BATCH = 20_000
PARALLEL_FROM = 20_000  # below this, starting worker processes costs more than it saves
BULK_MODE_FROM = 50_000


class SyntheticDataError(Exception):
    """The generator cannot run (e.g. reference data not loaded); the message says what to do."""


@dataclass
class GenerateResult:
    requested: int
    existing: int = 0
    created: int = 0
    people_created: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


def _lookups() -> rows.Lookups:
    villages = list(
        AdministrativeUnit.objects.filter(level=AdministrativeUnit.Level.VILLAGE)
        .order_by("code")
        .values_list("id", "parent_id", "parent__parent_id", "parent__parent__parent_id", "code")
    )
    if not villages:
        raise SyntheticDataError("The gazetteer is empty: run `manage.py load_reference_data` first.")
    codes = {code for _km, _en, code in rows.ACTIVITIES}
    activity_ids = dict(
        IsicActivity.objects.filter(code__in=codes, level=IsicActivity.Level.CLASS).values_list("code", "id")
    )
    if len(activity_ids) != len(codes):
        raise SyntheticDataError("ISIC activities are missing: run `manage.py load_reference_data` first.")
    return rows.Lookups(
        villages=[v[:4] for v in villages],
        capital_villages=[v[:4] for v in villages if v[4].startswith("12")],
        activity_ids=activity_ids,
        created_at=timezone.now().isoformat(),
    )


def _existing_indexes(count: int) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT substr(single_id, 2)::int FROM registry_business "
            "WHERE single_id BETWEEN %s AND %s AND single_id ~ '^9[0-9]{9}$'",
            [rows.single_id(1), rows.single_id(count)],
        )
        return {row[0] for row in cursor.fetchall()}


def _allocate_ids(model, count: int) -> list[int]:
    if count == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _roleless_people() -> dict[str, int]:
    """People with no role in any business, by identity hash: the owners of synthetic businesses deleted since
    they were generated (normally none). Their rows are reused instead of inserting a duplicate identity."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.identity_number_hash, p.id FROM registry_person p WHERE p.identity_number_hash <> '' "
            "AND NOT EXISTS (SELECT 1 FROM registry_businessrole r WHERE r.person_id = p.id)"
        )
        return dict(cursor.fetchall())


def _existing_owners(indexes: list[int], roleless: dict[str, int]) -> dict[int, int]:
    if not roleless:
        return {}
    owners = {}
    for index in indexes:
        pk = roleless.get(crypto.lookup_hash(rows.owner_identity(index)[1]))
        if pk is not None:
            owners[index] = pk
    return owners


LOADED_MODELS = (Person, Business, BusinessRole, BusinessActivity)


def _drop_secondary_indexes() -> list[str]:
    """Drop the non-unique indexes of the loaded tables (trigram GIN, hash and foreign-key b-trees) and return
    their definitions. Unique indexes stay: they keep enforcing Single IDs and identities during the load."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisunique AND NOT i.indisprimary ORDER BY 1",
            [[m._meta.db_table for m in LOADED_MODELS]],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in indexes]


def _restore_indexes(definitions: list[str]) -> None:
    with connection.cursor() as cursor:
        # Index builds are memory-bound: give this transaction room (reverts at commit).
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for definition in definitions:
            cursor.execute(definition)


def _drop_foreign_keys() -> list[tuple[str, str, str]]:
    """Drop the foreign keys *from* the loaded tables and return their definitions.

    Checking them row by row costs one lookup per key per row (about 13 million for a million businesses);
    adding them back afterwards validates each with a single join. Keys *into* these tables are untouched.
    """
    tables = [m._meta.db_table for m in LOADED_MODELS]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            [tables],
        )
        keys = cursor.fetchall()
        for table, name, _definition in keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return keys


def _restore_foreign_keys(keys: list[tuple[str, str, str]]) -> None:
    with connection.cursor() as cursor:
        for table, name, definition in keys:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def _copy(table: str, columns: tuple[str, ...], text: str) -> None:
    if not text:
        return
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        copy.write(text)


def generate(
    count: int,
    stdout=None,
    *,
    batch_size: int = DEFAULT_BATCH,
    workers: int | None = None,
    bulk_mode: bool | None = None,
) -> GenerateResult:
    """Make sure synthetic businesses 1..count exist (with owners, activities, addresses)."""
    if not 0 <= count <= rows.MAX_SYNTHETIC:
        raise SyntheticDataError(f"the number of businesses must be between 0 and {rows.MAX_SYNTHETIC:,}")
    started = time.monotonic()
    result = GenerateResult(requested=count)

    def write(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")  # Django's OutputWrapper does not double a trailing newline

    if count == 0:
        return result
    lookups = _lookups()
    existing = _existing_indexes(count)
    result.existing = len(existing)
    missing = [i for i in range(1, count + 1) if i not in existing]
    if not missing:
        write(f"Synthetic businesses: all {count:,} already present.")
        result.seconds = time.monotonic() - started
        return result
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if len(missing) >= PARALLEL_FROM else 0
    if bulk_mode is None:
        bulk_mode = len(missing) >= BULK_MODE_FROM
    write(
        f"Synthetic businesses: {len(existing):,} present, creating {len(missing):,} "
        f"(batches of {batch_size:,}, {workers or 'no'} worker processes, "
        + ("indexes and foreign keys rebuilt after the load)" if bulk_mode else "indexes kept)")
    )

    with transaction.atomic():
        with connection.cursor() as cursor:
            # Check foreign keys as each COPY ends rather than queueing millions of checks until commit.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        foreign_keys, indexes = [], []
        if bulk_mode:
            foreign_keys = _drop_foreign_keys()
            indexes = _drop_secondary_indexes()
        roleless = _roleless_people()
        pool = None
        if workers:
            pool = multiprocessing.get_context("spawn").Pool(
                workers,
                initializer=rows.init_worker,
                initargs=(lookups, list(settings.ESB_FIELD_ENCRYPTION_KEYS), settings.ESB_LOOKUP_HASH_KEY),
            )
        else:
            rows.init_worker(lookups)
        try:
            load_started = time.monotonic()
            pending: deque = deque()
            batches = [missing[k : k + batch_size] for k in range(0, len(missing), batch_size)]

            copy_seconds = wait_seconds = 0.0

            def flush(job_result) -> None:
                nonlocal copy_seconds
                step = time.monotonic()
                persons, businesses, roles, activities = job_result
                _copy(Person._meta.db_table, rows.PERSON_COLUMNS, persons)
                _copy(Business._meta.db_table, rows.BUSINESS_COLUMNS, businesses)
                _copy(BusinessRole._meta.db_table, rows.ROLE_COLUMNS, roles)
                _copy(BusinessActivity._meta.db_table, rows.ACTIVITY_COLUMNS, activities)
                copy_seconds += time.monotonic() - step

            def collect():
                nonlocal wait_seconds
                step = time.monotonic()
                job_result = pending.popleft().get()
                wait_seconds += time.monotonic() - step
                return job_result

            for number, batch in enumerate(batches, start=1):
                owners = _existing_owners(batch, roleless)
                new_people = [i for i in batch if i not in owners]
                person_ids = iter(_allocate_ids(Person, len(new_people)))
                job = (
                    batch,
                    _allocate_ids(Business, len(batch)),
                    [None if i in owners else next(person_ids) for i in batch],
                    [owners.get(i) for i in batch],
                )
                result.people_created += len(new_people)
                if pool is None:
                    flush(rows.build_batch(job))
                else:
                    pending.append(pool.apply_async(rows.build_batch, (job,)))
                    while len(pending) > workers:
                        flush(collect())
                result.created += len(batch)
                if number % 10 == 0 or number == len(batches):
                    elapsed = time.monotonic() - load_started
                    write(f"  {result.created:,}/{len(missing):,} queued, {elapsed:.0f} s")
            while pending:
                flush(collect())
        finally:
            if pool is not None:
                pool.close()
                pool.join()
        result.timings["load"] = time.monotonic() - load_started
        result.timings["of which COPY"] = copy_seconds
        if pool is not None:
            result.timings["of which waiting for workers"] = wait_seconds

        step = time.monotonic()
        if bulk_mode:
            _restore_foreign_keys(foreign_keys)
            result.timings["foreign keys"] = time.monotonic() - step
            step = time.monotonic()
            _restore_indexes(indexes)
            result.timings["indexes"] = time.monotonic() - step
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        step = time.monotonic()
        with connection.cursor() as cursor:
            for model in (Person, Business, BusinessRole, BusinessActivity):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
        result.timings["analyze"] = time.monotonic() - step
        audit.record(
            "registry.synthetic.generate",
            object_type="registry.business",
            object_id="synthetic",
            object_repr="synthetic businesses",
            after={"requested": count, "created": result.created, "people_created": result.people_created},
        )
    result.seconds = time.monotonic() - started
    write(
        f"Synthetic businesses: created {result.created:,} businesses and {result.people_created:,} owners "
        f"in {result.seconds:.1f} s ("
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.timings.items())
        + ")"
    )
    return result
