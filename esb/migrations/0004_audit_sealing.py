"""The audit trail without a lock on the request path (issue 8).

Rows are appended unsealed, stamped with their inserting transaction by a trigger; `esb.audit.seal()` chains
them later. The append-only trigger now allows exactly one update per row: the sealer filling the chain
columns of a row that has none, changing nothing else. Existing rows (already chained in id order) get their
positions in that order, so the chain continues from them unchanged.
"""

from django.db import migrations, models

OLD_TRIGGER = """
CREATE OR REPLACE FUNCTION esb_audit_forbid_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'esb_auditevent is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER esb_auditevent_append_only
    BEFORE UPDATE OR DELETE ON esb_auditevent
    FOR EACH ROW EXECUTE FUNCTION esb_audit_forbid_change();
"""

DROP_OLD_TRIGGER = "DROP TRIGGER IF EXISTS esb_auditevent_append_only ON esb_auditevent;"

POSITIONS = """
UPDATE esb_auditevent AS a SET position = s.n
  FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM esb_auditevent) AS s
 WHERE a.id = s.id;
"""

# The sealer holds pg_try_advisory_xact_lock(1163084353, 1397047628) ("ESBA", "SEAL"); in pg_locks a
# two-key advisory lock shows as classid, objid and objsubid = 2. Keep in step with esb.audit.SEALER_LOCK.
NEW_TRIGGERS = """
CREATE OR REPLACE FUNCTION esb_audit_stamp_insert() RETURNS trigger AS $$
BEGIN
    -- Whatever the client sends: the row belongs to this transaction and is not sealed yet.
    NEW.txid := pg_current_xact_id()::text::bigint;
    NEW.position := NULL;
    NEW.prev_hash := NULL;
    NEW.hash := NULL;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER esb_auditevent_stamp
    BEFORE INSERT ON esb_auditevent
    FOR EACH ROW EXECUTE FUNCTION esb_audit_stamp_insert();

CREATE OR REPLACE FUNCTION esb_audit_forbid_change() RETURNS trigger AS $$
BEGIN
    -- The only change ever allowed: the sealer (holding the sealer's advisory lock) fills the chain columns
    -- of a row that has none yet, once, and leaves every other column as it was inserted.
    IF TG_OP = 'UPDATE'
       AND OLD.position IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
       AND NEW.position IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
       AND (to_jsonb(NEW) - 'position' - 'prev_hash' - 'hash')
           = (to_jsonb(OLD) - 'position' - 'prev_hash' - 'hash')
       AND EXISTS (
           SELECT 1 FROM pg_locks
            WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
              AND classid = 1163084353::oid AND objid = 1397047628::oid AND objsubid = 2)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'esb_auditevent is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER esb_auditevent_append_only
    BEFORE UPDATE OR DELETE ON esb_auditevent
    FOR EACH ROW EXECUTE FUNCTION esb_audit_forbid_change();
"""

# Application references come from one sequence per prefix and year, created on first use. The portal runs as
# a role that may not create objects (docs/operations.md §5), so creation goes through this function, which
# runs with its owner's rights, accepts only reference-sequence names, and lets the calling role use the result.
REFERENCE_SEQUENCES = """
CREATE OR REPLACE FUNCTION esb_create_reference_sequence(seq_name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF seq_name !~ '^esb_ref_[a-z0-9]{1,20}_[0-9]{4}$' THEN
        RAISE EXCEPTION 'not a reference sequence name: %', seq_name USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I', seq_name);
    IF NOT has_sequence_privilege(session_user, seq_name, 'USAGE') THEN
        EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %I TO %I', seq_name, session_user);
    END IF;
END;
$$;
REVOKE ALL ON FUNCTION esb_create_reference_sequence(text) FROM PUBLIC;
"""

DROP_REFERENCE_SEQUENCES = "DROP FUNCTION IF EXISTS esb_create_reference_sequence(text);"

DROP_NEW_TRIGGERS = """
DROP TRIGGER IF EXISTS esb_auditevent_append_only ON esb_auditevent;
DROP TRIGGER IF EXISTS esb_auditevent_stamp ON esb_auditevent;
DROP FUNCTION IF EXISTS esb_audit_stamp_insert();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("esb", "0003_outgoing_request"),
    ]

    operations = [
        migrations.RunSQL(DROP_OLD_TRIGGER, OLD_TRIGGER),
        migrations.CreateModel(
            name="NumberCounter",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("scope", models.CharField(max_length=50, verbose_name="scope")),
                ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                ("last_value", models.PositiveIntegerField(default=0, verbose_name="last number")),
            ],
            options={
                "verbose_name": "number counter",
                "verbose_name_plural": "number counters",
            },
        ),
        migrations.AddField(
            model_name="auditevent",
            name="position",
            field=models.BigIntegerField(
                blank=True, editable=False, null=True, unique=True, verbose_name="chain position"
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="txid",
            field=models.BigIntegerField(default=0, editable=False, verbose_name="inserting transaction"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(blank=True, max_length=64, null=True, unique=True, verbose_name="hash"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(blank=True, max_length=64, null=True, verbose_name="previous hash"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(("hash__isnull", True)), fields=["txid", "id"], name="audit_unsealed_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="numbercounter",
            constraint=models.UniqueConstraint(
                fields=("scope", "year"), name="numbercounter_scope_year_unique"
            ),
        ),
        migrations.RunSQL(POSITIONS, migrations.RunSQL.noop),
        migrations.RunSQL(NEW_TRIGGERS, DROP_NEW_TRIGGERS),
        migrations.RunSQL(REFERENCE_SEQUENCES, DROP_REFERENCE_SEQUENCES),
    ]
