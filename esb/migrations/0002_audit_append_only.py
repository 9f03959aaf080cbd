from django.db import migrations

# The audit trail is append-only in the database itself, not just in the application: any UPDATE or
# DELETE on the table raises, whoever issues it.
FORBID = """
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

ALLOW = """
DROP TRIGGER IF EXISTS esb_auditevent_append_only ON esb_auditevent;
DROP FUNCTION IF EXISTS esb_audit_forbid_change();
"""


class Migration(migrations.Migration):
    dependencies = [("esb", "0001_initial")]
    operations = [migrations.RunSQL(FORBID, ALLOW)]
