"""The audit trail: appended without a lock, sealed into a hash chain by the sealer in a final order, the
database refusing every change but the sealer's one, and tampering found by `verify_audit_chain`."""

import threading
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from esb import audit
from esb.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _anchor_dir(settings, tmp_path):
    settings.ESB_AUDIT_ANCHOR_DIR = str(tmp_path / "anchors")


def _tamper(sql: str, params: list) -> None:
    """What an attacker with table access would do: bypass the append-only trigger and edit a row."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE esb_auditevent DISABLE TRIGGER esb_auditevent_append_only")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE esb_auditevent ENABLE TRIGGER esb_auditevent_append_only")


def seal_all(timeout: float = 60) -> int:
    """Seal until no row is left unsealed. Transaction ids are cluster-wide: a transaction open in another
    database of the same server (another test run) holds the seal back for a moment, never for good."""
    sealed = audit.seal()
    deadline = time.monotonic() + timeout
    while AuditEvent.objects.filter(hash__isnull=True).exists():
        assert time.monotonic() < deadline, "rows stayed unsealed"
        time.sleep(0.05)
        sealed += audit.seal()
    return sealed


def _record(n: int, **kwargs) -> list[AuditEvent]:
    return [audit.record(f"test.{i}", object_type="demo.thing", object_id=str(i), **kwargs) for i in range(n)]


def test_record_is_one_insert_without_lock_and_the_sealer_chains():
    with CaptureQueriesContext(connection) as queries:
        first = audit.record("test.create", object_type="demo.thing", object_id="1", after={"name": "A"})
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    second = audit.record("test.update", object_type="demo.thing", object_id="1", after={"name": "B"})

    assert seal_all() == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.position, first.prev_hash) == (1, audit.GENESIS_HASH)
    assert (second.position, second.prev_hash) == (2, first.hash)
    assert first.txid > 0 and second.txid > first.txid
    assert audit.seal() == 0
    assert list(audit.verify_chain()) == []


def test_an_insert_cannot_bring_its_own_chain_values():
    from django.utils import timezone

    event = AuditEvent(
        occurred_at=timezone.now(), action="forged", prev_hash="f" * 64, hash="e" * 64, position=1, txid=1
    )
    event.save(force_insert=True)
    event.refresh_from_db()
    assert (event.position, event.prev_hash, event.hash) == (None, None, None)
    assert event.txid > 1


def test_update_and_delete_are_refused_by_the_database():
    (event,) = _record(1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    # Filling the chain columns is the sealer's alone (it holds the sealer lock) ...
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(position=1, prev_hash="0" * 64, hash="a" * 64)
    seal_all()
    # ... and happens once: even the sealer's lock does not allow re-sealing or editing a sealed row.
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(audit.SEALER_LOCK))
        AuditEvent.objects.filter(pk=event.pk).update(hash="b" * 64)
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(audit.SEALER_LOCK))
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    event.refresh_from_db()
    assert event.reason == "" and event.position == 1


def test_rows_of_an_open_transaction_hold_back_the_seal_so_the_order_is_final():
    inserted, release, done = threading.Event(), threading.Event(), threading.Event()

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                audit.record("test.slow", object_type="demo.thing", object_id="slow")
                inserted.set()
                release.wait(10)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert inserted.wait(10)
    _record(1)  # committed, but after the slow transaction began
    assert audit.seal() == 0  # sealing it now would let the slow row land before it later
    release.set()
    assert done.wait(10)
    thread.join()
    assert seal_all() == 2
    order = list(AuditEvent.objects.order_by("position").values_list("action", flat=True))
    assert order == ["test.slow", "test.0"]
    assert list(audit.verify_chain()) == []


def test_concurrent_appends_from_many_connections_make_one_valid_chain():
    writers, per_writer = 6, 15
    stop = threading.Event()
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(per_writer):
                with transaction.atomic():
                    audit.record("test.a", object_type="w", object_id=f"{n}-{i}")
                    audit.record("test.b", object_type="w", object_id=f"{n}-{i}")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    def keep_sealing() -> None:
        try:
            while not stop.is_set():
                audit.seal(batch_size=7)
        except BaseException as error:  # pragma: no cover
            errors.append(error)
        finally:
            connections.close_all()

    sealers = [threading.Thread(target=keep_sealing) for _ in range(2)]  # two sealers: one runs at a time
    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in sealers + threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    for thread in sealers:
        thread.join()
    assert errors == []
    seal_all()
    total = writers * per_writer * 2
    positions = list(AuditEvent.objects.order_by("position").values_list("position", flat=True))
    assert positions == list(range(1, total + 1))
    assert list(audit.verify_chain()) == []
    call_command("verify_audit_chain")


def test_verify_command_reports_an_altered_row():
    audit.record("test.create", object_type="demo.thing", object_id="1", after={"amount": 100})
    victim = audit.record("test.update", object_type="demo.thing", object_id="1", after={"amount": 200})
    audit.record("test.update", object_type="demo.thing", object_id="1", after={"amount": 300})
    seal_all()
    call_command("verify_audit_chain")  # intact: no error

    _tamper("UPDATE esb_auditevent SET after = %s WHERE id = %s", ['{"amount": 1}', victim.pk])

    with pytest.raises(CommandError, match="BROKEN"):
        call_command("verify_audit_chain")
    problems = list(audit.verify_chain())
    assert [p.event_id for p in problems] == [victim.pk]


def test_verify_reports_a_removed_row():
    _a, removed, after = _record(3)
    seal_all()
    _tamper("DELETE FROM esb_auditevent WHERE id = %s", [removed.pk])
    problems = list(audit.verify_chain())
    assert {p.event_id for p in problems} == {after.pk}
    assert any("missing" in p.problem for p in problems) and any("link" in p.problem for p in problems)


def test_verify_warns_about_rows_left_unsealed(capsys):
    import datetime

    _record(1)
    seal_all()
    with transaction.atomic():
        _record(1)
        # Inside this open transaction its own row cannot be sealed: reported, but not as tampering.
        call_command("verify_audit_chain", "--unsealed-after", "0")
    assert "1 audit event(s) still unsealed" in capsys.readouterr().err
    seal_all()  # sealed once committed
    assert audit.unsealed_older_than(datetime.timedelta(0))[0] == 0


@pytest.mark.django_db
def test_snapshot_of_an_empty_file_field_is_an_empty_name_not_an_error():
    from issuance.models import LicenceTemplate

    template = LicenceTemplate(html="<p>x</p>")  # emblem left empty: asking an empty file for its URL raises
    assert audit.snapshot(template)["emblem"] == ""
    template.emblem.name = "emblems/moc.png"
    assert audit.snapshot(template)["emblem"] == "emblems/moc.png"
