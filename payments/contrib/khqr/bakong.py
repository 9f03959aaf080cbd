"""Bakong Open API client (NBC "Bakong Open API Documentation" v1.0.2; spec dpi-protocols.md §3.4).

    client = BakongClient()                               # settings.BAKONG: base URL, token, timeout
    client.check_transaction_by_md5(md5)                  # Transaction, or raises TransactionNotFound/Failed
    client.check_transaction_by_md5_list([md5, ...])      # {md5: Transaction | None} (≤ 50 a call)
    client.generate_deeplink_by_qr(qr, app_name=...)      # the short link that opens a bank app

Every endpoint is a POST of JSON with `Authorization: Bearer <token>`, answered with the envelope
`{"responseCode": 0|1, "responseMessage": str, "errorCode": int|null, "data": ...}`. The client speaks
through `esb.http` (pooled session, timeouts, the outgoing-request log; a POST is never retried) and turns
every failure into one of the exceptions below, whose messages never hold the token. Called from tasks and
services only, never from a request (DESIGN.md §5).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import requests
from django.conf import settings

from esb import http, outgoing

SERVICE = "bakong"

# Official errorCode values (§3.4).
TRANSACTION_NOT_FOUND = 1
STATIC_QR_NOT_SUPPORTED = 2
TRANSACTION_FAILED = 3
DEEPLINK_PROVIDER_ERROR = 4
MISSING_FIELDS = 5
UNAUTHORIZED = 6
ACCOUNT_NOT_FOUND = 11


class BakongError(Exception):
    """Base: `code` is Bakong's errorCode if it gave one, else a local name; `message` is safe to log."""

    code: int | str = "bakong_error"

    def __init__(
        self, message: str, *, code: int | str | None = None, http_status: int | None = None
    ) -> None:
        self.message = message[:300]
        self.http_status = http_status
        if code is not None:
            self.code = code
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class BakongUnavailable(BakongError):
    """Not reached, too slow, or answered 5xx / without the envelope: try again later."""

    code = "unavailable"


class BakongUnauthorized(BakongError):
    """The token is missing, wrong or expired (errorCode 6, HTTP 401), or the source address refused (403)."""

    code = UNAUTHORIZED


class BakongRateLimited(BakongError):
    code = "rate_limited"


class BakongRequestError(BakongError):
    """Bakong refused the request itself (missing fields, static QR, deep-link provider...)."""


class TransactionNotFound(BakongError):
    """errorCode 1: not paid (yet). Before the QR expires: keep polling; after: the payer did not pay."""

    code = TRANSACTION_NOT_FOUND


class TransactionFailed(BakongError):
    """errorCode 3: the transfer failed at the payer's bank."""

    code = TRANSACTION_FAILED


@dataclass(frozen=True)
class Transaction:
    """A settled transfer as Bakong reports it."""

    hash: str
    from_account_id: str
    to_account_id: str
    currency: str
    amount: Decimal
    description: str = ""
    created_at: datetime.datetime | None = None
    external_ref: str = ""
    raw: dict = field(default_factory=dict, compare=False)

    @classmethod
    def from_data(cls, data: dict) -> Transaction:
        try:
            amount = Decimal(str(data.get("amount")))
        except (InvalidOperation, ValueError):
            raise BakongError(
                "Bakong answered a transaction without a readable amount", code="malformed"
            ) from None
        created = data.get("createdDateMs")
        return cls(
            hash=str(data.get("hash") or ""),
            from_account_id=str(data.get("fromAccountId") or ""),
            to_account_id=str(data.get("toAccountId") or ""),
            currency=str(data.get("currency") or ""),
            amount=amount,
            description=str(data.get("description") or ""),
            created_at=datetime.datetime.fromtimestamp(int(created) / 1000, tz=datetime.UTC)
            if isinstance(created, int | float) and created > 0
            else None,
            external_ref=str(data.get("externalRef") or ""),
            raw=data,
        )


@dataclass(frozen=True)
class BakongConfig:
    base_url: str
    token: str = field(repr=False)
    timeout: float = 5.0
    batch_checks: bool = True
    batch_size: int = 50

    @classmethod
    def from_settings(cls) -> BakongConfig:
        raw = getattr(settings, "BAKONG", None) or {}
        return cls(
            base_url=str(raw.get("BASE_URL") or "").rstrip("/"),
            token=str(raw.get("TOKEN") or ""),
            timeout=float(raw.get("TIMEOUT") or 5.0),
            batch_checks=bool(raw.get("BATCH_CHECKS", True)),
            batch_size=int(raw.get("BATCH_SIZE") or 50),
        )


class BakongClient:
    def __init__(
        self, config: BakongConfig | None = None, http_client: http.HttpClient | None = None
    ) -> None:
        self.config = config or BakongConfig.from_settings()
        self.http = http_client or http.client(
            http.config_from_settings(
                SERVICE,
                connect_timeout=min(self.config.timeout, http.ClientConfig.connect_timeout),
                read_timeout=self.config.timeout,
                retries=0,  # every Bakong call is a POST: never resent
            )
        )

    # --- endpoints -----------------------------------------------------------------------------------------

    def check_transaction_by_md5(self, md5: str) -> Transaction:
        """The transfer that paid the dynamic KHQR with this md5; TransactionNotFound while unpaid,
        TransactionFailed when it failed."""
        envelope = self._post("check_transaction_by_md5", {"md5": md5})
        data = envelope.get("data")
        if not isinstance(data, dict):
            raise BakongError("Bakong answered a transaction check without data", code="malformed")
        return Transaction.from_data(data)

    def check_transaction_by_md5_list(self, md5s: list[str]) -> dict[str, Transaction | None]:
        """Several md5s, `batch_size` per call (Bakong's limit: 50): each md5 maps to its Transaction, or None
        while unpaid or failed. With batch checks off, one check_transaction_by_md5 per md5."""
        found: dict[str, Transaction | None] = {}
        if not self.config.batch_checks:
            for md5 in md5s:
                try:
                    found[md5] = self.check_transaction_by_md5(md5)
                except (TransactionNotFound, TransactionFailed):
                    found[md5] = None
            return found
        size = max(1, min(self.config.batch_size, 50))
        for start in range(0, len(md5s), size):
            chunk = md5s[start : start + size]
            envelope = self._post("check_transaction_by_md5_list", chunk)
            rows = envelope.get("data")
            if not isinstance(rows, list):
                raise BakongError("Bakong answered a batch check without a list", code="malformed")
            for md5 in chunk:
                found[md5] = None
            for row in rows:
                if isinstance(row, dict) and row.get("md5") in found and row.get("status") == "SUCCESS":
                    data = row.get("data") if isinstance(row.get("data"), dict) else row
                    found[row["md5"]] = Transaction.from_data(data)
        return found

    def transaction_failed(self, md5: str) -> bool:
        """Whether Bakong says this md5's transfer failed (errorCode 3; the batch answer does not say)."""
        try:
            self.check_transaction_by_md5(md5)
        except TransactionFailed:
            return True
        except TransactionNotFound:
            return False
        return False

    def generate_deeplink_by_qr(
        self, qr: str, *, app_name: str = "", app_icon_url: str = "", callback_url: str = ""
    ) -> str:
        """A short link that opens the payer's bank app on this KHQR."""
        body: dict[str, Any] = {"qr": qr}
        if app_name or app_icon_url or callback_url:
            body["sourceInfo"] = {
                "appIconUrl": app_icon_url,
                "appName": app_name,
                "appDeepLinkCallback": callback_url,
            }
        envelope = self._post("generate_deeplink_by_qr", body)
        data = envelope.get("data")
        link = data.get("shortLink") if isinstance(data, dict) else None
        if not isinstance(link, str) or not link.startswith(("https://", "http://")):
            raise BakongError("Bakong answered a deep link request without a link", code="malformed")
        return link

    # --- transport -----------------------------------------------------------------------------------------

    def _post(self, operation: str, body: Any) -> dict:
        if not self.config.token:
            raise BakongUnauthorized("no Bakong token is configured (BAKONG_TOKEN)")
        url = f"{self.config.base_url}/v1/{operation}"
        headers = {"Authorization": f"Bearer {self.config.token}", "Accept": "application/json"}
        with outgoing.record(SERVICE, operation, "POST", url) as call:
            try:
                response = self.http.request(
                    "POST", url, operation=operation, call=call, headers=headers, json=body
                )
            except requests.Timeout as exc:
                raise BakongUnavailable(f"Bakong did not answer within {self.config.timeout:g} s") from exc
            except requests.RequestException as exc:
                raise BakongUnavailable(f"Bakong could not be reached ({type(exc).__name__})") from exc
            envelope = self._envelope(response)
            if envelope.get("responseCode") == 0 and response.status_code < 400:
                return envelope
            error = self._error(envelope, response.status_code)
            # "not paid yet" is an answer, not a failed call (raised after the block, which would log it so)
            if not isinstance(error, TransactionNotFound):
                call.fail(error.code, type(error).__name__)
        raise error

    @staticmethod
    def _envelope(response: requests.Response) -> dict:
        try:
            envelope = response.json()
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict) or "responseCode" not in envelope:
            status = response.status_code
            if status in (401, 403):
                raise BakongUnauthorized(f"Bakong refused the request (HTTP {status})", http_status=status)
            if status == 429:
                raise BakongRateLimited("Bakong asks us to slow down (HTTP 429)", http_status=status)
            raise BakongUnavailable(f"Bakong answered HTTP {status} without its envelope", http_status=status)
        return envelope

    @staticmethod
    def _error(envelope: dict, status: int) -> BakongError:
        code = envelope.get("errorCode")
        message = str(envelope.get("responseMessage") or "")[:200] or f"Bakong answered HTTP {status}"
        if code == TRANSACTION_NOT_FOUND:
            return TransactionNotFound(message, http_status=status)
        if code == TRANSACTION_FAILED:
            return TransactionFailed(message, http_status=status)
        if code == UNAUTHORIZED or status in (401, 403):
            return BakongUnauthorized(message, http_status=status)
        if status == 429:
            return BakongRateLimited(message, http_status=status)
        if status >= 500 or code is None:
            return BakongUnavailable(message, code=code or "unavailable", http_status=status)
        return BakongRequestError(message, code=code, http_status=status)


__all__ = [
    "BakongClient",
    "BakongConfig",
    "BakongError",
    "BakongRateLimited",
    "BakongRequestError",
    "BakongUnauthorized",
    "BakongUnavailable",
    "Transaction",
    "TransactionFailed",
    "TransactionNotFound",
]
