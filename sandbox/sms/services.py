"""The SMS simulator speaks Twilio's Messages API (https://www.twilio.com/docs/messaging/api/message-resource):
form-encoded To, From, Body with HTTP Basic auth AccountSid:AuthToken; the Message resource as JSON; errors as
{"code", "message", "more_info", "status"}. Magic numbers inject failures (like Twilio's test numbers)."""

from __future__ import annotations

import re
import secrets

from django.utils import timezone

from sandbox.sms.models import SimSmsMessage

# The same public values as esb.integration_settings (development and test only).
SANDBOX_ACCOUNT_SID = "AC00000000000000000000000000e5b0"
SANDBOX_AUTH_TOKEN = "esb-sms-sandbox-auth-token"  # noqa: S105  (public on purpose)
# To these numbers the simulator answers as Twilio would for an invalid number, a rate limit, an outage.
INVALID_NUMBER = "+85510000400"
RATE_LIMITED_NUMBER = "+85510000429"
FAILING_NUMBER = "+85510000500"
BODY_LIMIT = 1600
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


class ApiError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict:
        return {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }


def authenticate(account_sid: str, user: str, password: str) -> None:
    if not (
        user == account_sid == SANDBOX_ACCOUNT_SID and secrets.compare_digest(password, SANDBOX_AUTH_TOKEN)
    ):
        raise ApiError(401, 20003, "Authenticate")


def create_message(account_sid: str, params: dict) -> SimSmsMessage:
    to, sender, body = (str(params.get(k) or "").strip() for k in ("To", "From", "Body"))
    if not to:
        raise ApiError(400, 21604, "A 'To' phone number is required.")
    if not sender:
        raise ApiError(400, 21603, "A 'From' phone number is required.")
    if not body:
        raise ApiError(400, 21602, "Message body is required.")
    if len(body) > BODY_LIMIT:
        raise ApiError(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
    if not _E164.match(to) or to == INVALID_NUMBER:
        raise ApiError(400, 21211, f"The 'To' number {to} is not a valid phone number.")
    if to == RATE_LIMITED_NUMBER:
        raise ApiError(429, 20429, "Too Many Requests")
    if to == FAILING_NUMBER:
        raise ApiError(500, 20500, "Internal Server Error")
    return SimSmsMessage.objects.create(
        sid="SM" + secrets.token_hex(16), account_sid=account_sid, to=to, sender=sender[:20], body=body
    )


def message_data(message: SimSmsMessage) -> dict:
    created = timezone.localtime(message.created_at).strftime("%a, %d %b %Y %H:%M:%S %z")
    return {
        "sid": message.sid,
        "account_sid": message.account_sid,
        "to": message.to,
        "from": message.sender,
        "body": message.body,
        "status": message.status,
        "direction": "outbound-api",
        "num_segments": str(segments(message.body)),
        "date_created": created,
        "date_updated": created,
        "date_sent": None,
        "error_code": None,
        "error_message": None,
        "api_version": "2010-04-01",
        "uri": f"/2010-04-01/Accounts/{message.account_sid}/Messages/{message.sid}.json",
    }


def segments(body: str) -> int:
    """GSM-7 texts: 160 characters (153 joined); anything else (Khmer) is UCS-2: 70 (67 joined)."""
    single, joined = (160, 153) if body.isascii() else (70, 67)
    return 1 if len(body) <= single else -(-len(body) // joined)
