import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from esb import audit
from esb.models import AuditEvent

pytestmark = pytest.mark.django_db


def _tamper(sql: str, params: list) -> None:
    """What an attacker with table access would do: bypass the append-only trigger and edit a row."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE esb_auditevent DISABLE TRIGGER esb_auditevent_append_only")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE esb_auditevent ENABLE TRIGGER esb_auditevent_append_only")


def test_events_chain_to_each_other():
    first = audit.record("test.create", object_type="demo.thing", object_id="1", after={"name": "A"})
    second = audit.record(
        "test.update",
        object_type="demo.thing",
        object_id="1",
        before={"name": "A"},
        after={"name": "B"},
        reason="typo",
    )
    assert first.prev_hash == audit.GENESIS_HASH
    assert second.prev_hash == first.hash
    assert list(audit.verify_chain()) == []


def test_update_and_delete_are_refused_by_the_database():
    event = audit.record("test.create", object_type="demo.thing", object_id="1")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def test_verify_command_reports_an_altered_row():
    audit.record("test.create", object_type="demo.thing", object_id="1", after={"amount": 100})
    victim = audit.record("test.update", object_type="demo.thing", object_id="1", after={"amount": 200})
    audit.record("test.update", object_type="demo.thing", object_id="1", after={"amount": 300})
    call_command("verify_audit_chain")  # intact: no error

    _tamper("UPDATE esb_auditevent SET after = %s WHERE id = %s", ['{"amount": 1}', victim.pk])

    with pytest.raises(CommandError, match="BROKEN"):
        call_command("verify_audit_chain")
    problems = list(audit.verify_chain())
    assert [p.event_id for p in problems] == [victim.pk]


def test_verify_reports_a_removed_row():
    audit.record("a", object_type="t", object_id="1")
    removed = audit.record("b", object_type="t", object_id="1")
    after = audit.record("c", object_type="t", object_id="1")
    _tamper("DELETE FROM esb_auditevent WHERE id = %s", [removed.pk])
    problems = list(audit.verify_chain())
    assert [p.event_id for p in problems] == [after.pk]
    assert "link" in problems[0].problem
