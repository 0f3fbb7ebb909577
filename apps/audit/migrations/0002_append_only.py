from django.db import migrations

# Runs in public and in every firm schema (the app is shared and tenant): each schema's
# audit table gets its own triggers. The function is created in the schema being
# migrated (first on the search path), so every schema is self-contained.
APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION audit_reject_change() RETURNS trigger AS $$
BEGIN
    -- The test suite empties tables between transactional tests with TRUNCATE; its
    -- connections (and only those) set this. UPDATE and DELETE are never allowed.
    IF TG_OP = 'TRUNCATE'
       AND current_setting('advisoros.audit_truncate_allowed', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_reject_change();

CREATE TRIGGER audit_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_change();
"""

REVERSE_SQL = """
DROP TRIGGER IF EXISTS audit_no_update_delete ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_no_truncate ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_reject_change();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunSQL(APPEND_ONLY_SQL, reverse_sql=REVERSE_SQL)]
