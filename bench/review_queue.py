"""The officers' review queue and review screen with a million applications, over HTTP through gunicorn.

Prepare a database (bench/README.md: migrate, load_reference_data, seed_demo_data,
`python -m bench.synthetic N` for businesses, `python -m bench.synthetic.applications 1000000`), then

    .venv/bin/python bench/review_queue.py --repeat 40 [--json figures.json] [--plans plans.txt]

For a reception officer, a technical officer, an approver and a head of office (the demo officers Sok Dara,
Heng Sreynich, Lim Sovann and Mao Chanthea), each with a logged-in back-office session written to the session
store with the rules of a real officer login (accounts.services.login.begin_session, audience "officer"), it
requests through gunicorn
(`--server`, default sync:3 as the Dockerfile) each tab of the queue, a filter, a search by reference, by
Single ID and by company name, page 2 and the last page, and the review screen of applications in the
officer's scope; `--repeat` timed requests of each kind after 3 untimed ones, one client at a time. Then, in
this process: `queue_counts` timed through the selector, the statements of each request kind counted with the
Django test client (CaptureQueriesContext), and EXPLAIN (ANALYZE, BUFFERS) of the queue's statements.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import submission_support as support
from bench.submissions_http import Browser, Server, free_port, start_server, stop_server

OFFICERS = {  # role as the report names it → the demo officer's English name
    "reception": "Sok Dara",
    "technical": "Heng Sreynich",
    "approver": "Lim Sovann",
    "head_of_office": "Mao Chanthea",
}
ROW_RE = re.compile(rb'href="/backoffice/review/[0-9a-f-]{36}/"')


@dataclass
class Kind:
    officer: str
    name: str
    path: str
    expected_rows: int | None = None  # rows the page should show (checked once), None: not checked
    timings: list[float] = field(default_factory=list)
    queries: int = 0
    rows_seen: int = 0
    status: int = 0


def officer_sessions(users) -> dict[str, str]:
    """A session key per officer: a fresh back-office login (the rules of a real officer login)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.services.login import OFFICER, SESSION_BACKEND, begin_session

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    keys = {}
    for role, user in users.items():
        session = store_class()
        session[SESSION_KEY] = user._meta.pk.value_to_string(user)
        session[BACKEND_SESSION_KEY] = SESSION_BACKEND
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        begin_session(SimpleNamespace(session=session), user, OFFICER)
        session.save()
        keys[role] = session.session_key
    return keys


def request_kinds(role: str, officer) -> list[Kind]:
    """What to request for one officer: every tab, filters, searches, page 2 and the last page, screens."""
    from review import selectors
    from review.models import TaskState

    base = "/backoffice/review/"
    counts = selectors.queue_counts(officer)
    kinds = []
    for tab in selectors.QUEUES:
        kinds.append(
            Kind(role, f"tab {tab} ({counts[tab]:,} rows)", f"{base}?tab={tab}", min(25, counts[tab]))
        )
    biggest = max(selectors.QUEUES, key=lambda tab: counts[tab])
    sample = selectors.queue(officer, biggest)
    first = sample.first()
    if first is None:
        return kinds
    application = first.application
    service = application.licence_type_id
    kinds.append(
        Kind(role, f"filter: {biggest}, service", f"{base}?{urlencode({'tab': biggest, 'service': service})}")
    )
    kinds.append(
        Kind(role, "filter: team, overdue only", f"{base}?{urlencode({'tab': 'team', 'overdue': 'on'})}")
    )
    kinds.append(
        Kind(
            role,
            f"filter: {biggest}, status",
            f"{base}?{urlencode({'tab': biggest, 'status': application.status})}",
        )
    )
    # Searches: a reference (exact), a Single ID, and two words of a company name, drawn from the queue.
    middle = sample[min(counts[biggest] - 1, 1234)]
    reference = middle.application.reference
    business = middle.application.business
    kinds.append(Kind(role, "search: reference", f"{base}?{urlencode({'tab': biggest, 'q': reference})}", 1))
    kinds.append(
        Kind(role, "search: reference prefix", f"{base}?{urlencode({'tab': biggest, 'q': reference[:-2]})}")
    )
    if business is not None:
        kinds.append(
            Kind(role, "search: Single ID", f"{base}?{urlencode({'tab': biggest, 'q': business.single_id})}")
        )
        words = " ".join(business.name_en.split()[:2])
        kinds.append(Kind(role, "search: company name", f"{base}?{urlencode({'tab': biggest, 'q': words})}"))
    pages = max(1, -(-min(counts[biggest], selectors.COUNT_CAP) // 25))  # the capped paginator's last page
    kinds.append(
        Kind(
            role,
            f"{biggest}: page 2",
            f"{base}?{urlencode({'tab': biggest, 'page': 2})}",
            min(25, max(0, counts[biggest] - 25)),
        )
    )
    kinds.append(
        Kind(
            role, f"{biggest}: last page ({pages:,})", f"{base}?{urlencode({'tab': biggest, 'page': pages})}"
        )
    )
    # Review screens: an open task of the officer's (or of the team), and a decided application.
    for tab in ("mine", "team", "decided"):
        task = selectors.queue(officer, tab).filter(application__revision__gte=1).first()
        if task is not None:
            state = "decided" if task.state == TaskState.DONE else task.state.lower()
            revisions = task.application.revision
            kinds.append(
                Kind(
                    role,
                    f"review screen ({state}, {revisions} version{'s' * (revisions > 1)})",
                    f"{base}{task.application.public_id}/",
                )
            )
    return kinds


def count_queries(kinds: list[Kind], sessions: dict[str, str]) -> None:
    """The statements each request kind runs, through Django's test client (same code, in this process)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    for kind in kinds:
        client = Client(HTTP_HOST="127.0.0.1")
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions[kind.officer]
        client.get(kind.path)  # warm caches the way a running worker has them
        with CaptureQueriesContext(connection) as captured:
            response = client.get(kind.path)
        kind.queries = len(captured)
        kind.status = response.status_code
        kind.rows_seen = len(set(ROW_RE.findall(response.content)))


def timed_requests(
    kinds: list[Kind], sessions, cookie_name: str, port: int, repeat: int, warmup: int
) -> None:
    browsers = {role: Browser(port, {cookie_name: key}) for role, key in sessions.items()}
    try:
        for kind in kinds:
            browser = browsers[kind.officer]
            for _ in range(warmup):
                browser.request("GET", kind.path)
            for _ in range(repeat):
                t0 = time.perf_counter()
                status, _headers, _body = browser.request("GET", kind.path)
                kind.timings.append((time.perf_counter() - t0) * 1000)
                if status != 200:
                    raise SystemExit(f"{kind.officer} {kind.name}: HTTP {status}")
    finally:
        for browser in browsers.values():
            browser.close()


def time_counts(users, repeat: int) -> dict[str, list[float]]:
    from review import selectors

    timings = {}
    for role, user in users.items():
        values = []
        for attempt in range(repeat + 3):
            fresh = type(user).objects.get(pk=user.pk)  # the assignments are cached per user object
            t0 = time.perf_counter()
            selectors.queue_counts(fresh)
            if attempt >= 3:
                values.append((time.perf_counter() - t0) * 1000)
        timings[role] = values
    return timings


def explain(kinds: list[Kind], sessions) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of each statement on review_reviewtask a queue request runs: a summary line
    each (execution time, the top nodes, buffers)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    lines = []
    seen = set()
    for kind in kinds:
        if "review screen" in kind.name:
            continue
        client = Client(HTTP_HOST="127.0.0.1")
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions[kind.officer]
        with CaptureQueriesContext(connection) as captured:
            client.get(kind.path)
        for query in captured:
            sql = query["sql"]
            if "review_reviewtask" not in sql or sql in seen:
                continue
            seen.add(sql)
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = [row[0] for row in cursor.fetchall()]
            what = "count" if "COUNT(" in sql.upper() else "page"
            execution = next((p for p in plan if p.startswith("Execution Time")), "")
            buffers = next((p.strip() for p in plan if "Buffers:" in p), "")
            top = [p.strip() for p in plan[:6] if "->" in p or not p.startswith(" ")][:4]
            lines.append(f"### {kind.officer} · {kind.name} · {what}: {execution}; {buffers}")
            lines.extend(f"    {p}" for p in top)
            lines.append("    plan:")
            lines.extend(f"      {p}" for p in plan)
    return lines


def summary(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), support.percentile(values, 95), max(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40, help="timed requests of each kind")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--server", type=Server.parse, default=Server("sync", 3, 1))
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--plans", type=Path, help="write the EXPLAIN (ANALYZE, BUFFERS) plans here")
    parser.add_argument("--log", type=Path, default=support.ROOT / ".data" / "bench-review-gunicorn.log")
    args = parser.parse_args()
    if not 1 <= args.repeat <= 1000:
        parser.error("--repeat between 1 and 1000")

    support.setup_django()
    from django.conf import settings
    from django.db import connection

    from accounts.models import User
    from applications.models import Application

    users = {}
    for role, name in OFFICERS.items():
        user = User.objects.filter(full_name_en=name, is_active=True).first()
        if user is None:
            raise SystemExit(f"no demo officer {name!r}: run seed_demo_data")
        users[role] = user
    applications = Application.objects.exclude(status="DRAFT").count()
    sessions = officer_sessions(users)
    kinds = [kind for role, user in users.items() for kind in request_kinds(role, user)]
    load = [os.getloadavg()[0]]
    count_queries(kinds, sessions)
    connection.close()

    args.log.parent.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = start_server(args.server, port, args.log)
    try:
        load.append(os.getloadavg()[0])
        timed_requests(kinds, sessions, settings.SESSION_COOKIE_NAME, port, args.repeat, args.warmup)
        load.append(os.getloadavg()[0])
    finally:
        stop_server(process)
    counts = time_counts(users, args.repeat)
    plans = explain(kinds, sessions)
    load.append(os.getloadavg()[0])

    print(
        f"\n{applications:,} submitted applications; gunicorn {args.server}; "
        f"{args.repeat} requests of each kind; "
        f"load average {min(load):.1f}–{max(load):.1f}\n"
    )
    print("| officer | request | p50 ms | p95 ms | max ms | queries | rows |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    figures = []
    for kind in kinds:
        p50, p95, top = summary(kind.timings)
        rows = "" if "screen" in kind.name else str(kind.rows_seen)
        print(
            f"| {kind.officer} | {kind.name} | {p50:.1f} | {p95:.1f} | {top:.1f} | {kind.queries} | {rows} |"
        )
        figures.append(
            {
                "officer": kind.officer,
                "request": kind.name,
                "path": kind.path,
                "p50": p50,
                "p95": p95,
                "max": top,
                "queries": kind.queries,
                "rows": kind.rows_seen,
                "status": kind.status,
            }
        )
        if kind.expected_rows is not None and kind.rows_seen != kind.expected_rows:
            print(f"  ! expected {kind.expected_rows} rows, saw {kind.rows_seen}")
    for role, values in counts.items():
        p50, p95, top = summary(values)
        print(f"| {role} | queue_counts (selector, in process) | {p50:.1f} | {p95:.1f} | {top:.1f} | 2 | |")
        figures.append({"officer": role, "request": "queue_counts", "p50": p50, "p95": p95, "max": top})
    queue_p95 = [f["p95"] for f in figures if "screen" not in f["request"] and f["request"] != "queue_counts"]
    print(f"\nqueue pages: worst p95 {max(queue_p95):.1f} ms (target ≤ 100 ms)")
    if args.plans:
        args.plans.write_text("\n".join(plans) + "\n")
        print(f"plans written to {args.plans}")
    else:
        print("\n".join(line for line in plans if line.startswith("###")))
    if args.json:
        args.json.write_text(
            json.dumps({"applications": applications, "load": load, "figures": figures}, indent=1)
        )


if __name__ == "__main__":
    main()
