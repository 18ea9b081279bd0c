"""What changed in the published figures, newest first: the Atom feeds' entries.

A figure's history is its revisions (each a value it had until a batch replaced it) followed
by its current value, so each step of that history is one change:

- **new**: the figure's first value, from the import that created it;
- **restated**: a later import replaced the value (old and new are both shown);
- **restored**: a retraction undid an import, and the figure went back to its earlier value;
- **withdrawn**: a retraction withdrew a figure its import had created.

Values set by a batch that was later retracted are withdrawn data: never shown (the entry
says a value was withdrawn, not what it was), and a step that produced one is left out.
Synthetic datasets are never included (Dataset.objects.public()).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch

from .models import Dataset, Figure, FigureRevision, Force, ImportBatch, Source

LIMIT = 50  # entries per feed: a reader subscribes for what is new, the pages hold the rest


@dataclass(frozen=True)
class Value:
    """A value a figure had: a count, or the status that says why there is none."""

    count: int | None
    status: str
    source: Source
    batch_id: int | None


@dataclass(frozen=True)
class Change:
    kind: str  # new, restated, restored, withdrawn
    at: dt.datetime
    figure: Figure
    batch: ImportBatch | None
    old: Value | None = None  # None when there was none, or it was withdrawn data
    new: Value | None = None  # None for a withdrawal

    @property
    def key(self) -> str:
        """Unique and stable per change: the feeds' entry id."""
        return f"figure-{self.figure.pk}-{self.kind}-{self.batch.pk if self.batch else 0}"


def _value(record) -> Value:
    return Value(record.count, record.status, record.source, record.batch_id)


def recent_changes(force: Force | None = None, limit: int = LIMIT) -> list[Change]:
    """The latest `limit` changes to figures of public datasets (one force's, or all)."""
    scope = {"dataset__in": Dataset.objects.public()}
    if force is not None:
        scope["force"] = force
    retracted = set(
        ImportBatch.objects.filter(retracts__isnull=False).values_list("retracts_id", flat=True)
    )
    figures = list(
        Figure.objects.filter(**scope)  # withdrawals are changes too
        .select_related("dataset", "force", "source", "batch", "retracted_by")
        .prefetch_related(
            Prefetch(
                "revisions",
                queryset=FigureRevision.objects.select_related("source", "replaced_by").order_by(
                    "replaced_at", "pk"
                ),
            )
        )
    )
    # The batch that created each figure: its first revision's, or its own when never restated.
    first = {
        f.pk: f.revisions.all()[0].batch_id if f.revisions.all() else f.batch_id for f in figures
    }
    batches = ImportBatch.objects.defer("original").in_bulk(set(first.values()) - {None})
    changes: list[Change] = []
    for figure in figures:
        created = batches.get(first[figure.pk])
        changes.extend(_history(figure, created, retracted))
    changes.sort(key=lambda change: (change.at, change.key), reverse=True)
    return changes[:limit]


def _history(figure: Figure, created: ImportBatch | None, retracted: set[int]) -> list[Change]:
    """The figure's changes; values set by retracted batches are never shown."""
    revisions = list(figure.revisions.all())
    values = [_value(r) for r in revisions] + [_value(figure)]
    shown = [None if v.batch_id in retracted else v for v in values]
    changes = []
    if shown[0] is not None:
        at = created.created_at if created else figure.updated_at
        changes.append(Change("new", at, figure, created, new=shown[0]))
    for step, revision in enumerate(revisions):
        if shown[step + 1] is None:  # the change produced withdrawn data (or withdrew it)
            continue
        kind = "restored" if revision.replaced_by.kind == "retraction" else "restated"
        changes.append(
            Change(
                kind, revision.replaced_at, figure, revision.replaced_by, *shown[step : step + 2]
            )
        )
    if figure.retracted_by_id:
        withdrawal = figure.retracted_by
        changes.append(Change("withdrawn", withdrawal.created_at, figure, withdrawal))
    return changes
