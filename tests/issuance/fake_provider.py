"""A verification provider for tests, kept in Redis so that a test and the real worker it started see the
same records: idempotent `register` (one record per idempotency key, however often asked), `publish`
(SHA-256 kept), `set_status`, `status`; and, switched on from the test through Redis, an outage
(`VerificationError`) or a SIGKILL of the calling process right after the provider did its work (the worst
moment: the provider answered, the portal has not committed)."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import signal

import redis
from django.conf import settings

from issuance.verification import (
    Record,
    RecordState,
    RecordStatus,
    VerificationError,
    VerificationProvider,
    verification_providers,
)

KEY = "test-verify"


class RedisVerificationProvider(VerificationProvider):
    verbose_name = "test verification provider"

    def __init__(self, prefix: str = "tests:issuance:verify") -> None:
        self.prefix = prefix

    @property
    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(settings.REDIS_URL)

    # --- switches the tests use ---------------------------------------------------------------------------

    def fail(self, on: bool = True) -> None:
        if on:
            self.redis.set(f"{self.prefix}:fail", "1")
        else:
            self.redis.delete(f"{self.prefix}:fail")

    def crash_once_at(self, call: str) -> None:
        self.redis.set(f"{self.prefix}:crash-at", call)

    def crashed(self) -> bool:
        return bool(self.redis.exists(f"{self.prefix}:crashed"))

    def records(self) -> dict[str, dict]:
        return {k.decode(): json.loads(v) for k, v in self.redis.hgetall(f"{self.prefix}:records").items()}

    def calls(self, call: str) -> int:
        return int(self.redis.get(f"{self.prefix}:calls:{call}") or 0)

    def reset(self) -> None:
        keys = list(self.redis.scan_iter(f"{self.prefix}:*"))
        if keys:
            self.redis.delete(*keys)

    def _enter(self, call: str) -> None:
        self.redis.incr(f"{self.prefix}:calls:{call}")
        if self.redis.exists(f"{self.prefix}:fail"):
            raise VerificationError("the test verification service is down")

    def _maybe_crash(self, call: str) -> None:
        at = self.redis.get(f"{self.prefix}:crash-at")
        if at and at.decode() == call and self.redis.set(f"{self.prefix}:crashed", "1", nx=True):
            os.kill(os.getpid(), signal.SIGKILL)

    # --- the interface ------------------------------------------------------------------------------------

    def register(self, request) -> Record:
        self._enter("register")
        fresh = {
            "record_id": secrets.token_urlsafe(24)[:32],
            "key": secrets.token_hex(32),
            "status": RecordStatus.VALID.value,
            "sha256": "",
            "number": request.document_number,
            "holder_km": request.holder_km,
        }
        self.redis.hsetnx(f"{self.prefix}:records", request.idempotency_key, json.dumps(fresh))
        stored = json.loads(self.redis.hget(f"{self.prefix}:records", request.idempotency_key))
        self.redis.hset(f"{self.prefix}:ids", stored["record_id"], request.idempotency_key)
        self._maybe_crash("register")
        return Record(
            record_id=stored["record_id"],
            key=stored["key"],
            verify_url=f"https://verify.test/verify/{stored['record_id']}?key={stored['key']}",
        )

    def _update(self, record_id: str, **changes) -> dict:
        idempotency_key = self.redis.hget(f"{self.prefix}:ids", record_id)
        if idempotency_key is None:
            raise VerificationError(f"unknown record {record_id}")
        record = json.loads(self.redis.hget(f"{self.prefix}:records", idempotency_key))
        record.update(changes)
        self.redis.hset(f"{self.prefix}:records", idempotency_key, json.dumps(record))
        return record

    def publish(self, record_id: str, document: bytes) -> RecordState:
        self._enter("publish")
        record = self._update(record_id, sha256=hashlib.sha256(document).hexdigest())
        self._maybe_crash("publish")
        return RecordState(record_id=record_id, status=record["status"], sha256=record["sha256"])

    def set_status(self, record_id: str, status: str, *, reason: str = "") -> RecordState:
        self._enter("set_status")
        record = self._update(record_id, status=str(status), reason=reason)
        return RecordState(record_id, record["status"], record["sha256"], reason)

    def status(self, record_id: str) -> RecordState:
        record = self._update(record_id)
        return RecordState(record_id, record["status"], record["sha256"], record.get("reason", ""))


def install_in_worker() -> None:
    """Imported by the worker's settings (CELERY_IMPORTS): the worker serves this provider under KEY."""
    if KEY not in verification_providers:
        verification_providers.add(KEY, RedisVerificationProvider(os.environ["ESB_TEST_VERIFY_PREFIX"]))


if os.environ.get("ESB_TEST_VERIFY_PREFIX"):
    install_in_worker()
