"""SMS over Twilio's Messages API (https://www.twilio.com/docs/messaging/api/message-resource), through
`esb.http`:

    POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json
         form-encoded To=+855…, From=<sender>, Body=<text>; HTTP Basic auth AccountSid:AuthToken
      -> 201 {"sid": "SM…", "status": "queued", "to": …, "from": …, "body": …, …}
      -> 4xx/5xx {"code": 21211, "message": "…", "more_info": "…", "status": 400}

Any provider speaking this format works (Twilio itself, or an aggregator's compatible endpoint): only
SMS['BASE_URL'] changes. The auth token never appears in logs or errors (it travels in a header).
"""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings

from esb import http, outgoing
from notifications.channels import PermanentError, RetryableError

SERVICE = "sms"

# Twilio error codes that mean "this number will never receive it" are 4xx anyway; 20429 / HTTP 429 is the
# rate limit (Twilio sends no Retry-After: we back off).


def config() -> dict:
    return getattr(settings, "SMS", None) or {}


class SmsClient:
    def __init__(self) -> None:
        raw = config()
        self.base_url = str(raw.get("BASE_URL") or "").rstrip("/")
        self.account_sid = str(raw.get("ACCOUNT_SID") or "")
        self.auth_token = str(raw.get("AUTH_TOKEN") or "")
        self.sender = str(raw.get("FROM") or "")
        timeout = float(raw.get("TIMEOUT") or 10.0)
        self.http = http.client_for(SERVICE, read_timeout=timeout, connect_timeout=min(timeout, 3.05))

    def send(self, to: str, body: str) -> dict[str, Any]:
        if not (self.base_url and self.account_sid and self.auth_token and self.sender):
            raise PermanentError(
                "SMS is not configured (SMS_BASE_URL, SMS_ACCOUNT_SID, SMS_AUTH_TOKEN, SMS_FROM)"
            )
        url = f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        with outgoing.record(SERVICE, "create-message", "POST", url) as log:
            try:
                response = self.http.request(
                    "POST",
                    url,
                    operation="create-message",
                    call=log,
                    data={"To": to, "From": self.sender, "Body": body},
                    auth=(self.account_sid, self.auth_token),
                    headers={"Accept": "application/json"},
                )
            except requests.RequestException as error:
                log.fail("", type(error).__name__)
                raise RetryableError(
                    f"the SMS provider could not be reached ({type(error).__name__})"
                ) from None
            try:
                answer = response.json()
            except ValueError:
                answer = None
            status = response.status_code
            if status in (200, 201) and isinstance(answer, dict) and answer.get("sid"):
                return answer
            code = answer.get("code") if isinstance(answer, dict) else None
            log.fail(code or status, "SmsError")
        detail = str(answer.get("message") or "")[:150] if isinstance(answer, dict) else ""
        message = f"the SMS provider answered {status} (code {code}): {detail}".strip()
        if status == 429 or status >= 500 or status in (200, 201):
            raise RetryableError(message)
        # 400 (invalid or unreachable number, 21211/21610/21614), 401 (credentials), 403, 404: permanent.
        raise PermanentError(message)
