"""/health (Part 5 §8): healthy, each dependency failing, hanging dependencies, methods, no leaks."""

import json
import socket
import threading
import time
from unittest import mock

import pytest
from django.conf import settings
from django.db.migrations.recorder import MigrationRecorder
from django.test import override_settings

from esb import health

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_health_state():
    """Each test starts with no migration answer cached, and ends with the health threads stopped: their
    database connections would otherwise keep the test database from being dropped."""
    health.migration_state.reset()
    yield
    health.runner.stop()


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


def test_repeated_probes_read_the_migration_graph_once(client, monkeypatch):
    built = []
    real_executor = health.MigrationExecutor

    def counting_executor(*args, **kwargs):
        built.append(1)
        return real_executor(*args, **kwargs)

    monkeypatch.setattr(health, "MigrationExecutor", counting_executor)
    for _ in range(5):
        response, _ = _get(client)
        assert response.status_code == 200
        assert response.json()["components"]["migrations"] == "ok"
    assert len(built) == 1


def test_the_migration_plan_is_computed_again_when_the_migration_table_changes(db):
    state = health.migration_state
    assert state.unapplied_for((10, 10)) == 0
    before = state.computations
    state.unapplied_for((10, 10))
    assert state.computations == before
    state.unapplied_for((11, 12))  # `migrate` added a row
    assert state.computations == before + 1


def test_probes_keep_their_connections(client):
    from django.db import connections

    assert _get(client)[0].status_code == 200  # the first probe may connect
    wrapper_class = type(connections["default"])
    real_connect = wrapper_class.connect
    connects = []

    def counting_connect(self):
        connects.append(threading.current_thread().name)
        return real_connect(self)

    broker_connection = health._broker.connection
    # Patched inside the test only: stopping the health threads afterwards does close their connections.
    with (
        mock.patch.object(wrapper_class, "connect", counting_connect),
        mock.patch.object(connections, "close_all") as close_all,
    ):
        for _ in range(5):
            response, _ = _get(client)
            assert response.status_code == 200
    assert connects == []
    close_all.assert_not_called()
    assert health._broker.connection is broker_connection is not None


def test_a_hung_check_still_in_flight_is_not_started_again(client, monkeypatch):
    release = threading.Event()
    calls = []

    def stuck() -> None:
        calls.append(1)
        release.wait(30)

    monkeypatch.setattr(health, "DEADLINE_SECONDS", 0.5)
    monkeypatch.setattr(health, "CHECK_GROUPS", [[("database", lambda: None)], [("redis", stuck)]])
    try:
        for _ in range(3):
            response, elapsed = _get(client)
            assert response.json()["components"] == {"database": "ok", "redis": "timeout"}
            assert elapsed < 1.5
    finally:
        release.set()
    assert calls == [1]  # one thread waits on the hung dependency, not one per probe


def test_a_locked_database_is_reported_within_the_budget(client, django_db_blocker):
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=False) as blocker:
        # Another session holds the migration table: every read of it waits (as behind a long migration).
        blocker.execute("LOCK TABLE django_migrations IN ACCESS EXCLUSIVE MODE")
        response, elapsed = _get(client)
        blocker.rollback()
    assert response.status_code == 503
    assert response.json()["components"]["database"] in {"fail", "timeout"}
    assert response.json()["components"]["migrations"] in {"skipped", "timeout"}
    assert elapsed < health.DEADLINE_SECONDS + 1
