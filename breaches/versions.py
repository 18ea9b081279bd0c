"""The data version: a short string that changes whenever published data changes.

Caches of pages and chart data include it in their keys, so a committed import, a
retraction or an edit in admin makes every cached page stale at once, with no invalidation
lists to keep.
"""

from django.contrib.admin.models import LogEntry
from django.db import connection

from .models import ImportBatch

# One round trip: this runs on every cached chart request.
QUERY = (
    "SELECT (SELECT count(*) FROM {batch}), (SELECT max(id) FROM {batch}), "
    "(SELECT max(id) FROM {log})"
)


def data_version() -> str:
    """Changes with every committed import batch and every change saved in admin.

    A retraction is recorded as a batch too (breaches/imports/retraction.py). Admin writes
    a LogEntry for each add, change and delete, so an edited caveat, workforce figure or
    dataset definition changes the version as well (any admin change does: harmless over-eagerness).
    """
    sql = QUERY.format(batch=ImportBatch._meta.db_table, log=LogEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        batches, last_batch, last_edit = cursor.fetchone()
    return f"{batches}.{last_batch or 0}.{last_edit or 0}"
