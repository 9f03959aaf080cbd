"""Part 5 `application_statistic` latency at scale: p50/p95/p99 of `applications.statistics.final_counts`
for ranges of one day to three years, and the cost the statistics add to each status change.

Prepare a database with the synthetic applications (bench/README.md, `review_queue.py` section), fill the
statistics from their timeline, then run:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/esb_bench_stats
    .venv/bin/python manage.py rebuild_application_statistics
    .venv/bin/python -m bench.application_statistics --samples 200        # or: make bench-statistics

Each range is answered through `applications.statistics.status_counts`, the function the API view calls,
end to end (one statement, the network, building the dict). Ranges are drawn with a fixed seed.
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
import random  # noqa: E402
import time  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esb.settings")
os.environ.setdefault("DEBUG", "0")  # DEBUG records every query: not what production does

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from applications.models import Application, Status, StatusCountsWatermark, StatusSpan, StatusSpanCount  # noqa: E402
from applications.services import statistics as statistics_services  # noqa: E402
from applications.statistics import status_counts  # noqa: E402

KINDS: dict[str, int | None] = {  # length in days (None: any length inside the data)
    "one day": 1,
    "one week": 7,
    "one month": 30,
    "one year": 365,
    "three years": 3 * 365,
    "random range": None,
}


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(fraction * len(sorted_values) + 0.5))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summary(timings_ms: list[float]) -> dict[str, float]:
    ordered = sorted(timings_ms)
    return {
        "p50": percentile(ordered, 0.50),
        "p95": percentile(ordered, 0.95),
        "p99": percentile(ordered, 0.99),
        "max": ordered[-1],
    }


def draw_ranges(
    rng: random.Random, length: int | None, first: datetime.date, last: datetime.date, samples: int
) -> list[tuple[datetime.date, datetime.date]]:
    span = (last - first).days
    ranges = []
    for _ in range(samples):
        end = first + datetime.timedelta(days=rng.randint(0, span))
        days = length if length is not None else rng.randint(1, span + 1)
        ranges.append((end - datetime.timedelta(days=days - 1), end))
    return ranges


def time_reads(ranges: list[tuple[datetime.date, datetime.date]], warmup: int) -> tuple[list[float], int]:
    for start, end in ranges[:warmup]:
        status_counts(start, end)
    timings, total = [], 0
    for start, end in ranges:
        began = time.perf_counter()
        result = status_counts(start, end)
        timings.append((time.perf_counter() - began) * 1000)
        total += result.total
    return timings, total


def time_writes(rng: random.Random, samples: int) -> list[float]:
    """What a status change pays for the statistics (`record_status` in its transaction), rolled back."""
    top = Application.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    timings = []
    for _ in range(samples):
        application_id = rng.randint(1, top)
        with transaction.atomic():
            began = time.perf_counter()
            statistics_services.record_status(application_id, timezone.now(), Status.REVIEWING)
            timings.append((time.perf_counter() - began) * 1000)
            transaction.set_rollback(True)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=200, help="ranges of each kind (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed ranges first, of each kind")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    closed_through = statistics_services.close_days()
    first = StatusSpan.objects.order_by("day").values_list("day", flat=True).first()
    if first is None:
        sys.exit("No statistics: run `manage.py rebuild_application_statistics` (with applications loaded).")
    today = statistics_services.local_day(timezone.now())
    rng = random.Random(args.seed)
    report: dict = {
        "applications": Application.objects.count(),
        "spans": StatusSpan.objects.count(),
        "count_cells": StatusSpanCount.objects.count(),
        "history": [first.isoformat(), today.isoformat()],
        "closed_through": StatusCountsWatermark.objects.get(pk=1).closed_through.isoformat(),
        "server": connection.pg_version,
        "lines": {},
    }
    print(
        f"{report['applications']:,} applications, {report['spans']:,} spans, "
        f"{report['count_cells']:,} count cells; history {first} … {today}, closed through {closed_through}"
    )
    print(f"{'range':<32} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'mean total':>12}")
    lines: list[tuple[str, list[tuple[datetime.date, datetime.date]]]] = []
    for name, length in KINDS.items():
        # Closed ranges end anywhere in the history (a three-year range reaches before its first day).
        lines.append((f"{name}, closed", draw_ranges(rng, length, first, closed_through, args.samples)))
    for name in ("one day", "one month", "three years"):
        length = KINDS[name]
        start = today - datetime.timedelta(days=length - 1)
        lines.append((f"{name}, ending today", [(start, today)] * args.samples))
    for name, ranges in lines:
        timings, total = time_reads(ranges, args.warmup)
        figures = summary(timings) | {"mean_total": total / len(ranges)}
        report["lines"][name] = figures
        print(
            f"{name:<32} {figures['p50']:>8.2f} {figures['p95']:>8.2f} {figures['p99']:>8.2f} "
            f"{figures['max']:>8.2f} {figures['mean_total']:>12,.0f}"
        )
    writes = summary(time_writes(rng, args.samples))
    report["lines"]["record_status (per status change)"] = writes
    print(
        f"{'record_status (per status change)':<32} {writes['p50']:>8.2f} {writes['p95']:>8.2f} "
        f"{writes['p99']:>8.2f} {writes['max']:>8.2f}"
    )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
