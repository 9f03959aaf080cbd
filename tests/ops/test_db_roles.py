"""The runtime database role (deploy/db_roles.py) owns nothing: the audit trail cannot be truncated, altered,
dropped or have its trigger switched off through the portal's own connection.

The test database is migrated by its owner (as in production, where only `migrate` uses the owner); the role
is provisioned inside the test's transaction, so it disappears with the rollback.
"""

from __future__ import annotations

import importlib.util
import uuid
from pathlib import Path

import pytest
from django.db import connection

from esb import audit
from esb.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]


def load_db_roles():
    spec = importlib.util.spec_from_file_location("db_roles_under_test", ROOT / "deploy" / "db_roles.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def as_app_role(db):
    """Provision a runtime role the way compose and `make run` do, then act as it on this connection."""
    db_roles = load_db_roles()
    role = f"esb_app_test_{uuid.uuid4().hex[:8]}"
    connection.ensure_connection()
    raw = connection.connection
    db_roles.provision(raw, role, "test-only-password")
    raw.execute(f'SET ROLE "{role}"')
    yield raw
    raw.execute("RESET ROLE")


def refused(raw, statement: str) -> str:
    """Run `statement` in a savepoint; return PostgreSQL's error message ('' when it succeeded)."""
    import psycopg

    raw.execute("SAVEPOINT attempt")
    try:
        raw.execute(statement)
    except psycopg.errors.InsufficientPrivilege as exc:
        raw.execute("ROLLBACK TO SAVEPOINT attempt")
        return str(exc)
    raw.execute("RELEASE SAVEPOINT attempt")
    return ""


def test_the_portal_role_writes_audit_events_but_cannot_erase_or_unprotect_them(as_app_role):
    raw = as_app_role
    event = audit.record("ops.test", object_type="test", object_id="1")  # the app's normal path still works
    assert AuditEvent.objects.filter(pk=event.pk).exists()

    assert "permission denied" in refused(raw, "TRUNCATE esb_auditevent")
    assert "permission denied" in refused(raw, "TRUNCATE esb_auditevent CASCADE")
    assert "must be owner" in refused(raw, "ALTER TABLE esb_auditevent DISABLE TRIGGER ALL")
    assert "must be owner" in refused(
        raw, "ALTER TABLE esb_auditevent DISABLE TRIGGER esb_auditevent_append_only"
    )
    assert "must be owner" in refused(raw, "DROP TABLE esb_auditevent")
    assert "must be owner" in refused(raw, "DROP TRIGGER esb_auditevent_append_only ON esb_auditevent")
    assert "permission denied" in refused(
        raw, f"UPDATE esb_auditevent SET reason = 'x' WHERE id = {event.pk}"
    )
    assert "permission denied" in refused(raw, f"DELETE FROM esb_auditevent WHERE id = {event.pk}")
    assert "must be owner" in refused(raw, "ALTER TABLE accounts_user ADD COLUMN x int")
    assert "permission denied" in refused(raw, "TRUNCATE accounts_user CASCADE")
    # no table of its own in public (it would own it), no new schema, no role changes
    assert "permission denied" in refused(raw, "CREATE TABLE public.planted (v int)")
    assert "permission denied" in refused(raw, "CREATE SCHEMA planted")
    assert "permission denied" in refused(raw, "CREATE ROLE planted")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_reference_sequences_come_from_the_owners_function_and_nothing_else(as_app_role):
    raw = as_app_role
    name = f"esb_ref_ops{uuid.uuid4().hex[:8]}_2026"
    assert refused(raw, f"SELECT esb_create_reference_sequence('{name}')") == ""
    assert raw.execute(f"SELECT nextval('{name}')").fetchone()[0] == 1
    # the role itself creates nothing, anywhere
    assert "permission denied" in refused(raw, "CREATE SEQUENCE public.planted_seq")
    assert "permission denied" in refused(raw, "CREATE SCHEMA planted_schema")


def test_the_sealer_may_fill_only_the_chain_columns(as_app_role):
    raw = as_app_role
    assert "permission denied" in refused(raw, "UPDATE esb_auditevent SET action = 'x' WHERE false")
    assert refused(raw, "UPDATE esb_auditevent SET hash = hash WHERE false") == ""


def test_tables_added_by_later_migrations_are_usable_without_new_grants(db):
    db_roles = load_db_roles()
    role = f"esb_app_test_{uuid.uuid4().hex[:8]}"
    connection.ensure_connection()
    raw = connection.connection
    db_roles.provision(raw, role, "test-only-password")
    raw.execute("CREATE TABLE ops_later_migration (id bigserial PRIMARY KEY, v text)")  # as the owner
    raw.execute(f'SET ROLE "{role}"')
    try:
        raw.execute("INSERT INTO ops_later_migration (v) VALUES ('ok')")
        assert raw.execute("SELECT v FROM ops_later_migration").fetchone()[0] == "ok"
        assert "permission denied" in refused(raw, "TRUNCATE ops_later_migration")
    finally:
        raw.execute("RESET ROLE")


def test_provisioning_refuses_to_run_as_the_runtime_role_itself(db):
    db_roles = load_db_roles()
    connection.ensure_connection()
    raw = connection.connection
    current = raw.execute("SELECT current_user").fetchone()[0]
    with pytest.raises(SystemExit, match="owner"):
        db_roles.provision(raw, current, "x")


def test_the_runtime_url_keeps_host_port_and_database():
    db_roles = load_db_roles()
    url = db_roles.app_database_url("postgres://esb:owner%40pw@db:5433/esb?sslmode=require", "p@ss/w")
    assert url == "postgres://esb_app:p%40ss%2Fw@db:5433/esb?sslmode=require"
