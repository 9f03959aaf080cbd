"""Telegram Bot API client over `esb.http` (https://core.telegram.org/bots/api). What it uses:

    POST {base}/bot{token}/sendMessage  {chat_id, text, parse_mode?, disable_web_page_preview}
        -> 200 {"ok": true, "result": Message}
        -> 4xx/5xx {"ok": false, "error_code": N, "description": "...", "parameters": {"retry_after": s}?}
    POST {base}/bot{token}/setWebhook   {url, secret_token, allowed_updates}
    GET  {base}/bot{token}/getMe, getWebhookInfo

The bot token travels in the URL path, so the outgoing-request log gets the URL with the token replaced
(`redact`) and urllib3's own log lines are filtered the same way; error messages never hold it either.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import requests
from django.conf import settings

from esb import http, outgoing
from notifications.channels import PermanentError, RetryableError

SERVICE = "telegram"
_TOKEN_IN_PATH = re.compile(r"/bot[^/\s]+/")


def redact(text: str) -> str:
    """`text` with every /bot<token>/ path segment replaced by /bot***/."""
    return _TOKEN_IN_PATH.sub("/bot***/", text)


class RedactBotToken(logging.Filter):
    """urllib3 logs the request line (DEBUG) and retried URLs (WARNING) with the path: hide the token."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


for _name in ("urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry", "urllib3.poolmanager"):
    logging.getLogger(_name).addFilter(RedactBotToken())


def config() -> dict:
    return getattr(settings, "TELEGRAM", None) or {}


class TelegramClient:
    def __init__(self) -> None:
        raw = config()
        self.base_url = str(raw.get("BASE_URL") or "").rstrip("/")
        self.token = str(raw.get("BOT_TOKEN") or "")
        timeout = float(raw.get("TIMEOUT") or 10.0)
        self.http = http.client_for(SERVICE, read_timeout=timeout, connect_timeout=min(timeout, 3.05))

    def call(self, method: str, payload: dict | None = None) -> Any:
        """Call one Bot API method: the `result` of an ok answer, else RetryableError / PermanentError."""
        if not self.base_url or not self.token:
            raise PermanentError("the Telegram bot is not configured (TELEGRAM_BOT_TOKEN, TELEGRAM_BASE_URL)")
        url = f"{self.base_url}/bot{self.token}/{method}"
        verb = "POST" if payload is not None else "GET"
        with outgoing.record(SERVICE, method, verb, redact(url)) as log:
            try:
                response = self.http.request(verb, url, operation=method, call=log, json=payload)
            except requests.RequestException as error:
                log.fail("", type(error).__name__)
                raise RetryableError(f"Telegram could not be reached ({type(error).__name__})") from None
            try:
                body = response.json()
            except ValueError:
                body = None
            if not isinstance(body, dict):
                log.fail(response.status_code, "NotJSON")
                raise RetryableError(
                    f"Telegram answered {method} with HTTP {response.status_code} without JSON"
                )
            if response.status_code == 200 and body.get("ok") is True:
                return body.get("result")
            code = body.get("error_code") if isinstance(body.get("error_code"), int) else response.status_code
            description = str(body.get("description") or "")[:200]
            log.fail(code, "TelegramError")
        parameters = body.get("parameters") if isinstance(body.get("parameters"), dict) else {}
        message = f"Telegram refused {method}: {code} {redact(description)}".strip()
        if code == 429:
            retry_after = parameters.get("retry_after")
            seconds = float(retry_after) if isinstance(retry_after, int | float) else None
            raise RetryableError(message, retry_after=seconds)
        if code >= 500:
            raise RetryableError(message)
        # 400 (chat not found, bad text), 401 (token revoked), 403 (bot blocked or kicked), 404: permanent.
        raise PermanentError(message)

    def send_message(self, chat_id: str, text: str) -> dict:
        result = self.call(
            "sendMessage",
            {"chat_id": chat_id, "text": text, "disable_web_page_preview": True},
        )
        if not isinstance(result, dict) or not isinstance(result.get("message_id"), int):
            raise RetryableError("Telegram answered sendMessage without a message id")
        return result
