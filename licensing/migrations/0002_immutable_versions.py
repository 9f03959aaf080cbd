"""Database guard for published definitions: the same rule as the models' save()/delete(), for writes that
bypass them (queryset updates, bulk operations, raw SQL).

- A definition row is inserted as DRAFT. A DRAFT may change freely and become PUBLISHED; a PUBLISHED row may
  only become RETIRED (status and retired_at, nothing else); a RETIRED row never changes; only drafts are
  deleted.
- A child row (form step, form field, workflow step, checklist item) may be inserted, updated or deleted only
  while its definition is a DRAFT. The definition row is read FOR SHARE, so a child write and a concurrent
  publication (which holds the definition FOR UPDATE) are serialised: the publisher validates what the
  child writer committed, or the child writer sees the published status and fails.
"""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION licensing_guard_definition() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'DRAFT' THEN
            RAISE EXCEPTION '%: a new version must be inserted as DRAFT, not %', TG_TABLE_NAME, NEW.status
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.status = 'DRAFT' THEN
        IF TG_OP = 'UPDATE' AND NEW.status NOT IN ('DRAFT', 'PUBLISHED') THEN
            RAISE EXCEPTION '%: a draft can be published or deleted, not set to %', TG_TABLE_NAME, NEW.status
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN COALESCE(NEW, OLD);
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status = 'PUBLISHED' AND NEW.status IN ('PUBLISHED', 'RETIRED')
       AND (to_jsonb(NEW) - 'status' - 'retired_at') = (to_jsonb(OLD) - 'status' - 'retired_at') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% on %: version % is % and immutable (only PUBLISHED -> RETIRED is allowed)',
        TG_OP, TG_TABLE_NAME, OLD.version, OLD.status
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

-- TG_ARGV[0]: the definition table; TG_ARGV[1]: the step table when the row hangs off a step ('' otherwise).
CREATE OR REPLACE FUNCTION licensing_guard_definition_child() RETURNS trigger AS $$
DECLARE
    definition_table text := TG_ARGV[0];
    step_table text := TG_ARGV[1];
    row_data jsonb;
    definition_id bigint;
    ids bigint[] := '{}';
    statuses text[];
BEGIN
    FOREACH row_data IN ARRAY ARRAY[
        CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END,
        CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END
    ] LOOP
        CONTINUE WHEN row_data IS NULL;
        IF step_table = '' THEN
            definition_id := (row_data ->> 'definition_id')::bigint;
        ELSE
            EXECUTE format('SELECT definition_id FROM %I WHERE id = $1', step_table)
                INTO definition_id USING (row_data ->> 'step_id')::bigint;
            -- A form field also stores its definition; it must be its step's.
            IF row_data ? 'definition_id' AND definition_id IS NOT NULL
               AND (row_data ->> 'definition_id')::bigint <> definition_id THEN
                RAISE EXCEPTION '%: definition_id does not match the step''s definition', TG_TABLE_NAME
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
        END IF;
        IF definition_id IS NOT NULL THEN
            ids := ids || definition_id;
        END IF;
    END LOOP;
    EXECUTE format('SELECT array_agg(status) FROM (SELECT status FROM %I WHERE id = ANY($1) FOR SHARE) s',
                   definition_table)
        INTO statuses USING ids;
    IF statuses IS NOT NULL AND ('PUBLISHED' = ANY(statuses) OR 'RETIRED' = ANY(statuses)) THEN
        RAISE EXCEPTION '% on %: the row belongs to a published or retired version, which is immutable',
            TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN COALESCE(NEW, OLD);
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER licensing_formdefinition_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON licensing_formdefinition
    FOR EACH ROW EXECUTE FUNCTION licensing_guard_definition();
CREATE TRIGGER licensing_workflowdefinition_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON licensing_workflowdefinition
    FOR EACH ROW EXECUTE FUNCTION licensing_guard_definition();
CREATE TRIGGER licensing_formstep_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON licensing_formstep
    FOR EACH ROW EXECUTE FUNCTION licensing_guard_definition_child('licensing_formdefinition', '');
CREATE TRIGGER licensing_formfield_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON licensing_formfield
    FOR EACH ROW EXECUTE FUNCTION licensing_guard_definition_child('licensing_formdefinition', 'licensing_formstep');
CREATE TRIGGER licensing_workflowstep_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON licensing_workflowstep
    FOR EACH ROW EXECUTE FUNCTION licensing_guard_definition_child('licensing_workflowdefinition', '');
CREATE TRIGGER licensing_checklistitem_immutable
    BEFORE INSERT OR UPDATE OR DELETE ON licensing_checklistitem
    FOR EACH ROW EXECUTE FUNCTION licensing_guard_definition_child('licensing_workflowdefinition', 'licensing_workflowstep');
"""

ALLOW = """
DROP TRIGGER IF EXISTS licensing_checklistitem_immutable ON licensing_checklistitem;
DROP TRIGGER IF EXISTS licensing_workflowstep_immutable ON licensing_workflowstep;
DROP TRIGGER IF EXISTS licensing_formfield_immutable ON licensing_formfield;
DROP TRIGGER IF EXISTS licensing_formstep_immutable ON licensing_formstep;
DROP TRIGGER IF EXISTS licensing_workflowdefinition_immutable ON licensing_workflowdefinition;
DROP TRIGGER IF EXISTS licensing_formdefinition_immutable ON licensing_formdefinition;
DROP FUNCTION IF EXISTS licensing_guard_definition_child();
DROP FUNCTION IF EXISTS licensing_guard_definition();
"""


class Migration(migrations.Migration):
    dependencies = [("licensing", "0001_initial")]
    operations = [migrations.RunSQL(FORBID, ALLOW)]
