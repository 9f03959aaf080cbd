"""Relaying outbox messages to their handlers.

Each batch is claimed with `SELECT … FOR UPDATE SKIP LOCKED` inside one transaction: relays running at the
same time (the beat's and the kicks after commits, on any number of workers) take disjoint rows, and a relay
that dies releases its rows with its connection, still pending. A message is marked delivered in the
transaction that claimed it, and only pending rows are ever claimed, so a delivered message is never
dispatched again. The one window left (the handler ran, then the process died before the commit) is closed by
the handlers being idempotent.

A failing message is retried with exponential backoff and jitter, up to OUTBOX_MAX_ATTEMPTS; then it is
marked failed, shown in the back-office, and retried only by hand (`services.retry_failed`).
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import random
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from esb import request_context
from esb.outbox import registry
from esb.outbox.models import OutboxMessage

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
# One relay run stops after this many full batches and leaves the rest to the next run, so a flood of
# messages never pins one worker process.
MAX_BATCHES = 20


def max_attempts() -> int:
    return getattr(settings, "OUTBOX_MAX_ATTEMPTS", 8)


def backoff(attempts: int, *, rng: random.Random | None = None) -> datetime.timedelta:
    """The wait before attempt `attempts + 1`: doubling from OUTBOX_BACKOFF_SECONDS up to
    OUTBOX_BACKOFF_MAX_SECONDS, half of it random ("equal jitter"), so messages that failed together do not
    all come back together."""
    base = getattr(settings, "OUTBOX_BACKOFF_SECONDS", 5)
    cap = getattr(settings, "OUTBOX_BACKOFF_MAX_SECONDS", 3600)
    ceiling = min(cap, base * 2 ** max(attempts - 1, 0))
    return datetime.timedelta(seconds=ceiling / 2 + (rng or random).uniform(0, ceiling / 2))


@dataclass
class RelayResult:
    delivered: int = 0
    retried: int = 0
    failed: int = 0


@contextlib.contextmanager
def _context_of(message: OutboxMessage) -> Iterator[None]:
    """The handler runs as part of the request that wrote the message: its ids go into Celery headers and into
    audit rows the handler writes."""
    token = request_context.set_context(
        request_context.RequestContext(
            request_id=message.request_id or "-",
            extra={"correlation_id": message.correlation_id, "outbox_message": message.pk},
        )
    )
    try:
        yield
    finally:
        request_context.reset_context(token)


def _dispatch(message: OutboxMessage) -> None:
    handler = registry.get(message.topic)
    if handler.function is not None:
        handler.function(message.payload)
        return
    from esb.celery import app

    # A stable task id: a message published twice (the idempotency window above) is recognisable as such.
    options = {"task_id": f"outbox-{message.pk}-{message.attempts + 1}"}
    task = app.tasks.get(handler.task)
    if task is not None:
        task.apply_async(kwargs=message.payload, **options)  # honours CELERY_TASK_ALWAYS_EAGER
    else:
        app.send_task(handler.task, kwargs=message.payload, **options)


def _deliver(message: OutboxMessage, result: RelayResult) -> None:
    try:
        # A savepoint: what a failing function handler wrote is undone, the claim is not.
        with transaction.atomic(), _context_of(message):
            _dispatch(message)
    except Exception as exc:  # any handler failure is a retry, never the end of the relay
        message.attempts += 1
        message.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if message.attempts >= max_attempts():
            message.status = OutboxMessage.Status.FAILED
            result.failed += 1
            logger.error(
                "outbox message %s (%s) failed after %s attempts: %s",
                message.pk,
                message.topic,
                message.attempts,
                type(exc).__name__,
            )
        else:
            message.available_at = timezone.now() + backoff(message.attempts)
            result.retried += 1
            logger.warning("outbox message %s (%s) will be retried: %s", message.pk, message.topic, exc)
        message.save(update_fields=["attempts", "last_error", "status", "available_at"])
        return
    message.attempts += 1
    message.status = OutboxMessage.Status.DELIVERED
    message.delivered_at = timezone.now()
    message.save(update_fields=["attempts", "status", "delivered_at"])
    result.delivered += 1


def relay_batch(batch_size: int = BATCH_SIZE, result: RelayResult | None = None) -> int:
    """Claim up to `batch_size` due messages no other relay holds and deliver them; returns how many."""
    result = result if result is not None else RelayResult()
    with transaction.atomic():
        messages = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(status=OutboxMessage.Status.PENDING, available_at__lte=timezone.now())
            .order_by("available_at", "id")[:batch_size]
        )
        for message in messages:
            _deliver(message, result)
    return len(messages)


def relay(batch_size: int = BATCH_SIZE, max_batches: int = MAX_BATCHES) -> RelayResult:
    """Deliver every due message (up to `max_batches` batches)."""
    result = RelayResult()
    for _ in range(max_batches):
        if relay_batch(batch_size, result) < batch_size:
            break
    return result
