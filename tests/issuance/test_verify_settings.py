"""ESB_VERIFICATION: development defaults point at the simulator; production requires the issuer API's URL
and key, refuses the sandbox, plain http, placeholders, the sandbox key and weak keys; the provider's own
configuration check. Also proves the move of BAKONG and GATEWAY into esb/integration_settings.py kept them
as they were."""

from __future__ import annotations

import os
import secrets

import environ
import pytest

from esb import integration_settings
from esb.config_checks import verification_problems
from issuance.verification import verification_providers
from tests.ops.test_settings import manage_check, production_env

BASE = "http://127.0.0.1:8000"


def build(monkeypatch, builder, production: bool, **variables: str):
    for name in list(os.environ):
        if name.startswith(("VERIFY_", "BAKONG_", "GATEWAY_")):
            monkeypatch.delenv(name)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return builder(environ.Env(), BASE, production=production)


def test_development_registers_with_the_simulator(monkeypatch):
    config, problems = build(monkeypatch, integration_settings.verification, False)
    assert problems == []
    assert config == {
        "PROVIDER": "verify_gov_kh",
        "BASE_URL": f"{BASE}/sandbox/verify",
        "PUBLIC_BASE_URL": f"{BASE}/sandbox/verify",
        "API_KEY": integration_settings.DEV_VERIFY_API_KEY,
        "TIMEOUT": 10.0,
    }


def test_production_defaults_the_qr_to_verify_gov_kh_and_requires_url_and_key(monkeypatch):
    config, problems = build(monkeypatch, integration_settings.verification, True)
    assert config["PUBLIC_BASE_URL"] == "https://verify.gov.kh"
    assert "VERIFY_BASE_URL must be set when ESB_ENV=production" in problems
    assert "VERIFY_API_KEY must be set when ESB_ENV=production" in problems
    good_key = secrets.token_urlsafe(40)
    config, problems = build(
        monkeypatch,
        integration_settings.verification,
        True,
        VERIFY_BASE_URL="https://issuer-api.verify.gov.kh/",
        VERIFY_API_KEY=good_key,
    )
    assert problems == [] and config["BASE_URL"] == "https://issuer-api.verify.gov.kh"


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        (
            {"BASE_URL": "https://portal.example.gov.kh/sandbox/verify"},
            "VERIFY_BASE_URL points at the development sandbox",
        ),
        ({"BASE_URL": "http://127.0.0.1:8000/x"}, "VERIFY_BASE_URL must use https://"),
        ({"BASE_URL": "ftp://verify.gov.kh"}, "VERIFY_BASE_URL must be an http(s) URL"),
        (
            {"PUBLIC_BASE_URL": "https://portal.example.gov.kh/sandbox/verify"},
            "VERIFY_PUBLIC_BASE_URL points at the development sandbox",
        ),
        ({"PUBLIC_BASE_URL": "http://verify.gov.kh"}, "VERIFY_PUBLIC_BASE_URL must use https://"),
        (
            {"API_KEY": integration_settings.DEV_VERIFY_API_KEY},
            "VERIFY_API_KEY is the verify.gov.kh sandbox's public key",
        ),
        ({"API_KEY": "CHANGE_ME"}, "VERIFY_API_KEY is a placeholder"),
        ({"API_KEY": "short-key"}, "VERIFY_API_KEY is weak"),
        ({"API_KEY": "ab" * 30}, "VERIFY_API_KEY is weak"),
        ({"TIMEOUT": 0}, "VERIFY_TIMEOUT_SECONDS must be positive"),
    ],
)
def test_production_refuses_each_bad_value(changes, problem):
    config = {
        "PROVIDER": "verify_gov_kh",
        "BASE_URL": "https://issuer-api.verify.gov.kh",
        "PUBLIC_BASE_URL": "https://verify.gov.kh",
        "API_KEY": secrets.token_urlsafe(40),
        "TIMEOUT": 10.0,
        **changes,
    }
    problems = verification_problems(
        config, production=True, dev_api_key=integration_settings.DEV_VERIFY_API_KEY
    )
    assert any(found.startswith(problem) for found in problems), problems
    assert not any(str(changes.get("API_KEY", "\0")) in found for found in problems)  # never echoed


def test_the_production_process_refuses_the_sandbox_and_missing_credentials():
    sandboxed = manage_check(
        production_env(
            VERIFY_BASE_URL="https://portal.example.gov.kh/sandbox/verify",
            VERIFY_API_KEY=integration_settings.DEV_VERIFY_API_KEY,
        )
    )
    assert sandboxed.returncode != 0
    assert "VERIFY_BASE_URL points at the development sandbox" in sandboxed.stderr
    assert "VERIFY_API_KEY is the verify.gov.kh sandbox's public key" in sandboxed.stderr
    missing = manage_check(production_env(VERIFY_BASE_URL=None, VERIFY_API_KEY=None))
    assert missing.returncode != 0
    assert "VERIFY_BASE_URL must be set when ESB_ENV=production" in missing.stderr
    assert "VERIFY_API_KEY must be set when ESB_ENV=production" in missing.stderr
    assert manage_check(production_env()).returncode == 0


def test_the_provider_reports_what_stops_registration(settings):
    provider = verification_providers.get("verify_gov_kh")
    assert provider.check_config() == []
    settings.ESB_VERIFICATION = {**settings.ESB_VERIFICATION, "API_KEY": "", "BASE_URL": "not a url"}
    problems = provider.check_config()
    assert any("API_KEY" in p for p in problems) and any("BASE_URL" in p for p in problems)
    settings.ESB_VERIFICATION = {**settings.ESB_VERIFICATION, "PROVIDER": "another"}
    assert provider.check_config() == []  # not the active provider: never called


def test_bakong_and_gateway_are_built_as_before(monkeypatch):
    bakong, problems = build(monkeypatch, integration_settings.bakong, False)
    assert problems == []
    assert bakong == {
        "BASE_URL": f"{BASE}/sandbox/bakong",
        "TOKEN": "esb-bakong-sandbox-token",
        "TIMEOUT": 5.0,
        "BATCH_CHECKS": True,
        "BATCH_SIZE": 50,
        "QR_LIFETIME_SECONDS": 600,
        "GRACE_SECONDS": 300,
    }
    gateway, problems = build(monkeypatch, integration_settings.gateway, False)
    assert problems == []
    assert gateway == {
        "BASE_URL": f"{BASE}/sandbox/gateway",
        "API_KEY": "esb-gateway-sandbox-key",
        "WEBHOOK_SECRET": "esb-gateway-sandbox-webhook-secret",
        "TIMEOUT": 5.0,
        "TOLERANCE_SECONDS": 300,
    }
    bakong, problems = build(monkeypatch, integration_settings.bakong, True)
    assert bakong["BASE_URL"] == "" and "BAKONG_TOKEN must be set when ESB_ENV=production" in problems
    gateway, problems = build(monkeypatch, integration_settings.gateway, True)
    assert gateway["BASE_URL"] == "" and problems == []  # optional in production


def test_the_development_key_is_the_simulators_issuer_key():
    from sandbox.verify import services as simulator

    assert integration_settings.DEV_VERIFY_API_KEY == simulator.SANDBOX_API_KEY
    assert simulator.issuer_for(integration_settings.DEV_VERIFY_API_KEY) == "esb-portal"
    assert simulator.issuer_for(integration_settings.DEV_VERIFY_API_KEY + "x") == ""


def test_an_unknown_provider_is_reported_by_the_system_check(settings):
    from issuance.apps import active_verification_provider_exists

    assert active_verification_provider_exists() == []
    settings.ESB_VERIFICATION = {**settings.ESB_VERIFICATION, "PROVIDER": "no_such_provider"}
    errors = active_verification_provider_exists()
    assert [error.id for error in errors] == ["issuance.E001"] and "no_such_provider" in errors[0].msg
