"""Sending a queued OutgoingMessage: at most once, with retries and exponential backoff, within the
per-destination rate limit.

`deliver(message_id)` is what the task runs (and what tests call). In order:
1. the row must still be QUEUED (a duplicated or late task finds it SENDING, SENT or FAILED and stops);
2. the destination's rate-limit slot is taken (Redis `SET NX` with the channel's `min_interval`, e.g. one
   Telegram message per second per chat); taken already: the message waits a moment (an outbox retry);
3. the row is claimed with a conditional update QUEUED -> SENDING: of two workers only one matches;
4. the provider is called. Sent: SENT with the provider's id. RetryableError: back to QUEUED and a new
   outbox message delayed by max(retry_after, backoff) (the provider's 429 retry_after is honoured);
   PermanentError or attempts used up: FAILED.
A worker that dies between the claim and the answer leaves the row SENDING: it is never sent again (we cannot
know whether the provider got it), and the back-office list shows it.
Retries go through the outbox, not Celery's retry: a delayed retry survives a broker restart.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import math
import random
import re
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from esb.outbox import services as outbox
from notifications.alerts import SEND_TOPIC
from notifications.channels import PermanentError, PluginNotFound, RetryableError, get_channel
from notifications.models import OutgoingMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 5.0  # 5, 10, 20, 40 … seconds between attempts
BACKOFF_MAX_SECONDS = 30 * 60.0
RETRY_AFTER_MAX_SECONDS = 60 * 60.0  # a provider asking for more than an hour is not waited on longer
_CODE = re.compile(r"\d{6}")


@dataclass(frozen=True)
class Outcome:
    status: str  # sent | retry | throttled | failed | missing | already-<state>
    retry_in: float | None = None


def backoff(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th failed attempt: doubling, capped, with up to 20 % jitter."""
    base = min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    return base * (1 + random.random() * 0.2)  # noqa: S311  (jitter, not a secret)


def _rate_key(message: OutgoingMessage) -> str:
    digest = hashlib.sha256(f"{message.channel}\0{message.destination_hash}".encode()).hexdigest()[:32]
    # Under esb.throttle's prefix: its clear_all() (tests, incidents) forgets these slots too.
    return f"esb-throttle:channel:{digest}"


def _take_slot(message: OutgoingMessage, interval: float) -> bool:
    """True when the destination may be sent to now (and the slot is now taken for `interval` seconds)."""
    if interval <= 0:
        return True
    try:
        return bool(cache.add(_rate_key(message), 1, timeout=max(1, math.ceil(interval))))
    except Exception:
        logger.warning("outgoing message %s: rate limit unavailable, sending without it", message.pk)
        return True


def _schedule(message_id: int, delay: float, reason: str) -> None:
    """A new outbox message for the next attempt, `delay` seconds from now (in the caller's transaction)."""
    outbox.enqueue(
        SEND_TOPIC,
        {"message_id": message_id},
        dedupe_key=f"outgoing-message:{message_id}:{reason}:{timezone.now().timestamp():.6f}",
        delay=datetime.timedelta(seconds=delay),
    )


def _forget_code(message_id: int) -> None:
    """A verification code is useless once sent or failed: keep the message, not the code."""
    message = OutgoingMessage.objects.filter(
        pk=message_id, purpose=OutgoingMessage.Purpose.VERIFICATION
    ).first()
    if message is not None:
        OutgoingMessage.objects.filter(pk=message_id).update(text=_CODE.sub("••••••", message.text))


def _fail(message_id: int, error: str) -> Outcome:
    OutgoingMessage.objects.filter(pk=message_id).update(
        state=OutgoingMessage.State.FAILED, last_error=error[:255], failed_at=timezone.now()
    )
    _forget_code(message_id)
    return Outcome("failed")


def deliver(message_id: int) -> Outcome:
    message = OutgoingMessage.objects.filter(pk=message_id).first()
    if message is None:
        return Outcome("missing")
    if message.state != OutgoingMessage.State.QUEUED:
        return Outcome(f"already-{message.state}")
    now = timezone.now()
    if message.next_attempt_at and message.next_attempt_at > now + datetime.timedelta(seconds=1):
        # An early copy of the task (the at-least-once relay): the scheduled retry will come.
        return Outcome("not-yet", retry_in=(message.next_attempt_at - now).total_seconds())
    try:
        channel = get_channel(message.channel)
    except PluginNotFound:
        return _fail(message.pk, f"no channel {message.channel!r} on this server")
    if not _take_slot(message, channel.min_interval):
        wait = max(channel.min_interval, 1.0)
        with transaction.atomic():
            _schedule(message.pk, wait, "throttled")
        return Outcome("throttled", retry_in=wait)
    claimed = OutgoingMessage.objects.filter(pk=message.pk, state=OutgoingMessage.State.QUEUED).update(
        state=OutgoingMessage.State.SENDING, attempts=F("attempts") + 1, claimed_at=now
    )
    if not claimed:
        return Outcome("already-claimed")
    attempts = message.attempts + 1
    try:
        provider_id = channel.send(message.destination, message.text)
    except RetryableError as error:
        if attempts >= MAX_ATTEMPTS:
            return _fail(message.pk, f"{error} (after {attempts} attempts)")
        delay = backoff(attempts)
        if error.retry_after:
            delay = max(delay, min(error.retry_after, RETRY_AFTER_MAX_SECONDS))
        with transaction.atomic():
            OutgoingMessage.objects.filter(pk=message.pk).update(
                state=OutgoingMessage.State.QUEUED,
                last_error=str(error)[:255],
                next_attempt_at=now + datetime.timedelta(seconds=delay),
            )
            _schedule(message.pk, delay, f"attempt{attempts + 1}")
        logger.info("outgoing message %s: attempt %s failed, retry in %.0fs", message.pk, attempts, delay)
        return Outcome("retry", retry_in=delay)
    except PermanentError as error:
        logger.warning("outgoing message %s: refused by %s: %s", message.pk, message.channel, error)
        return _fail(message.pk, str(error))
    except Exception as error:
        # Unexpected: the provider may have received it, so it is not resent (at most once). Only the class
        # name is kept and logged: an unexpected error's text may quote the request URL, which holds the
        # Telegram bot token.
        logger.error("outgoing message %s: unexpected %s while sending", message.pk, type(error).__name__)
        return _fail(message.pk, f"unexpected {type(error).__name__} while sending")
    OutgoingMessage.objects.filter(pk=message.pk).update(
        state=OutgoingMessage.State.SENT,
        provider_message_id=provider_id[:100],
        sent_at=timezone.now(),
        last_error="",
    )
    _forget_code(message.pk)
    return Outcome("sent")


STUCK_AFTER = datetime.timedelta(minutes=10)  # far above any channel's HTTP timeout (Telegram 10 s, SMS 10 s)


def resolve_stuck(now: datetime.datetime | None = None) -> int:
    """Mark `unknown` the messages left `sending` for longer than STUCK_AFTER (a worker crashed or was killed
    between the claim and the provider's answer). They are not resent — the provider may have delivered
    them and sending is at most once — but administrators see them (state filter in the back-office) and the
    log says so. Returns how many were marked."""
    now = now or timezone.now()
    stuck = list(
        OutgoingMessage.objects.filter(
            state=OutgoingMessage.State.SENDING, claimed_at__lt=now - STUCK_AFTER
        ).values_list("pk", flat=True)[:1000]
    )
    if not stuck:
        return 0
    marked = OutgoingMessage.objects.filter(pk__in=stuck, state=OutgoingMessage.State.SENDING).update(
        state=OutgoingMessage.State.UNKNOWN,
        failed_at=now,
        last_error="the worker stopped while sending; not resent (the provider may have it)",
    )
    for pk in stuck:
        _forget_code(pk)
    logger.warning("%s outgoing message(s) left sending by a stopped worker marked unknown", marked)
    return marked
