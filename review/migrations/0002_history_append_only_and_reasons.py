from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION review_history_forbid_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'review history is append-only (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER review_action_append_only
    BEFORE UPDATE OR DELETE ON review_reviewaction
    FOR EACH ROW EXECUTE FUNCTION review_history_forbid_change();
CREATE TRIGGER review_internalnote_append_only
    BEFORE UPDATE OR DELETE ON review_internalnote
    FOR EACH ROW EXECUTE FUNCTION review_history_forbid_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS review_action_append_only ON review_reviewaction;
DROP TRIGGER IF EXISTS review_internalnote_append_only ON review_internalnote;
DROP FUNCTION IF EXISTS review_history_forbid_change();
"""


def seed_reasons(apps, schema_editor):
    from review.reasons import seed_rejection_reasons

    seed_rejection_reasons(apps.get_model("review", "RejectionReason"))


class Migration(migrations.Migration):
    dependencies = [("review", "0001_initial")]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RunPython(seed_reasons, migrations.RunPython.noop),
    ]
