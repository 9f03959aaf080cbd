"""The applicant journey through the services, timed: start (consent check + once-only prefill), save each
step (answers and a document), submit (reference number, revision, timeline, notification), and the portal
dashboard of a business with many applications. Also: reference numbers under concurrency.

Run against a database with the demo data (what `make run` leaves), e.g.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/esb_bench
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_reference_data
    .venv/bin/python manage.py seed_demo_data
    .venv/bin/python bench/applications_journey.py --applications 300 --threads 8

It writes real rows (applications, files under MEDIA_ROOT) for a synthetic applicant: use a bench database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esb.settings")
os.environ.setdefault("DEBUG", "0")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from applications import selectors, services  # noqa: E402
from applications.demo import one_page_pdf  # noqa: E402
from applications.prefill import address_of  # noqa: E402
from applications.uploads import check_upload  # noqa: E402
from esb import numbering as references  # noqa: E402
from licensing.selectors import licence_type_by_code  # noqa: E402
from privacy import selectors as privacy_selectors  # noqa: E402
from privacy import services as privacy_services  # noqa: E402
from privacy.models import ConsentPurpose  # noqa: E402
from registry.models import BusinessRole  # noqa: E402

PDF = one_page_pdf()
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND"
    b"\xaeB`\x82"
)
ANSWERS = {
    "workshop_name_km": "សិប្បកម្មតម្បាញ",
    "craft_types": ["silk"],
    "local_materials": True,
}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def row(name: str, values: list[float]) -> str:
    return (
        f"| {name} | {len(values)} | {statistics.median(values):.1f} | {percentile(values, 95):.1f} | "
        f"{percentile(values, 99):.1f} | {max(values):.1f} |"
    )


def applicant():
    role = BusinessRole.objects.filter(role="OWNER").select_related("person", "business").order_by("pk")[2]
    user = User.objects.filter(username="bench-applicant").first()
    if user is None:
        user = User.objects.create_user(
            username="bench-applicant",
            full_name_en="Bench Applicant",
            personal_code=role.person.identity_number,
        )
    if not privacy_selectors.has_consent(user):
        text = privacy_selectors.current_text(ConsentPurpose.CAMDX_CLUSTER)
        privacy_services.give_consent(user, ConsentPurpose.CAMDX_CLUSTER, text)
    return user, role.business


def upload(name: str, content: bytes, content_type: str):
    return check_upload(
        SimpleUploadedFile(name, content, content_type=content_type), formats=["pdf", "png"], max_size_mb=5
    )


def journey(count: int) -> dict[str, list[float]]:
    user, business = applicant()
    licence_type = licence_type_by_code("MISTI-HC-001")
    timings: dict[str, list[float]] = {"start": [], "save step": [], "save documents": [], "submit": []}
    for _ in range(count):
        # A fresh draft each time (the service would otherwise continue the open one).
        t0 = time.perf_counter()
        application = services.start_application(user, licence_type, business=business)
        timings["start"].append((time.perf_counter() - t0) * 1000)
        steps = list(application.form_definition.steps.order_by("order"))
        for step in steps[:-1]:
            t0 = time.perf_counter()
            answers = {**ANSWERS, "workshop_address": address_of(business)}
            application = services.save_step(
                application, user, step, answers=answers, uploads={}, version=application.version
            )
            timings["save step"].append((time.perf_counter() - t0) * 1000)
        documents = {
            "doc_national_id": upload("id.pdf", PDF, "application/pdf"),
            "doc_premises_photos": upload("premises.png", PNG, "image/png"),
            "doc_product_photos": upload("products.png", PNG, "image/png"),
        }
        t0 = time.perf_counter()
        application = services.save_step(
            application, user, steps[-1], answers={}, uploads=documents, version=application.version
        )
        timings["save documents"].append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        application = services.submit(application, user, version=application.version)
        timings["submit"].append((time.perf_counter() - t0) * 1000)
        assert application.status == "SUBMITTED", application.status
    return timings


def dashboard(samples: int) -> tuple[list[float], int, int]:
    user, business = applicant()
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        board = selectors.dashboard(user, business)
        times.append((time.perf_counter() - t0) * 1000)
    with CaptureQueriesContext(connection) as queries:
        board = selectors.dashboard(user, business)
    return times, len(queries), sum(board.counts.values())


def concurrent_references(threads: int, each: int) -> tuple[float, int, int]:
    prefix = f"B{uuid.uuid4().hex[:6]}"
    made: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        mine = [references.next_reference(prefix, 2026) for _ in range(each)]
        with lock:
            made.extend(mine)
        connections.close_all()

    t0 = time.perf_counter()
    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - t0
    return len(made) / elapsed, len(made), len(set(made))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=300)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    timings = journey(args.applications)
    print("| operation | n | p50 ms | p95 ms | p99 ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, values in timings.items():
        print(row(name, values))
    times, queries, shown = dashboard(200)
    print(row(f"dashboard selector ({shown} applications of one business)", times))
    print(f"\ndashboard: {queries} queries")
    rate, made, unique = concurrent_references(args.threads, 200)
    print(f"reference numbers: {made} from {args.threads} threads, {unique} distinct, {rate:.0f}/s")


if __name__ == "__main__":
    main()
