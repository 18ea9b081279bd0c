"""Retract an import batch: undo what it did, keeping every value in the history.

Figures the batch created are withdrawn (left out by `Figure.objects.published()`, so from
every page); figures it restated return to the value they had before it. The retraction is itself an
ImportBatch (kind "retraction"), so it is listed in the history and changes the data
version. Values are never deleted: each value a retraction replaces is kept as a revision.
Records a later batch has restated since are left alone (that batch's value is newer).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from ..models import Figure, FigureRevision, ImportBatch
from ..versions import data_changed
from . import counting
from .merge import OUTCOMES_JSON, TABLES
from .saving import FIGURE_VALUE_FIELDS, after_incidents_saved, figure_revision, lock_imports
from .saving import refresh_returns as _refresh_returns


@dataclass(frozen=True)
class RetractionResult:
    """What a retraction did; `retraction` is None when the batch was already retracted."""

    retraction: ImportBatch | None
    restored: int = 0
    withdrawn: int = 0
    kept: int = 0  # restated since by a later batch, so left as they are

    @property
    def changed(self) -> bool:
        return self.retraction is not None


class NotRetractable(ValueError):
    pass


@transaction.atomic
def retract_batch(batch_id: int, *, user=None) -> RetractionResult:
    """Undo one import batch; a second retraction of the same batch does nothing."""
    lock_imports()
    batch = ImportBatch.objects.select_for_update().defer("original").get(pk=batch_id)
    if batch.kind == "retraction":
        raise NotRetractable("A retraction cannot itself be retracted; re-upload the file")
    if ImportBatch.objects.filter(retracts=batch).exists():
        return RetractionResult(None)
    retraction = ImportBatch.objects.create(
        kind="retraction",
        file_name=batch.file_name,
        sha256=batch.sha256,
        uploaded_by=user,
        retracts=batch,
    )
    undo = _retract_figures if batch.kind == "figures" else _retract_incidents
    restored, withdrawn = undo(batch, retraction)
    kept = max(batch.created + batch.updated - restored - withdrawn, 0)
    retraction.updated, retraction.withdrawn, retraction.unchanged = restored, withdrawn, kept
    retraction.save(update_fields=["updated", "withdrawn", "unchanged"])
    data_changed()
    return RetractionResult(retraction, restored, withdrawn, kept)


def _previous(revisions: dict, record_id: int, batch_id: int, retracted: set[int]):
    """The value before `batch_id`, skipping values set by batches since retracted."""
    revision = revisions.get((record_id, batch_id))
    seen = {batch_id}
    while revision is not None and revision.batch_id in retracted:
        if revision.batch_id in seen:  # defensive: history never loops
            return None
        seen.add(revision.batch_id)
        revision = revisions.get((record_id, revision.batch_id))
    return revision


def _retracted_batches() -> set[int]:
    return set(
        ImportBatch.objects.filter(retracts__isnull=False).values_list("retracts_id", flat=True)
    )


def _retract_figures(batch: ImportBatch, retraction: ImportBatch) -> tuple[int, int]:
    figures = list(Figure.objects.published().filter(batch=batch))
    revisions = {
        (r.figure_id, r.replaced_by_id): r
        for r in FigureRevision.objects.filter(figure__in=figures)
    }
    retracted = _retracted_batches()
    FigureRevision.objects.bulk_create(
        (figure_revision(f, retraction) for f in figures),
        batch_size=2000,
    )
    restored = withdrawn = 0
    now = timezone.now()
    for figure in figures:
        previous = _previous(revisions, figure.id, batch.id, retracted)
        if previous is None:
            figure.retracted_by = retraction
            withdrawn += 1
        else:
            for name in FIGURE_VALUE_FIELDS:
                setattr(figure, name, getattr(previous, name))
            figure.batch_id = previous.batch_id
            restored += 1
        figure.updated_at = now
    Figure.objects.bulk_update(
        figures, [*FIGURE_VALUE_FIELDS, "batch", "retracted_by", "updated_at"], batch_size=2000
    )
    _refresh_returns({(f.dataset_id, f.force_id) for f in figures if f.force_id})
    return restored, withdrawn


# Each incident the batch set (and no later batch restated) with the revision to restore:
# the value before the batch, walking past values set by batches retracted since (as
# `_previous` does for figures), or none (then the incident is withdrawn). In SQL, so that
# retracting a million-row batch costs a few statements, not a million objects.
RETRACT_PLAN = """
CREATE TEMPORARY TABLE retraction_plan ON COMMIT DROP AS
WITH RECURSIVE retracted AS (
    SELECT retracts_id AS id FROM {batch} WHERE retracts_id IS NOT NULL
), chain AS (
    SELECT i.id AS incident_id, r.id AS revision_id, r.batch_id, 1 AS depth
    FROM {incident} i
    JOIN {revision} r ON r.incident_id = i.id AND r.replaced_by_id = %(batch)s
    WHERE i.batch_id = %(batch)s AND i.retracted_by_id IS NULL
  UNION ALL
    SELECT c.incident_id, r.id, r.batch_id, c.depth + 1
    FROM chain c
    JOIN {revision} r ON r.incident_id = c.incident_id AND r.replaced_by_id = c.batch_id
    WHERE c.batch_id IN (SELECT id FROM retracted) AND c.depth < 1000
), last AS (
    SELECT DISTINCT ON (incident_id) incident_id, revision_id, batch_id
    FROM chain ORDER BY incident_id, depth DESC
)
SELECT i.id AS incident_id, i.dataset_id, i.force_id,
    CASE WHEN last.batch_id IN (SELECT id FROM retracted) THEN NULL
        ELSE last.revision_id END AS revision_id
FROM {incident} i LEFT JOIN last ON last.incident_id = i.id
WHERE i.batch_id = %(batch)s AND i.retracted_by_id IS NULL
"""
RETRACT_STEPS = (
    # Every value the retraction replaces is kept, as an import keeps what it restates.
    """INSERT INTO {revision}
        (incident_id, occurred_on, category, role, summary, outcomes, batch_id,
         replaced_by_id, replaced_at)
    SELECT i.id, i.occurred_on, i.category, i.role, i.summary, """
    + OUTCOMES_JSON
    + """, i.batch_id, %(retraction)s, now()
    FROM retraction_plan p JOIN {incident} i ON i.id = p.incident_id
    ORDER BY i.id""",
    # Withdrawn incidents keep their outcomes, hidden with them.
    """UPDATE {incident} i SET retracted_by_id = %(retraction)s
    FROM retraction_plan p WHERE i.id = p.incident_id AND p.revision_id IS NULL""",
    """UPDATE {incident} i SET occurred_on = r.occurred_on, category = r.category,
        role = r.role, summary = r.summary, batch_id = r.batch_id
    FROM retraction_plan p JOIN {revision} r ON r.id = p.revision_id
    WHERE i.id = p.incident_id""",
    """DELETE FROM {outcome} o USING retraction_plan p
    WHERE o.incident_id = p.incident_id AND p.revision_id IS NOT NULL""",
    """INSERT INTO {outcome} (incident_id, outcome, decided_on)
    SELECT p.incident_id, kept ->> 0, (kept ->> 1)::date
    FROM retraction_plan p JOIN {revision} r ON r.id = p.revision_id
    CROSS JOIN LATERAL jsonb_array_elements(r.outcomes) AS kept
    ORDER BY p.incident_id, kept ->> 0""",
)


def _retract_incidents(batch: ImportBatch, retraction: ImportBatch) -> tuple[int, int]:
    tables = {**TABLES, "batch": ImportBatch._meta.db_table}
    params = {"batch": batch.pk, "retraction": retraction.pk}
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS retraction_plan")
        cursor.execute(RETRACT_PLAN.format(**tables), params)
        cursor.execute("ANALYZE retraction_plan")
        touched_ids = "SELECT incident_id AS id FROM retraction_plan"
        counting.remove_from_counts(touched_ids)
        for statement in RETRACT_STEPS:
            cursor.execute(statement.format(**tables), params)
        counting.add_to_counts(touched_ids)
        cursor.execute("SELECT count(*), count(revision_id) FROM retraction_plan")
        touched, restored = cursor.fetchone()
        cursor.execute("SELECT DISTINCT dataset_id, force_id FROM retraction_plan")
        pairs = set(cursor.fetchall())
    after_incidents_saved(pairs)
    return restored, touched - restored
