"""Word-prefix search over job names, for the staff area's global search.

The index serves apps/search/selectors.py's `to_tsvector('simple', name) @@ ...` test
(the same shape as the clients' `search_vector`); without it the search reads every job
of the firm. It lives here, with the search that needs it, and is created in each firm's
schema like any tenant migration.
"""

from django.db import migrations

CREATE = ("CREATE INDEX IF NOT EXISTS work_job_name_search ON work_job "
          "USING gin (to_tsvector('simple'::regconfig, name))")
DROP = "DROP INDEX IF EXISTS work_job_name_search"


class Migration(migrations.Migration):
    dependencies = [("work", "0004_proposal_signed_trigger_and_schedules")]

    operations = [migrations.RunSQL(CREATE, DROP)]
