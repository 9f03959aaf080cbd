"""Client of the verify.gov.kh issuer API over `esb.http` (pooled session, timeouts, the outgoing-request
log; only PUT and GET are retried by the HTTP layer, a POST never).

MPTC has not published an issuer API, so this is OUR proposed wire format (docs/verification.md), served by
the sandbox simulator and kept behind `issuance.verification.VerificationProvider`:

    POST {base}/api/v1/records                   Idempotency-Key: <licence id>, JSON metadata
                                                 -> 201 (or 200 on a replay) {record_id, key, verify_url, ...}
    PUT  {base}/api/v1/records/{id}/document     application/pdf body, X-Content-SHA256: <hex>   -> 200 state
    PUT  {base}/api/v1/records/{id}/status       {status, reason}                                 -> 200 state
    GET  {base}/api/v1/records/{id}                                                               -> 200 state

Authenticated with `Authorization: Bearer <VERIFY_API_KEY>`. Errors are `{"error": {"code", "message"}}`.
Every failure becomes a `VerificationError` whose message never holds the key, a record key or a body.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import requests
from django.conf import settings

from esb import http
from issuance.verification import (
    Record,
    RecordRequest,
    RecordState,
    RecordStatus,
    VerificationError,
)

SERVICE = "verify-gov-kh"
RECORD_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
RECORD_KEY = re.compile(r"^[0-9a-f]{64}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
ERROR_CODE = re.compile(r"^[a-z_]{1,40}$")
IDEMPOTENCY_KEY_MAX = 200


class VerificationRefused(VerificationError):
    """The provider answered and refused the call (4xx): retrying the same call will not help."""

    def __init__(self, message: str, *, status: int, code: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


class VerificationUnavailable(VerificationError):
    """The provider could not be reached, timed out or failed (5xx): a later retry may work."""


def _settings() -> dict:
    return getattr(settings, "ESB_VERIFICATION", None) or {}


def request_body(request: RecordRequest) -> dict[str, Any]:
    """The JSON the issuer API is sent for one record (also what an idempotent replay is compared on)."""
    return {
        "document_number": request.document_number,
        "document_type": {"km": request.document_type_km, "en": request.document_type_en},
        "issuer": {"km": request.issuer_km, "en": request.issuer_en},
        "holder": {"km": request.holder_km, "en": request.holder_en},
        "valid_from": request.valid_from.isoformat(),
        "valid_until": request.valid_until.isoformat() if request.valid_until else None,
        "extra": dict(request.extra),
    }


class VerifyClient:
    def __init__(self) -> None:
        config = _settings()
        self.base_url = str(config.get("BASE_URL") or "").rstrip("/")
        self.api_key = str(config.get("API_KEY") or "")
        timeout = float(config.get("TIMEOUT") or 10.0)
        self.http = http.client_for(SERVICE, read_timeout=timeout, connect_timeout=min(timeout, 3.05))

    def send(self, method: str, path: str, operation: str, **kwargs: Any) -> dict:
        if not self.base_url or not self.api_key:
            raise VerificationError("verify.gov.kh is not configured (VERIFY_BASE_URL, VERIFY_API_KEY)")
        headers = {
            "Authorization": f"Bearer {self.api_key}",
            "Accept": "application/json",
            **kwargs.pop("headers", {}),
        }
        try:
            response = self.http.request(
                method, f"{self.base_url}{path}", operation=operation, headers=headers, **kwargs
            )
        except requests.RequestException as error:
            raise VerificationUnavailable(
                f"verify.gov.kh could not be reached for {operation} ({type(error).__name__})"
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 500 or response.status_code == 429:
            raise VerificationUnavailable(f"verify.gov.kh answered {response.status_code} to {operation}")
        if response.status_code >= 400:
            error = body.get("error") if isinstance(body, dict) else None
            code = str(error.get("code", "")) if isinstance(error, dict) else ""
            # The code is a short word from the documented list (anything else is not repeated); the message
            # is never echoed: it could be anything the partner chose to put there.
            code = code if ERROR_CODE.match(code) else ""
            raise VerificationRefused(
                f"verify.gov.kh refused {operation}: {response.status_code} {code or 'error'}",
                status=response.status_code,
                code=code,
            )
        if not isinstance(body, dict):
            raise VerificationUnavailable(f"verify.gov.kh answered {operation} without a JSON object")
        return body

    def register(self, request: RecordRequest) -> Record:
        if not request.idempotency_key or len(request.idempotency_key) > IDEMPOTENCY_KEY_MAX:
            raise VerificationError("a record needs an idempotency key of 1 to 200 characters")
        body = self.send(
            "POST",
            "/api/v1/records",
            "register",
            json=request_body(request),
            headers={"Idempotency-Key": request.idempotency_key},
        )
        record_id, key = str(body.get("record_id") or ""), str(body.get("key") or "").lower()
        verify_url = str(body.get("verify_url") or "")
        if not RECORD_ID.match(record_id) or not RECORD_KEY.match(key):
            raise VerificationUnavailable("verify.gov.kh answered register without a valid id and key")
        return Record(record_id=record_id, key=key, verify_url=self.verify_url(record_id, key, verify_url))

    def verify_url(self, record_id: str, key: str, answered: str) -> str:
        """The URL printed in the QR: the one the provider answered when it starts with our configured public
        base (so a misbehaving partner cannot send holders elsewhere), else built from that base."""
        public_base = str(_settings().get("PUBLIC_BASE_URL") or "").rstrip("/")
        built = f"{public_base}/verify/{record_id}?key={key}"
        return answered if public_base and answered == built else built

    def publish(self, record_id: str, document: bytes) -> RecordState:
        digest = hashlib.sha256(document).hexdigest()
        state = self._state(
            self.send(
                "PUT",
                f"/api/v1/records/{self._id(record_id)}/document",
                "publish",
                data=document,
                headers={"Content-Type": "application/pdf", "X-Content-SHA256": digest},
            ),
            record_id,
        )
        if state.sha256 != digest:
            raise VerificationUnavailable("verify.gov.kh kept a different digest than the one published")
        return state

    def set_status(self, record_id: str, status: str, reason: str) -> RecordState:
        if status not in RecordStatus.values:
            raise VerificationError(f"not a record status: {status!r}")
        return self._state(
            self.send(
                "PUT",
                f"/api/v1/records/{self._id(record_id)}/status",
                "set-status",
                json={"status": str(status), "reason": reason[:500]},
            ),
            record_id,
        )

    def status(self, record_id: str) -> RecordState:
        return self._state(self.send("GET", f"/api/v1/records/{self._id(record_id)}", "status"), record_id)

    @staticmethod
    def _id(record_id: str) -> str:
        if not RECORD_ID.match(record_id or ""):
            raise VerificationError("not a verify.gov.kh record id")
        return record_id

    @staticmethod
    def _state(body: dict, record_id: str) -> RecordState:
        status, sha256 = str(body.get("status") or ""), str(body.get("sha256") or "")
        if body.get("record_id") != record_id or status not in RecordStatus.values:
            raise VerificationUnavailable("verify.gov.kh answered a record state that is not this record's")
        if sha256 and not SHA256.match(sha256):
            raise VerificationUnavailable("verify.gov.kh answered a malformed document digest")
        return RecordState(
            record_id=record_id, status=status, sha256=sha256, reason=str(body.get("reason") or "")[:500]
        )
