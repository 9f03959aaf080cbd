"""The outbox against real processes: a writer killed between its commit and the relay, a real Celery worker
(with its beat) that relays afterwards, and the request ids inside the worker's tasks.

These tests commit: they run outside the per-test transaction, against the test database, and remove what
they wrote (no audit rows are committed: the probe task rolls its row back)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction

from esb import request_context
from esb.models import AuditEvent
from esb.outbox import relay, services
from esb.outbox.models import OutboxMessage

pytestmark = pytest.mark.celery_worker

ROOT = Path(__file__).resolve().parents[2]
CRASH_KEY = "tests:crash:1"

CRASHING_WRITER = """
import os, signal, sys
import django
django.setup()
from django.db import transaction
from accounts.models import User
from esb import request_context
from notifications import services

request_context.set_context(request_context.RequestContext(request_id="crash-request"))
user = User.objects.get(pk=int(sys.argv[1]))
with transaction.atomic():
    # Registered first, so it runs first once the commit is done: the process dies before any other
    # callback (the relay kick among them) runs, as in a crash between the commit and on_commit.
    transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))
    services.notify(
        user,
        title_km="អាជ្ញាប័ណ្ណរបស់អ្នករួចរាល់",
        title_en="Your licence is ready",
        body_km="",
        body_en="Download it from the portal.",
        url="/applications/",
        dedupe_key=sys.argv[2],
    )
print("the writer survived its own death", flush=True)
"""


def _database_url() -> str:
    params = connection.settings_dict
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    host, port = params.get("HOST") or "127.0.0.1", params.get("PORT") or 5432
    return f"postgres://{params['USER']}{password}@{host}:{port}/{params['NAME']}"


def _env(**extra: str) -> dict:
    return {**os.environ, "DATABASE_URL": _database_url(), "ESB_ENV": "test", **extra}


def _queue_length() -> int:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL).llen(settings.CELERY_TASK_DEFAULT_QUEUE)


def _mails(directory: Path) -> list[str]:
    """Every message the file backend wrote (one file per connection, messages separated by a rule)."""
    messages = []
    for path in sorted(directory.glob("*.log")):
        for chunk in path.read_text().split("-" * 79):
            if "Subject:" in chunk:
                messages.append(chunk)
    return messages


@pytest.fixture(scope="module")
def committed(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        audit_rows = AuditEvent.objects.count()
        redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(settings.CELERY_TASK_DEFAULT_QUEUE)
        yield
        OutboxMessage.objects.filter(dedupe_key__startswith="tests:").delete()
        OutboxMessage.objects.filter(dedupe_key__startswith="notification-email:").delete()
        from accounts.models import User

        User.objects.filter(username__startswith="outbox-worker-").delete()
        assert AuditEvent.objects.count() == audit_rows, "a worker test committed audit rows"
        redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(settings.CELERY_TASK_DEFAULT_QUEUE)


@pytest.fixture(scope="module")
def mail_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("worker-mail")


@pytest.fixture(scope="module")
def worker(committed, mail_dir, tmp_path_factory):
    """`celery -A esb worker -B`: one process (solo pool), its embedded beat running the outbox relay."""
    work = tmp_path_factory.mktemp("worker")
    log = work / "worker.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "esb",
                "worker",
                "-B",
                f"--schedule={work / 'beat-schedule'}",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=_env(
                DJANGO_SETTINGS_MODULE="tests.esb.outbox_worker_settings",
                ESB_TEST_MAIL_DIR=str(mail_dir),
            ),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while b" ready." not in log.read_bytes():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the worker did not start:\n" + log.read_text()
            time.sleep(0.5)
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def test_a_notification_committed_by_a_process_killed_before_the_relay_is_mailed_once(
    committed, mail_dir, request
):
    from accounts.models import User
    from notifications.models import Notification

    user = User.objects.create_user(
        username="outbox-worker-1", email="crash@example.com", preferred_language="en"
    )
    writer = subprocess.run(
        [sys.executable, "-c", CRASHING_WRITER, str(user.pk), CRASH_KEY],
        cwd=ROOT,
        env=_env(DJANGO_SETTINGS_MODULE="esb.settings"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert writer.returncode == -signal.SIGKILL, writer.stdout + writer.stderr
    assert "survived" not in writer.stdout

    # The commit happened, nothing after it did: no relay was asked for, no e-mail sent.
    notification = Notification.objects.get(dedupe_key=CRASH_KEY)
    assert notification.emailed_at is None
    message = OutboxMessage.objects.get(dedupe_key=f"notification-email:{notification.pk}")
    assert message.status == OutboxMessage.Status.PENDING
    assert message.request_id == "crash-request"
    assert _queue_length() == 0
    assert _mails(mail_dir) == []

    request.getfixturevalue("worker")  # a worker (and its beat) starts after the crash

    deadline = time.monotonic() + 90
    while not _mails(mail_dir):
        assert time.monotonic() < deadline, "the worker never mailed the notification"
        time.sleep(0.5)

    # Another relay run in the worker and one here: nothing more goes out.
    from esb.outbox.tasks import relay_outbox

    assert relay_outbox.apply_async().get(timeout=60) == {"delivered": 0, "retried": 0, "failed": 0}
    assert relay.relay().delivered == 0
    mails = _mails(mail_dir)
    assert len(mails) == 1
    assert "To: crash@example.com" in mails[0]
    assert "Subject: Your licence is ready" in mails[0]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.DELIVERED, 1)
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_tasks_run_under_the_request_that_caused_them(committed, worker):
    from tests.esb.outbox_probe import PROBE_TOPIC, audit_probe

    token = request_context.set_context(
        request_context.RequestContext(request_id="probe-request", extra={"correlation_id": "probe-corr"})
    )
    try:
        # Published directly from a request ...
        direct = audit_probe.apply_async()
        # ... and through the outbox (relayed by the worker after this commit).
        with transaction.atomic():
            message = services.enqueue(PROBE_TOPIC, {}, dedupe_key="tests:probe:1")
    finally:
        request_context.reset_context(token)
    assert direct.get(timeout=60) == {"audit_request_id": "probe-request", "correlation_id": "probe-corr"}
    relayed = audit_probe.AsyncResult(f"outbox-{message.pk}-1")
    assert relayed.get(timeout=60) == {"audit_request_id": "probe-request", "correlation_id": "probe-corr"}

    # A task nobody's request caused runs under its own id, not the previous task's.
    beat_like = audit_probe.apply_async()
    seen = beat_like.get(timeout=60)
    assert seen["audit_request_id"] == beat_like.id
    assert seen["correlation_id"] == beat_like.id
