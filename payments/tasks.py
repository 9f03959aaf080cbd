"""Background work of payments: polling providers that confirm by polling (Bakong KHQR), and each attempt's
preparation after its commit (the outbox topic `payments.prepare`).

`poll_pending_khqr` runs every few seconds (CELERY_BEAT_SCHEDULE). It claims the attempts due for a check
(SKIP LOCKED: two overlapping runs never ask about the same attempt), asks Bakong about them in batches
outside any transaction, and passes each answer to `apply_payment_status`. Each attempt is asked again
after a growing pause (3 s, then ×1.5 up to 30 s) until its code expired and the grace window passed; an
attempt never paid then becomes FAILED (Bakong: "errorCode 1 after expiry → time-out"), which a late
settlement can still turn into PAID through reconciliation.
"""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from esb.outbox import registry as outbox_registry
from payments import services
from payments.contrib.khqr.plugin import KEY as KHQR
from payments.contrib.khqr.plugin import grace
from payments.models import Payment, Status
from payments.providers import ProviderError, get_provider

logger = logging.getLogger(__name__)

FIRST_PAUSE = 3.0  # seconds
BACKOFF = 1.5
LONGEST_PAUSE = 30.0
CLAIM_LIMIT = 500  # attempts per run; the rest wait for the next run
POLLED = (Status.PENDING, Status.FAILED)


def pause(checks: int) -> datetime.timedelta:
    """How long to wait before asking again about an attempt asked `checks` times already."""
    return datetime.timedelta(seconds=min(FIRST_PAUSE * BACKOFF ** max(checks - 1, 0), LONGEST_PAUSE))


def _claim(provider: str, now: datetime.datetime) -> list[Payment]:
    """The attempts due for a check, their next check pushed back at once (a crashed run retries them)."""
    with transaction.atomic():
        due = list(
            Payment.objects.select_for_update(skip_locked=True)
            .filter(
                provider=provider,
                status__in=POLLED,
                next_check_at__isnull=False,
                next_check_at__lte=now,
                expires_at__gt=now - grace(),
            )
            .order_by("next_check_at", "id")[:CLAIM_LIMIT]
        )
        for payment in due:
            payment.checks += 1
            payment.next_check_at = now + pause(payment.checks)
            Payment.objects.filter(pk=payment.pk).update(
                checks=F("checks") + 1, next_check_at=payment.next_check_at
            )
    return due


def _time_out(provider: str, now: datetime.datetime) -> int:
    """Attempts past their expiry and the grace window, never paid: FAILED, and no longer polled."""
    stale = Payment.objects.filter(
        provider=provider, status__in=POLLED, next_check_at__isnull=False, expires_at__lte=now - grace()
    ).values_list("pk", "status")
    count = 0
    for payment_id, status in stale:
        if status == Status.PENDING:
            services.apply_payment_status(
                payment_id, Status.FAILED, source="expired", evidence={"errorCode": 1}
            )
        Payment.objects.filter(pk=payment_id).update(next_check_at=None)
        count += 1
    return count


@shared_task(acks_late=True, ignore_result=True)
def poll_pending_khqr() -> dict:
    """One polling round for KHQR attempts: {"checked", "paid", "failed", "timed_out"}. Idempotent: an answer
    already applied changes nothing the second time."""
    return poll_provider(KHQR)


def poll_provider(provider: str, now: datetime.datetime | None = None) -> dict:
    now = now or timezone.now()
    counts = {"checked": 0, "paid": 0, "failed": 0, "timed_out": 0}
    due = _claim(provider, now)
    if due:
        try:
            reports = get_provider(provider).check(due, now=now)
        except ProviderError as error:
            logger.warning("polling %s: %s (will ask again)", provider, error)
            reports = []
        counts["checked"] = len(due)
        for report in reports:
            if not report.status:
                continue
            try:
                outcome = services.apply_payment_status(
                    report.payment_id, report.status, source="poll", evidence=report.evidence
                )
            except services.EvidenceMismatch as error:
                logger.warning("payment %s: confirmation refused: %s", report.payment_id, error)
                continue
            if outcome.changed:
                counts["paid" if report.status == Status.PAID else "failed"] += 1
    counts["timed_out"] = _time_out(provider, now)
    return counts


@shared_task(acks_late=True, ignore_result=True)
def reconcile_day(day: str | None = None) -> dict:
    """The daily reconciliation (beat, early morning): `day` (ISO date) or yesterday. Idempotent: a day
    run again adds no mismatch already found and settles nothing twice."""
    from payments.services.reconciliation import reconcile

    when = datetime.date.fromisoformat(day) if day else timezone.localdate() - datetime.timedelta(days=1)
    report = reconcile(when).as_dict()
    logger.info("reconciliation %s: %s", when, report)
    return report


@shared_task(acks_late=True, ignore_result=True, autoretry_for=(), max_retries=0)
def prepare_payment(payment_id: int) -> None:
    services.prepare(payment_id)


outbox_registry.register_task(services.PREPARE_TOPIC, prepare_payment.name)
