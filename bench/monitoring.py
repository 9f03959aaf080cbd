"""The heartbeat's own costs at scale: a dispatcher round, folding probe answers into state, a day's rollup,
the status page's reads, and one probe round trip. In-process, against the database and Redis of the
environment, inside one transaction that is rolled back at the end (nothing is left behind).

    DATABASE_URL=... REDIS_URL=... ESB_ENV=test .venv/bin/python bench/monitoring.py --systems 500
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esb.settings")
os.environ["DEBUG"] = "0"

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from monitoring import probe, selectors, services  # noqa: E402
from monitoring.models import DailyRollup, MemberSystem, ProbeResult  # noqa: E402
from monitoring.probe import ProbeAnswer  # noqa: E402


class Rollback(Exception):
    pass


def _timed(function, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return (time.perf_counter() - started) * 1000, result


def _stub() -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"code": 200, "message": "OK"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/health"


def run(systems: int, answers: int, day_results: int, page_systems: int) -> dict:
    figures: dict = {}
    server, url = _stub()
    try:
        with transaction.atomic():
            MemberSystem.objects.bulk_create(
                MemberSystem(
                    code=f"bench-{n}",
                    name_en=f"Bench system {n}",
                    name_km=f"ប្រព័ន្ធសាកល្បង {n}",
                    kind="ministry",
                    probe_url=url,
                    interval_seconds=30,
                )
                for n in range(systems)
            )
            now = timezone.now()
            figures["dispatch_all_due_ms"], claimed = _timed(services.claim_due_slots, now)
            assert len(claimed) == systems
            figures["dispatch_none_due_ms"], none = _timed(services.claim_due_slots, now)
            assert none == []

            target = MemberSystem.objects.get(code="bench-0")
            start = now - datetime.timedelta(days=1)
            times = []
            for n in range(answers):
                moment = start + datetime.timedelta(seconds=30 * n)
                answer = ProbeAnswer("down" if n % 50 in (10, 11, 12) else "up", 40 + n % 30, 200, "")
                elapsed, _ = _timed(
                    services.record_answer, target.pk, int(moment.timestamp()), answer, checked_at=moment
                )
                times.append(elapsed)
            times.sort()
            figures["record_answer_p50_ms"] = statistics.median(times)
            figures["record_answer_p95_ms"] = times[int(len(times) * 0.95) - 1]
            figures["record_answer_per_second"] = 1000 / statistics.mean(times)

            day = timezone.localdate() - datetime.timedelta(days=3)
            day_start, _end = services.rollups.day_bounds(day)
            ids = list(MemberSystem.objects.filter(code__startswith="bench-").values_list("pk", flat=True))
            ProbeResult.objects.bulk_create(
                ProbeResult(
                    system_id=ids[1],
                    slot=int(day_start.timestamp()) + 30 * n,
                    checked_at=day_start + datetime.timedelta(seconds=30 * n),
                    outcome="up",
                    latency_ms=20 + n % 200,
                    http_status=200,
                )
                for n in range(day_results)
            )
            figures["fold_day_ms"], rollup = _timed(services.fold_day, ids[1], day)
            assert rollup.probes == day_results

            today = timezone.localdate()
            DailyRollup.objects.bulk_create(
                DailyRollup(
                    system_id=system_id,
                    day=today - datetime.timedelta(days=back),
                    probes=2880,
                    up=2870,
                    down=10,
                    uptime_percent=99.653,
                    p50_ms=40,
                    p95_ms=90,
                )
                for system_id in ids[2 : 2 + page_systems]
                for back in range(1, 90)
            )
            page = MemberSystem.objects.filter(pk__in=ids[2 : 2 + page_systems])
            runs = [_timed(selectors.statuses, page)[0] for _ in range(5)]
            figures["status_page_reads_ms"] = statistics.median(runs)

            probes = sorted(
                _timed(probe.run, url, check_kind="part5_health", timeout_seconds=2, slow_ms=1000)[0]
                for _ in range(200)
            )
            figures["probe_round_trip_p50_ms"] = statistics.median(probes)
            figures["probe_round_trip_p95_ms"] = probes[int(len(probes) * 0.95) - 1]
            raise Rollback
    except Rollback:
        pass
    finally:
        server.shutdown()
        connection.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=500, help="enabled member systems (dispatcher round)")
    parser.add_argument("--answers", type=int, default=1000, help="answers folded into one system's state")
    parser.add_argument("--day-results", type=int, default=2880, help="results in the folded day (30 s)")
    parser.add_argument("--page-systems", type=int, default=50, help="systems on the status page (90 days)")
    args = parser.parse_args()
    figures = run(args.systems, args.answers, args.day_results, args.page_systems)
    for name, value in figures.items():
        print(f"{name:28} {value:10.2f}")


if __name__ == "__main__":
    main()
