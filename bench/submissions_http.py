"""Submissions per second over HTTP, through the portal's own server and process model (gunicorn, as the
Dockerfile and docker-compose.yml run it), with 1, 4 and 16 concurrent clients, and a lock-wait sample of the
database taken during every run.

Run against a database with the demo data, e.g.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/esb_bench REDIS_URL=redis://127.0.0.1:6379/10
    export ESB_ENV=development
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py seed_demo_data
    .venv/bin/python bench/submissions_http.py --levels 1 4 16 --per-level 160 --server sync:3

What it does, for each `--server CLASS:WORKERS[xTHREADS]` (default `sync:3`, the Dockerfile's):

- seeds ready-to-submit drafts (bench.submission_support.seed: one draft filled through the services, cloned
  with SQL) and gives each client a logged-in session of the drafts' applicant, acting for the drafts'
  business, written to the session store with the rules of a real login (accounts.services.begin_session),
  so CamDigiKey is not needed;
- starts gunicorn on a free loopback port with the compose file's options (DEBUG off, ESB_ENV as given);
- for each level, that many client threads each submit their share of the drafts as a browser does: GET the
  check-your-answers page (session and CSRF cookies, the form's CSRF token and version), then POST the submit
  form; 302 to the confirmation page is a submission. Each client first submits `--warmup` drafts untimed.
  The confirmation page the browser then loads is not fetched (`--follow` fetches it, inside the timing).
  `--post-only` times the submission request alone: each client GETs all its check pages before the clock
  starts, then POSTs them one after the other (same sessions, tokens and versions as a browser would send);
- counts only submissions the database shows SUBMITTED afterwards; reports submissions per second over the
  level's wall time, p50/p95 of the POST and of the whole GET+POST, the load average, and a sample of what
  the server's database sessions wait on (every 20 ms), advisory-lock requests not granted included.

A sealer process seals the audit chain every second, as the beat does. No Celery worker is needed: the
outbox rows a submission writes stay in the database, and the relay kick after each commit goes to the Redis
broker and waits there. It writes real rows: use a bench database.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import http.client
import multiprocessing as mp
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import submission_support as support
from bench.http_load import (
    cpu_seconds,
    database_pids,
    free_port,
    server_pids,
    start_gunicorn,
    stop_gunicorn,
)
from bench.http_load import used as cpu_used

CSRF_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION_RE = re.compile(rb'name="version" value="(\d+)"')
DEADLINE_SECONDS = 600  # no level runs longer than this


# --- sessions -----------------------------------------------------------------------------------------------


def login_sessions(user_id: int, business_id: int | None, count: int) -> list[str]:
    """`count` session keys, each a fresh login of the user (the rules of accounts.services.begin_session),
    acting for the business as the business picker would leave it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.models import User
    from accounts.selectors import ACTING_FOR_SESSION_KEY
    from accounts.services.login import APPLICANT, SESSION_BACKEND, begin_session

    user = User.objects.get(pk=user_id)
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    keys = []
    for _ in range(count):
        session = store_class()
        session[SESSION_KEY] = user._meta.pk.value_to_string(user)
        session[BACKEND_SESSION_KEY] = SESSION_BACKEND
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        begin_session(SimpleNamespace(session=session), user, APPLICANT)
        if business_id is not None:
            session[ACTING_FOR_SESSION_KEY] = business_id
        session.save()
        keys.append(session.session_key)
    return keys


# --- the server ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    worker_class: str
    workers: int
    threads: int

    @classmethod
    def parse(cls, text: str) -> Server:
        worker_class, _, rest = text.partition(":")
        workers, _, threads = rest.partition("x")
        if worker_class not in {"sync", "gthread"} or not workers.isdigit():
            raise argparse.ArgumentTypeError(f"{text!r}: expected sync:W or gthread:WxT")
        return cls(worker_class, int(workers), int(threads or 1))

    def __str__(self) -> str:
        return f"{self.worker_class}:{self.workers}" + (f"x{self.threads}" if self.threads > 1 else "")


def start_server(server: Server, port: int, log_path: Path) -> subprocess.Popen:
    database_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/esb")
    separator = "&" if "?" in database_url else "?"
    env = {
        **os.environ,
        "DEBUG": "0",
        # the name the sampler watches in pg_stat_activity
        "DATABASE_URL": f"{database_url}{separator}application_name={support.APP_NAME}",
        "PYTHONUNBUFFERED": "1",
    }
    # docker-compose.yml's web service options, its --max-requests included; ready once /health answers
    return start_gunicorn("esb-bench-submissions", port, str(server), env, log_path, 1000, probe="/health")


stop_server = stop_gunicorn


# --- the browser --------------------------------------------------------------------------------------------


class Browser:
    """One client: a cookie jar and a kept-alive connection (reopened when the server closes it)."""

    def __init__(self, port: int, cookies: dict[str, str]):
        self.port = port
        self.origin = f"http://127.0.0.1:{port}"
        self.cookies = dict(cookies)
        self.conn: http.client.HTTPConnection | None = None
        self.refusal = ""  # why the last submit was not a submission

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, dict, bytes]:
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "User-Agent": "esb-bench-submissions-http",
            "Accept": "text/html",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        if body is not None:
            headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": self.origin + path.replace("/submit/", "/check/"),
            }
        for attempt in (1, 2):
            reused = self.conn is not None
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
                self.conn.close()
                self.conn = None
                if attempt == 2 or not reused:  # only a kept-alive connection the server closed is retried
                    raise
                continue
            for cookie in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = cookie.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            if response.will_close:
                self.conn.close()
                self.conn = None
            return response.status, dict(response.headers), data
        raise AssertionError("unreachable")

    def check(self, public_id: str) -> str | None:
        """GET the check-your-answers page: the submit form's body (CSRF token and version), or None."""
        status, _headers, page = self.request("GET", f"/applications/{public_id}/check/")
        token, version = CSRF_RE.search(page), VERSION_RE.search(page)
        if status != 200 or token is None or version is None:
            self.refusal = f"check page: {status}, {_headers.get('Location', 'no form')}"
            return None
        return urlencode({"csrfmiddlewaretoken": token[1].decode(), "version": version[1].decode()})

    def submit(self, public_id: str, follow: bool, body: str | None = None) -> float | None:
        """Submit one draft (GET its check page first unless `body` is given); the POST's time in ms, or None
        when it was not a submission."""
        body = body or self.check(public_id)
        if body is None:
            return None
        t0 = time.perf_counter()
        status, headers, _ = self.request("POST", f"/applications/{public_id}/submit/", body)
        post_ms = (time.perf_counter() - t0) * 1000
        location = headers.get("Location", "")
        ok = status == 302 and location.endswith(f"/applications/{public_id}/submitted/")
        if ok and follow:
            ok = self.request("GET", location)[0] == 200
        self.refusal = "" if ok else f"submit: {status}, {location}"
        return post_ms if ok else None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


# --- a level ------------------------------------------------------------------------------------------------


@dataclass
class ClientResult:
    post_ms: list[float] = field(default_factory=list)
    round_ms: list[float] = field(default_factory=list)
    refused: int = 0
    refusals: list[str] = field(default_factory=list)
    error: str = ""
    end: float = 0.0


def client(browser, drafts, warmup, follow, barrier, started, result: ClientResult, post_only=False) -> None:
    try:
        for public_id in drafts[:warmup]:
            browser.submit(public_id, follow)
        # --post-only: every check page is fetched before the clock starts; the timed part is the POSTs.
        bodies = {public_id: browser.check(public_id) for public_id in drafts[warmup:]} if post_only else {}
        barrier.wait(timeout=300)
        deadline = started[0] + DEADLINE_SECONDS if started else time.perf_counter() + DEADLINE_SECONDS
        for public_id in drafts[warmup:]:
            if time.perf_counter() > deadline:
                break
            t0 = time.perf_counter()
            post_ms = None
            if not post_only or bodies[public_id] is not None:
                post_ms = browser.submit(public_id, follow, bodies.get(public_id))
            t2 = time.perf_counter()
            if post_ms is not None:
                result.post_ms.append(post_ms)
                result.round_ms.append((t2 - t0) * 1000)
            else:
                result.refused += 1
                result.refusals.append(browser.refusal)
        result.end = time.perf_counter()
    except BaseException as error:  # reported by the level
        result.error = repr(error)
        barrier.abort()
    finally:
        browser.close()


def run_level(port, master, sessions, chunks, warmup, follow, dsn, cookie_name, post_only=False) -> dict:
    from applications.models import Application

    barrier = threading.Barrier(len(chunks) + 1)
    started: list[float] = []
    results = [ClientResult() for _ in chunks]
    threads = [
        threading.Thread(
            target=client,
            args=(
                Browser(port, {cookie_name: sessions[i]}),
                chunk,
                warmup,
                follow,
                barrier,
                started,
                results[i],
                post_only,
            ),
            daemon=True,
        )
        for i, chunk in enumerate(chunks)
    ]
    for thread in threads:
        thread.start()
    sampler = support.Sampler(dsn)
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait(timeout=600)
    load_before = os.getloadavg()[0]
    app_cpu, db_pids = cpu_seconds(server_pids(master)), database_pids(dsn, support.APP_NAME)
    db_cpu = cpu_seconds(db_pids)
    bench_cpu = time.process_time()  # this process: the clients, and the sampler
    started.append(time.perf_counter())
    sampler.start()
    for thread in threads:
        thread.join(timeout=DEADLINE_SECONDS + 60)
    sampler.stop.set()
    bench_cpu = time.process_time() - bench_cpu
    app_cpu = cpu_used(app_cpu, cpu_seconds(server_pids(master)))
    db_cpu = cpu_used(db_cpu, cpu_seconds({*db_pids, *database_pids(dsn, support.APP_NAME)}))
    sampler.join()
    end = max(r.end for r in results) or time.perf_counter()
    errors = [r.error for r in results if r.error]
    if errors:
        raise SystemExit(f"{len(errors)} client(s) failed: {errors[0]}")
    timed = [public_id for chunk in chunks for public_id in chunk[warmup:]]
    submitted = Application.objects.filter(public_id__in=timed, status="SUBMITTED").count()
    posts = [x for r in results for x in r.post_ms]
    rounds = [x for r in results for x in r.round_ms]
    return {
        "clients": len(chunks),
        "answered": len(rounds),
        "refused": sum(r.refused for r in results),
        "refusals": collections.Counter(x for r in results for x in r.refusals).most_common(3),
        "submitted": submitted,
        "rate": submitted / (end - started[0]),
        "p50": statistics.median(posts) if posts else float("nan"),
        "p95": support.percentile(posts, 95) if posts else float("nan"),
        "round_p50": statistics.median(rounds) if rounds else float("nan"),
        "round_p95": support.percentile(rounds, 95) if rounds else float("nan"),
        "load": (load_before, os.getloadavg()[0]),
        # CPU per submission (GET + POST): the server's processes, and the database sessions they use
        "app_cpu_ms": 1000 * app_cpu / max(submitted, 1),
        "db_cpu_ms": 1000 * db_cpu / max(submitted, 1),
        "bench_cpu_ms": 1000 * bench_cpu / max(submitted, 1),
        "advisory": sampler.advisory_waiting,
        "locks": sampler.report(),
    }


# --- main ---------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--per-level", type=int, default=160, help="timed submissions per level")
    parser.add_argument("--warmup", type=int, default=2, help="untimed submissions per client first")
    parser.add_argument(
        "--server",
        type=Server.parse,
        nargs="+",
        default=[Server("sync", 3, 1)],
        help="gunicorn worker class, workers and threads: sync:3 (the Dockerfile's), gthread:2x4, …",
    )
    parser.add_argument("--follow", action="store_true", help="also GET the confirmation page")
    parser.add_argument(
        "--post-only",
        action="store_true",
        help="time the submit POSTs alone: each client GETs all its check pages before the clock starts",
    )
    parser.add_argument("--log", type=Path, default=support.ROOT / ".data" / "bench-gunicorn.log")
    args = parser.parse_args()
    if args.per_level > 2000 or max(args.levels) > 64 or len(args.server) > 8:
        parser.error("keep it bounded: at most 2000 per level, 64 clients, 8 server configurations")

    support.setup_django()
    from django.conf import settings
    from django.db import connection

    from applications.models import Application

    dsn = support.libpq_dsn()
    per_server = sum(level * (args.warmup + args.per_level // level) for level in args.levels)
    t0 = time.perf_counter()
    ids = support.seed(per_server * len(args.server))
    drafts = list(Application.objects.filter(pk__in=ids).order_by("pk").values_list("public_id", flat=True))
    template = Application.objects.filter(pk=ids[0]).values("applicant_id", "business_id").get()
    sessions = login_sessions(template["applicant_id"], template["business_id"], max(args.levels))
    print(
        f"seeded {len(drafts)} ready-to-submit drafts and {len(sessions)} sessions in "
        f"{time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    connection.close()
    args.log.parent.mkdir(parents=True, exist_ok=True)

    ctx = mp.get_context("spawn")
    stop_sealing = ctx.Event()
    seal_process = ctx.Process(target=support.sealer, args=(stop_sealing,), daemon=True)
    seal_process.start()
    results = []
    offset = 0
    try:
        for server in args.server:
            port = free_port()
            process = start_server(server, port, args.log)
            try:
                for level in args.levels:
                    size = args.warmup + args.per_level // level
                    chunks = [drafts[offset + i * size : offset + (i + 1) * size] for i in range(level)]
                    offset += level * size
                    chunks = [[str(public_id) for public_id in chunk] for chunk in chunks]
                    result = run_level(
                        port,
                        process.pid,
                        sessions,
                        chunks,
                        args.warmup,
                        args.follow,
                        dsn,
                        settings.SESSION_COOKIE_NAME,
                        args.post_only,
                    )
                    result["mode"] = "POST" if args.post_only else "GET+POST"
                    result["server"] = str(server)
                    results.append(result)
                    print(_line(result), flush=True)
            finally:
                stop_server(process)
    finally:
        stop_sealing.set()
        seal_process.join(timeout=30)

    print(report(results))


COLUMNS = [  # (heading, key, format) of the table printed at the end
    ("server", "server", "{}"),
    ("timed", "mode", "{}"),
    ("clients", "clients", "{}"),
    ("submitted", "submitted", "{}"),
    ("per second", "rate", "{:.1f}"),
    ("POST p50 ms", "p50", "{:.1f}"),
    ("POST p95 ms", "p95", "{:.1f}"),
    ("GET+POST p50 ms", "round_p50", "{:.1f}"),
    ("GET+POST p95 ms", "round_p95", "{:.1f}"),
    ("server CPU ms", "app_cpu_ms", "{:.1f}"),
    ("database CPU ms", "db_cpu_ms", "{:.1f}"),
    ("clients CPU ms", "bench_cpu_ms", "{:.1f}"),
    ("advisory-lock waits", "advisory", "{}"),
    ("load avg", "load", "{0[0]:.1f} → {0[1]:.1f}"),
]


def report(results: list[dict]) -> str:
    """A Markdown table of every level, then what the server's database sessions were doing."""
    lines = [
        "",
        "| " + " | ".join(heading for heading, _key, _format in COLUMNS) + " |",
        "| --- |" + " ---: |" * (len(COLUMNS) - 1),
        *("| " + " | ".join(fmt.format(r[key]) for _h, key, fmt in COLUMNS) + " |" for r in results),
        "",
        "CPU ms: per submission (what was timed: GET + POST, or the POST alone), the gunicorn processes, "
        "their database sessions, and this process (the clients and the sampler).",
        "Database sessions of the server during each level:",
        *(f"- {r['server']} × {r['clients']}: {r['locks']}" for r in results),
    ]
    return "\n".join(lines)


def _line(r: dict) -> str:
    refusals = f": {r['refusals']}" if r["refusals"] else ""
    return (
        f"{r['server']} × {r['clients']} clients: {r['submitted']} submitted "
        f"({r['refused']} refused{refusals}) in {r['rate']:.1f}/s, "
        f"POST p50 {r['p50']:.1f} ms p95 {r['p95']:.1f} ms, GET+POST p95 "
        f"{r['round_p95']:.1f} ms, CPU per submission {r['app_cpu_ms']:.1f} ms server + "
        f"{r['db_cpu_ms']:.1f} ms database + {r['bench_cpu_ms']:.1f} ms clients, "
        f"advisory waits {r['advisory']}, "
        f"load {r['load'][0]:.1f} → {r['load'][1]:.1f}"
    )


if __name__ == "__main__":
    main()
