"""The statistics dashboard (/backoffice/dashboard/) over HTTP at a million applications: p50/p95 per
officer kind (a national administrator, one ministry's head of office) and period.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/esb_bench_dashboard REDIS_URL=redis://127.0.0.1:6379/2
    export ESB_ENV=test
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/dashboard.py --prepare     # payments for the synthetic data, then the rebuild
    .venv/bin/python bench/dashboard.py --clients 1 4 --rounds 2 --seconds 8

What it does:

- `--prepare` (idempotent): the synthetic generator (bench/synthetic) makes no payments, so every submitted
  application of a service with a fee gets one PAID payment (KHQR, card or bank transfer by its id) and its
  PaymentEvent, dated at its first submission — plain SQL, marked provider "bench"; then
  `dashboard.services.folding.rebuild_from_history()` (timed), and one incremental fold (timed);
- two officers, made idempotently: `bench-dashboard-national` (system administrator without an institution)
  and `bench-dashboard-ministry` (head of office at the institution with the most applications), each logged
  in through Django's test client: the session cookie goes with every request, as a browser's would;
- starts gunicorn (`--server`, default sync:3 as the Dockerfile) with DEBUG off through bench/http_load.py,
  checks every path answers 200 with the page, warms, then for each level of concurrent clients runs each
  scenario `--rounds` times for `--seconds`, interleaved, and reports p50/p95/p99 and requests per second.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.http_load import Clients, free_port, get, start_gunicorn, stop_gunicorn  # noqa: E402

SETTINGS = "bench.http_settings"
OK_MARKER = b'data-testid="dashboard"'
BARE_MARKER = b'"code": 0'

_PAYMENTS_SQL = """
WITH paying AS (
    SELECT a.id, a.submitted_at, coalesce(nullif(a.fee_amount, 0), lt.fee_amount) AS amount,
           lt.fee_currency AS currency,
           (ARRAY['KHQR', 'CARD', 'BANK_TRANSFER'])[1 + a.id % 3] AS method
    FROM applications_application a JOIN licensing_licencetype lt ON lt.id = a.licence_type_id
    WHERE a.submitted_at IS NOT NULL AND lt.fee_amount > 0
      AND NOT EXISTS (SELECT 1 FROM payments_payment p WHERE p.application_id = a.id AND p.status = 'PAID')
), made AS (
    INSERT INTO payments_payment (public_id, provider, method, amount, currency, status, khqr, md5, deeplink,
        transaction_hash, from_account, provider_reference, paid_at, refund_due, checks, created_at,
        updated_at, application_id, checkout_session_id, checkout_url)
    SELECT gen_random_uuid(), 'bench', method, amount, currency, 'PAID', '', '', '', '', '', '',
           submitted_at, false, 0, submitted_at, submitted_at, id, '', ''
    FROM paying
    RETURNING id, paid_at
)
INSERT INTO payments_paymentevent (at, kind, from_status, to_status, source, evidence, payment_id)
SELECT paid_at, 'status', 'PENDING', 'PAID', 'bench', '{}'::jsonb, id FROM made
"""


def prepare() -> None:
    from django.db import connection, transaction

    from dashboard.services import folding

    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_PAYMENTS_SQL)
        print(f"payments added: {cursor.rowcount:,} ({time.perf_counter() - t0:.1f} s)", flush=True)
    t0 = time.perf_counter()
    marks = folding.rebuild_from_history()
    print(f"rebuild_from_history: {time.perf_counter() - t0:.1f} s, marks {marks}", flush=True)
    with connection.cursor() as cursor:
        for table in folding.COUNT_TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")
            print(f"  {table}: {cursor.fetchone()[0]:,} rows")
        cursor.execute("ANALYZE")
    t0 = time.perf_counter()
    folding.fold()
    print(f"incremental fold with nothing new: {(time.perf_counter() - t0) * 1000:.0f} ms", flush=True)


def officers() -> dict[str, object]:
    from django.db.models import Count

    from accounts.models import OfficerAssignment, Role, User
    from licensing.models import LicenceType

    busiest = (
        LicenceType.objects.values("institution_id")
        .annotate(n=Count("applications"))
        .order_by("-n")
        .values_list("institution_id", flat=True)
        .first()
    )
    made = {}
    for kind, role, institution in (
        ("national", "system_administrator", None),
        ("ministry", "head_of_office", busiest),
    ):
        user, _ = User.objects.get_or_create(
            username=f"bench-dashboard-{kind}", defaults={"is_staff": True, "preferred_language": "en"}
        )
        OfficerAssignment.objects.get_or_create(
            user=user, role=Role.objects.get(code=role), institution_id=institution, defaults={"active": True}
        )
        made[kind] = user
    return made


def session_cookie(user) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def scenarios(today, institution_id: int) -> list[tuple[str, str, str]]:
    """(officer kind, name, path)."""
    month = {"start": (today.replace(day=1)).isoformat(), "end": today.isoformat()}
    two_years = {"start": today.replace(year=today.year - 2).isoformat(), "end": today.isoformat()}
    path = "/backoffice/dashboard/"
    return [
        ("reference", "bare Django view /bench/bare (no session)", "/bench/bare"),
        ("national", "default period (12 months)", path),
        ("national", "this month", f"{path}?{urlencode(month)}"),
        ("national", "two years", f"{path}?{urlencode(two_years)}"),
        (
            "national",
            "12 months, one institution",
            f"{path}?{urlencode({**month, 'institution': institution_id})}",
        ),
        ("ministry", "default period (12 months)", path),
        ("ministry", "this month", f"{path}?{urlencode(month)}"),
        ("ministry", "two years", f"{path}?{urlencode(two_years)}"),
    ]


class _Scenario:
    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        self.ok_marker = BARE_MARKER if paths[0].startswith("/bench/") else OK_MARKER


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prepare", action="store_true", help="bench payments, rebuild, then stop")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--server", default="sync:3")
    parser.add_argument("--uncached", action="store_true", help="draw the figures on every request")
    parser.add_argument("--target-p95", type=float, default=200.0)
    parser.add_argument("--log", type=Path, default=ROOT / ".data" / "bench-dashboard-gunicorn.log")
    args = parser.parse_args(argv)
    if max(args.clients) > 16 or args.rounds * args.seconds > 120:
        parser.error("keep it bounded: at most 16 clients and 120 s per scenario and level")
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    if args.prepare:
        prepare()
        return 0
    users = officers()
    cookies = {kind: session_cookie(user) for kind, user in users.items()}
    cookies["reference"] = ""
    from accounts.models import OfficerAssignment

    ministry = (
        OfficerAssignment.objects.filter(user=users["ministry"])
        .values_list("institution_id", flat=True)
        .first()
    )
    applications = connection.cursor().execute("SELECT count(*) FROM applications_application").fetchone()[0]
    connection.close()
    print(f"{applications:,} applications; ministry officer at institution {ministry}", flush=True)
    all_scenarios = scenarios(timezone.localdate(), ministry)
    args.log.parent.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "DEBUG": "0", "PYTHONUNBUFFERED": "1"}
    if args.uncached:
        env["BENCH_DASHBOARD_UNCACHED"] = "1"
    server = start_gunicorn("esb-bench-dashboard", port, args.server, env, args.log, 0)
    results: dict[tuple[int, str, str], list[float]] = {}
    rates: dict[tuple[int, str, str], list[float]] = {}
    not_ok: dict[tuple[int, str, str], int] = {}
    try:
        box: list = [None]
        for kind, name, path in all_scenarios:
            status, body = get(box, port, path, {"Cookie": cookies[kind]})
            if status != 200 or _Scenario([path]).ok_marker not in body:
                raise SystemExit(f"{kind} {name}: {status} {body[:300]!r}")
        clients = Clients(port, max(args.clients))
        try:
            for kind, _name, path in all_scenarios:  # warm every worker
                clients.run(max(args.clients), _Scenario([path]), {"Cookie": cookies[kind]}, 2.0, 0)
            for level in args.clients:
                for round_no in range(args.rounds):
                    for kind, name, path in all_scenarios:
                        start, answers = clients.run(
                            level, _Scenario([path]), {"Cookie": cookies[kind]}, args.seconds, round_no + 1
                        )
                        key = (level, kind, name)
                        elapsed = max(last for _l, _s, _n, last, _c in answers) - start
                        for latencies, _statuses, bad, _last, _cpu in answers:
                            results.setdefault(key, []).extend(latencies)
                            not_ok[key] = not_ok.get(key, 0) + bad
                        rates.setdefault(key, []).append(sum(len(a[0]) for a in answers) / elapsed)
                        print(
                            f"× {level} {kind} {name}: p95 {percentile(results[key], 95) * 1000:.1f} ms",
                            flush=True,
                        )
        finally:
            clients.close()
    finally:
        stop_gunicorn(server)
    print(
        "\n| clients | officer | period | requests | per second | p50 ms | p95 ms | p99 ms | not ok"
        " | target |"
    )
    print("| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for (level, kind, name), latencies in results.items():
        p95 = percentile(latencies, 95) * 1000
        target = f"p95 ≤ {args.target_p95:.0f} ms: " + ("met" if p95 <= args.target_p95 else "**not met**")
        target = "" if kind == "reference" else target
        key = (level, kind, name)
        p50, p99 = statistics.median(latencies) * 1000, percentile(latencies, 99) * 1000
        print(
            f"| {level} | {kind} | {name} | {len(latencies):,} | {statistics.mean(rates[key]):.1f} "
            f"| {p50:.1f} | {p95:.1f} | {p99:.1f} | {not_ok[key]} | {target} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
