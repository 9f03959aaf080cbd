"""Payment confirmations per second through `payments.services.apply_payment_status`, the one service every
confirmation path (Bakong polling, gateway callbacks, reconciliation) goes through.

Two measurements, each with T threads (own database connections) released together:

- distinct: every call confirms a different PENDING payment: the whole path (the conditional update, the
  event, the receipt number from its locked counter, `payment_settled` submitting the application with its
  revision, timeline, audit, notification and review task);
- duplicates: every payment is confirmed R times at once (a poll and webhook replays): all but one call find
  nothing to move (the no-op path, and the queue on the row lock).

Run against a database with the demo data (what `make run` leaves); it writes real rows, use a bench database:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/esb_bench ESB_ENV=development
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_reference_data
    .venv/bin/python manage.py seed_demo_data
    .venv/bin/python bench/payment_confirmations.py --payments 400 --threads 1 4 8 --replays 10
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.submission_support import percentile, setup_django

EVIDENCE = {"transaction_hash": "ab" * 32, "from_account": "bench@devb", "provider_reference": "abababab"}


def waiting_payments(count: int) -> list[int]:
    """`count` PENDING KHQR payments, each of its own draft waiting for its fee (made directly: the bench
    measures the confirmation, not the form)."""
    from django.utils import timezone

    from accounts.models import User
    from applications.models import Application
    from esb.numbering import next_reference
    from licensing import selectors as catalog
    from licensing.models import LicenceType
    from payments import services
    from payments.models import PaymentAccount

    accounts = PaymentAccount.objects.filter(provider="khqr", is_active=True).values("institution_id")
    paid = LicenceType.objects.filter(fee_amount__gt=0, institution_id__in=accounts).select_related(
        "institution"
    )
    licence_type = next((lt for lt in paid.order_by("code") if catalog.published_workflow_id(lt)), None)
    if licence_type is None:
        raise SystemExit("no paid demo service with a KHQR payment account: run seed_demo_data first")
    form = catalog.published_form(licence_type)
    workflow = catalog.published_workflow_id(licence_type)
    applicant, _created = User.objects.get_or_create(username="bench-payer")
    ids = []
    for _ in range(count):
        application = Application.objects.create(
            licence_type=licence_type,
            form_definition=form,
            workflow_definition_id=workflow,
            applicant=applicant,
            answers={},
            reference=next_reference(licence_type.institution.code),
            fee_amount=licence_type.fee_amount,
            fee_currency=licence_type.fee_currency,
            payment_requested_at=timezone.now(),
        )
        ids.append(services.start_payment(application, "khqr").pk)
    return ids


def race(calls: list[int], threads: int) -> tuple[float, list[float], int]:
    """Run every call (a payment id) on `threads` threads; (seconds, per-call ms, calls that changed it)."""
    from django.db import connections

    from payments.models import Status
    from payments.services import apply_payment_status

    chunks = [calls[i::threads] for i in range(threads)]
    barrier = threading.Barrier(threads + 1)
    timings: list[float] = []
    changed = [0]
    lock = threading.Lock()

    def run(chunk: list[int]) -> None:
        mine, moved = [], 0
        try:
            barrier.wait()
            for payment_id in chunk:
                started = time.perf_counter()
                outcome = apply_payment_status(payment_id, Status.PAID, source="bench", evidence=EVIDENCE)
                mine.append((time.perf_counter() - started) * 1000)
                moved += outcome.changed
        finally:
            connections.close_all()
            with lock:
                timings.extend(mine)
                changed[0] += moved

    workers = [threading.Thread(target=run, args=(chunk,)) for chunk in chunks]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    return time.perf_counter() - started, timings, changed[0]


def report(label: str, threads: int, seconds: float, timings: list[float], changed: int) -> None:
    print(
        f"{label:<11} threads={threads:<2} calls={len(timings):<5} changed={changed:<5} "
        f"{len(timings) / seconds:8.1f} calls/s  {changed / seconds:7.1f} confirmations/s  "
        f"p50={percentile(timings, 50):6.1f} ms  p95={percentile(timings, 95):6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=200, help="payments per measurement")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--replays", type=int, default=10, help="confirmations of each payment (duplicates)")
    args = parser.parse_args()
    setup_django()
    from django.conf import settings

    settings.DEBUG = False
    for threads in args.threads:
        ids = waiting_payments(args.payments)
        report("distinct", threads, *race(ids, threads))
        ids = waiting_payments(max(1, args.payments // args.replays))
        calls = [payment_id for payment_id in ids for _ in range(args.replays)]
        report("duplicates", threads, *race(calls, threads))


if __name__ == "__main__":
    main()
