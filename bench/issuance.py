"""Licences issued per minute, end to end, with real workers: N approved applications (each committed as the
approval commits it: the APPROVED application, its PENDING licence and its outbox message) → the outbox relay
→ `issuance.tasks.issue_licence` → number, register with verify.gov.kh (the simulator, over HTTP, served by
a gunicorn the bench starts), render the PDF (WeasyPrint), publish it, VALID.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/esb_bench REDIS_URL=redis://127.0.0.1:6379/0
    export ESB_ENV=development
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_reference_data
    .venv/bin/python manage.py seed_demo_data
    .venv/bin/python bench/issuance.py --licences 200 --workers 4      # or: make bench-issuance

It writes real rows (applications, licences, PDFs under MEDIA_ROOT, simulator records): use a bench database.
Figures: throughput from the first approval's commit to the last licence VALID, and each licence's latency
(approval commit → VALID); also how long numbering alone took for all of them.
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.submission_support import percentile, setup_django  # noqa: E402


def _env(port: int) -> dict:
    base = f"http://127.0.0.1:{port}/sandbox/verify"
    return {
        **os.environ,
        "VERIFY_PROVIDER": "verify_gov_kh",
        "VERIFY_BASE_URL": base,
        "VERIFY_PUBLIC_BASE_URL": base,
        "DEBUG": "0",
    }


def start_processes(workers: int, port: int, logs: Path) -> list[subprocess.Popen]:
    """gunicorn (the verify.gov.kh simulator) and `workers` Celery workers (solo pool: one process, one task
    at a time each; the first runs the beat that relays the outbox)."""
    env = _env(port)
    processes = []
    with (logs / "web.log").open("wb") as out:
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "esb.wsgi", f"--bind=127.0.0.1:{port}", "--workers=2"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    for n in range(workers):
        command = [sys.executable, "-m", "celery", "-A", "esb", "worker", "--pool=solo", "--without-gossip"]
        command += [
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname=bench{n}@%h",
            "--loglevel=WARNING",
        ]
        if n == 0:
            command += ["-B", f"--schedule={logs / 'beat-schedule'}"]
        with (logs / f"worker-{n}.log").open("wb") as out:
            processes.append(
                subprocess.Popen(
                    command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
                )
            )
    return processes


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def approve(count: int) -> tuple[list[int], float]:
    """`count` APPROVED applications of one demo service, each committed with its PENDING licence and outbox
    message (what the approval's transaction writes); returns the licence ids and when the first committed."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from applications.models import Application
    from esb.numbering import next_reference
    from issuance.services.issuing import begin_issuance
    from licensing import selectors as catalog
    from licensing.models import LicenceType

    licence_type = next(
        (
            lt
            for lt in LicenceType.objects.filter(is_active=True).order_by("code")
            if catalog.published_form(lt)
        ),
        None,
    )
    if licence_type is None:
        raise SystemExit("no published demo service: run seed_demo_data first")
    form = catalog.published_form(licence_type)
    applicant, _created = User.objects.get_or_create(
        username="bench-holder", defaults={"full_name_km": "សុខ ស្រីស្រស់", "full_name_en": "SOK Sreysros"}
    )
    ids, started = [], 0.0
    for n in range(count):
        with transaction.atomic():
            application = Application.objects.create(
                licence_type=licence_type,
                form_definition=form,
                applicant=applicant,
                answers={"business_name_km": f"ហាងលក់គ្រឿងទេស {n}", "business_name_en": f"Bench Spices {n}"},
                status="APPROVED",
                reference=next_reference(licence_type.institution.code),
                decided_at=timezone.now(),
            )
            ids.append(begin_issuance(application).pk)
        started = started or time.monotonic()
    return ids, started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--licences", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    os.environ.update({k: v for k, v in _env(args.port).items() if k.startswith("VERIFY_")})
    setup_django()
    from issuance.models import Licence, LicenceStatus

    logs = Path(tempfile.mkdtemp(prefix="bench-issuance-"))
    processes = start_processes(args.workers, args.port, logs)
    try:
        time.sleep(15)  # workers and gunicorn start (Django, WeasyPrint's imports) before the clock starts
        ids, started = approve(args.licences)
        licences = Licence.objects.filter(pk__in=ids)
        numbered_at = None
        while True:
            if numbered_at is None and not licences.filter(number="").exists():
                numbered_at = time.monotonic()
            if licences.filter(status=LicenceStatus.VALID).count() == len(ids):
                break
            if time.monotonic() - started > args.timeout:
                raise SystemExit(f"timed out; worker logs in {logs}")
            time.sleep(0.5)
        finished = time.monotonic()
    finally:
        stop(processes)
    rows = list(licences.values_list("created_at", "issued_at", "sequence"))
    latencies = [(issued - created).total_seconds() for created, issued, _seq in rows]
    sequences = sorted(seq for _c, _i, seq in rows)
    elapsed = finished - started
    print(f"licences: {len(ids)}  workers: {args.workers}  cores: {os.cpu_count()}")
    print(f"elapsed: {elapsed:.1f} s  →  {len(ids) / elapsed * 60:.1f} licences per minute")
    print(f"numbering done after {numbered_at - started:.1f} s")
    print(
        "latency approval→VALID: "
        f"p50 {percentile(latencies, 50):.1f} s  p95 {percentile(latencies, 95):.1f} s  "
        f"max {max(latencies):.1f} s"
    )
    gaps = [b - a for a, b in itertools.pairwise(sequences) if b - a != 1]
    print(f"numbers {sequences[0]}…{sequences[-1]}, gaps or duplicates: {len(gaps)}")


if __name__ == "__main__":
    main()
