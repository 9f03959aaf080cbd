from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION applications_history_forbid_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'application history is append-only (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER applications_event_append_only
    BEFORE UPDATE OR DELETE ON applications_applicationevent
    FOR EACH ROW EXECUTE FUNCTION applications_history_forbid_change();
CREATE TRIGGER applications_revision_append_only
    BEFORE UPDATE OR DELETE ON applications_applicationrevision
    FOR EACH ROW EXECUTE FUNCTION applications_history_forbid_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS applications_event_append_only ON applications_applicationevent;
DROP TRIGGER IF EXISTS applications_revision_append_only ON applications_applicationrevision;
DROP FUNCTION IF EXISTS applications_history_forbid_change();
"""


class Migration(migrations.Migration):
    dependencies = [("applications", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
