"""/health (Part 5 §8): healthy, each dependency failing, hanging dependencies, methods, no leaks."""

import json
import socket
import threading
import time

import pytest
from django.conf import settings
from django.db.migrations.recorder import MigrationRecorder
from django.test import override_settings

from esb import health

pytestmark = pytest.mark.django_db


def _free_port() -> int:
    """A port nothing listens on (bound then released), so connections to it are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_port():
    """A TCP server that accepts connections (kernel backlog) and never answers: a hung Redis."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    yield server.getsockname()[1]
    server.close()


def _caches_at(url: str) -> dict:
    caches = {alias: dict(conf) for alias, conf in settings.CACHES.items()}
    caches["default"]["LOCATION"] = url
    return caches


def _get(client, method: str = "get"):
    started = time.monotonic()
    response = getattr(client, method)("/health")
    return response, time.monotonic() - started


def test_healthy_system_answers_200_with_every_component_ok(client):
    response, _ = _get(client)
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == 200
    assert body["components"] == {
        "database": "ok",
        "migrations": "ok",
        "redis": "ok",
        "celery_broker": "ok",
    }
    assert "failed" not in body
    assert "no-cache" in response["Cache-Control"]


def test_head_is_allowed_and_other_methods_are_not(client, monkeypatch):
    monkeypatch.setattr(health, "CHECK_GROUPS", [[("database", lambda: None)]])
    head = client.head("/health")
    assert head.status_code == 200
    assert head.content == b""
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)("/health")
        assert response.status_code == 405, method
        assert b"Traceback" not in response.content


def test_redis_and_broker_down_give_503_naming_them_without_urls_or_passwords(client):
    port = _free_port()
    url = f"redis://:S3cretPassw0rd@127.0.0.1:{port}/0"
    with override_settings(CACHES=_caches_at(url), CELERY_BROKER_URL=url):
        response, elapsed = _get(client)
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == 503
    assert {"redis", "celery_broker"} <= set(body["failed"])
    assert body["components"]["redis"] == "fail"
    assert body["components"]["celery_broker"] == "fail"
    text = response.content.decode()
    for leak in ("S3cretPassw0rd", "redis://", "127.0.0.1", str(port), "Traceback", "Error"):
        assert leak not in text
    assert elapsed < 3.5


def test_unapplied_migration_gives_503(client, monkeypatch):
    real = MigrationRecorder.applied_migrations
    latest_esb = max(key for key in real(MigrationRecorder(_connection())) if key[0] == "esb")

    def applied_without_latest(self):
        applied = real(self)
        applied.pop(latest_esb, None)
        return applied

    # What the database looks like when the code is newer than the schema (deploy before `migrate`).
    monkeypatch.setattr(MigrationRecorder, "applied_migrations", applied_without_latest)
    response, _ = _get(client)
    assert response.status_code == 503
    assert "migrations" in response.json()["failed"]
    assert response.json()["components"]["migrations"] == "fail"


def _connection():
    from django.db import connection

    return connection


def test_hung_redis_and_broker_answer_within_three_seconds(client, silent_port):
    url = f"redis://127.0.0.1:{silent_port}/0"
    with override_settings(CACHES=_caches_at(url), CELERY_BROKER_URL=url):
        response, elapsed = _get(client)
    assert response.status_code == 503
    body = response.json()
    assert {"redis", "celery_broker"} <= set(body["failed"])
    assert body["components"]["redis"] in {"fail", "timeout"}
    assert elapsed < 3.5


def test_a_check_that_hangs_past_its_own_timeouts_is_reported_as_timeout(client, monkeypatch):
    release = threading.Event()

    def stuck() -> None:
        release.wait(30)

    monkeypatch.setattr(
        health,
        "CHECK_GROUPS",
        [[("database", lambda: None)], [("redis", stuck)]],
    )
    try:
        response, elapsed = _get(client)
    finally:
        release.set()
    assert response.status_code == 503
    assert response.json()["components"] == {"database": "ok", "redis": "timeout"}
    assert elapsed < health.DEADLINE_SECONDS + 1


def test_failed_database_skips_the_migration_check_and_leaks_no_exception_text(client, monkeypatch):
    def broken() -> None:
        raise RuntimeError("password authentication failed for user esb at db.internal:5432")

    monkeypatch.setattr(
        health,
        "CHECK_GROUPS",
        [[("database", broken), ("migrations", health._check_migrations)]],
    )
    response, _ = _get(client)
    assert response.status_code == 503
    body = response.json()
    assert body["components"] == {"database": "fail", "migrations": "skipped"}
    assert body["failed"] == ["database"]
    text = response.content.decode()
    assert "password" not in text
    assert "db.internal" not in text


def test_an_error_in_the_health_machinery_itself_is_a_503_not_a_500(client, monkeypatch):
    def explode(*args, **kwargs):
        raise MemoryError("boom with /etc/secret path")

    monkeypatch.setattr(health, "run_checks", explode)
    response, _ = _get(client)
    assert response.status_code == 503
    assert json.loads(response.content) == {
        "code": 503,
        "message": "Service Unavailable",
        "components": {"health": "fail"},
        "failed": ["health"],
    }
