from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION payments_history_forbid_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'payment history is append-only (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER payments_event_append_only
    BEFORE UPDATE OR DELETE ON payments_paymentevent
    FOR EACH ROW EXECUTE FUNCTION payments_history_forbid_change();
CREATE TRIGGER payments_receipt_append_only
    BEFORE UPDATE OR DELETE ON payments_receipt
    FOR EACH ROW EXECUTE FUNCTION payments_history_forbid_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS payments_event_append_only ON payments_paymentevent;
DROP TRIGGER IF EXISTS payments_receipt_append_only ON payments_receipt;
DROP FUNCTION IF EXISTS payments_history_forbid_change();
"""


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
