"""The data version: a short string that changes whenever published data changes.

Caches of pages and chart data include it in their keys, so a committed import, a
retraction, a reference-data load, a restore or an edit in admin makes every cached page
stale at once, with no invalidation lists to keep.

Every writer calls `data_changed()`, which moves one generation (a `DataGeneration` row) on
when its transaction commits: a reader never sees the new version with the old data. The
version also counts import batches and admin log entries, so a writer that forgot would
still be seen through those (and admin edits are seen through its log).
"""

from django.contrib.admin.models import LogEntry
from django.db import connection, connections, router, transaction

from .models import DataGeneration, ImportBatch

# One round trip: this runs on every cached chart request.
QUERY = (
    "SELECT (SELECT value FROM {generation} WHERE id = 1), "
    "(SELECT count(*) FROM {batch}), (SELECT max(id) FROM {batch}), (SELECT max(id) FROM {log})"
)
# An upsert, so that a database restored from before the generation row existed still works.
BUMP = (
    "INSERT INTO {generation} (id, value, changed_at) VALUES (1, 1, now()) "
    "ON CONFLICT (id) DO UPDATE SET value = {generation}.value + 1, changed_at = now()"
)

RESTART = (
    "INSERT INTO {generation} (id, value, changed_at) "
    "VALUES (1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint, now()) "
    "ON CONFLICT (id) DO UPDATE "
    "SET value = GREATEST({generation}.value + 1, EXCLUDED.value), changed_at = now()"
)


def data_version() -> str:
    """Changes with every committed write to the data and every change saved in admin."""
    sql = QUERY.format(
        generation=DataGeneration._meta.db_table,
        batch=ImportBatch._meta.db_table,
        log=LogEntry._meta.db_table,
    )
    # From the database this request reads its rows from (a replica for public pages,
    # config/replicas.py): a version from the primary with rows from a lagging replica would
    # cache old rows under the new version.
    with connections[router.db_for_read(DataGeneration)].cursor() as cursor:
        cursor.execute(sql)
        generation, batches, last_batch, last_edit = cursor.fetchone()
    return f"{generation or 0}.{batches}.{last_batch or 0}.{last_edit or 0}"


def data_changed() -> None:
    """Move the data version on once the current transaction commits (at once outside one)."""
    transaction.on_commit(bump_generation)


def bump_generation() -> None:
    with connection.cursor() as cursor:
        cursor.execute(BUMP.format(generation=DataGeneration._meta.db_table))


def restart_generation() -> None:
    """After a restore: move the generation past every value it had before the restore.

    The restored row holds an older value, which caches (another server's local memory, say)
    may still use for other data; the clock in microseconds is beyond any count of changes.
    """
    with connection.cursor() as cursor:
        cursor.execute(RESTART.format(generation=DataGeneration._meta.db_table))
