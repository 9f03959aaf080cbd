"""Real Celery workers for the issuance tests (as tests/esb/test_outbox_worker.py starts them): `celery -A esb
worker` processes on the test database and the test Redis, with tests/issuance/worker_settings.py."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    params = connection.settings_dict
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    host, port = params.get("HOST") or "127.0.0.1", params.get("PORT") or 5432
    return f"postgres://{params['USER']}{password}@{host}:{port}/{params['NAME']}"


def clear_queue() -> None:
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    for key in (settings.CELERY_TASK_DEFAULT_QUEUE, "unacked", "unacked_index"):
        client.delete(key)


def start(log: Path, *, name: str, prefix: str, beat: bool = False, schedule: Path | None = None):
    """A worker (solo pool: one process, one task at a time), optionally with the embedded beat."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "esb",
        "worker",
        "--pool=solo",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        f"--hostname={name}@%h",
        "--loglevel=INFO",
    ]
    if beat:
        command += ["-B", f"--schedule={schedule or log.with_suffix('.schedule')}"]
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "ESB_ENV": "test",
        "DJANGO_SETTINGS_MODULE": "tests.issuance.worker_settings",
        "ESB_TEST_VERIFY_PREFIX": prefix,
    }
    with log.open("ab") as output:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_ready(process, log: Path, *, seen: int = 0, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while log.read_bytes().count(b" ready.") <= seen:
        assert process.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, "the worker did not start:\n" + log.read_text()[-3000:]
        time.sleep(0.3)


def stop(process) -> None:
    """Stop the worker's whole process group: a worker killed by the test leaves its embedded beat (a child
    process) behind, which must not go on relaying into later tests."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(30)
    time.sleep(1)  # the beat child's own shutdown
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def running(processes):
    try:
        yield processes
    finally:
        for process in processes:
            stop(process)


def wait_for(condition, *, timeout: float, what: str, logs=()) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            tails = "\n".join(Path(log).read_text()[-2000:] for log in logs)
            raise AssertionError(f"timed out waiting for {what}\n{tails}")
        time.sleep(0.3)
