"""The ledger is append-only: no DELETE, no TRUNCATE, and an UPDATE may change only the
payout columns. Test connections (advisoros.audit_truncate_allowed=on, set only by the
test settings) may empty it, as for the audit trail."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF (NEW.event_key, NEW.kind, NEW.firm_id, NEW.marketplace_engagement_id,
            NEW.advisor_id, NEW.invoice_id, NEW.invoice_number, NEW.currency,
            NEW.gross_amount, NEW.commission_rate, NEW.platform_fee, NEW.advisor_payout,
            NEW.reverses_id, NEW.created_at)
           IS DISTINCT FROM
           (OLD.event_key, OLD.kind, OLD.firm_id, OLD.marketplace_engagement_id,
            OLD.advisor_id, OLD.invoice_id, OLD.invoice_number, OLD.currency,
            OLD.gross_amount, OLD.commission_rate, OLD.platform_fee, OLD.advisor_payout,
            OLD.reverses_id, OLD.created_at) THEN
            RAISE EXCEPTION 'ledger entries are append-only: add a reversing entry';
        END IF;
        RETURN NEW;
    END IF;
    IF current_setting('advisoros.audit_truncate_allowed', true) = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'ledger entries are append-only: add a reversing entry';
END;
$$ LANGUAGE plpgsql;
"""
TRIGGERS = [
    "CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger_revenueshareentry "
    "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()",
    "CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger_revenueshareentry "
    "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()",
    "CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger_revenueshareentry "
    "FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()",
]
REVERSE = [
    "DROP TRIGGER IF EXISTS ledger_no_update ON ledger_revenueshareentry",
    "DROP TRIGGER IF EXISTS ledger_no_delete ON ledger_revenueshareentry",
    "DROP TRIGGER IF EXISTS ledger_no_truncate ON ledger_revenueshareentry",
    "DROP FUNCTION IF EXISTS ledger_append_only()",
]


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunSQL([FUNCTION, *TRIGGERS], REVERSE)]
