"""Anchors of the audit chain outside the database (issue 9): each attack an owner of the table can make is
found by `verify_audit_chain` — a re-hashed chain after an edit, deleted newest rows, TRUNCATE, a forged or
removed anchor."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from esb import audit, audit_anchors
from esb.models import AuditEvent
from esb.tasks import anchor_audit_chain
from tests.esb.test_audit import seal_all

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _anchor_dir(settings, tmp_path):
    settings.ESB_AUDIT_ANCHOR_DIR = str(tmp_path / "anchors")


def _as_owner(*statements: tuple[str, list]) -> None:
    """The attacker connects as the table owner and switches the append-only trigger off."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE esb_auditevent DISABLE TRIGGER esb_auditevent_append_only")
        for sql, params in statements:
            cursor.execute(sql, params)
        cursor.execute("ALTER TABLE esb_auditevent ENABLE TRIGGER esb_auditevent_append_only")


def _anchored_chain(n: int = 5) -> list[AuditEvent]:
    for i in range(n):
        audit.record("test.event", object_type="demo.thing", object_id=str(i), after={"amount": i})
    seal_all()
    assert audit_anchors.write_anchor() is not None
    call_command("verify_audit_chain")  # intact
    return list(AuditEvent.objects.order_by("position"))


def _problems() -> list[str]:
    return list(audit_anchors.verify_anchors())


def test_the_task_seals_then_anchors_the_head_once():
    for i in range(3):
        audit.record("test.event", object_type="demo.thing", object_id=str(i))
    seal_all()  # (the task seals too; this waits out transactions open elsewhere on a shared server)
    assert anchor_audit_chain() == 3
    assert anchor_audit_chain() is None  # head unchanged: nothing new to anchor
    audit.record("test.event", object_type="demo.thing", object_id="3")
    seal_all()
    assert anchor_audit_chain() == 4
    anchors, problems = audit_anchors.read_anchors()
    assert [a.position for a in anchors] == [3, 4] and problems == []
    assert anchors[1].prev_signature == anchors[0].signature
    assert _problems() == []


def test_a_rehashed_chain_after_an_edit_is_detected():
    events = _anchored_chain()
    victim = events[1]
    # Edit a row, then recompute every hash after it so the chain itself verifies again.
    victim.after = {"amount": 1_000_000}
    prev = victim.prev_hash
    statements = []
    for event in events[1:]:
        if event.pk == victim.pk:
            event.after = victim.after
        new_hash = audit.compute_hash(event, prev)
        statements.append(
            (
                "UPDATE esb_auditevent SET after = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [json.dumps(event.after), prev, new_hash, event.pk],
            )
        )
        prev = new_hash
    _as_owner(*statements)
    assert list(audit.verify_chain()) == []  # the chain alone no longer shows it ...
    problems = _problems()  # ... the anchor does
    assert len(problems) == 1 and "no longer has the hash" in problems[0]
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("verify_audit_chain")


def test_deleting_the_newest_rows_is_detected():
    events = _anchored_chain()
    _as_owner(("DELETE FROM esb_auditevent WHERE position >= %s", [events[-2].position]))
    assert list(audit.verify_chain()) == []  # a shorter chain is still a valid chain
    problems = _problems()
    assert len(problems) == 1 and "missing" in problems[0]
    assert f"position {events[-1].position}" in problems[0]
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("verify_audit_chain")


def test_truncate_is_detected():
    _anchored_chain()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE esb_auditevent")
    problems = _problems()
    assert len(problems) == 1 and "empty" in problems[0]
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("verify_audit_chain")


def test_a_forged_anchor_is_detected():
    events = _anchored_chain()
    path = audit_anchors.anchor_path()
    # After re-hashing the table the attacker rewrites the anchor to the new hash — without the key.
    line = json.loads(path.read_text().splitlines()[-1])
    line["hash"] = "f" * 64
    path.write_text(json.dumps(line) + "\n")
    _as_owner(("UPDATE esb_auditevent SET hash = %s WHERE id = %s", ["f" * 64, events[-1].pk]))
    problems = _problems()
    assert any("signature invalid" in p for p in problems)
    # A signature made with another key is refused the same way.
    other = audit_anchors.Anchor(events[-1].position, "f" * 64, line["at"], "", "")
    import hashlib
    import hmac

    line["signature"] = hmac.new(b"guessed-key", other.payload(), hashlib.sha256).hexdigest()
    path.write_text(json.dumps(line) + "\n")
    assert any("signature invalid" in p for p in _problems())


def test_a_removed_anchor_or_a_garbled_line_is_detected():
    _anchored_chain(3)
    audit.record("test.event", object_type="demo.thing", object_id="x")
    seal_all()
    audit_anchors.write_anchor()
    audit.record("test.event", object_type="demo.thing", object_id="y")
    seal_all()
    audit_anchors.write_anchor()
    path = audit_anchors.anchor_path()
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[2]]) + "\n")  # the middle anchor removed
    assert any("does not follow" in p for p in _problems())
    path.write_text("\n".join([*lines, "not json"]) + "\n")
    assert any("line 4 is not an anchor" in p for p in _problems())


def test_production_refuses_the_development_key(settings, monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    settings.IS_PRODUCTION = True
    monkeypatch.delenv("ESB_AUDIT_ANCHOR_KEY", raising=False)
    settings.ESB_AUDIT_ANCHOR_KEY = None
    with pytest.raises(ImproperlyConfigured):
        audit_anchors.anchor_key()
    settings.ESB_AUDIT_ANCHOR_KEY = "x" * 40
    assert audit_anchors.anchor_key() == b"x" * 40
