"""Checks the settings run on the environment's values at start-up (pure functions: no Django, no settings).

Each returns the problems it finds as sentences for the operator; `esb.settings` collects them all and refuses
to start in one report. Values are never echoed.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import unquote, urlsplit

from esb.xroad import ClientId, InvalidIdentifier, ServiceId

# Values copied from a template and never replaced (deploy/env.example uses CHANGE_ME).
_PLACEHOLDER = re.compile(r"change[\s_.-]*me|replace[\s_.-]*me|<[^>]*>", re.IGNORECASE)
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def is_placeholder(value: str) -> bool:
    return bool(_PLACEHOLDER.search(value))


def periodic(value: str) -> bool:
    """True for a short unit repeated ("secret" * 9, "ab" * 40, 32 × "a"), a whole or cut-off last copy."""
    return any(value[period:] == value[:-period] for period in range(1, len(value) // 3 + 1))


def weak_text_secret(value: str, min_length: int) -> str:
    """Why a text secret is weak ('' if it is not): too short, too few distinct characters, or repetitive."""
    if len(value) < min_length:
        return f"shorter than {min_length} characters"
    if len(set(value)) < 10 or periodic(value) or max(map(value.count, set(value))) > len(value) // 4:
        return "a repeated word or too few distinct characters"
    return ""


def weak_key_bytes(raw: bytes) -> bool:
    """Bytes that are all one value (all zeros) or have almost no variety were not randomly generated."""
    return len(set(raw)) < min(8, max(2, len(raw) // 2))


def url_password(url: str) -> str:
    try:
        return unquote(urlsplit(url).password or "")
    except ValueError:
        return ""


def dpi_url_problems(name: str, url: str, *, production: bool, crossing: str, service: str) -> list[str]:
    """A DPI's base URL: http(s) with a host; in production https and not the development sandbox.
    `crossing` says what would cross a plain-http link ("the token crosses it"); `service` names the real
    system."""
    if not url:
        return []  # reported as missing by the caller
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return [f"{name} must be an http(s) URL"]
    problems = []
    if production:
        if parts.scheme != "https":
            problems.append(f"{name} must use https:// in production ({crossing})")
        if parts.hostname in _LOOPBACK or "/sandbox/" in f"{parts.path}/":
            problems.append(f"{name} points at the development sandbox, not at {service}")
    return problems


def base64_key_problems(
    name: str, value: str, *, size: int, min_size: int, production: bool, dev_value: str, issuer: str
) -> list[str]:
    """A key issued as standard base64: not the public development value or a placeholder (production),
    `size` bytes exactly when AES needs it (0: any size of at least `min_size` in production), random."""
    if not value:
        return []  # reported as missing by the caller
    if production and value == dev_value:
        return [f"{name} is the public development value of the {issuer} sandbox"]
    if is_placeholder(value):
        return [f"{name} is a placeholder: set the value issued at {issuer} onboarding"]
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return [f"{name} must be standard base64 (as issued at {issuer} onboarding)"]
    smallest = min_size if production else 1
    if size and len(decoded) != size:
        return [f"{name} must decode to {size} bytes, not {len(decoded)}"]
    if not size and len(decoded) < smallest:
        return [f"{name} must decode to at least {smallest} bytes, not {len(decoded)}"]
    if production and weak_key_bytes(decoded):
        return [f"{name} is not random (all zeros or one repeated byte)"]
    return []


def bakong_problems(bakong: dict, *, production: bool, dev_token: str) -> list[str]:
    """The Bakong Open API settings (docs/payments.md): the URL as any DPI's, the token not the sandbox's
    nor a placeholder, the numbers within NBC's limits."""
    problems = dpi_url_problems(
        "BAKONG_BASE_URL",
        bakong["BASE_URL"],
        production=production,
        crossing="the token crosses it",
        service="Bakong",
    )
    if production and bakong["TOKEN"] == dev_token:
        problems.append("BAKONG_TOKEN is the sandbox's public demo token")
    if bakong["TOKEN"] and is_placeholder(bakong["TOKEN"]):
        problems.append("BAKONG_TOKEN is a placeholder: set the token NBC issued")
    if bakong["TIMEOUT"] <= 0:
        problems.append("BAKONG_TIMEOUT_SECONDS must be positive")
    if not 1 <= bakong["BATCH_SIZE"] <= 50:
        problems.append("BAKONG_BATCH_SIZE must be between 1 and 50")
    if not 60 <= bakong["QR_LIFETIME_SECONDS"] <= 600:
        problems.append("BAKONG_QR_LIFETIME_SECONDS must be between 60 and 600 (NBC: at most 10 minutes)")
    if bakong["GRACE_SECONDS"] < 0:
        problems.append("BAKONG_GRACE_SECONDS must not be negative")
    return problems


def gateway_problems(gateway: dict, *, production: bool, dev_values: tuple[str, str]) -> list[str]:
    """The member gateway's settings (docs/payments.md). Optional in production (no URL: the card and
    bank-transfer provider is simply not configured), but when set: https, not the sandbox, the API key and
    the webhook secret set, not the sandbox's public values, and the secret strong."""
    url, api_key, secret = gateway["BASE_URL"], gateway["API_KEY"], gateway["WEBHOOK_SECRET"]
    dev_api_key, dev_secret = dev_values
    problems = dpi_url_problems(
        "GATEWAY_BASE_URL",
        url,
        production=production,
        crossing="the API key crosses it",
        service="the member gateway",
    )
    if production and url and not (api_key and secret):
        problems.append("GATEWAY_API_KEY and GATEWAY_WEBHOOK_SECRET must be set with GATEWAY_BASE_URL")
    if production and api_key == dev_api_key:
        problems.append("GATEWAY_API_KEY is the gateway sandbox's public key")
    if production and secret == dev_secret:
        problems.append("GATEWAY_WEBHOOK_SECRET is the gateway sandbox's public secret")
    elif production and secret:
        weakness = weak_text_secret(secret, 32)
        if weakness:
            problems.append(f"GATEWAY_WEBHOOK_SECRET is weak: {weakness}")
    for name, value in (("GATEWAY_API_KEY", api_key), ("GATEWAY_WEBHOOK_SECRET", secret)):
        if value and is_placeholder(value):
            problems.append(f"{name} is a placeholder: set the value the gateway issued")
    if gateway["TIMEOUT"] <= 0:
        problems.append("GATEWAY_TIMEOUT_SECONDS must be positive")
    if not 30 <= gateway["TOLERANCE_SECONDS"] <= 900:
        problems.append("GATEWAY_WEBHOOK_TOLERANCE_SECONDS must be between 30 and 900")
    return problems


def verification_problems(verification: dict, *, production: bool, dev_api_key: str) -> list[str]:
    """The verification provider's settings (docs/verification.md): both URLs as any DPI's (in production
    https and not the sandbox), the issuer API key not the sandbox's, not a placeholder, and strong."""
    problems = dpi_url_problems(
        "VERIFY_BASE_URL",
        verification["BASE_URL"],
        production=production,
        crossing="the issuer API key crosses it",
        service="verify.gov.kh",
    )
    problems += dpi_url_problems(
        "VERIFY_PUBLIC_BASE_URL",
        verification["PUBLIC_BASE_URL"],
        production=production,
        crossing="every licence's QR code points at it",
        service="verify.gov.kh",
    )
    api_key = verification["API_KEY"]
    if production and api_key == dev_api_key:
        problems.append("VERIFY_API_KEY is the verify.gov.kh sandbox's public key")
    elif api_key and is_placeholder(api_key):
        problems.append("VERIFY_API_KEY is a placeholder: set the key issued at verify.gov.kh onboarding")
    elif production and api_key:
        weakness = weak_text_secret(api_key, 32)
        if weakness:
            problems.append(f"VERIFY_API_KEY is weak: {weakness}")
    if verification["TIMEOUT"] <= 0:
        problems.append("VERIFY_TIMEOUT_SECONDS must be positive")
    return problems


def camdx_problems(camdx: dict, *, production: bool, public_base_url: str) -> list[str]:
    """The outgoing CamDX settings (docs/camdx.md): the security server's URL as any DPI's (in production
    https, since the organization token crosses it, and not the sandbox simulator), our client id and every
    configured service id well formed, mTLS files set together, positive numbers."""
    problems = dpi_url_problems(
        "CAMDX_SECURITY_SERVER_URL",
        camdx["SECURITY_SERVER_URL"],
        production=production,
        crossing="the organization token crosses it",
        service="our CamDX security server",
    )
    if production and public_base_url and camdx["SECURITY_SERVER_URL"].startswith(f"{public_base_url}/"):
        problems.append("CAMDX_SECURITY_SERVER_URL points at the portal itself, not at a security server")
    classes = tuple(camdx["MEMBER_CLASSES"])
    if not classes:
        problems.append("CAMDX_MEMBER_CLASSES must name at least one member class")
    try:
        client = ClientId.parse(camdx["CLIENT"], member_classes=classes)
        if not client.subsystem_code:
            problems.append("CAMDX_CLIENT must name our subsystem (INSTANCE/CLASS/MEMBER/SUBSYSTEM)")
    except InvalidIdentifier as exc:
        problems.append(f"CAMDX_CLIENT is not a valid X-Road client id: {exc}")
    for name, service in camdx["SERVICES"].items():
        try:
            ServiceId.parse(service["ID"], member_classes=classes)
        except InvalidIdentifier as exc:
            problems.append(f"CAMDX_SERVICES[{name!r}] is not a valid X-Road service id: {exc}")
        if service["READ_TIMEOUT"] is not None and service["READ_TIMEOUT"] <= 0:
            problems.append(f"CAMDX_SERVICES[{name!r}] timeout must be positive")
    if bool(camdx["CLIENT_CERT"]) != bool(camdx["CLIENT_KEY"]):
        problems.append("CAMDX_CLIENT_CERT_FILE and CAMDX_CLIENT_KEY_FILE must be set together")
    for key, name in (
        ("CONNECT_TIMEOUT", "CAMDX_CONNECT_TIMEOUT_SECONDS"),
        ("READ_TIMEOUT", "CAMDX_READ_TIMEOUT_SECONDS"),
        ("BREAKER_COOLDOWN_SECONDS", "CAMDX_BREAKER_COOLDOWN_SECONDS"),
    ):
        if camdx[key] <= 0:
            problems.append(f"{name} must be positive")
    if camdx["RETRIES"] < 0:
        problems.append("CAMDX_RETRIES must not be negative")
    if camdx["BREAKER_FAILURES"] < 1:
        problems.append("CAMDX_BREAKER_FAILURES must be at least 1")
    if camdx["TOKEN_REFRESH_MARGIN_SECONDS"] < 0:
        problems.append("CAMDX_TOKEN_REFRESH_MARGIN_SECONDS must not be negative")
    return problems


def telegram_problems(telegram: dict, *, production: bool, dev_token: str, dev_secret: str) -> list[str]:
    """The Telegram bot (docs/notifications.md). Optional (no token: the channel is off), but when set in
    production: the real Bot API over https, not the sandbox's public token, a strong webhook secret that
    Telegram accepts (1-256 characters of A-Z a-z 0-9 _ -)."""
    token, secret = telegram["BOT_TOKEN"], telegram["WEBHOOK_SECRET"]
    if not token:
        return []
    problems = dpi_url_problems(
        "TELEGRAM_BASE_URL",
        telegram["BASE_URL"],
        production=production,
        crossing="the bot token crosses it",
        service="the Telegram Bot API",
    )
    if production and token == dev_token:
        problems.append("TELEGRAM_BOT_TOKEN is the Telegram sandbox's public token")
    if is_placeholder(token):
        problems.append("TELEGRAM_BOT_TOKEN is a placeholder: set the token @BotFather issued")
    if production and not telegram["BOT_USERNAME"]:
        problems.append("TELEGRAM_BOT_USERNAME must be set with TELEGRAM_BOT_TOKEN (the opt-in deep link)")
    if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        problems.append("TELEGRAM_WEBHOOK_SECRET may hold only A-Z, a-z, 0-9, _ and - (at most 256)")
    if production and not secret:
        problems.append("TELEGRAM_WEBHOOK_SECRET must be set with TELEGRAM_BOT_TOKEN")
    elif production and secret == dev_secret:
        problems.append("TELEGRAM_WEBHOOK_SECRET is the Telegram sandbox's public secret")
    elif production and secret:
        weakness = weak_text_secret(secret, 32)
        if weakness:
            problems.append(f"TELEGRAM_WEBHOOK_SECRET is weak: {weakness}")
    if telegram["TIMEOUT"] <= 0:
        problems.append("TELEGRAM_TIMEOUT_SECONDS must be positive")
    return problems


def sms_problems(sms: dict, *, production: bool, dev_values: tuple[str, str]) -> list[str]:
    """The SMS provider (Twilio's Messages API, docs/notifications.md). Optional; when set in production:
    https, not the sandbox, the account SID, auth token and sender set, not the sandbox's public ones."""
    if not sms["BASE_URL"]:
        return []
    problems = dpi_url_problems(
        "SMS_BASE_URL",
        sms["BASE_URL"],
        production=production,
        crossing="the auth token crosses it",
        service="the SMS provider",
    )
    if production and not (sms["ACCOUNT_SID"] and sms["AUTH_TOKEN"] and sms["FROM"]):
        problems.append("SMS_ACCOUNT_SID, SMS_AUTH_TOKEN and SMS_FROM must be set with SMS_BASE_URL")
    dev_sid, dev_token = dev_values
    if production and sms["ACCOUNT_SID"] == dev_sid:
        problems.append("SMS_ACCOUNT_SID is the SMS sandbox's public account")
    if production and sms["AUTH_TOKEN"] == dev_token:
        problems.append("SMS_AUTH_TOKEN is the SMS sandbox's public token")
    for name in ("ACCOUNT_SID", "AUTH_TOKEN"):
        if sms[name] and is_placeholder(sms[name]):
            problems.append(f"SMS_{name} is a placeholder: set the value the provider issued")
    if sms["TIMEOUT"] <= 0:
        problems.append("SMS_TIMEOUT_SECONDS must be positive")
    return problems
