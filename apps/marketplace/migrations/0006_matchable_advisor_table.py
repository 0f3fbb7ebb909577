"""A narrow copy of the advisors matching may return, kept by Postgres triggers.

Matching scores every available advisor for each uncached request (an exact scan, see
apps/marketplace/matching.py). Over the wide profile table most of that statement's CPU
goes to reading rows that carry the bio, search vector and a dozen unused columns, and to
filtering out the unlisted or full advisors (docs/benchmarks.md, issue 18). This table holds
only the listed advisors with free capacity, and only the columns the score reads, so the
scan deforms short rows and tests nothing.

Why raw SQL and no Django model: only the triggers below write it (never the ORM), and a
model would invite a write path that bypasses them; matching.py reads it by name. Why
triggers and not a signal: every write path (ORM `update()`, bulk updates, the seed's COPY,
a raw UPDATE in a shell, a cascading delete of the user) goes through Postgres, not all
through Django's signals. TRUNCATE of the profile table (Django's test flush) empties the
copy too.

Column types are the profile's own (numeric stays numeric), so the score is computed from
exactly the same values and the ranking is identical (tests/marketplace/test_matching.py).
"""

from django.db import migrations

TABLE = "marketplace_matchable_advisor"
SOURCE = "marketplace_advisorprofile"
LISTED = ("{r}.status = 'active' AND {r}.is_verified AND {r}.deleted_at IS NULL "
          "AND {r}.current_clients < {r}.max_clients")
# Fixed-width columns first and the vector last: fewer alignment gaps, cheaper deforming.
COLUMNS = ("id", "industry_bits", "service_bits", "size_bits", "current_clients",
           "max_clients", "overall_rating", "monthly_retainer_min", "embedding")
COLUMN_LIST = ", ".join(COLUMNS)
NEW_VALUES = ", ".join(f"NEW.{c}" for c in COLUMNS)
UPDATE_SET = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS[1:])
# An update that changes none of these leaves the copy as it is (no row rewritten).
WATCHED = ("id", "status", "is_verified", "deleted_at", *COLUMNS[1:])

FORWARD = f"""
CREATE TABLE {TABLE} (
    id bigint PRIMARY KEY,
    industry_bits integer NOT NULL,
    service_bits integer NOT NULL,
    size_bits integer NOT NULL,
    current_clients smallint NOT NULL,
    max_clients smallint NOT NULL,
    overall_rating numeric(3, 2) NOT NULL,
    monthly_retainer_min numeric(10, 2) NOT NULL,
    embedding vector(256)
) WITH (fillfactor = 100);
ALTER TABLE {TABLE} ALTER COLUMN embedding SET STORAGE PLAIN;

CREATE FUNCTION marketplace_matchable_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.id <> NEW.id) THEN
        DELETE FROM {TABLE} WHERE id = OLD.id;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN NULL;
    END IF;
    IF {LISTED.format(r="NEW")} THEN
        INSERT INTO {TABLE} ({COLUMN_LIST}) VALUES ({NEW_VALUES})
        ON CONFLICT (id) DO UPDATE SET {UPDATE_SET};
    ELSE
        DELETE FROM {TABLE} WHERE id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION marketplace_matchable_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE {TABLE};
    RETURN NULL;
END
$$;

CREATE TRIGGER matchable_insert_delete AFTER INSERT OR DELETE ON {SOURCE}
    FOR EACH ROW EXECUTE FUNCTION marketplace_matchable_sync();
CREATE TRIGGER matchable_update AFTER UPDATE ON {SOURCE}
    FOR EACH ROW WHEN (({", ".join(f"OLD.{c}" for c in WATCHED)})
                       IS DISTINCT FROM ({", ".join(f"NEW.{c}" for c in WATCHED)}))
    EXECUTE FUNCTION marketplace_matchable_sync();
CREATE TRIGGER matchable_truncate AFTER TRUNCATE ON {SOURCE}
    FOR EACH STATEMENT EXECUTE FUNCTION marketplace_matchable_truncate();

INSERT INTO {TABLE} ({COLUMN_LIST})
    SELECT {COLUMN_LIST} FROM {SOURCE} p WHERE {LISTED.format(r="p")} ORDER BY id;
ANALYZE {TABLE};
"""  # noqa: S608 (only this module's constants are interpolated)

BACKWARD = f"""
DROP TRIGGER matchable_truncate ON {SOURCE};
DROP TRIGGER matchable_update ON {SOURCE};
DROP TRIGGER matchable_insert_delete ON {SOURCE};
DROP FUNCTION marketplace_matchable_truncate();
DROP FUNCTION marketplace_matchable_sync();
DROP TABLE {TABLE};
"""


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0005_advisor_code_bits")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
