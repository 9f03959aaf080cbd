"""Where one submission's time goes, in one process: the check-your-answers GET and the submit POST through
Django's full request path (every middleware, the view, the templates) with the test client, on a bench
database with the demo data (see submissions_http.py for how to seed one).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/esb_bench REDIS_URL=redis://127.0.0.1:6379/10
    export ESB_ENV=development
    .venv/bin/python bench/profile_submission.py --count 60             # timings and statement counts
    .venv/bin/python bench/profile_submission.py --count 60 --profile   # + cProfile, top functions

It seeds `--count` drafts (bench.submission_support.seed), logs in one session as submissions_http.py does,
submits `--warmup` of them untimed, then times the rest: wall and CPU (process time) of each GET and POST,
the statements each runs (CaptureQueriesContext) and, with `--profile`, the functions that cost the most
(cumulative and own time) over all timed requests. DEBUG stays off; CSRF is checked as for a browser.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import submission_support as support

CSRF_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION_RE = re.compile(rb'name="version" value="(\d+)"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--filter", help="only functions whose file or name matches this regular expression")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (cumulative, tottime)")
    parser.add_argument("--queries", action="store_true", help="print the statements of one GET and POST")
    parser.add_argument("--only", choices=["get", "post"], help="profile only this request of the two")
    parser.add_argument(
        "--cpu", action="store_true", help="profile CPU time (time.process_time), not wall: waits drop out"
    )
    args = parser.parse_args()
    if not 0 < args.count <= 2000:
        parser.error("--count: 1 to 2000")

    support.setup_django()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from applications.models import Application
    from bench.submissions_http import login_sessions

    ids = support.seed(args.count + args.warmup)
    drafts = list(Application.objects.filter(pk__in=ids).order_by("pk").values_list("public_id", flat=True))
    owner = Application.objects.filter(pk=ids[0]).values("applicant_id", "business_id").get()
    [session_key] = login_sessions(owner["applicant_id"], owner["business_id"], 1)
    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key

    def one(public_id, record: dict | None, profiler: cProfile.Profile | None) -> None:
        check, submit = f"/applications/{public_id}/check/", f"/applications/{public_id}/submit/"
        timings = {}
        with CaptureQueriesContext(connection) as get_queries:
            c0, w0 = time.process_time(), time.perf_counter()
            if profiler and args.only != "post":
                profiler.enable()
            page = client.get(check)
            if profiler:
                profiler.disable()
            timings["get"] = ((time.perf_counter() - w0) * 1000, (time.process_time() - c0) * 1000)
        assert page.status_code == 200, page.status_code
        token, version = CSRF_RE.search(page.content)[1].decode(), VERSION_RE.search(page.content)[1].decode()
        with CaptureQueriesContext(connection) as post_queries:
            c0, w0 = time.process_time(), time.perf_counter()
            if profiler and args.only != "get":
                profiler.enable()
            done = client.post(
                submit,
                {"csrfmiddlewaretoken": token, "version": version},
                HTTP_ORIGIN="http://127.0.0.1",
                HTTP_REFERER=f"http://127.0.0.1{check}",
            )
            if profiler:
                profiler.disable()
            timings["post"] = ((time.perf_counter() - w0) * 1000, (time.process_time() - c0) * 1000)
        assert done.status_code == 302 and done["Location"].endswith("/submitted/"), (done.status_code, done)
        if record is not None:
            for name, value in timings.items():
                record.setdefault(name, []).append(value)
            record.setdefault("get_q", []).append(len(get_queries))
            record.setdefault("post_q", []).append(len(post_queries))
            if args.queries and "shown" not in record:
                record["shown"] = True
                for label, captured in (("GET", get_queries), ("POST", post_queries)):
                    print(f"--- {label}: {len(captured)} statements")
                    for q in captured.captured_queries:
                        print(f"{q['time']:>6} {q['sql'][:220]}")

    for public_id in drafts[: args.warmup]:
        one(public_id, None, None)
    profiler = None
    if args.profile:
        profiler = cProfile.Profile(time.process_time) if args.cpu else cProfile.Profile()
    record: dict = {}
    for public_id in drafts[args.warmup :]:
        one(public_id, record, profiler)

    def line(name: str) -> str:
        wall = [w for w, _c in record[name]]
        cpu = [c for _w, c in record[name]]
        return (
            f"{name.upper():4} wall p50 {statistics.median(wall):6.1f} ms"
            f" p95 {support.percentile(wall, 95):6.1f}"
            f" | CPU p50 {statistics.median(cpu):6.1f} ms mean {statistics.fmean(cpu):6.1f}"
            f" | statements {statistics.median(record[name + '_q']):.0f}"
        )

    print(f"{len(record['get'])} timed submissions (profiler {'on' if profiler else 'off'})")
    print(line("get"))
    print(line("post"))
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(args.sort)
        stats.print_stats(*([args.filter] if args.filter else []), args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
