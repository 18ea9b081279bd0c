"""Retract an import batch: undo what it did, keeping every value in the history.

Figures the batch created are withdrawn (hidden from `Figure.objects`, so from every page);
figures it restated return to the value they had before it. The retraction is itself an
ImportBatch (kind "retraction"), so it is listed in the history and changes the data
version. Values are never deleted: each value a retraction replaces is kept as a revision.
Records a later batch has restated since are left alone (that batch's value is newer).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ..models import (
    Figure,
    FigureRevision,
    ImportBatch,
    Incident,
    IncidentRevision,
    Outcome,
)
from ..versions import data_changed
from .saving import FIGURE_VALUE_FIELDS, INCIDENT_VALUE_FIELDS, incident_snapshot, lock_imports
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
    figures = list(Figure.all_objects.filter(batch=batch, retracted_by__isnull=True))
    revisions = {
        (r.figure_id, r.replaced_by_id): r
        for r in FigureRevision.objects.filter(figure__in=figures)
    }
    retracted = _retracted_batches()
    FigureRevision.objects.bulk_create(
        (
            FigureRevision(
                figure=f,
                count=f.count,
                status=f.status,
                source_id=f.source_id,
                note=f.note,
                batch_id=f.batch_id,
                replaced_by=retraction,
            )
            for f in figures
        ),
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
    Figure.all_objects.bulk_update(
        figures, [*FIGURE_VALUE_FIELDS, "batch", "retracted_by", "updated_at"], batch_size=2000
    )
    _refresh_returns({(f.dataset_id, f.force_id) for f in figures if f.force_id})
    return restored, withdrawn


def _retract_incidents(batch: ImportBatch, retraction: ImportBatch) -> tuple[int, int]:
    incidents = list(Incident.all_objects.filter(batch=batch, retracted_by__isnull=True))
    revisions = {
        (r.incident_id, r.replaced_by_id): r
        for r in IncidentRevision.objects.filter(incident__in=incidents)
    }
    outcomes: dict[int, set[tuple]] = {}
    for incident_id, code, decided_on in Outcome.objects.filter(incident__in=incidents).values_list(
        "incident_id", "outcome", "decided_on"
    ):
        outcomes.setdefault(incident_id, set()).add((code, decided_on))
    IncidentRevision.objects.bulk_create(
        (incident_snapshot(i, outcomes.get(i.id, set()), retraction) for i in incidents),
        batch_size=2000,
    )
    retracted = _retracted_batches()
    restored, replaced_outcomes = [], []
    for incident in incidents:
        previous = _previous(revisions, incident.id, batch.id, retracted)
        if previous is None:
            incident.retracted_by = retraction  # its outcomes stay, hidden with it
            continue
        for name in INCIDENT_VALUE_FIELDS:
            setattr(incident, name, getattr(previous, name))
        incident.batch_id = previous.batch_id
        restored.append(incident)
        replaced_outcomes += [
            Outcome(
                incident=incident,
                outcome=code,
                decided_on=dt.date.fromisoformat(day) if day else None,
            )
            for code, day in previous.outcomes
        ]
    Incident.all_objects.bulk_update(
        incidents, [*INCIDENT_VALUE_FIELDS, "batch", "retracted_by"], batch_size=2000
    )
    Outcome.objects.filter(incident__in=restored).delete()
    Outcome.objects.bulk_create(replaced_outcomes, batch_size=5000)
    return len(restored), len(incidents) - len(restored)
