"""Submission throughput: N worker processes calling the real `services.submit` against the real database,
beside the database's own ceiling for the same writes as one plain SQL transaction (psycopg, no Django),
with a lock-wait sample of the database taken during every run.

Run against a database with the demo data (what `make run` leaves), e.g.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/esb_bench ESB_ENV=development
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_reference_data
    .venv/bin/python manage.py seed_demo_data
    .venv/bin/python bench/submissions.py --levels 1 4 16 --per-level 160

Seeding: one application of a free demo service is filled through the services (prefill, answers, documents);
it is then cloned with SQL into as many ready-to-submit drafts as the run needs (same encrypted answers, same
document files), so every submission is a real one. It writes real rows: use a bench database.

While the workers run, a sealer process seals the audit chain every second (as the beat does) and a sampler
reads pg_stat_activity / pg_locks every 20 ms: what the workers' sessions are doing or waiting for, and how
many advisory-lock requests are waiting (the request path should take none).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.submission_support import (
    APP_NAME,
    SERVICE,
    Sampler,
    libpq_dsn,
    percentile,
    sealer,
    seed,
    setup_django,
)

# --- the workers --------------------------------------------------------------------------------------------


def _guarded(target, args: tuple) -> None:
    """Run a worker; a failure is sent back instead of leaving the parent waiting for a result."""
    barrier, results = args[-2], args[-1]
    try:
        target(*args)
    except BaseException as error:
        barrier.abort()
        results.put(("error", repr(error)))
        raise


def service_worker(*args) -> None:
    _guarded(_service_worker, args)


def sql_worker(*args) -> None:
    _guarded(_sql_worker, args)


def _service_worker(ids: list[int], warmup: int, barrier, results) -> None:
    setup_django()
    from django.db import connection

    from applications import services
    from applications.models import Application

    connection.connect()
    with connection.cursor() as cursor:
        # set_config() rather than SET: a bound parameter in SET is refused under server-side binding.
        cursor.execute("SELECT set_config('application_name', %s, false)", [APP_NAME])
    user_ids = dict(Application.objects.filter(pk__in=ids).values_list("pk", "applicant_id"))
    from accounts.models import User

    users = {u.pk: u for u in User.objects.filter(pk__in=set(user_ids.values()))}
    for pk in ids[:warmup]:
        services.submit(Application(pk=pk), users[user_ids[pk]], version=None)
    barrier.wait()
    latencies = []
    started = time.perf_counter()
    for pk in ids[warmup:]:
        t0 = time.perf_counter()
        application = services.submit(Application(pk=pk), users[user_ids[pk]], version=None)
        latencies.append((time.perf_counter() - t0) * 1000)
        assert application.status == "SUBMITTED", application.status
    results.put(("ok", started, time.perf_counter(), latencies))


SQL_STEPS = [
    # The same statements one submission makes (read once, write once), with no application code between.
    (
        "lock",
        "SELECT id, revision, answers, applicant_id FROM applications_application WHERE id = %s FOR UPDATE",
    ),
    (
        "documents",
        "SELECT id, field_key FROM applications_applicationdocument "
        "WHERE application_id = %s AND replaced_at IS NULL",
    ),
    ("fields", "SELECT id, key, field_type FROM licensing_formfield WHERE definition_id = %s AND required"),
    (
        "reference",
        "SELECT nextval(c.oid) FROM pg_class c WHERE c.relname = %s AND c.relkind = 'S' "
        "AND c.relnamespace = current_schema()::regnamespace",
    ),
    (
        "revision",
        "INSERT INTO applications_applicationrevision "
        "(application_id, number, answers, document_ids, changed_fields, submitted_at, submitted_by_id) "
        "VALUES (%s, %s, %s, %s, '{}', now(), %s)",
    ),
    (
        "application",
        "UPDATE applications_application SET status = 'SUBMITTED', revision = %s, version = version + 1, "
        "reference = COALESCE(reference, %s), submitted_at = now(), last_submitted_at = now(), "
        "expected_decision_date = current_date + 14, draft_expires_at = NULL, updated_at = now() "
        "WHERE id = %s",
    ),
    (
        "event",
        "INSERT INTO applications_applicationevent (application_id, at, kind, from_status, to_status, "
        "title_km, title_en, message, internal_note, actor_id, actor_kind, revision) "
        "VALUES (%s, now(), 'STATUS', 'DRAFT', 'SUBMITTED', 'x', 'Application submitted', '', '', %s, "
        "'APPLICANT', %s) RETURNING id",
    ),
    (
        "audit",
        "INSERT INTO esb_auditevent (occurred_at, actor_id, actor_label, on_behalf_of, action, object_type, "
        "object_id, object_repr, before, after, reason, request_id, xroad_client, xroad_id, txid) "
        "VALUES (now(), %s, '', '', 'application.status', 'applications.application', %s, '', "
        "'{\"status\": \"DRAFT\"}', '{\"status\": \"SUBMITTED\"}', 'submitted', '', '', '', 0)",
    ),
    ("dedupe", "SELECT id FROM notifications_notification WHERE dedupe_key = %s"),
    (
        "notification",
        "INSERT INTO notifications_notification (user_id, created_at, title_km, title_en, body_km, body_en, "
        "url, dedupe_key, email_error) VALUES (%s, now(), 'x', 'Application submitted', '', '', '/', %s, '')",
    ),
]


def _sql_worker(dsn: str, ids: list[int], definition_id: int, sequence: str, barrier, results) -> None:
    import psycopg

    sql = dict(SQL_STEPS)
    with psycopg.connect(dsn, application_name=APP_NAME) as conn:
        barrier.wait()
        latencies = []
        started = time.perf_counter()
        for pk in ids:
            t0 = time.perf_counter()
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(sql["lock"], [pk])
                _id, revision, answers, applicant = cur.fetchone()
                documents = [row[0] for row in cur.execute(sql["documents"], [pk]).fetchall()]
                cur.execute(sql["fields"], [definition_id]).fetchall()
                number = cur.execute(sql["reference"], [sequence]).fetchone()[0]
                cur.execute(sql["revision"], [pk, revision + 1, answers, documents, applicant])
                cur.execute(sql["application"], [revision + 1, f"BENCH-{number:06d}", pk])
                event = cur.execute(sql["event"], [pk, applicant, revision + 1]).fetchone()[0]
                cur.execute(sql["audit"], [applicant, str(pk)])
                cur.execute(sql["dedupe"], [f"application-event:{event}"]).fetchall()
                cur.execute(sql["notification"], [applicant, f"application-event:{event}"])
            latencies.append((time.perf_counter() - t0) * 1000)
        results.put(("ok", started, time.perf_counter(), latencies))


# --- running a level ----------------------------------------------------------------------------------------


def run_level(kind: str, chunks: list[list[int]], warmup: int, dsn: str, extra: tuple) -> dict:
    """Run one level: one process per chunk of application ids (its first `warmup` untimed)."""
    workers = len(chunks)
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(workers + 1)
    results = ctx.Queue()
    stop = ctx.Event()
    if kind == "service":
        processes = [ctx.Process(target=service_worker, args=(c, warmup, barrier, results)) for c in chunks]
    else:
        processes = [ctx.Process(target=sql_worker, args=(dsn, c, *extra, barrier, results)) for c in chunks]
    seal_process = ctx.Process(target=sealer, args=(stop,))
    for process in processes:
        process.start()
    seal_process.start()
    sampler = Sampler(dsn)
    with contextlib.suppress(threading.BrokenBarrierError):  # a worker failed: reported just below
        barrier.wait(timeout=300)
    sampler.start()
    outcomes = [results.get(timeout=600) for _ in processes]
    failures = [o[1] for o in outcomes if o[0] == "error"]
    if failures:
        stop.set()
        raise SystemExit(f"{len(failures)} worker(s) failed: {failures[0]}")
    sampler.stop.set()
    sampler.join()
    stop.set()
    for process in [*processes, seal_process]:
        process.join()
    start = min(o[1] for o in outcomes)
    end = max(o[2] for o in outcomes)
    latencies = [x for o in outcomes for x in o[3]]
    return {
        "kind": kind,
        "workers": workers,
        "n": len(latencies),
        "rate": len(latencies) / (end - start),
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 95),
        "locks": sampler.report(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--per-level", type=int, default=160)
    parser.add_argument("--warmup", type=int, default=2, help="submissions per worker before timing")
    parser.add_argument("--skip-sql", action="store_true")
    args = parser.parse_args()

    setup_django()
    from django.db import connection

    dsn = libpq_dsn()
    needed = sum(level * (args.warmup + args.per_level // level) for level in args.levels)
    t0 = time.perf_counter()
    ids = seed(needed)
    print(f"seeded {len(ids)} ready-to-submit applications in {time.perf_counter() - t0:.1f} s")
    connection.close()

    results = []
    offset = 0
    for level in args.levels:
        chunks = []
        for _worker in range(level):
            size = args.warmup + args.per_level // level
            chunks.append(ids[offset : offset + size])
            offset += size
        results.append(run_level("service", chunks, args.warmup, dsn, ()))
        print(_line(results[-1]), flush=True)

    if not args.skip_sql:
        from esb.numbering import next_reference, sequence_name
        from licensing.selectors import licence_type_by_code, published_form

        licence_type = licence_type_by_code(SERVICE)
        definition_id = published_form(licence_type).pk
        code = licence_type.institution.code
        next_reference(code)  # the sequence exists
        sequence = sequence_name(code, time.localtime().tm_year)
        connection.close()
        # The same writes on rows the service run submitted (the SQL does not check the status).
        for level in args.levels:
            chunk = ids[: level * (args.per_level // level)]
            chunks = [chunk[i::level] for i in range(level)]
            results.append(run_level("sql", chunks, 0, dsn, (definition_id, sequence)))
            print(_line(results[-1]), flush=True)

    print("\n| path | workers | submissions | per second | p50 ms | p95 ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        label = "services.submit" if r["kind"] == "service" else "plain SQL (psycopg)"
        print(f"| {label} | {r['workers']} | {r['n']} | {r['rate']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} |")
    print("\nLock-wait samples (workers' sessions):")
    for r in results:
        print(f"- {r['kind']} × {r['workers']}: {r['locks']}")


def _line(r: dict) -> str:
    return (
        f"{r['kind']} × {r['workers']}: {r['n']} in {r['rate']:.1f}/s, "
        f"p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms"
    )


if __name__ == "__main__":
    main()
