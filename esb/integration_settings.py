"""The settings of the outbound integrations that only need a base URL, credentials and a few numbers: the
Bakong Open API, the member payment gateway, verify.gov.kh and CamDX. `esb.settings` calls each builder once
at start-up with the environment and adds the returned problems to its single report (values never echoed).

Each builder returns `(config, problems)`. Development and test default to the sandbox simulators and their
public credentials; production must be given real ones (docs/configuration.md).
"""

from __future__ import annotations

import environ

from esb.config_checks import (
    bakong_problems,
    camdx_problems,
    gateway_problems,
    sms_problems,
    telegram_problems,
    verification_problems,
)

# The simulators' public credentials (sandbox/*/services.py hold the same strings).
DEV_BAKONG_TOKEN = "esb-bakong-sandbox-token"  # noqa: S105  (public on purpose)
DEV_GATEWAY_KEY, DEV_GATEWAY_SECRET = "esb-gateway-sandbox-key", "esb-gateway-sandbox-webhook-secret"
DEV_VERIFY_API_KEY = "esb-verify-sandbox-issuer-key"
# Telegram and SMS simulators (sandbox/telegram, sandbox/sms): a bot token in Telegram's shape, a
# Twilio-shaped account SID and auth token.
DEV_TELEGRAM_TOKEN = "7000000001:ESB-sandbox-bot-token-public-0000000"  # noqa: S105  (public on purpose)
DEV_TELEGRAM_BOT = "esb_portal_sandbox_bot"
DEV_TELEGRAM_WEBHOOK_SECRET = "esb-telegram-sandbox-webhook-secret"  # noqa: S105
DEV_SMS_ACCOUNT_SID = "AC00000000000000000000000000e5b0"
DEV_SMS_AUTH_TOKEN = "esb-sms-sandbox-auth-token"  # noqa: S105
DEV_SMS_FROM = "ESB-PORTAL"
PRODUCTION_VERIFY_PUBLIC_URL = "https://verify.gov.kh"
# CamDX (CAMDX_IDS.md): the portal's subsystem, and the services it calls in development and test (the demo
# business registry behind the security-server simulator). Production names its services in CAMDX_SERVICES.
CAMDX_PORTAL_CLIENT = "CAMBODIA/GOV/ESB-2026-0001/ESB_PORTAL"
DEV_CAMDX_SERVICES = {"business_info": "CAMBODIA/GOV/MOC-2021-0001/OBR_REGISTRY/business_info"}


def _required(env: environ.Env, name: str, dev_default: str, production: bool, problems: list[str]) -> str:
    """The variable's value; outside production the development default when unset, in production a
    problem when unset."""
    value = env.str(name, default="")
    if value:
        return value
    if production:
        problems.append(f"{name} must be set when ESB_ENV=production")
        return ""
    return dev_default


def bakong(env: environ.Env, public_base_url: str, *, production: bool) -> tuple[dict, list[str]]:
    """Bakong Open API (KHQR payment confirmations, docs/payments.md): the token NBC issued (a JWT, renewed
    every 90 days) in production."""
    problems: list[str] = []
    config = {
        "BASE_URL": _required(
            env, "BAKONG_BASE_URL", f"{public_base_url}/sandbox/bakong", production, problems
        ).rstrip("/"),
        "TOKEN": _required(env, "BAKONG_TOKEN", DEV_BAKONG_TOKEN, production, problems),
        "TIMEOUT": env.float("BAKONG_TIMEOUT_SECONDS", default=5.0),
        # check_transaction_by_md5_list is not in NBC's published API (third-party libraries use it): off
        # means one check_transaction_by_md5 call per payment.
        "BATCH_CHECKS": env.bool("BAKONG_BATCH_CHECKS", default=True),
        "BATCH_SIZE": env.int("BAKONG_BATCH_SIZE", default=50),
        # How long a KHQR code lives (NBC: at most 10 minutes), and how long after that it is still polled.
        "QR_LIFETIME_SECONDS": env.int("BAKONG_QR_LIFETIME_SECONDS", default=600),
        "GRACE_SECONDS": env.int("BAKONG_GRACE_SECONDS", default=300),
    }
    problems += bakong_problems(config, production=production, dev_token=DEV_BAKONG_TOKEN)
    return config, problems


def gateway(env: environ.Env, public_base_url: str, *, production: bool) -> tuple[dict, list[str]]:
    """Member payment gateway (cards, bank transfer; signed webhooks; docs/payments.md): optional in
    production."""
    config = {
        "BASE_URL": env.str(
            "GATEWAY_BASE_URL", default="" if production else f"{public_base_url}/sandbox/gateway"
        ),
        "API_KEY": env.str("GATEWAY_API_KEY", default="" if production else DEV_GATEWAY_KEY),
        "WEBHOOK_SECRET": env.str("GATEWAY_WEBHOOK_SECRET", default="" if production else DEV_GATEWAY_SECRET),
        "TIMEOUT": env.float("GATEWAY_TIMEOUT_SECONDS", default=5.0),
        "TOLERANCE_SECONDS": env.int("GATEWAY_WEBHOOK_TOLERANCE_SECONDS", default=300),
    }
    problems = gateway_problems(
        config, production=production, dev_values=(DEV_GATEWAY_KEY, DEV_GATEWAY_SECRET)
    )
    return config, problems


def verification(env: environ.Env, public_base_url: str, *, production: bool) -> tuple[dict, list[str]]:
    """The document-verification provider (verify.gov.kh, docs/verification.md). Development and test
    register licences with the sandbox simulator, whose verify pages are served by the portal itself; in
    production the issuer API's URL and key come from MPTC's onboarding, and the QR codes start with
    https://verify.gov.kh."""
    problems: list[str] = []
    sandbox = f"{public_base_url}/sandbox/verify"
    config = {
        "PROVIDER": env.str("VERIFY_PROVIDER", default="verify_gov_kh"),
        "BASE_URL": _required(env, "VERIFY_BASE_URL", sandbox, production, problems).rstrip("/"),
        "PUBLIC_BASE_URL": env.str(
            "VERIFY_PUBLIC_BASE_URL", default=PRODUCTION_VERIFY_PUBLIC_URL if production else sandbox
        ).rstrip("/"),
        "API_KEY": _required(env, "VERIFY_API_KEY", DEV_VERIFY_API_KEY, production, problems),
        "TIMEOUT": env.float("VERIFY_TIMEOUT_SECONDS", default=10.0),
    }
    problems += verification_problems(config, production=production, dev_api_key=DEV_VERIFY_API_KEY)
    return config, problems


def _camdx_service(name: str, raw: object, problems: list[str]) -> dict | None:
    """One entry of CAMDX_SERVICES: a service id string, or `{"id", "path"?, "timeout"?}`."""
    if isinstance(raw, str):
        raw = {"id": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        problems.append(f'CAMDX_SERVICES[{name!r}] must be a service id or an object with an "id"')
        return None
    path, timeout = raw.get("path", ""), raw.get("timeout")
    number = isinstance(timeout, int | float) and not isinstance(timeout, bool)
    if not isinstance(path, str) or not (timeout is None or number):
        problems.append(f'CAMDX_SERVICES[{name!r}]: "path" is a string and "timeout" a number of seconds')
        return None
    return {"ID": raw["id"], "PATH": path.strip("/"), "READ_TIMEOUT": timeout}


def camdx(env: environ.Env, public_base_url: str, *, production: bool) -> tuple[dict, list[str]]:
    """The outgoing side of CamDX (docs/camdx.md): our security server, the client id we call as, the link
    between our information system and our security server (timeouts, CA bundle, client certificate), the
    breaker, and `SERVICES`, the remote services by name, so that calling a new one is configuration.

    `CAMDX_SERVICES` is JSON: `{"name": "INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICECODE"}` or
    `{"name": {"id": "…", "path": "default/path", "timeout": 5}}`; outside production it extends the demo
    services (the business registry of the sandbox), in production it is the whole list."""
    problems: list[str] = []
    try:
        configured = env.json("CAMDX_SERVICES", default={})
    except ValueError:
        problems.append("CAMDX_SERVICES must be JSON")
        configured = {}
    if not isinstance(configured, dict):
        problems.append("CAMDX_SERVICES must be a JSON object of service names")
        configured = {}
    raw_services = configured if production else {**DEV_CAMDX_SERVICES, **configured}
    services = {}
    for name, raw in raw_services.items():
        service = _camdx_service(str(name), raw, problems)
        if service is not None:
            services[str(name)] = service
    config = {
        "SECURITY_SERVER_URL": _required(
            env, "CAMDX_SECURITY_SERVER_URL", f"{public_base_url}/sandbox/camdx", production, problems
        ).rstrip("/"),
        "CLIENT": env.str("CAMDX_CLIENT", default=CAMDX_PORTAL_CLIENT),
        "MEMBER_CLASSES": tuple(env.list("CAMDX_MEMBER_CLASSES", default=["GOV", "COM"])),
        "CONNECT_TIMEOUT": env.float("CAMDX_CONNECT_TIMEOUT_SECONDS", default=3.05),
        # Prefill lookups run while a person waits (DESIGN.md §5): a service may set a shorter timeout.
        "READ_TIMEOUT": env.float("CAMDX_READ_TIMEOUT_SECONDS", default=10.0),
        "RETRIES": env.int("CAMDX_RETRIES", default=2),
        # The link between our information system and our security server (PR-REST §4.7): HTTPS with a
        # private CA and, optionally, a client certificate the security server knows.
        "CA_BUNDLE": env.str("CAMDX_CA_BUNDLE_FILE", default=""),
        "CLIENT_CERT": env.str("CAMDX_CLIENT_CERT_FILE", default=""),
        "CLIENT_KEY": env.str("CAMDX_CLIENT_KEY_FILE", default=""),
        "BREAKER_FAILURES": env.int("CAMDX_BREAKER_FAILURES", default=5),
        "BREAKER_COOLDOWN_SECONDS": env.float("CAMDX_BREAKER_COOLDOWN_SECONDS", default=30.0),
        # The organization token is renewed this long before its `exp`.
        "TOKEN_REFRESH_MARGIN_SECONDS": env.int("CAMDX_TOKEN_REFRESH_MARGIN_SECONDS", default=60),
        "SERVICES": services,
    }
    problems += camdx_problems(config, production=production, public_base_url=public_base_url)
    return config, problems


def telegram(env: environ.Env, public_base_url: str, *, production: bool) -> tuple[dict, list[str]]:
    """The Telegram bot (docs/notifications.md): alerts and applicants' opt-in messages. Development and test
    talk to the Bot API simulator with its public token; production is off until TELEGRAM_BOT_TOKEN is set,
    and then talks to https://api.telegram.org."""
    config = {
        "BASE_URL": env.str(
            "TELEGRAM_BASE_URL",
            default="https://api.telegram.org" if production else f"{public_base_url}/sandbox/telegram",
        ).rstrip("/"),
        "BOT_TOKEN": env.str("TELEGRAM_BOT_TOKEN", default="" if production else DEV_TELEGRAM_TOKEN),
        "BOT_USERNAME": env.str("TELEGRAM_BOT_USERNAME", default="" if production else DEV_TELEGRAM_BOT),
        "WEBHOOK_SECRET": env.str(
            "TELEGRAM_WEBHOOK_SECRET", default="" if production else DEV_TELEGRAM_WEBHOOK_SECRET
        ),
        # Where t.me deep links point (the simulator's page in development).
        "DEEP_LINK_BASE": env.str(
            "TELEGRAM_DEEP_LINK_BASE",
            default="https://t.me" if production else f"{public_base_url}/sandbox/telegram/t.me",
        ).rstrip("/"),
        "TIMEOUT": env.float("TELEGRAM_TIMEOUT_SECONDS", default=10.0),
    }
    problems = telegram_problems(
        config, production=production, dev_token=DEV_TELEGRAM_TOKEN, dev_secret=DEV_TELEGRAM_WEBHOOK_SECRET
    )
    return config, problems


def sms(env: environ.Env, public_base_url: str, *, production: bool) -> tuple[dict, list[str]]:
    """The SMS provider, Twilio's Messages API (docs/notifications.md). Development and test talk to the
    simulator; production is off until SMS_BASE_URL is set (https://api.twilio.com for Twilio itself)."""
    config = {
        "BASE_URL": env.str(
            "SMS_BASE_URL", default="" if production else f"{public_base_url}/sandbox/sms"
        ).rstrip("/"),
        "ACCOUNT_SID": env.str("SMS_ACCOUNT_SID", default="" if production else DEV_SMS_ACCOUNT_SID),
        "AUTH_TOKEN": env.str("SMS_AUTH_TOKEN", default="" if production else DEV_SMS_AUTH_TOKEN),
        "FROM": env.str("SMS_FROM", default="" if production else DEV_SMS_FROM),
        "TIMEOUT": env.float("SMS_TIMEOUT_SECONDS", default=10.0),
    }
    problems = sms_problems(
        config, production=production, dev_values=(DEV_SMS_ACCOUNT_SID, DEV_SMS_AUTH_TOKEN)
    )
    return config, problems
