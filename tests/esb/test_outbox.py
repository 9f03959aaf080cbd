"""The transactional outbox: written in the caller's transaction, relayed once, retried with backoff, failed
messages kept for a hand retry, concurrent relays never delivering a message twice."""

import datetime
import json
import random
import threading

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from esb import request_context
from esb.models import AuditEvent
from esb.outbox import registry, relay, services
from esb.outbox.models import OutboxMessage

TOPIC = "tests.outbox.probe"
TASK_TOPIC = "tests.outbox.task"


@pytest.fixture
def handled():
    """A function handler that records what it receives (and the request id it runs under); set
    `handled.fail` to make it raise, `handled.side_effect` to run something inside it."""

    class Recorder(list):
        fail: Exception | None = None
        side_effect = None

    calls = Recorder()

    @registry.register(TOPIC)
    def handle(payload: dict) -> None:
        calls.append((payload, request_context.current().request_id, request_context.correlation_id()))
        if calls.side_effect is not None:
            calls.side_effect(payload)
        if calls.fail is not None:
            raise calls.fail

    yield calls
    registry.unregister(TOPIC)


def _enqueue(n: int = 1, **kwargs) -> OutboxMessage:
    return services.enqueue(TOPIC, {"n": n}, dedupe_key=f"tests:{n}", **kwargs)


def _make_due(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(
        available_at=timezone.now() - datetime.timedelta(seconds=1)
    )


@pytest.mark.django_db
def test_a_message_is_relayed_once_with_the_ids_of_the_request_that_wrote_it(handled):
    token = request_context.set_context(
        request_context.RequestContext(request_id="req-1", extra={"correlation_id": "corr-1"})
    )
    try:
        message = _enqueue(1)
    finally:
        request_context.reset_context(token)
    assert (message.request_id, message.correlation_id) == ("req-1", "corr-1")
    assert handled == []  # nothing happens before the relay

    result = relay.relay()
    assert (result.delivered, result.retried, result.failed) == (1, 0, 0)
    assert handled == [({"n": 1}, "req-1", "corr-1")]
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DELIVERED
    assert message.attempts == 1 and message.delivered_at is not None

    # a delivered message is never dispatched again
    assert relay.relay().delivered == 0
    assert len(handled) == 1


@pytest.mark.django_db
def test_a_request_is_its_own_correlation(handled):
    token = request_context.set_context(request_context.RequestContext(request_id="req-2"))
    try:
        message = _enqueue(2)
    finally:
        request_context.reset_context(token)
    assert (message.request_id, message.correlation_id) == ("req-2", "req-2")


@pytest.mark.django_db
def test_same_dedupe_key_keeps_one_message_and_one_kick(handled, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = _enqueue(1)
        again = services.enqueue(TOPIC, {"n": "other"}, dedupe_key="tests:1")
        second = _enqueue(2)
    assert first.pk == again.pk and second.pk != first.pk
    assert OutboxMessage.objects.get(pk=first.pk).payload == {"n": 1}
    assert [cb for cb in callbacks] == [services.kick_relay]  # one kick per transaction
    relay.relay()
    assert sorted(call[0]["n"] for call in handled) == [1, 2]


@pytest.mark.django_db
def test_a_rolled_back_transaction_leaves_no_message_and_no_kick(handled, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _enqueue(1)
        raise RuntimeError("the caller's change failed")
    assert not OutboxMessage.objects.exists()
    assert callbacks == []
    assert relay.relay().delivered == 0
    assert handled == []


@pytest.mark.django_db
def test_enqueue_refuses_unknown_topics_missing_keys_and_unserialisable_payloads(handled):
    with pytest.raises(registry.UnknownTopic, match=r"no\.such\.topic"):
        services.enqueue("no.such.topic", {}, dedupe_key="x")
    with pytest.raises(ValueError):
        services.enqueue(TOPIC, {}, dedupe_key="")
    with pytest.raises(TypeError):
        services.enqueue(TOPIC, {"when": object()}, dedupe_key="y")
    assert not OutboxMessage.objects.exists()


def test_enqueue_outside_a_transaction_is_refused(django_db_setup, django_db_blocker, handled):
    # Autocommit: the message would not be tied to any change of the caller.
    with django_db_blocker.unblock():
        assert not connection.in_atomic_block
        with pytest.raises(services.OutsideTransaction):
            _enqueue(1)
        assert not OutboxMessage.objects.filter(dedupe_key="tests:1").exists()


def test_backoff_doubles_with_jitter_up_to_the_cap(settings):
    settings.OUTBOX_BACKOFF_SECONDS = 5
    settings.OUTBOX_BACKOFF_MAX_SECONDS = 600
    rng = random.Random(7)
    for attempts, ceiling in [(1, 5), (2, 10), (3, 20), (4, 40), (8, 600), (30, 600)]:
        waits = {relay.backoff(attempts, rng=rng).total_seconds() for _ in range(50)}
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits), (attempts, waits)
        assert len(waits) > 1  # jittered, not one value for every message


@pytest.mark.django_db
def test_a_failing_handler_is_retried_with_backoff_then_marked_failed(handled, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.OUTBOX_BACKOFF_SECONDS = 60
    handled.fail = ConnectionError("registry down")
    message = _enqueue(1)

    started = timezone.now()
    assert relay.relay().retried == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING and message.attempts == 1
    assert "ConnectionError: registry down" in message.last_error
    wait = (message.available_at - started).total_seconds()
    assert 30 <= wait <= 61
    # not due yet: the next run leaves it alone
    assert relay.relay().retried == 0 and len(handled) == 1

    _make_due(message)
    assert relay.relay().retried == 1
    message.refresh_from_db()
    assert message.attempts == 2
    assert 60 <= (message.available_at - timezone.now()).total_seconds() <= 121  # doubled

    _make_due(message)
    assert relay.relay().failed == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED and message.attempts == 3
    _make_due(message)
    assert relay.relay().failed == 0 and len(handled) == 3  # failed messages wait for a person


@pytest.mark.django_db
def test_a_failing_handler_leaves_none_of_its_writes(handled):
    def write_then_fail(payload):
        AuditEvent.objects.count()  # the handler may read and write; its savepoint is rolled back
        OutboxMessage.objects.filter(pk=payload["other"]).update(topic="changed by a failing handler")
        raise RuntimeError("half done")

    other = services.enqueue(TOPIC, {"n": "other"}, dedupe_key="tests:other")
    OutboxMessage.objects.filter(pk=other.pk).update(
        available_at=timezone.now() + datetime.timedelta(hours=1)
    )
    handled.side_effect = write_then_fail
    services.enqueue(TOPIC, {"n": 1, "other": other.pk}, dedupe_key="tests:1")
    relay.relay()
    other.refresh_from_db()
    assert other.topic == TOPIC


@pytest.mark.django_db
def test_retry_by_hand_puts_a_failed_message_back_and_audits_it(handled, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    handled.fail = RuntimeError("broken")
    message = _enqueue(1)
    relay.relay()
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED

    assert services.retry_failed([message.pk]) == 1
    assert services.retry_failed([message.pk]) == 0  # only failed messages
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING and message.attempts == 0
    event = AuditEvent.objects.get(action="outbox.retry")
    assert event.object_id == str(message.pk) and event.after["status"] == "pending"

    handled.fail = None
    assert relay.relay().delivered == 1


@pytest.mark.django_db
def test_audit_rows_written_by_a_handler_carry_the_request_id(handled):
    from esb import audit

    handled.side_effect = lambda payload: audit.record("tests.outbox.handled", object_type="t", object_id="1")
    token = request_context.set_context(request_context.RequestContext(request_id="req-audit"))
    try:
        _enqueue(1)
    finally:
        request_context.reset_context(token)
    relay.relay()
    assert AuditEvent.objects.get(action="tests.outbox.handled").request_id == "req-audit"


@pytest.fixture
def broker():
    """The real broker (Redis, this environment's database), its task queue emptied before and after."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    client.delete(queue)
    yield client, queue
    client.delete(queue)


@pytest.mark.django_db
def test_a_task_handler_is_published_with_the_request_ids_in_its_headers(broker):
    client, queue = broker
    registry.register_task(TASK_TOPIC, "notifications.tasks.send_notification_email")
    try:
        token = request_context.set_context(
            request_context.RequestContext(request_id="req-task", extra={"correlation_id": "corr-task"})
        )
        try:
            message = services.enqueue(TASK_TOPIC, {"notification_id": 0}, dedupe_key="tests:task")
        finally:
            request_context.reset_context(token)
        assert client.llen(queue) == 0  # the relay publishes, not enqueue()
        assert relay.relay().delivered == 1
    finally:
        registry.unregister(TASK_TOPIC)
    published = [json.loads(raw) for raw in client.lrange(queue, 0, -1)]
    assert len(published) == 1
    headers = published[0]["headers"]
    assert headers["task"] == "notifications.tasks.send_notification_email"
    assert headers["id"] == f"outbox-{message.pk}-1"
    assert headers["esb_request_id"] == "req-task"
    assert headers["esb_correlation_id"] == "corr-task"


def test_two_relays_at_once_take_disjoint_messages(django_db_setup, django_db_blocker, monkeypatch):
    """Two relays in two connections, each holding a claimed batch at the same moment (a barrier inside the
    handler): SKIP LOCKED lets the second take other rows instead of waiting, and every message is delivered
    exactly once."""
    delivered: list[tuple[str, int]] = []
    both_holding_a_batch = threading.Barrier(2, timeout=20)
    met = threading.Event()
    lock = threading.Lock()

    @registry.register("tests.outbox.concurrent")
    def handle(payload: dict) -> None:
        with lock:
            delivered.append((threading.current_thread().name, payload["n"]))
        if not met.is_set():
            both_holding_a_batch.wait()
            met.set()

    errors: list[BaseException] = []
    monkeypatch.setattr(services, "kick_relay", lambda: None)  # the relays below are the ones under test

    def run_relay() -> None:
        try:
            relay.relay(batch_size=5)
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)
        finally:
            connection.close()

    with django_db_blocker.unblock():
        try:
            with transaction.atomic():
                for n in range(30):
                    services.enqueue("tests.outbox.concurrent", {"n": n}, dedupe_key=f"tests:concurrent:{n}")
            threads = [threading.Thread(target=run_relay, name=f"relay-{i}") for i in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            assert not errors, errors
            assert met.is_set(), "the second relay waited on the first one's rows"
            assert sorted(n for _name, n in delivered) == list(range(30))  # each once
            assert {name for name, _n in delivered} == {"relay-0", "relay-1"}
            statuses = OutboxMessage.objects.filter(dedupe_key__startswith="tests:concurrent:").values_list(
                "status", "attempts"
            )
            assert set(statuses) == {(OutboxMessage.Status.DELIVERED, 1)}
        finally:
            OutboxMessage.objects.filter(dedupe_key__startswith="tests:concurrent:").delete()
            registry.unregister("tests.outbox.concurrent")


@pytest.mark.django_db
def test_backoffice_lists_messages_read_only_and_retries_failed_ones(client, handled, settings):
    from django.contrib.admin.sites import site
    from django.contrib.auth.models import Permission
    from django.test import RequestFactory
    from django.urls import reverse

    from accounts.models import User

    settings.OUTBOX_MAX_ATTEMPTS = 1
    handled.fail = RuntimeError("smtp relay refused")
    failed = _enqueue(1)
    relay.relay()
    pending = _enqueue(2)
    admin = User.objects.create_superuser("outbox-admin", "root@example.gov.kh", "a-long-test-password")
    client.force_login(admin)
    changelist = reverse("admin:outbox_outboxmessage_changelist")
    page = client.get(changelist, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "smtp relay refused" in page.content.decode()
    assert client.get(reverse("admin:outbox_outboxmessage_change", args=[failed.pk])).status_code == 200
    assert client.get(reverse("admin:outbox_outboxmessage_add")).status_code == 403

    response = client.post(changelist, {"action": "retry", "_selected_action": [failed.pk, pending.pk]})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == OutboxMessage.Status.PENDING and failed.attempts == 0
    assert AuditEvent.objects.get(action="outbox.retry").actor_label == "outbox-admin"

    # Whoever may only look at the outbox gets no retry action.
    viewer = User.objects.create_user("outbox-viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_outboxmessage"))
    request = RequestFactory().get(changelist)
    request.user = User.objects.get(pk=viewer.pk)
    assert "retry" not in site._registry[OutboxMessage].get_actions(request)
    request.user = admin
    assert "retry" in site._registry[OutboxMessage].get_actions(request)


def test_relay_kicks_are_coalesced_per_process(monkeypatch, settings):
    """Commits inside one interval share a kick: the first at once, the others one at the end of it."""
    import time

    published = []
    monkeypatch.setattr(services, "_publish_kick", lambda: published.append(time.monotonic()))
    settings.OUTBOX_KICK_INTERVAL = 0.3
    services._kicker.reset()
    try:
        for _ in range(5):
            services.kick_relay()
        assert len(published) == 1  # the first commit of a quiet period kicks at once
        deadline = time.monotonic() + 5
        while len(published) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(published) == 2  # the four others: one kick, at the end of the interval
        assert published[1] - published[0] >= 0.25
        time.sleep(0.35)
        services.kick_relay()
        assert len(published) == 3  # quiet again: at once
        settings.OUTBOX_KICK_INTERVAL = 0
        services._kicker.reset()
        services.kick_relay()
        services.kick_relay()
        assert len(published) == 5  # interval 0: every commit kicks
    finally:
        services._kicker.reset()


def test_a_forked_process_starts_with_no_pending_kick(monkeypatch, settings):
    published = []
    monkeypatch.setattr(services, "_publish_kick", lambda: published.append(1))
    settings.OUTBOX_KICK_INTERVAL = 30
    services._kicker.reset()
    try:
        services.kick_relay()
        services.kick_relay()  # a trailing kick is now pending, 30 s away
        assert services._kicker._timer is not None
        services._kicker._timer.cancel()
        services._kicker.after_fork()  # what os.register_at_fork runs in the child
        services.kick_relay()
        assert published == [1, 1]
    finally:
        services._kicker.reset()
