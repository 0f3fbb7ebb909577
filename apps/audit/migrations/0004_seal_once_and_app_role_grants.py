"""The audit trail against the application's own database role.

In every schema: the trigger now lets a row's seal columns be filled once (by the sealer)
and refuses any other UPDATE, any DELETE and TRUNCATE; anchors get the same triggers.

In public only, functions owned by the migration role (docs/configuration.md):
- `advisoros_schema_grant(schema, role)` gives the application role what it needs in a
  schema: DML on every table except the audit tables (INSERT and SELECT there, plus the
  seal columns of unsealed rows), sequences, and ownership of the materialized views it
  refreshes (PostgreSQL 16 lets only the owner refresh). Run after every migrate
  (apps/audit/apps.py) and for every new firm schema.
- `advisoros_firm_schema_clone(template, schema)` and `advisoros_firm_schema_drop(schema)`
  are SECURITY DEFINER: the application creates a firm's schema from the template (in its
  own transaction, so a failed sign-up leaves nothing) and drops the schema of a firm row
  it has deleted, without owning anything itself.
"""

from django.db import migrations

SEAL_ONCE_SQL = """
CREATE OR REPLACE FUNCTION audit_reject_change() RETURNS trigger AS $$
BEGIN
    -- The test suite empties tables between transactional tests with TRUNCATE; its
    -- connections (and only those) set this.
    IF TG_OP = 'TRUNCATE'
       AND current_setting('advisoros.audit_truncate_allowed', true) = 'on' THEN
        RETURN NULL;
    END IF;
    -- Sealing: an unsealed event gets its seal columns filled once, nothing else changes.
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'audit_auditevent' AND OLD.chain_seq IS NULL
       AND NEW.chain_seq IS NOT NULL
       AND to_jsonb(OLD) - ARRAY['chain_seq', 'prev_hash', 'hash', 'key_id']
           = to_jsonb(NEW) - ARRAY['chain_seq', 'prev_hash', 'hash', 'key_id'] THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_anchor_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_auditanchor
    FOR EACH ROW EXECUTE FUNCTION audit_reject_change();
CREATE TRIGGER audit_anchor_no_truncate
    BEFORE TRUNCATE ON audit_auditanchor
    FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_change();
"""

PUBLIC_FUNCTIONS_SQL = r"""
CREATE OR REPLACE FUNCTION public.advisoros_schema_grant(target text, app_role text)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
    r record;
    had_create boolean;
BEGIN
    IF app_role IS NULL OR app_role = current_user
       OR NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = app_role) THEN
        RETURN;  -- one role for everything: nothing to grant
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', target, app_role);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES '
                   'ON ALL TABLES IN SCHEMA %I TO %I', target, app_role);
    EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO %I',
                   target, app_role);
    -- The audit trail: read, append, seal an unsealed row; nothing else.
    IF to_regclass(format('%I.audit_auditevent', target)) IS NOT NULL THEN
        EXECUTE format('REVOKE ALL ON %I.audit_auditevent FROM %I', target, app_role);
        EXECUTE format('GRANT SELECT, INSERT ON %I.audit_auditevent TO %I', target, app_role);
        EXECUTE format('GRANT UPDATE (chain_seq, prev_hash, hash, key_id) '
                       'ON %I.audit_auditevent TO %I', target, app_role);
    END IF;
    IF to_regclass(format('%I.audit_auditanchor', target)) IS NOT NULL THEN
        EXECUTE format('REVOKE ALL ON %I.audit_auditanchor FROM %I', target, app_role);
        EXECUTE format('GRANT SELECT, INSERT ON %I.audit_auditanchor TO %I',
                       target, app_role);
    END IF;
    -- Materialized views are refreshed by the application, which only their owner may do.
    -- A new owner needs CREATE on the schema for the moment of the change.
    had_create := has_schema_privilege(app_role, target, 'CREATE');
    FOR r IN SELECT c.oid::regclass AS name FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = target AND c.relkind = 'm'
               AND pg_get_userbyid(c.relowner) <> app_role LOOP
        IF NOT had_create THEN
            EXECUTE format('GRANT CREATE ON SCHEMA %I TO %I', target, app_role);
            had_create := true;
            EXECUTE format('ALTER MATERIALIZED VIEW %s OWNER TO %I', r.name, app_role);
            EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM %I', target, app_role);
            had_create := false;
        ELSE
            EXECUTE format('ALTER MATERIALIZED VIEW %s OWNER TO %I', r.name, app_role);
        END IF;
    END LOOP;
END;
$$;
REVOKE ALL ON FUNCTION public.advisoros_schema_grant(text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION public.advisoros_firm_schema_clone(template text, target text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF target !~ '^[a-z_][a-z0-9_]{0,62}$' OR target LIKE 'pg\_%' OR target IN
       ('public', 'information_schema', template) THEN
        RAISE EXCEPTION 'not a firm schema name: %', target;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.firms_firm WHERE schema_name = target) THEN
        RAISE EXCEPTION 'no firm has the schema %', target;
    END IF;
    PERFORM public.clone_schema(template, target, 'DATA', 'NOOWNER', 'NOACL');
    PERFORM public.advisoros_schema_grant(target, session_user::text);
END;
$$;

CREATE OR REPLACE FUNCTION public.advisoros_firm_schema_drop(target text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF target !~ '^[a-z_][a-z0-9_]{0,62}$' OR target LIKE 'pg\_%'
       OR target IN ('public', 'information_schema') THEN
        RAISE EXCEPTION 'not a firm schema name: %', target;
    END IF;
    -- Only the schema of a firm whose row is already gone (deleted in this transaction).
    IF EXISTS (SELECT 1 FROM public.firms_firm WHERE schema_name = target) THEN
        RAISE EXCEPTION 'schema % still belongs to a firm', target;
    END IF;
    EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', target);
END;
$$;
REVOKE ALL ON FUNCTION public.advisoros_firm_schema_clone(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION public.advisoros_firm_schema_drop(text) FROM PUBLIC;
"""


def _public_functions(apps, schema_editor) -> None:
    connection = schema_editor.connection
    if connection.schema_name != "public":
        return
    from django_tenants.clone import CloneSchema

    from advisoros.db_roles import app_role_name

    # django-tenants' clone function, created here by the owner: the application role
    # may call it only through advisoros_firm_schema_clone.
    CloneSchema()._create_clone_schema_function()
    with connection.cursor() as cursor:
        cursor.execute(PUBLIC_FUNCTIONS_SQL)
        app_role = app_role_name()
        cursor.execute("SELECT current_user")
        if app_role and app_role != cursor.fetchone()[0]:
            for function in ("advisoros_firm_schema_clone(text, text)",
                             "advisoros_firm_schema_drop(text)"):
                cursor.execute(f'GRANT EXECUTE ON FUNCTION public.{function} TO "{app_role}"')


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_keyed_seals_and_anchors")]

    operations = [
        migrations.RunSQL(SEAL_ONCE_SQL, reverse_sql=migrations.RunSQL.noop),
        migrations.RunPython(_public_functions, migrations.RunPython.noop),
    ]
