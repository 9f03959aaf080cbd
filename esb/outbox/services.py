"""Writing to the outbox, and putting failed messages back in line."""

from __future__ import annotations

import datetime
import json
import logging
import math
import os
import threading
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from esb import audit, request_context
from esb.outbox import registry
from esb.outbox.models import OutboxMessage

logger = logging.getLogger(__name__)


class OutsideTransaction(RuntimeError):
    """enqueue() was called in autocommit mode, where nothing ties the message to the caller's change."""


def _request_ids() -> tuple[str, str]:
    ctx = request_context.current()
    request_id = "" if ctx.request_id == "-" else ctx.request_id
    correlation = request_context.correlation_id()
    return request_id[:64], ("" if correlation == "-" else correlation)[:64]


def _publish_kick() -> None:
    from esb.outbox.tasks import relay_outbox

    relay_outbox.apply_async(retry=False, expires=60)


class _Kicker:
    """At most one relay kick per process per `OUTBOX_KICK_INTERVAL` seconds. The first commit of a quiet
    period kicks at once; the commits that follow inside the interval share one kick at its end (a timer), so
    their messages are relayed at most one interval later instead of each paying a broker publish (about a
    millisecond of CPU per submission, bench/README.md). One relay run takes every message committed before
    it starts, so the trailing kick covers them all; the beat stays the safety net if a kick is lost."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = -math.inf
        self._timer: threading.Timer | None = None

    def __call__(self) -> None:
        interval = settings.OUTBOX_KICK_INTERVAL
        if interval <= 0 or getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
            # Eager tasks (tests, a shell) relay inline, in this thread and transaction's connection: never
            # on a timer thread.
            _publish_kick()
            return
        with self._lock:
            if self._timer is not None:
                return  # a kick is already due at the end of this interval, after this commit
            wait = self._last + interval - time.monotonic()
            if wait > 0:
                self._timer = threading.Timer(wait, self._trailing)
                self._timer.daemon = True
                self._timer.start()
                return
            self._last = time.monotonic()
        _publish_kick()

    def _trailing(self) -> None:
        with self._lock:
            self._timer = None
            self._last = time.monotonic()
        try:
            _publish_kick()
        except Exception:  # the broker is down: the beat relays these messages a few seconds later
            logger.warning("outbox relay kick failed", exc_info=True)

    def reset(self) -> None:
        """Forget the last kick and cancel a pending one."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = None
            self._last = -math.inf

    def after_fork(self) -> None:
        # A forked child (Celery prefork, gunicorn --preload) inherits neither the parent's timer thread nor
        # a usable lock: it starts quiet, or its first kick would wait for a timer that never fires.
        self._lock = threading.Lock()
        self._timer = None
        self._last = -math.inf


_kicker = _Kicker()
os.register_at_fork(after_in_child=_kicker.after_fork)


def kick_relay() -> None:
    """Ask a worker to relay now rather than at the next beat (the beat is the safety net: if this publish
    fails, the message is relayed a few seconds later anyway). Coalesced per process (`_Kicker`)."""
    _kicker()


def _kick_on_commit(using: str) -> None:
    # One kick per transaction, however many messages it writes: skip when a kick is already registered at
    # this savepoint level or an outer one (it survives every rollback that this message survives).
    connection = connections[using]
    current = set(connection.savepoint_ids)
    for sids, callback, *_rest in getattr(connection, "run_on_commit", []):
        if callback is kick_relay and set(sids) <= current:
            return
    transaction.on_commit(kick_relay, using=using, robust=True)


def enqueue(
    topic: str,
    payload: dict,
    *,
    dedupe_key: str,
    delay: datetime.timedelta | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> OutboxMessage:
    """Write one message in the caller's transaction; it is relayed to the topic's handler after the commit.

    Must be called inside `transaction.atomic()`: the message exists exactly when the caller's change does.
    A second call with the same `dedupe_key` returns the first message and writes nothing. The current
    request id and correlation id travel with the message.
    """
    if not connections[using].in_atomic_block:
        raise OutsideTransaction("outbox.enqueue() must be called inside transaction.atomic()")
    if not dedupe_key:
        raise ValueError("an outbox message needs a dedupe_key (the event that causes it)")
    if len(dedupe_key) > 200:
        raise ValueError("outbox dedupe_key is longer than 200 characters")
    registry.get(topic)  # an unknown topic fails here, in the caller, not later in the relay
    document = json.dumps(payload, cls=DjangoJSONEncoder)  # refuses what cannot be relayed, now
    request_id, correlation_id = _request_ids()
    now = timezone.now()
    available_at = now + delay if delay else now
    with connections[using].cursor() as cursor:
        # ON CONFLICT: a concurrent or repeated enqueue of the same event neither fails nor spoils the
        # caller's transaction (no savepoint needed). The table name is our own constant, not input.
        cursor.execute(
            f"""
            INSERT INTO {OutboxMessage._meta.db_table}
                (topic, payload, dedupe_key, status, attempts, available_at, created_at, last_error,
                 request_id, correlation_id)
            VALUES (%s, %s::jsonb, %s, %s, 0, %s, %s, '', %s, %s)
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id
            """,  # noqa: S608
            [
                topic,
                document,
                dedupe_key,
                OutboxMessage.Status.PENDING,
                available_at,
                now,
                request_id,
                correlation_id,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return OutboxMessage.objects.using(using).get(dedupe_key=dedupe_key)
    _kick_on_commit(using)
    return OutboxMessage(
        pk=row[0],
        topic=topic,
        payload=json.loads(document),
        dedupe_key=dedupe_key,
        status=OutboxMessage.Status.PENDING,
        attempts=0,
        available_at=available_at,
        created_at=now,
        request_id=request_id,
        correlation_id=correlation_id,
    )


@transaction.atomic
def retry_failed(ids: Iterable[int]) -> int:
    """Put failed messages back in line with a fresh set of attempts (the back-office "retry" action)."""
    messages = list(
        OutboxMessage.objects.select_for_update().filter(pk__in=list(ids), status=OutboxMessage.Status.FAILED)
    )
    now = timezone.now()
    for message in messages:
        before = {"status": message.status, "attempts": message.attempts}
        message.status = OutboxMessage.Status.PENDING
        message.attempts = 0
        message.available_at = now
        message.save(update_fields=["status", "attempts", "available_at"])
        audit.record(
            "outbox.retry",
            message,
            before=before,
            after={"status": message.status, "attempts": 0},
        )
    if messages:
        _kick_on_commit(DEFAULT_DB_ALIAS)
    return len(messages)
