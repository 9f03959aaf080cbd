"""A task for the worker test: writes an audit row the way any task would, reports what the row carries, and
rolls it back (the test database keeps no audit rows between tests)."""

from celery import shared_task
from django.db import connection, transaction

from esb import audit, request_context
from esb.outbox import registry

PROBE_TOPIC = "tests.outbox.audit_probe"


class _Undo(Exception):
    pass


@shared_task(name="tests.outbox_probe.audit_probe")
def audit_probe() -> dict:
    seen: dict = {}
    try:
        with transaction.atomic():
            event = audit.record("tests.outbox.probe", object_type="tests.probe", object_id="1")
            seen = {
                "audit_request_id": event.request_id,
                "correlation_id": request_context.correlation_id(),
            }
            raise _Undo
    except _Undo:
        pass
    finally:
        connection.close()
    return seen


registry.register_task(PROBE_TOPIC, audit_probe.name)
