"""The settings of the outbound integrations that only need a base URL, credentials and a few numbers: the
Bakong Open API, the member payment gateway and verify.gov.kh. `esb.settings` calls each builder once at
start-up with the environment and adds the returned problems to its single report (values never echoed).

Each builder returns `(config, problems)`. Development and test default to the sandbox simulators and their
public credentials; production must be given real ones (docs/configuration.md).
"""

from __future__ import annotations

import environ

from esb.config_checks import bakong_problems, gateway_problems, verification_problems

# The simulators' public credentials (sandbox/*/services.py hold the same strings).
DEV_BAKONG_TOKEN = "esb-bakong-sandbox-token"  # noqa: S105  (public on purpose)
DEV_GATEWAY_KEY, DEV_GATEWAY_SECRET = "esb-gateway-sandbox-key", "esb-gateway-sandbox-webhook-secret"
DEV_VERIFY_API_KEY = "esb-verify-sandbox-issuer-key"
PRODUCTION_VERIFY_PUBLIC_URL = "https://verify.gov.kh"


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
