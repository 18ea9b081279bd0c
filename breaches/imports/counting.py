"""Derived figures: keep `IncidentCount` in step with the incidents, inside the import's
transaction (docs/data-model.md, "Counting incidents").

Every write to incidents is bracketed the same way: before it, the touched incidents' current
contribution is taken out of the counts; after it, their new contribution is put back. Only
the touched incidents are read, so a chunk of 100,000 incidents costs the same whether the
dataset holds none or a million.

What one incident contributes: one to each cell it falls in, for the outcome "all" once, and
once for each detailed outcome and each outcome group it reached (an incident with a warning
and then a dismissal counts once under each: once per outcome group it reached, once in the
total). In its dataset's whole period, every combination of its category, outcome and role
with "all" is a cell. In its month (or the "undated" bucket when it has no date) the cells
break down by one dimension at a time: category, outcome or role. Years and financial years
are sums of months, read at query time; finer time cross-tabs are counted from the incidents
themselves (breaches/derived.py). That keeps the table small (a few hundred thousand cells at a
million incidents) and an import's counting cost proportional to its size. An unknown (NULL)
category or role counts under "all" only: it is not a cell of its own.

An incident with no outcome published counts under the outcome NO_OUTCOME, so the incidents
list's facet "no outcome published" is read from cells too (breaches/counted_facets.py); no
league or chart asks for it.
"""

from __future__ import annotations

from django.db import connection, transaction

from ..vocabularies import DETAILED_OUTCOMES

NO_OUTCOME = "none-published"  # not a vocabulary code: a cell of its own
GROUP_OF = ", ".join(f"('{term.code}', '{term.group}')" for term in DETAILED_OUTCOMES.terms)

# The SQL is built from constants only (vocabulary codes); values go in as parameters.
CONTRIBUTION = f"""
WITH touched AS ({{ids}}),
inc AS (
    SELECT i.id, i.dataset_id, i.force_id, i.occurred_on, i.category, i.role,
           d.period_start AS dataset_start, d.period_end AS dataset_end
    FROM breaches_incident i
    JOIN touched t ON t.id = i.id
    JOIN breaches_dataset d ON d.id = i.dataset_id
    WHERE i.retracted_by_id IS NULL
),
-- The touched incidents' outcomes, read once (one pass over the outcomes, not three).
stored_outcomes AS MATERIALIZED (
    SELECT o.incident_id, o.outcome FROM breaches_outcome o JOIN inc ON inc.id = o.incident_id
),
reached AS (
    SELECT incident_id, outcome FROM stored_outcomes
    UNION
    SELECT so.incident_id, g.outcome_group
    FROM stored_outcomes so
    JOIN (VALUES {GROUP_OF}) AS g (code, outcome_group) ON g.code = so.outcome
    UNION ALL
    SELECT inc.id, '{NO_OUTCOME}' FROM inc
    WHERE NOT EXISTS (SELECT FROM stored_outcomes so WHERE so.incident_id = inc.id)
),
-- One row per incident and outcome ("all" is NULL), summed over incidents alike in every
-- dimension a cell can have: a million incidents come down to tens of thousands of rows
-- before the buckets and grouping sets multiply them.
keyed AS MATERIALIZED (
    SELECT dataset_id, force_id, dataset_start, dataset_end,
           date_trunc('month', occurred_on)::date AS month, category, role, outcome,
           count(*) AS n
    FROM (
        SELECT inc.*, NULL::varchar AS outcome FROM inc
        UNION ALL
        SELECT inc.*, r.outcome FROM inc JOIN reached r ON r.incident_id = inc.id
    ) AS each_outcome
    GROUP BY dataset_id, force_id, dataset_start, dataset_end, month, category, role, outcome
),
bucketed AS (
    SELECT k.dataset_id, k.force_id, b.bucket, b.period_start, b.period_end,
           k.category, k.outcome, k.role, k.n
    FROM keyed k
    CROSS JOIN LATERAL (VALUES
        ('whole', k.dataset_start, k.dataset_end),
        ('undated', CASE WHEN k.month IS NULL THEN k.dataset_start END, k.dataset_end),
        ('month', k.month, (k.month + interval '1 month - 1 day')::date)
    ) AS b (bucket, period_start, period_end)
    WHERE b.period_start IS NOT NULL
)
SELECT dataset_id, force_id, bucket, period_start, period_end, category, outcome, role,
       sum(n)::integer AS n
FROM bucketed
WHERE bucket = 'whole'
GROUP BY dataset_id, force_id, bucket, period_start, period_end, outcome, CUBE (category, role)
HAVING NOT (GROUPING(category) = 0 AND category IS NULL)
   AND NOT (GROUPING(role) = 0 AND role IS NULL)
UNION ALL
SELECT dataset_id, force_id, bucket, period_start, period_end, NULL, outcome, NULL,
       sum(n)::integer AS n
FROM bucketed
WHERE bucket <> 'whole'
GROUP BY dataset_id, force_id, bucket, period_start, period_end, outcome
UNION ALL
-- One dimension at a time: category and role cells of the outcome "all" only.
SELECT dataset_id, force_id, bucket, period_start, period_end, category, NULL, role,
       sum(n)::integer AS n
FROM bucketed
WHERE bucket <> 'whole' AND outcome IS NULL
GROUP BY dataset_id, force_id, bucket, period_start, period_end, GROUPING SETS ((category), (role))
HAVING (GROUPING(category) = 1 OR category IS NOT NULL)
   AND (GROUPING(role) = 1 OR role IS NOT NULL)
"""  # noqa: S608

ADD = f"""
INSERT INTO breaches_incidentcount
    (dataset_id, force_id, bucket, period_start, period_end, category, outcome, role, count)
SELECT dataset_id, force_id, bucket, period_start, period_end, category, outcome, role, n
FROM ({CONTRIBUTION}) AS contribution
ON CONFLICT (dataset_id, bucket, period_start, period_end, category, outcome, role, force_id)
DO UPDATE SET count = breaches_incidentcount.count + EXCLUDED.count
"""  # noqa: S608

# COALESCE rather than IS NOT DISTINCT FROM: equality joins can be hashed.
REMOVE = f"""
UPDATE breaches_incidentcount c SET count = c.count - d.n
FROM ({CONTRIBUTION}) AS d
WHERE c.dataset_id = d.dataset_id AND c.force_id = d.force_id AND c.bucket = d.bucket
  AND c.period_start = d.period_start AND c.period_end = d.period_end
  AND COALESCE(c.category, '') = COALESCE(d.category, '')
  AND COALESCE(c.outcome, '') = COALESCE(d.outcome, '')
  AND COALESCE(c.role, '') = COALESCE(d.role, '')
RETURNING c.id, c.count
"""  # noqa: S608


TOUCHED = "counting_touched"


def _touched(cursor, ids_sql: str, params) -> str:
    """Keep the touched ids in an analysed temporary table and return a query of them.

    Inside an import the incidents just written have no statistics yet: asked for "the
    incidents of batch 4", the planner expects a handful and joins 800,000 rows by nested
    loops (minutes). A table of the ids, analysed, tells it how many there are (seconds).
    """
    cursor.execute(f"DROP TABLE IF EXISTS {TOUCHED}")
    cursor.execute(f"CREATE TEMPORARY TABLE {TOUCHED} ON COMMIT DROP AS {ids_sql}", params)
    cursor.execute(f"CREATE UNIQUE INDEX ON {TOUCHED} (id)")
    cursor.execute(f"ANALYZE {TOUCHED}")
    return f"SELECT id FROM {TOUCHED}"  # noqa: S608 (a constant name)


def add_to_counts(ids_sql: str, params=()) -> None:
    """Count the incidents `ids_sql` selects (a query of one column, `id`), as they are now."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '128MB'")  # the grouping sets hash in memory
        cursor.execute(ADD.replace("{ids}", _touched(cursor, ids_sql, params)))


def remove_from_counts(ids_sql: str, params=()) -> None:
    """Take the incidents `ids_sql` selects out of the counts, as they are now."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '128MB'")
        cursor.execute(REMOVE.replace("{ids}", _touched(cursor, ids_sql, params)))
        emptied = [row_id for row_id, count in cursor.fetchall() if count == 0]
        if emptied:
            cursor.execute("DELETE FROM breaches_incidentcount WHERE id = ANY(%s)", [emptied])


def recount_everything() -> None:
    """Rebuild every count from the incidents (the migration's backfill; a repair tool)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM breaches_incidentcount")
    add_to_counts("SELECT id FROM breaches_incident")
