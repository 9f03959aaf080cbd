"""Reports at scale: a year-long summary report and a year-long list export with 1,000,000 applications.

Prepare a database with the synthetic applications (bench/README.md, `review_queue.py` section), migrate it,
then run:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/esb_bench_reports ESB_ENV=development
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/reports.py [--cases summary-service,list-csv] [--json figures.json]

Each case runs in a process of its own (so its peak memory is its own): the summaries through
`reports.selectors.summary`, the function the page and the exports call; the list exports through
`reports.services.execute_run`, the body of the Celery task (query, chunks, the data-access log of every
application listed, the file written and stored). Time is wall time; peak memory is the process's maximum
resident set (ru_maxrss), beside its size right after Django started.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402

CASES = {
    # name: (who, shape, group_by or export format)
    "summary-service": ("national", "summary", "service"),
    "summary-month": ("national", "summary", "month"),
    "summary-officer": ("national", "summary", "officer"),
    "summary-service-ministry": ("ministry", "summary", "service"),
    "list-csv": ("national", "list", "csv"),
    "list-xlsx": ("national", "list", "xlsx"),
}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def run_case(name: str) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esb.settings")
    os.environ.setdefault("DEBUG", "0")  # DEBUG records every query: not what production does
    import django

    django.setup()
    from django.conf import settings
    from django.utils import timezone

    from accounts.models import OfficerAssignment
    from reports import selectors, services
    from reports.models import ReportRun

    settings.MEDIA_ROOT = Path(os.environ.get("BENCH_MEDIA", "/tmp/esb-bench-reports-media"))
    who, shape, option = CASES[name]
    if who == "national":
        user = (
            OfficerAssignment.objects.filter(
                active=True, institution__isnull=True, role__code="system_administrator"
            )
            .first()
            .user
        )
    else:
        user = (
            OfficerAssignment.objects.filter(
                active=True, institution__code="MOC", role__code="head_of_office"
            )
            .first()
            .user
        )
    today = timezone.localdate()
    conditions = {
        "date_from": (
            today - datetime.timedelta(days=int(os.environ.get("BENCH_DAYS", "365")) - 1)
        ).isoformat(),
        "date_to": today.isoformat(),
        "date_field": "submitted",
        "shape": shape,
    }
    baseline = _rss_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    if shape == "summary":
        conditions["group_by"] = option
        summary = selectors.summary(user, conditions)
        rows, applications = len(summary.rows), summary.total.count
        size = 0
    else:
        run = ReportRun.objects.create(owner=user, conditions=conditions, format=option, language="km")
        services.execute_run(run.pk)
        run.refresh_from_db()
        assert run.state == "done", run.error
        rows, applications, size = run.rows_total, run.rows_total, run.size
        run.file.delete(save=True)
    seconds = time.perf_counter() - started
    # This process's own CPU time (not the database's): the Python cost per row, steadier than wall time
    # on a machine shared with other jobs.
    cpu = time.process_time() - cpu_started
    return {
        "case": name,
        "user": user.get_username(),
        "rows": rows,
        "applications": applications,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "file_mb": round(size / 1024 / 1024, 1),
        "rss_after_setup_mb": round(baseline, 1),
        "peak_rss_mb": round(_rss_mb(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated, of: " + ", ".join(CASES))
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--days", type=int, help="the period's length in days (default 365)")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # one case, in a child process
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case)))
        return
    if args.days:
        os.environ["BENCH_DAYS"] = str(args.days)  # the children read it
    results = []
    for name in args.cases.split(","):
        child = subprocess.run(
            [sys.executable, __file__, "--case", name], capture_output=True, text=True, check=True
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
        results.append(result)
        print(
            f"{name:26} {result['applications']:>9,} applications {result['rows']:>9,} rows "
            f"{result['seconds']:>8.2f} s (CPU {result['cpu_seconds']:.2f} s)  "
            f"peak RSS {result['peak_rss_mb']:>7.1f} MB "
            f"(after setup {result['rss_after_setup_mb']:.1f})  file {result['file_mb']} MB",
            flush=True,
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
