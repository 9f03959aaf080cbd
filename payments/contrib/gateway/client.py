"""Member-gateway API client over `esb.http` (pooled session, timeouts, the outgoing-request log; a POST is
never retried). The API (what the sandbox simulator serves, docs/payments.md):

    POST {base}/v1/checkout/sessions      {reference, amount, currency, description, methods, return_url,
                                            notify_url}  -> 201 {id, url, expires_at}
    GET  {base}/v1/transactions?date=YYYY-MM-DD          -> 200 {data: [{id, reference, amount, currency,
                                                                         status, method, paid_at}, ...]}

Authenticated with `Authorization: Bearer <GATEWAY_API_KEY>`. Every failure becomes a GatewayError whose
message never holds the key.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import requests
from django.conf import settings
from django.utils.dateparse import parse_datetime

from esb import http

SERVICE = "payment-gateway"


class GatewayError(Exception):
    """The gateway could not be reached or refused the request."""


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str
    expires_at: datetime.datetime | None


@dataclass(frozen=True)
class GatewayTransaction:
    id: str
    reference: str
    amount: Decimal
    currency: str
    status: str  # "succeeded" | "failed"
    method: str
    paid_at: str
    raw: dict


def _settings() -> dict:
    return getattr(settings, "GATEWAY", None) or {}


class GatewayClient:
    def __init__(self) -> None:
        config = _settings()
        self.base_url = str(config.get("BASE_URL") or "").rstrip("/")
        self.api_key = str(config.get("API_KEY") or "")
        timeout = float(config.get("TIMEOUT") or 5.0)
        self.http = http.client_for(SERVICE, read_timeout=timeout, connect_timeout=min(timeout, 3.05))

    def send(self, method: str, path: str, operation: str, **kwargs: Any) -> Any:
        if not self.base_url:
            raise GatewayError("GATEWAY_BASE_URL is not set")
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"}
        try:
            response = self.http.request(
                method, f"{self.base_url}{path}", operation=operation, headers=headers, **kwargs
            )
        except requests.RequestException as error:
            raise GatewayError(f"the gateway could not be reached ({type(error).__name__})") from None
        if response.status_code >= 400:
            raise GatewayError(f"the gateway answered {response.status_code} to {operation}")
        try:
            return response.json()
        except ValueError:
            raise GatewayError(f"the gateway answered {operation} without JSON") from None

    def create_checkout_session(
        self,
        *,
        reference: str,
        amount: Decimal,
        currency: str,
        description: str,
        return_url: str,
        notify_url: str,
    ) -> CheckoutSession:
        body = self.send(
            "POST",
            "/v1/checkout/sessions",
            "create-checkout-session",
            json={
                "reference": reference,
                "amount": str(amount),
                "currency": currency,
                "description": description[:200],
                "methods": ["card", "bank_transfer"],
                "return_url": return_url,
                "notify_url": notify_url,
            },
        )
        if (
            not isinstance(body, dict)
            or not body.get("id")
            or not str(body.get("url", "")).startswith("http")
        ):
            raise GatewayError("the gateway answered a checkout session without id or url")
        expires = parse_datetime(str(body.get("expires_at") or ""))
        return CheckoutSession(id=str(body["id"])[:100], url=str(body["url"])[:500], expires_at=expires)

    def list_transactions(self, day: datetime.date) -> list[GatewayTransaction]:
        body = self.send("GET", "/v1/transactions", "list-transactions", params={"date": day.isoformat()})
        rows = body.get("data") if isinstance(body, dict) else None
        if not isinstance(rows, list):
            raise GatewayError("the gateway answered the transaction list without data")
        found = []
        for row in rows:
            if not isinstance(row, dict):
                continue
            try:
                amount = Decimal(str(row.get("amount")))
            except (InvalidOperation, ValueError):
                raise GatewayError("the gateway listed a transaction without a readable amount") from None
            found.append(
                GatewayTransaction(
                    id=str(row.get("id") or "")[:100],
                    reference=str(row.get("reference") or "")[:100],
                    amount=amount,
                    currency=str(row.get("currency") or "").upper(),
                    status=str(row.get("status") or ""),
                    method=str(row.get("method") or ""),
                    paid_at=str(row.get("paid_at") or ""),
                    raw=row,
                )
            )
        return found
