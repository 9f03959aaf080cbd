"""The Part 5 API over HTTP at scale: requests per second and p50/p95/p99 of the list, detail and statistic
endpoints, side by side with a bare Django JSON view on the same gunicorn server in the same run.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/esb_bench_stats REDIS_URL=redis://127.0.0.1:6379/10
    export ESB_ENV=test
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/part5_api.py --clients 1 8 --rounds 3 --seconds 4     # or: make bench-api

What it does:

- seeds, idempotently, what a caller needs and nothing else: the CamDigiKey simulator's two client apps (the
  portal's, the Ministry of Commerce's organization client `moc-api-dev`: sandbox.camdigikey.demo
  .seed_clients) and the demo API consumer of demo_data/api_consumers.yaml (`api.moc.gov.kh`) through
  camdx_api.services.register_consumer, with its rate limit raised to `--rate-limit` per minute;
- starts two gunicorns on free loopback ports, both with `DJANGO_SETTINGS_MODULE=bench.http_settings` (the
  portal's settings, with `/bench/bare` added to the URLs) and DEBUG off: "camdigikey" (2 sync workers)
  stands for CamDigiKey, which the portal asks whether a token is valid (answer cached 30 s in Redis); the
  measured server (`--server`, default sync:3, the Dockerfile's) has CAMDIGIKEY_BASE_URL pointed at it, so
  its workers never wait on themselves;
- gets an ORGANIZATION token of `moc-api-dev` from the simulator, as README.md's CamDX sandbox section does;
- draws inputs from the database with a fixed seed: (Single ID, request number) pairs of exposed applications,
  their businesses' Single IDs and two words of their English names as search terms, and date ranges inside
  the data (closed days only, so every statistic is final);
- checks every scenario answers 200 with its success body, warms every worker, then for each level of
  concurrent clients runs every scenario `--rounds` times for `--seconds` each, interleaved (round-robin,
  starting one further each round), so the machine's other load falls on all of them alike;
- clients are processes (not threads: the GIL would cap the load generator), each one request at a time on
  its own connection (sync workers close it after every answer);
- reports per level and scenario: requests per second over the windows' wall time, the share of the bare
  view's, p50/p95/p99, CPU per request of the gunicorn processes and of their database sessions (/proc; less
  inflated by other load than wall time), answers that were not 200 with the success body, the load average.

`--queries` then runs one request of each scenario in this process through Django's test client and lists
its statements and their time; `--explain` adds EXPLAIN (ANALYZE, BUFFERS) of the slowest SELECT of each.

Every call is logged (camdx_api ApiCall) and every application served is written to the data-access log of
the people concerned (privacy): the run adds those rows to the database, as real calls would. It changes no
existing row except the demo consumer's and the simulator's client apps.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.http_load import (  # noqa: E402  (after the path is set)
    Clients,
    cpu_seconds,
    database_pids,
    free_port,
    get,
    server_pids,
    start_gunicorn,
    stop_gunicorn,
    used,
)

SETTINGS = "bench.http_settings"
APP_NAME = "esb-bench-part5"  # application_name of the measured server's database sessions
CONSUMER_DOMAIN = "api.moc.gov.kh"  # demo_data/api_consumers.yaml, CAMDX_IDS
SEED = 13
BARE = "bare Django JSON view"


# --- scenarios ----------------------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    paths: list[str]
    ok_marker: bytes  # what a success body contains
    api: bool = True  # needs the token


@dataclass
class Tally:
    """What one scenario at one level added up to over its windows."""

    requests: int = 0
    not_ok: int = 0
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: collections.Counter = field(default_factory=collections.Counter)
    server_cpu: float = 0.0
    database_cpu: float = 0.0
    client_cpu: float = 0.0
    load: list[float] = field(default_factory=list)


def draw_inputs(count: int) -> dict:
    """Inputs drawn with a fixed seed from the exposed applications (the API's own definition of them)."""
    from django.db.models import Count, Max, Min

    from applications.models import Application

    exposed = Application.objects.filter(
        reference__isnull=False, business__isnull=False, discarded_at__isnull=True
    ).exclude(reference="")
    bounds = exposed.aggregate(low=Min("pk"), high=Max("pk"), first=Min("updated_at"), last=Max("updated_at"))
    if bounds["low"] is None:
        raise SystemExit("no exposed application (with a request number and a business) in this database")
    rng = random.Random(SEED)
    wanted = {rng.randint(bounds["low"], bounds["high"]) for _ in range(count * 3)}
    rows = list(
        exposed.filter(pk__in=wanted).values_list("business__single_id", "reference", "business__name_en")[
            :count
        ]
    )
    if len(rows) < count:  # a sparse id range (small databases): take what there is
        rows += list(
            exposed.order_by("?").values_list("business__single_id", "reference", "business__name_en")[
                : count - len(rows)
            ]
        )
    total = exposed.count()
    pairs = sorted({(single_id, reference) for single_id, reference, _name in rows})
    words = sorted({" ".join(name.split()[:2]) for _s, _r, name in rows if name and len(name.split()) >= 2})
    single_ids = sorted({single_id for single_id, _r, _n in rows})
    return {
        "pairs": pairs,
        "names": words or single_ids,
        "single_ids": single_ids,
        # the statuses that have applications, most frequent first
        "statuses": list(
            exposed.order_by()
            .values("status")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .values_list("status", flat=True)
        ),
        "pages": [p for p in (1, 2, 50) if p == 1 or (p - 1) * 20 < total],
        "first_day": bounds["first"].date(),
        "last_day": bounds["last"].date(),
    }


def date_ranges(first: datetime.date, last: datetime.date, days: int, count: int) -> list[tuple[str, str]]:
    """`count` ranges of `days` days ending on closed days (before today) inside the data's last half year."""
    rng = random.Random(SEED + days)
    newest_end = min(last, datetime.date.today() - datetime.timedelta(days=1))
    oldest_end = min(
        newest_end, max(first + datetime.timedelta(days=28), newest_end - datetime.timedelta(days=180))
    )
    span = max(0, (newest_end - oldest_end).days)
    ranges = set()
    for _ in range(count):
        end = oldest_end + datetime.timedelta(days=rng.randint(0, span))
        ranges.add(((end - datetime.timedelta(days=days - 1)).isoformat(), end.isoformat()))
    return sorted(ranges)


def scenarios(inputs: dict) -> list[Scenario]:
    def lst(**params: str) -> str:
        return "/api/v1/licenses" + (f"?{urlencode(params)}" if params else "")

    statuses = [s for s in inputs["statuses"] if s != "DRAFT"] or inputs["statuses"]
    names, single_ids = inputs["names"], inputs["single_ids"]
    first, last = inputs["first_day"], inputs["last_day"]
    stats = {
        label: [
            f"/api/v1/statistic?{urlencode({'start_date': s, 'end_date': e})}"
            for s, e in date_ranges(first, last, days, 60)
        ]
        for label, days in (("one month", 30), ("one year", 365), ("three years", 3 * 365))
    }
    return [
        Scenario(BARE, ["/bench/bare"], b'"code": 0', api=False),
        Scenario("/health (reference: database, Redis, broker)", ["/health"], b'"code": 200', api=False),
        Scenario("bare + call-log line (reference)", ["/bench/bare-logged?n=0"], b'"code": 0', api=False),
        Scenario(
            "bare + call-log line + 20 data-access lines (reference)",
            ["/bench/bare-logged?n=20"],
            b'"code": 0',
            api=False,
        ),
        Scenario("list", [lst(page=str(p)) if p > 1 else lst() for p in inputs["pages"]], b'"status":1'),
        Scenario("list, search_term = Single ID", [lst(search_term=s) for s in single_ids], b'"status":1'),
        Scenario(
            "list, search_term = two words of a name", [lst(search_term=n) for n in names], b'"status":1'
        ),
        Scenario("list, license_status", [lst(license_status=s) for s in statuses], b'"status":1'),
        Scenario(
            "list, name + license_status",
            [lst(search_term=n, license_status=statuses[0]) for n in names],
            b'"status":1',
        ),
        Scenario(
            "detail",
            [f"/api/v1/licenses/{single_id}/info/{reference}" for single_id, reference in inputs["pairs"]],
            b'"code":0',
        ),
        *(Scenario(f"statistic, {label}", paths, b'"code":0') for label, paths in stats.items()),
    ]


# --- setup --------------------------------------------------------------------------------------------------


def seed_caller(rate_limit: int) -> None:
    """The simulator's client apps and the demo consumer with a bench rate limit (both idempotent)."""
    from camdx_api import demo, services
    from registry.models import Institution
    from sandbox.camdigikey.demo import seed_clients

    seed_clients()
    row = next(r for r in demo.consumers() if r["camdigikey_domain"] == CONSUMER_DOMAIN)
    code = row.pop("institution", None)
    row["rate_limit_per_minute"] = rate_limit
    services.register_consumer(**row, institution=Institution.objects.filter(code=code).first())


def organization_token(camdigikey_base: str) -> str:
    from dataclasses import replace

    from accounts.camdigikey.client import CamDigiKeyClient
    from accounts.camdigikey.config import CamDigiKeyConfig
    from sandbox.camdigikey.demo import MOC_API_CLIENT as moc

    keys = {k: moc[k] for k in ("client_id", "domain", "hmac_key", "aes_secret_key", "aes_iv")}
    config = replace(CamDigiKeyConfig.from_settings(), base_url=camdigikey_base, **keys)
    return CamDigiKeyClient(config).get_organization_access_token()


def libpq_dsn() -> str:
    from django.db import connection

    params = connection.get_connection_params()
    return " ".join(
        f"{k}={v}" for k, v in params.items() if k in {"host", "port", "dbname", "user", "password"}
    )


def check_scenarios(port: int, all_scenarios: list[Scenario], headers: dict) -> None:
    """Every path of every scenario once (a bounded number): 200 and the success body, or stop here."""
    conn_box: list = [None]
    for scenario in all_scenarios:
        failures = []
        for path in scenario.paths[:8]:
            status, body = get(conn_box, port, path, headers if scenario.api else {})
            if status != 200 or scenario.ok_marker not in body:
                failures.append(f"{path}: {status} {body[:300]!r}")
        sample = scenario.paths[0]
        print(f"  {scenario.name}: {len(scenario.paths)} inputs, e.g. {sample}", flush=True)
        if failures:
            raise SystemExit(f"{scenario.name}: {len(failures)} refused, e.g. {failures[0]}")


# --- in process: statements ---------------------------------------------------------------------------------


def statements(all_scenarios: list[Scenario], token: str, explain: bool) -> None:
    """One request of each scenario through Django's test client (whole middleware stack, DEBUG off): how
    many statements and their time, the slowest ones, and optionally the plan of the slowest SELECT."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    print("\nStatements per request (in process, second call of the same path):")
    for scenario in all_scenarios:
        path = scenario.paths[len(scenario.paths) // 2]
        client.get(path)  # warm
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            response = client.get(path)
            wall = (time.perf_counter() - t0) * 1000
        queries = captured.captured_queries
        sql_ms = sum(float(q["time"]) for q in queries) * 1000
        print(
            f"- {scenario.name} ({path}): HTTP {response.status_code}, {wall:.1f} ms, "
            f"{len(queries)} statements, {sql_ms:.1f} ms in SQL"
        )
        for query in sorted(queries, key=lambda q: -float(q["time"]))[:3]:
            print(f"    {float(query['time']) * 1000:7.1f} ms  {query['sql'][:220]}")
        selects = [q for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]
        if explain and selects:
            slowest = max(selects, key=lambda q: float(q["time"]))
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
                print("      " + "\n      ".join(row[0] for row in cursor.fetchall()))


# --- the run ------------------------------------------------------------------------------------------------


def measure(args, port: int, master: int, dsn: str, all_scenarios: list[Scenario], headers: dict) -> list:
    clients = Clients(port, max(args.clients))
    table: dict[tuple[int, str], Tally] = {}
    try:
        for scenario in all_scenarios:  # warm every worker on every scenario
            clients.run(max(args.clients), scenario, headers if scenario.api else {}, args.warmup, 0)
        for level in args.clients:
            for round_no in range(args.rounds):
                shift = round_no % len(all_scenarios)
                for scenario in all_scenarios[shift:] + all_scenarios[:shift]:
                    tally = table.setdefault((level, scenario.name), Tally())
                    load = os.getloadavg()[0]
                    server_before = cpu_seconds(server_pids(master))
                    db_pids = database_pids(dsn, APP_NAME)
                    db_before = cpu_seconds(db_pids)
                    start, answers = clients.run(
                        level, scenario, headers if scenario.api else {}, args.seconds, round_no + 1
                    )
                    tally.server_cpu += used(server_before, cpu_seconds(server_pids(master)))
                    tally.database_cpu += used(
                        db_before, cpu_seconds({*db_pids, *database_pids(dsn, APP_NAME)})
                    )
                    tally.elapsed += max(last for _l, _s, _n, last, _c in answers) - start
                    for latencies, statuses, not_ok, _last, cpu in answers:
                        tally.requests += len(latencies)
                        tally.latencies.extend(latencies)
                        tally.statuses.update(statuses)
                        tally.not_ok += not_ok
                        tally.client_cpu += cpu
                    tally.load.append(load)
                    print(_progress(level, round_no, scenario.name, tally), flush=True)
    finally:
        clients.close()
    return [(level, name, tally) for (level, name), tally in table.items()]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def _progress(level: int, round_no: int, name: str, tally: Tally) -> str:
    rate = tally.requests / tally.elapsed if tally.elapsed else 0.0
    return (
        f"× {level} round {round_no + 1}: {name}: {tally.requests} requests, {rate:.0f}/s so far, "
        f"p95 {percentile(tally.latencies, 95) * 1000:.1f} ms, not ok {tally.not_ok}"
    )


HEADINGS = (
    "clients",
    "request",
    "requests",
    "per second",
    "share of bare",
    "share of bare by CPU",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "server CPU ms",
    "database CPU ms",
    "not ok",
    "load avg",
    "target",
)


def cpu_per_request(tally: Tally) -> tuple[float, float]:
    """Milliseconds of CPU per request: the gunicorn processes, their database sessions."""
    return 1000 * tally.server_cpu / max(tally.requests, 1), 1000 * tally.database_cpu / max(
        tally.requests, 1
    )


def report(rows: list, target_share: float, target_p95: float) -> str:
    lines = ["", "| " + " | ".join(HEADINGS) + " |", "| ---: | --- |" + " ---: |" * 10 + " --- | --- |"]
    bare = {level: tally for level, name, tally in rows if name == BARE}
    for level, name, tally in sorted(rows, key=lambda r: r[0]):
        rate = tally.requests / tally.elapsed if tally.elapsed else 0.0
        server_ms, database_ms = cpu_per_request(tally)
        share, cpu_share = float("nan"), float("nan")
        if level in bare:
            share = rate / (bare[level].requests / bare[level].elapsed)
            cpu_share = sum(cpu_per_request(bare[level])) / max(server_ms + database_ms, 1e-9)
        p95 = percentile(tally.latencies, 95) * 1000
        if name.startswith(("bare", "/health")):
            target = ""
        elif name.startswith("statistic"):
            target = f"p95 ≤ {target_p95:.0f} ms: " + ("met" if p95 <= target_p95 else "**not met**")
        else:
            target = f"≥ {target_share:.0%} of bare: " + ("met" if share >= target_share else "**not met**")
        cells = (
            level,
            name,
            f"{tally.requests:,}",
            f"{rate:.1f}",
            f"{share:.0%}",
            f"{cpu_share:.0%}",
            f"{statistics.median(tally.latencies) * 1000:.1f}",
            f"{p95:.1f}",
            f"{percentile(tally.latencies, 99) * 1000:.1f}",
            f"{server_ms:.1f}",
            f"{database_ms:.1f}",
            tally.not_ok,
            f"{min(tally.load):.1f}–{max(tally.load):.1f}",
            target,
        )
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    lines += [
        "",
        "per second: answers over the windows' wall time. CPU ms: per request, user + system, of gunicorn "
        "processes and of their database sessions. share of bare by CPU: the bare view's CPU per request "
        "(server + database) over this one's, i.e. the share of the bare view's rate it would reach if the "
        "server and database were alone on the cores. not ok: not 200, or 200 without the success body.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8], help="concurrent clients, levels")
    parser.add_argument("--rounds", type=int, default=3, help="windows per scenario and level (interleaved)")
    parser.add_argument("--seconds", type=float, default=4.0, help="length of one window")
    parser.add_argument("--warmup", type=float, default=2.0, help="untimed seconds per scenario first")
    parser.add_argument("--server", default="sync:3", help="measured gunicorn: sync:W or gthread:WxT")
    parser.add_argument(
        "--max-requests",
        type=int,
        default=0,
        help="gunicorn --max-requests of the measured server (compose: 1000). Off by default: a worker "
        "restart costs ~1 s of CPU, at several hundred requests per second it would be the main cost of "
        "the bare view",
    )
    parser.add_argument(
        "--server-side-binding",
        action="store_true",
        help="measured server with DB_SERVER_SIDE_BINDING=1 (prepared statements, the settings' default "
        "since 5 December 2026); without it the bench sets 0, so its figures compare with the earlier runs",
    )
    parser.add_argument("--inputs", type=int, default=500, help="applications drawn for detail and search")
    parser.add_argument("--rate-limit", type=int, default=100_000, help="the consumer's requests per minute")
    parser.add_argument("--target-share", type=float, default=0.5, help="list/detail vs bare, req/s")
    parser.add_argument("--target-p95", type=float, default=50.0, help="statistics p95, ms")
    parser.add_argument("--queries", action="store_true", help="statements of one request of each scenario")
    parser.add_argument("--explain", action="store_true", help="with --queries: plan of the slowest SELECT")
    parser.add_argument("--only", nargs="*", default=[], help="scenarios whose name starts with one of these")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--log", type=Path, default=ROOT / ".data" / "bench-part5-gunicorn.log")
    args = parser.parse_args(argv)
    if max(args.clients) > 32 or args.rounds * args.seconds > 120 or args.inputs > 5000:
        parser.error("keep it bounded: at most 32 clients, 120 s per scenario and level, 5000 inputs")

    camdigikey_port, port = free_port(), free_port()
    camdigikey_base = f"http://127.0.0.1:{camdigikey_port}/sandbox/camdigikey"
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ["DEBUG"] = "0"
    os.environ["CAMDIGIKEY_BASE_URL"] = camdigikey_base  # --queries asks the same simulator
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    if not settings.ESB_SANDBOX_ENABLED:
        raise SystemExit(
            "the CamDigiKey simulator is needed: ESB_SANDBOX_ENABLED must be on (not production)"
        )
    t0 = time.perf_counter()
    seed_caller(args.rate_limit)
    inputs = draw_inputs(args.inputs)
    all_scenarios = scenarios(inputs)
    if args.only:
        all_scenarios = [s for s in all_scenarios if s.name.startswith(("bare", "/health", *args.only))]
    dsn = libpq_dsn()
    applications = connection.cursor().execute("SELECT count(*) FROM applications_application").fetchone()[0]
    connection.close()
    print(
        f"{applications:,} applications; drew {len(inputs['pairs'])} applications, {len(inputs['names'])} "
        f"names, data from {inputs['first_day']} to {inputs['last_day']} ({time.perf_counter() - t0:.1f} s)",
        flush=True,
    )

    args.log.parent.mkdir(parents=True, exist_ok=True)
    database_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/esb")
    separator = "&" if "?" in database_url else "?"
    base_env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "DEBUG": "0", "PYTHONUNBUFFERED": "1"}
    camdigikey = start_gunicorn("esb-bench-camdigikey", camdigikey_port, "sync:2", base_env, args.log, 0)
    server = None
    try:
        token = organization_token(camdigikey_base)
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        server_env = {
            **base_env,
            "CAMDIGIKEY_BASE_URL": camdigikey_base,
            "DATABASE_URL": f"{database_url}{separator}application_name={APP_NAME}",
        }
        server_env["DB_SERVER_SIDE_BINDING"] = "1" if args.server_side_binding else "0"
        server = start_gunicorn("esb-bench-part5", port, args.server, server_env, args.log, args.max_requests)
        print(f"gunicorn {args.server} on :{port}, CamDigiKey simulator on :{camdigikey_port}", flush=True)
        check_scenarios(port, all_scenarios, headers)
        rows = measure(args, port, server.pid, dsn, all_scenarios, headers)
        print(report(rows, args.target_share, args.target_p95))
        if args.json:
            args.json.write_text(
                json.dumps(
                    [
                        {
                            "clients": level,
                            "request": name,
                            "requests": t.requests,
                            "per_second": t.requests / t.elapsed if t.elapsed else None,
                            "p50_ms": statistics.median(t.latencies) * 1000,
                            "p95_ms": percentile(t.latencies, 95) * 1000,
                            "p99_ms": percentile(t.latencies, 99) * 1000,
                            "server_cpu_ms": 1000 * t.server_cpu / max(t.requests, 1),
                            "database_cpu_ms": 1000 * t.database_cpu / max(t.requests, 1),
                            "not_ok": t.not_ok,
                            "statuses": dict(t.statuses),
                            "load": t.load,
                        }
                        for level, name, t in rows
                    ],
                    indent=1,
                )
            )
        if args.queries:
            statements(all_scenarios, token, args.explain)
    finally:
        if server is not None:
            stop_gunicorn(server)
        stop_gunicorn(camdigikey)
    return 0


if __name__ == "__main__":
    sys.exit(main())
