"""Production settings refuse unsafe configuration, and pass Django's deployment checks when configured.

Settings are read once at import, so every case runs Django in a subprocess with a clean environment.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
DEV_FIELD_KEY = "ZGV2LW9ubHktZmllbGQtZW5jcnlwdGlvbi1rZXktMzI="
DEV_CAMDIGIKEY_HMAC_KEY = "ZGV2LW9ubHktY2FtZGlna2V5LWhtYWMta2V5LWZvci10aGUtZXNiLXBvcnRhbC0wMDAwMDAwMDAwMDA="


def _b64_random(size: int) -> str:
    return base64.b64encode(secrets.token_bytes(size)).decode()


def camdigikey_env() -> dict[str, str]:
    """CamDigiKey credentials in the shape onboarding issues them (random, base64)."""
    return {
        "CAMDIGIKEY_BASE_URL": "https://service-account.camdigikey.gov.kh:8446",
        "CAMDIGIKEY_CLIENT_ID": "moc-esb-portal",
        "CAMDIGIKEY_CLIENT_DOMAIN": "portal.example.gov.kh",
        "CAMDIGIKEY_HMAC_KEY": _b64_random(48),
        "CAMDIGIKEY_AES_SECRET_KEY": _b64_random(32),
        "CAMDIGIKEY_AES_IV_PARAMS": _b64_random(16),
    }


def production_env(**overrides: str | None) -> dict[str, str]:
    """A complete, valid production environment (nothing inherited but PATH/HOME/locale); None removes."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "LC_ALL", "TZ") if key in os.environ}
    env.update(
        {
            "ESB_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ESB_FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "ESB_LOOKUP_HASH_KEY": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "portal.example.gov.kh,testserver",
            "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/esb"),
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            "PYTHONDONTWRITEBYTECODE": "1",
            **camdigikey_env(),
        }
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def manage_check(env: dict[str, str], *extra: str) -> subprocess.CompletedProcess:
    return run(env, "manage.py", "check", *extra)


REQUIRED = [
    "SECRET_KEY",
    "ESB_FIELD_ENCRYPTION_KEYS",
    "ESB_LOOKUP_HASH_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "CAMDIGIKEY_BASE_URL",
    "CAMDIGIKEY_CLIENT_ID",
    "CAMDIGIKEY_CLIENT_DOMAIN",
    "CAMDIGIKEY_HMAC_KEY",
    "CAMDIGIKEY_AES_SECRET_KEY",
    "CAMDIGIKEY_AES_IV_PARAMS",
]


@pytest.mark.parametrize(
    ("name", "value"),
    [(name, None) for name in REQUIRED]
    # list-valued variables are parsed differently: an empty or blank value must not count as set
    + [("ESB_FIELD_ENCRYPTION_KEYS", ""), ("ESB_FIELD_ENCRYPTION_KEYS", " , "), ("ALLOWED_HOSTS", "")],
)
def test_production_refuses_to_start_without_each_required_variable(name, value):
    result = manage_check(production_env(**{name: value}))
    assert result.returncode != 0
    assert f"{name} must be set when ESB_ENV=production" in result.stderr


def test_all_problems_are_reported_at_once():
    result = manage_check(production_env(SECRET_KEY=None, ALLOWED_HOSTS=None, ESB_LOOKUP_HASH_KEY=None))
    assert result.returncode != 0
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "ESB_LOOKUP_HASH_KEY"):
        assert f"{name} must be set" in result.stderr


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"SECRET_KEY": "dev-insecure-esb-portal-secret-key-do-not-use-in-production-0123456789"},
            "SECRET_KEY",
        ),
        ({"SECRET_KEY": "too-short-but-random-Q3f9"}, "SECRET_KEY"),
        ({"SECRET_KEY": "ab" * 40}, "SECRET_KEY"),
        ({"SECRET_KEY": "django-insecure-" + secrets.token_urlsafe(50)}, "SECRET_KEY"),
        ({"ESB_FIELD_ENCRYPTION_KEYS": DEV_FIELD_KEY}, "public development key"),
        ({"ESB_LOOKUP_HASH_KEY": "dev-only-lookup-hash-key"}, "ESB_LOOKUP_HASH_KEY"),
        ({"ESB_LOOKUP_HASH_KEY": "short"}, "ESB_LOOKUP_HASH_KEY"),
        ({"DEBUG": "1"}, "DEBUG must be off"),
        ({"ALLOWED_HOSTS": "*"}, "not '*'"),
        (
            {"CAMDIGIKEY_HMAC_KEY": DEV_CAMDIGIKEY_HMAC_KEY},
            "CAMDIGIKEY_HMAC_KEY is the public development value",
        ),
        ({"CAMDIGIKEY_AES_SECRET_KEY": "CHANGE_ME"}, "CAMDIGIKEY_AES_SECRET_KEY must be standard base64"),
        ({"CAMDIGIKEY_AES_SECRET_KEY": _b64_random(16)}, "CAMDIGIKEY_AES_SECRET_KEY must decode to 32 bytes"),
        ({"CAMDIGIKEY_AES_IV_PARAMS": _b64_random(19)}, "CAMDIGIKEY_AES_IV_PARAMS must decode to 16 bytes"),
        ({"ESB_SANDBOX_ENABLED": "1"}, "ESB_SANDBOX_ENABLED must be off"),
    ],
    ids=[
        "dev-secret-key",
        "short-secret-key",
        "low-variety-secret-key",
        "django-insecure-key",
        "dev-field-key",
        "dev-lookup-key",
        "short-lookup-key",
        "debug-on",
        "wildcard-host",
        "dev-camdigikey-hmac-key",
        "camdigikey-key-not-base64",
        "camdigikey-aes-key-too-short",
        "camdigikey-iv-wrong-size",
        "sandbox-enabled",
    ],
)
def test_production_refuses_weak_or_development_values(overrides, message):
    result = manage_check(production_env(**overrides))
    assert result.returncode != 0
    assert message in result.stderr


def test_a_malformed_field_key_is_named_by_position_without_echoing_it():
    good = Fernet.generate_key().decode()
    bad = "not-a-real-key-" + secrets.token_hex(8)
    result = manage_check(production_env(ESB_FIELD_ENCRYPTION_KEYS=f"{good},{bad}"))
    assert result.returncode != 0
    assert "ESB_FIELD_ENCRYPTION_KEYS entry 2" in result.stderr
    assert bad not in result.stderr
    assert good not in result.stderr


def test_development_still_starts_without_any_secret():
    env = production_env(
        ESB_ENV="development",
        SECRET_KEY=None,
        ESB_FIELD_ENCRYPTION_KEYS=None,
        ESB_LOOKUP_HASH_KEY=None,
        ALLOWED_HOSTS=None,
        **dict.fromkeys(camdigikey_env()),
    )
    result = manage_check(env)
    assert result.returncode == 0, result.stderr


def test_deploy_checks_are_clean_with_production_settings():
    result = manage_check(production_env(), "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client

client = Client()
plain_home = client.get("/")
plain_health = client.get("/health")
secure_health = client.get("/health", secure=True)
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "staticfiles": settings.STORAGES["staticfiles"]["BACKEND"],
    "home_status": plain_home.status_code,
    "home_location": plain_home.get("Location", ""),
    "health_status": plain_health.status_code,
    "headers": dict(secure_health.headers),
}))
"""


def test_production_forces_https_except_for_health_and_sends_security_headers():
    result = run(production_env(DJANGO_SETTINGS_MODULE="esb.settings"), "-c", PROBE)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["DEBUG"] is False
    assert probe["SESSION_COOKIE_SECURE"] and probe["CSRF_COOKIE_SECURE"]
    assert probe["SECURE_HSTS_SECONDS"] >= 31536000
    assert "Manifest" in probe["staticfiles"]
    # plain HTTP is redirected to HTTPS ...
    assert probe["home_status"] == 301
    assert probe["home_location"].startswith("https://")
    # ... except /health, which load balancers probe over plain HTTP
    assert probe["health_status"] in (200, 503)
    headers = {key.lower(): value for key, value in probe["headers"].items()}
    assert "max-age=31536000" in headers["strict-transport-security"]
    assert "includesubdomains" in headers["strict-transport-security"].lower()
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cross-origin-opener-policy"] == "same-origin"


def env_example() -> dict[str, str]:
    """deploy/env.example as Compose reads it (comments skipped, surrounding quotes removed)."""
    values = {}
    for line in (ROOT / "deploy" / "env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip().strip('"')
    return values


def compose_env(values: dict[str, str]) -> dict[str, str]:
    """What docker-compose.yml hands the application containers for these .env values."""
    env = production_env(**values)
    env["ALLOWED_HOSTS"] = values["ALLOWED_HOSTS"]
    # (the database/redis hosts differ inside compose; `check` connects to neither)
    return env


def test_the_env_example_used_unchanged_refuses_to_start():
    result = manage_check(compose_env(env_example()))
    assert result.returncode != 0
    for name in (
        "SECRET_KEY",
        "ESB_FIELD_ENCRYPTION_KEYS",
        "ESB_LOOKUP_HASH_KEY",
        "CAMDIGIKEY_HMAC_KEY",
        "CAMDIGIKEY_AES_SECRET_KEY",
        "CAMDIGIKEY_AES_IV_PARAMS",
    ):
        assert name in result.stderr


def test_the_env_example_with_real_secrets_passes_the_deploy_checks():
    values = env_example()
    values.update(
        SECRET_KEY=secrets.token_urlsafe(64),
        ESB_FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        ESB_LOOKUP_HASH_KEY=secrets.token_urlsafe(48),
        **{k: v for k, v in camdigikey_env().items() if values.get(k) in (None, "", "CHANGE_ME")},
    )
    result = manage_check(compose_env(values), "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
