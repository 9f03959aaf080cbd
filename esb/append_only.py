"""Append-only tables, held by the database: a trigger refuses every UPDATE and DELETE of their rows, whatever
code (or person with a SQL prompt and the application's role) tries. Used by the migrations of each history
(application timeline and revisions, review actions and internal notes, payment events and receipts)."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import migrations


def append_only(function: str, history: str, triggers: Mapping[str, str]) -> migrations.RunSQL:
    """A migration operation: the trigger function `function` (raising "<history> is append-only") and, for
    each `trigger name -> table`, a BEFORE UPDATE OR DELETE trigger calling it; reversible."""
    forward = [
        f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{history} is append-only (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;"""
    ]
    backward = []
    for trigger, table in triggers.items():
        forward.append(
            f"CREATE TRIGGER {trigger}\n    BEFORE UPDATE OR DELETE ON {table}\n"
            f"    FOR EACH ROW EXECUTE FUNCTION {function}();"
        )
        backward.append(f"DROP TRIGGER IF EXISTS {trigger} ON {table};")
    backward.append(f"DROP FUNCTION IF EXISTS {function}();")
    return migrations.RunSQL("\n".join(forward), "\n".join(backward))
