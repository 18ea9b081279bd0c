"""Save incident rows at any scale: COPY them into a staging table, then merge in SQL.

Every incident import goes through here: the admin upload, `import_incidents` (streamed, any
number of rows) and `generate_synthetic_incidents`. Rows are copied into a temporary table
(`copy_rows`, as often as the caller likes, a chunk at a time); `merge` then takes the import
lock, compares the staged rows with the stored incidents that have the same natural keys
(and no others: the unique index finds them), and in the same transaction creates the new
ones, keeps a revision of each restated one, rewrites it and replaces its outcomes. A row
equal to what is stored changes nothing. docs/decisions/0005-copy-and-merge-incidents.md
says why this is SQL rather than the ORM.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.db import DatabaseError, connection, transaction

from ..models import ImportBatch, Incident, IncidentRevision, Outcome
from .rows import IncidentRow
from .tabular import RowError

STAGE = "import_incident_stage"
PLAN = "import_incident_plan"
STAGE_COLUMNS = (
    "row",
    "dataset_id",
    "force_id",
    "reference",
    "occurred_on",
    "category",
    "role",
    "summary",
    "outcomes",
    "outcome_date",
)
# COPY reads CSV written by Python's csv module (C speed). Every value is quoted, so an
# empty summary stays an empty string; FORCE_NULL makes "" NULL in the nullable columns.
COPY = (
    f"COPY {STAGE} ({', '.join(STAGE_COLUMNS)}) FROM STDIN "
    "WITH (FORMAT csv, FORCE_NULL (occurred_on, category, role, outcome_date))"
)
MAX_DUPLICATES_REPORTED = 1000
TABLES = {
    "incident": Incident._meta.db_table,
    "outcome": Outcome._meta.db_table,
    "revision": IncidentRevision._meta.db_table,
    "stage": STAGE,
    "plan": PLAN,
}


def _sql(statement: str) -> str:
    return statement.format(**TABLES)


def create_stage() -> None:
    """An empty staging table, private to this connection, dropped at commit."""
    with connection.cursor() as cursor:
        try:
            # Room for the staging tables in memory; PostgreSQL allows it only before the
            # session's first temporary table (later imports in a web worker keep the default).
            with transaction.atomic():
                cursor.execute("SET LOCAL temp_buffers = '256MB'")
        except DatabaseError:
            pass
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
        cursor.execute(
            f"""CREATE TEMPORARY TABLE {STAGE} (
                row integer NOT NULL,
                dataset_id integer NOT NULL,
                force_id integer NOT NULL,
                reference text NOT NULL,
                occurred_on date,
                category text,
                role text,
                summary text NOT NULL,
                outcomes text[] NOT NULL,
                outcome_date date
            ) ON COMMIT DROP"""
        )


def copy_rows(rows: Iterable[IncidentRow], datasets: dict[str, int], forces: dict[str, int]):
    """Append validated rows to the staging table with one COPY."""
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL).writerows(
        (
            row.row,
            datasets[row.dataset],
            forces[row.force],
            row.reference,
            row.occurred_on or "",
            row.category or "",
            row.role or "",
            row.summary,
            # Outcome codes sort by code point, as Python sorts them and COLLATE "C" does.
            "{" + ",".join(sorted(row.outcomes)) + "}",
            row.outcome_date or "",
        )
        for row in rows
    )
    if not buffer.tell():
        return
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(COPY, buffer)  # psycopg2's cursor under Django's wrapper


def duplicate_errors() -> list[RowError]:
    """Rows staged twice (the same dataset, force and reference): the same message as
    validation gives for a file read whole (validation.duplicate_error)."""
    from .validation import duplicate_error

    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT row, first FROM (
                    SELECT row, min(row) OVER (PARTITION BY dataset_id, force_id, reference)
                        AS first
                    FROM {STAGE}
                ) staged WHERE row <> first ORDER BY row LIMIT %s""",
            [MAX_DUPLICATES_REPORTED],
        )
        return [duplicate_error("incidents", row, first) for row, first in cursor.fetchall()]


# Each staged row against the stored incident with its natural key: 'new' (none stored),
# 'revive' (stored but withdrawn by a retraction: counts as created), 'changed' (a value or
# the set of outcomes differs) or 'same'.
CLASSIFY = """
CREATE TEMPORARY TABLE {plan} ON COMMIT DROP AS
SELECT s.*,
    -- New incidents get their ids now, so that their outcomes need no join to find them.
    CASE WHEN i.id IS NULL THEN nextval(pg_get_serial_sequence('{incident}', 'id'))
        ELSE i.id END AS incident_id,
    CASE
        WHEN i.id IS NULL THEN 'new'
        WHEN i.retracted_by_id IS NOT NULL THEN 'revive'
        WHEN i.occurred_on IS DISTINCT FROM s.occurred_on
            OR i.category IS DISTINCT FROM s.category
            OR i.role IS DISTINCT FROM s.role
            OR i.summary <> s.summary
            OR coalesce(o.codes, '{{}}') <> s.outcomes
            OR NOT coalesce(o.same_dates, true) THEN 'changed'
        ELSE 'same'
    END AS state
FROM {stage} s
{lookup}"""
# How the staged keys find their stored incidents. A file that is a small part of what is
# stored (a chunk into a big dataset) looks each key up in the natural-key index: a hash join
# would read every stored incident, so a chunk into a dataset of 900,000 cost four times a
# chunk into an empty one. A file that is a large part of it (a whole dataset imported
# again) reads the stored rows once in a hash join: re-importing a million unchanged rows by
# look-ups measured 138 s, against 20 s by the hash join (docs/benchmarks.md). LIMIT 1 (the
# key is unique) keeps the lateral subquery a per-row lookup.
BY_INDEX = """
LEFT JOIN LATERAL (
    SELECT * FROM {incident} stored
    WHERE stored.dataset_id = s.dataset_id AND stored.force_id = s.force_id
        AND stored.reference = s.reference
    LIMIT 1
) i ON true
LEFT JOIN LATERAL (
    SELECT array_agg(o.outcome::text ORDER BY o.outcome COLLATE "C") AS codes,
        bool_and(o.decided_on IS NOT DISTINCT FROM s.outcome_date) AS same_dates
    FROM {outcome} o WHERE i.id IS NOT NULL AND o.incident_id = i.id
) o ON true
"""
BY_HASH_JOIN = """
LEFT JOIN {incident} i
    ON i.dataset_id = s.dataset_id AND i.force_id = s.force_id AND i.reference = s.reference
LEFT JOIN (
    -- The stored outcomes of the staged incidents only (none at all for a new dataset).
    SELECT stored.id AS incident_id,
        array_agg(o.outcome::text ORDER BY o.outcome COLLATE "C") AS codes,
        bool_and(o.decided_on IS NOT DISTINCT FROM staged.outcome_date) AS same_dates
    FROM {stage} staged
    JOIN {incident} stored ON stored.dataset_id = staged.dataset_id
        AND stored.force_id = staged.force_id AND stored.reference = staged.reference
    JOIN {outcome} o ON o.incident_id = stored.id
    GROUP BY stored.id
) o ON o.incident_id = i.id
"""
# Above this share of the stored incidents, one pass over them beats a look-up per key.
HASH_JOIN_SHARE = 0.25
STAGED_AND_STORED = """
SELECT (SELECT count(*) FROM {stage}),
    (SELECT count(*) FROM {incident}
     WHERE dataset_id IN (SELECT DISTINCT dataset_id FROM {stage}))
"""
COUNT = """
SELECT count(*) FILTER (WHERE state IN ('new', 'revive')),
    count(*) FILTER (WHERE state = 'changed'),
    count(*) FILTER (WHERE state = 'same')
FROM {plan}
"""
# The outcomes an incident has now, as IncidentRevision.outcomes keeps them.
OUTCOMES_JSON = """coalesce((
    SELECT jsonb_agg(jsonb_build_array(o.outcome, o.decided_on)
        ORDER BY o.outcome COLLATE "C")
    FROM {outcome} o WHERE o.incident_id = i.id), '[]'::jsonb)"""
KEEP_REVISIONS = (
    """
INSERT INTO {revision}
    (incident_id, occurred_on, category, role, summary, outcomes, batch_id, replaced_by_id,
     replaced_at)
SELECT i.id, i.occurred_on, i.category, i.role, i.summary, """
    + OUTCOMES_JSON
    + """, i.batch_id, %(batch)s, now()
FROM {plan} p JOIN {incident} i ON i.id = p.incident_id
WHERE p.state = 'changed'
ORDER BY p.row
"""
)
DROP_OUTCOMES = """
DELETE FROM {outcome} o USING {plan} p
WHERE o.incident_id = p.incident_id AND p.state IN ('changed', 'revive')
"""
REWRITE = """
UPDATE {incident} i SET occurred_on = p.occurred_on, category = p.category, role = p.role,
    summary = p.summary, batch_id = %(batch)s, retracted_by_id = NULL
FROM {plan} p
WHERE i.id = p.incident_id AND p.state IN ('changed', 'revive')
"""
CREATE = """
INSERT INTO {incident}
    (id, dataset_id, force_id, reference, occurred_on, category, role, summary, batch_id)
SELECT incident_id, dataset_id, force_id, reference, occurred_on, category, role, summary,
    %(batch)s
FROM {plan} WHERE state = 'new'
ORDER BY row
"""
ADD_OUTCOMES = """
INSERT INTO {outcome} (incident_id, outcome, decided_on)
SELECT p.incident_id, code, p.outcome_date
FROM {plan} p CROSS JOIN LATERAL unnest(p.outcomes) AS code
WHERE p.state <> 'same'
ORDER BY p.row, code
"""
PAIRS = "SELECT DISTINCT dataset_id, force_id FROM {plan} WHERE state <> 'same'"
# Stored incidents the merge will change (withdrawn ones count nowhere), for the counts.
TOUCHED = f"SELECT incident_id AS id FROM {PLAN} WHERE state = 'changed'"


def classify() -> tuple[int, int, int]:
    """Compare the staged rows with what is stored (read-only but for temporary tables):
    (created, updated, unchanged). Call under the import lock for the numbers to hold."""
    with connection.cursor() as cursor:
        # Hash joins and sorts over a million staged rows, in memory rather than in batches.
        cursor.execute("SET LOCAL work_mem = '128MB'")
        # A temporary table is never analysed by autovacuum: without statistics the planner
        # guesses a few rows and picks nested loops over a million.
        cursor.execute(f"ANALYZE {STAGE}")
        cursor.execute(f"DROP TABLE IF EXISTS {PLAN}")
        cursor.execute(_sql(STAGED_AND_STORED))
        staged, stored = cursor.fetchone()
        lookup = BY_HASH_JOIN if staged > HASH_JOIN_SHARE * stored else BY_INDEX
        cursor.execute(_sql(CLASSIFY.replace("{lookup}", lookup)))
        cursor.execute(f"ANALYZE {PLAN}")
        cursor.execute(_sql(COUNT))
        return cursor.fetchone()


def apply(batch: ImportBatch) -> set[tuple[int, int]]:
    """Write what `classify` found, as `batch`; returns the (dataset, force) pairs touched."""
    params = {"batch": batch.pk}
    with connection.cursor() as cursor:
        for statement in (KEEP_REVISIONS, DROP_OUTCOMES, REWRITE, CREATE, ADD_OUTCOMES):
            cursor.execute(_sql(statement), params)
        cursor.execute(_sql(PAIRS))
        return set(cursor.fetchall())


def stored(keys: list[tuple[int, int, str]]):
    """The stored incidents (withdrawn ones too) with these (dataset_id, force_id, reference)
    keys, found through the natural-key index: read-only, for the upload preview."""
    if not keys:
        return []
    dataset_ids, force_ids, references = (list(column) for column in zip(*keys, strict=True))
    return Incident.objects.raw(
        _sql(
            "SELECT i.* FROM {incident} i "
            "JOIN unnest(%s::integer[], %s::integer[], %s::text[]) AS k(dataset_id, force_id, ref)"
            " ON i.dataset_id = k.dataset_id AND i.force_id = k.force_id AND i.reference = k.ref"
        ),
        [dataset_ids, force_ids, references],
    )


def stored_outcomes(incident_ids: list[int]) -> list[tuple]:
    """(incident_id, outcome, decided_on) of these incidents."""
    with connection.cursor() as cursor:
        cursor.execute(
            _sql(
                "SELECT incident_id, outcome, decided_on FROM {outcome} WHERE incident_id = ANY(%s)"
            ),
            [incident_ids],
        )
        return cursor.fetchall()
