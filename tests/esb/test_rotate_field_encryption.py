"""`rotate_field_encryption`: discovery across apps, batching, idempotence, dry run, rehash, bad rows."""

import datetime

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from esb import crypto
from esb.fields import EncryptedTextField
from esb.management.commands import rotate_field_encryption as command
from esb.models import AuditEvent

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
KEY_STRANGER = Fernet.generate_key().decode()


def keys(*entries: str):
    return override_settings(ESB_FIELD_ENCRYPTION_KEYS=list(entries))


def raw_rows(model) -> dict[int, tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, id_number, id_number_hash, born_on FROM {model._meta.db_table}")
        return {pk: (number, digest, born) for pk, number, digest, born in cursor.fetchall()}


def under(key: str, token: str) -> bool:
    try:
        Fernet(key.encode()).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def only_probe(monkeypatch, model) -> None:
    """Make the command see the probe model's registry instead of the project's."""
    real = command.encrypted_models
    monkeypatch.setattr(command, "encrypted_models", lambda: real(model._meta.apps))


@pytest.fixture
def rows_under_a(probe_model):
    with keys(KEY_A):
        for i in range(7):
            probe_model.objects.create(
                label=f"p{i}",
                id_number=f"០១២-{i:04d}",
                born_on=datetime.date(1980 + i, 1, 1) if i % 2 else None,
            )
        probe_model.objects.create(label="empty")  # nothing to encrypt
    return probe_model


def test_discovery_finds_encrypted_fields_by_type_in_any_registry(probe_model):
    found = command.encrypted_models(probe_model._meta.apps)
    assert [(m, [f.name for f in fields]) for m, fields in found] == [(probe_model, ["id_number", "born_on"])]
    # the real registry: every model listed has encrypted fields, and every such model is listed
    real = command.encrypted_models()
    expected = {
        m
        for m in apps.get_models()
        if not m._meta.proxy
        and m._meta.managed
        and any(isinstance(f, EncryptedTextField) for f in m._meta.local_concrete_fields)
    }
    assert {m for m, _ in real} == expected
    assert probe_model not in {m for m, _ in real}


def test_rotation_moves_every_value_to_the_new_key_in_batches(rows_under_a):
    model = rows_under_a
    before = raw_rows(model)
    fields = command.encrypted_models(model._meta.apps)[0][1]
    with keys(KEY_B, KEY_A), CaptureQueriesContext(connection) as queries:
        report = command.rotate_model(model, fields, batch_size=3)
    locked_selects = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locked_selects) == 4  # 8 rows in batches of 3, then the empty read that ends the walk
    assert all("LIMIT 3" in sql for sql in locked_selects)
    assert report.rows == 8
    assert report.reencrypted == 7 + 3  # seven id numbers, three dates
    assert report.current == 0
    assert report.rows_written == 7
    assert report.undecryptable == []

    after = raw_rows(model)
    for pk, (number, digest, born) in after.items():
        old_number, old_digest, old_born = before[pk]
        assert digest == old_digest  # the hash of the plaintext does not change
        if old_number:
            assert number != old_number
            assert under(KEY_B, number) and not under(KEY_A, number)
        else:
            assert number == ""
        if old_born:
            assert under(KEY_B, born)
        else:
            assert born is None
    # the old key can now go: everything reads with the new key alone
    with keys(KEY_B):
        assert sorted(model.objects.exclude(label="empty").values_list("id_number", flat=True)) == [
            f"០១២-{i:04d}" for i in range(7)
        ]


def test_rotation_is_idempotent(rows_under_a):
    model = rows_under_a
    fields = command.encrypted_models(model._meta.apps)[0][1]
    with keys(KEY_B, KEY_A):
        command.rotate_model(model, fields)
        once = raw_rows(model)
        again = command.rotate_model(model, fields)
    assert again.reencrypted == 0
    assert again.rows_written == 0
    assert again.current == 10
    assert raw_rows(model) == once  # not even re-randomised


def test_dry_run_counts_but_writes_nothing(rows_under_a):
    model = rows_under_a
    before = raw_rows(model)
    fields = command.encrypted_models(model._meta.apps)[0][1]
    with keys(KEY_B, KEY_A), CaptureQueriesContext(connection) as queries:
        report = command.rotate_model(model, fields, dry_run=True)
    assert report.reencrypted == 10
    assert report.rows_written == 7
    assert raw_rows(model) == before
    assert not any(q["sql"].lstrip().upper().startswith("UPDATE") for q in queries.captured_queries)
    assert not any("FOR UPDATE" in q["sql"] for q in queries.captured_queries)


def test_rows_no_key_decrypts_are_reported_and_left_alone(rows_under_a):
    model = rows_under_a
    victim_pk = model.objects.values_list("pk", flat=True).get(label="p3")
    with keys(KEY_STRANGER):
        foreign = crypto.encrypt("lost")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {model._meta.db_table} SET id_number = %s WHERE id = %s", [foreign, victim_pk]
        )
    fields = command.encrypted_models(model._meta.apps)[0][1]
    with keys(KEY_B, KEY_A):
        report = command.rotate_model(model, fields, batch_size=2)
    assert report.undecryptable == [victim_pk]
    assert raw_rows(model)[victim_pk][0] == foreign
    assert report.rows_written == 6  # the others were still rotated


def test_rehash_recomputes_lookup_hashes_under_a_new_hash_key(rows_under_a):
    model = rows_under_a
    fields = command.encrypted_models(model._meta.apps)[0][1]
    new_key = "a-brand-new-lookup-hash-key-" + "z" * 20
    with keys(KEY_A), override_settings(ESB_LOOKUP_HASH_KEY=new_key):
        report = command.rotate_model(model, fields, rehash=True)
        assert report.rehashed == 7
        assert report.reencrypted == 0
        found = model.objects.get(id_number_hash=crypto.lookup_hash("0120005"))
    assert found.label == "p5"


def test_batch_size_must_be_positive(probe_model):
    with pytest.raises(ValueError):
        command.rotate_model(probe_model, [], batch_size=0)
    with pytest.raises(CommandError, match="batch-size"):
        call_command("rotate_field_encryption", "--batch-size", "0")


def test_command_reports_per_model_records_an_audit_event_and_is_idempotent(
    rows_under_a, monkeypatch, capsys
):
    model = rows_under_a
    only_probe(monkeypatch, model)
    with keys(KEY_B, KEY_A):
        call_command("rotate_field_encryption", "--batch-size", "5")
        first = capsys.readouterr().out
        call_command("rotate_field_encryption")
        second = capsys.readouterr().out
    assert "esb.CryptoProbe (id_number, born_on): 8 rows, re-encrypted 10 values, 0 already current" in first
    assert "re-encrypted 0 values, 10 already current" in second
    events = AuditEvent.objects.filter(action="esb.field_encryption_rotated")
    assert events.count() == 1  # the second run changed nothing, so it recorded nothing
    assert events.get().after["esb.CryptoProbe"]["reencrypted"] == 10


def test_command_fails_clearly_on_undecryptable_rows_and_unknown_models(rows_under_a, monkeypatch):
    model = rows_under_a
    only_probe(monkeypatch, model)
    with keys(KEY_B), pytest.raises(CommandError, match="Do NOT remove any old key"):
        call_command("rotate_field_encryption")
    with pytest.raises(CommandError, match=r"no model with encrypted fields called nope\.nothing"):
        call_command("rotate_field_encryption", "--model", "nope.Nothing")


def test_command_with_the_real_registry_runs(db, capsys):
    call_command("rotate_field_encryption", "--dry-run")
    out = capsys.readouterr().out
    assert "nothing to rotate" in out or "Dry run" in out


def test_rotation_of_the_real_registry_person_when_it_exists(db):
    """The command against a real model of the project (skipped until registry.Person exists)."""
    try:
        person_model = apps.get_model("registry", "Person")
    except LookupError:
        pytest.skip("registry.Person is not installed")
    fields = dict(command.encrypted_models())[person_model]
    assert {"identity_number", "phone", "date_of_birth"} <= {f.name for f in fields}
    with keys(KEY_A):
        people = [
            person_model.objects.create(
                gender="FEMALE",
                identity_number=f"០១០ ២៣៤ ៥៦{i}",
                phone=f"012 345 67{i}",
                date_of_birth=datetime.date(1980 + i, 3, 14),
            )
            for i in range(3)
        ]
    with keys(KEY_B, KEY_A):
        report = command.rotate_model(person_model, fields, batch_size=2)
        assert report.reencrypted == 9
        assert report.undecryptable == []
    with keys(KEY_B):  # the old key is gone: everything still reads, lookups still match
        for i, person in enumerate(people):
            fresh = person_model.objects.get(pk=person.pk)
            assert fresh.identity_number == f"០១០ ២៣៤ ៥៦{i}"
            assert fresh.date_of_birth == datetime.date(1980 + i, 3, 14)
            assert person_model.objects.get(identity_number_hash=crypto.lookup_hash(f"01023456{i}")) == fresh
