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
import collections
import contextlib
import multiprocessing as mp
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esb.settings")
os.environ.setdefault("DEBUG", "0")

SERVICE = "MISTI-HC-001"  # a free demo service: a submission goes straight to SUBMITTED
APP_NAME = "esb-bench-submissions"


def _django() -> None:
    import django

    django.setup()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# --- seeding ------------------------------------------------------------------------------------------------


def seed(count: int) -> list[int]:
    """`count` filled drafts ready to submit; returns their ids."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from accounts.models import User
    from applications import services
    from applications.prefill import address_of
    from applications.uploads import check_upload
    from licensing.selectors import licence_type_by_code
    from privacy import selectors as privacy_selectors
    from privacy import services as privacy_services
    from privacy.models import ConsentPurpose
    from registry.models import BusinessRole

    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
        b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND"
        b"\xaeB`\x82"
    )
    role = BusinessRole.objects.filter(role="OWNER").select_related("person", "business").order_by("pk")[3]
    user = User.objects.filter(username="bench-submitter").first() or User.objects.create_user(
        username="bench-submitter", full_name_en="Bench Submitter", personal_code=role.person.identity_number
    )
    if not privacy_selectors.has_consent(user):
        text = privacy_selectors.current_text(ConsentPurpose.CAMDX_CLUSTER)
        privacy_services.give_consent(user, ConsentPurpose.CAMDX_CLUSTER, text)
    licence_type = licence_type_by_code(SERVICE)
    template = services.start_application(user, licence_type, business=role.business)
    steps = list(template.form_definition.steps.order_by("order"))
    answers = {
        "workshop_name_km": "សិប្បកម្មតម្បាញ",
        "craft_types": ["silk"],
        "local_materials": True,
        "workshop_address": address_of(role.business),
    }
    for step in steps[:-1]:
        template = services.save_step(template, user, step, answers=answers, uploads={}, version=None)

    def upload(name: str, content: bytes, content_type: str):
        return check_upload(
            SimpleUploadedFile(name, content, content_type=content_type),
            formats=["pdf", "png"],
            max_size_mb=5,
        )

    documents = {
        "doc_national_id": upload("id.pdf", pdf, "application/pdf"),
        "doc_premises_photos": upload("premises.png", png, "image/png"),
        "doc_product_photos": upload("products.png", png, "image/png"),
    }
    template = services.save_step(template, user, steps[-1], answers={}, uploads=documents, version=None)
    assert not services.missing_answers(template), services.missing_answers(template)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'applications_application' AND column_name NOT IN ('id', 'public_id')"
        )
        columns = ", ".join(f'"{name}"' for (name,) in cursor.fetchall())
        cursor.execute(
            f"INSERT INTO applications_application (public_id, {columns}) "
            f"SELECT gen_random_uuid(), {columns} FROM applications_application, generate_series(1, %s) "
            "WHERE id = %s RETURNING id",
            [count, template.pk],
        )
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'applications_applicationdocument' "
            "AND column_name NOT IN ('id', 'application_id')"
        )
        doc_columns = ", ".join(f'"{name}"' for (name,) in cursor.fetchall())
        cursor.execute(
            f"INSERT INTO applications_applicationdocument (application_id, {doc_columns}) "
            f"SELECT a, {doc_columns} FROM applications_applicationdocument, unnest(%s::bigint[]) AS a "
            "WHERE application_id = %s AND replaced_at IS NULL",
            [ids, template.pk],
        )
    # The template itself stays a draft; discard it so the next run starts a fresh one.
    services.discard_draft(template, reason="bench template")
    return ids


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
    _django()
    from django.db import connection

    from applications import services
    from applications.models import Application

    connection.connect()
    with connection.cursor() as cursor:
        cursor.execute("SET application_name = %s", [APP_NAME])
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


def sealer(stop) -> None:
    _django()
    from esb import audit

    seal = getattr(audit, "seal", None)  # absent before the sealer existed (running this against old code)
    while seal is not None and not stop.is_set():
        seal()
        stop.wait(1.0)


# --- the lock-wait sample -----------------------------------------------------------------------------------


class Sampler(threading.Thread):
    """Polls what the workers' sessions are doing: state and wait event, and waiting advisory locks."""

    def __init__(self, dsn: str):
        super().__init__(daemon=True)
        self.dsn = dsn
        self.stop = threading.Event()
        self.states: collections.Counter[str] = collections.Counter()
        self.advisory_waiting = 0
        self.samples = 0

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self.stop.is_set():
                rows = conn.execute(
                    "SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
                    "WHERE application_name = %s",
                    [APP_NAME],
                ).fetchall()
                self.advisory_waiting += conn.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                ).fetchone()[0]
                for state, wait_type, wait_event in rows:
                    if state == "active" and wait_type:
                        self.states[f"waiting: {wait_type}/{wait_event}"] += 1
                    elif state == "active":
                        self.states["running SQL"] += 1
                    else:
                        self.states[state] += 1
                self.samples += 1
                time.sleep(0.02)

    def report(self) -> str:
        total = sum(self.states.values()) or 1
        parts = [f"{name} {100 * n / total:.0f} %" for name, n in self.states.most_common()]
        return (
            f"{self.samples} samples; " + ", ".join(parts) + f"; advisory-lock waits: {self.advisory_waiting}"
        )


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

    _django()
    from django.db import connection

    params = connection.get_connection_params()
    dsn = " ".join(
        f"{k}={v}" for k, v in params.items() if k in {"host", "port", "dbname", "user", "password"}
    )
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
