"""The save step of an import: validated rows -> database, in one transaction.

Idempotent on natural keys. Concurrent imports are serialised with a transaction-level
advisory lock, so two editors confirming the same file end with one set of records and
the second sees that nothing changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import timezone

from .models import (
    Dataset,
    Figure,
    FigureRevision,
    Force,
    ImportBatch,
    Incident,
    Outcome,
    Return,
    Source,
)

if TYPE_CHECKING:
    from .importers import FigureRow, IncidentRow, SourceKey

IMPORT_LOCK = 7_301_001  # any constant shared by every import: one import writes at a time
FIGURE_VALUE_FIELDS = ("count", "status", "source_id", "note")


@dataclass(frozen=True)
class ImportResult:
    """What a save did. `batch` is None when nothing was created or updated."""

    batch: ImportBatch | None
    created: int
    updated: int
    unchanged: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _lock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])


def _ids(model, slugs) -> dict[str, int]:
    return dict(model.objects.filter(slug__in=set(slugs)).values_list("slug", "id"))


def _sources(keys: set[SourceKey]) -> dict[SourceKey, int]:
    """Source ids for these keys, creating the missing sources."""

    def key_of(source):
        from .importers import SourceKey

        return SourceKey(source.title, source.publisher, source.published_on, source.url)

    titles = {key.title for key in keys}
    known = {key_of(s): s.id for s in Source.objects.filter(title__in=titles)}
    missing = [
        Source(title=k.title, publisher=k.publisher, published_on=k.published_on, url=k.url)
        for k in keys
        if k not in known
    ]
    for source in Source.objects.bulk_create(missing):
        known[key_of(source)] = source.id
    return known


def _new_batch(kind: str, file_name: str, sha256: str, user) -> ImportBatch:
    return ImportBatch.objects.create(
        kind=kind, file_name=file_name[:300], sha256=sha256, uploaded_by=user
    )


@transaction.atomic
def save_figures(rows: list[FigureRow], *, file_name: str, sha256: str, user=None) -> ImportResult:
    """Create new figures, restate changed ones (keeping the old value), skip the same."""
    _lock()
    datasets = _ids(Dataset, (r.dataset for r in rows))
    forces = _ids(Force, (r.force for r in rows if r.force))
    sources = _sources({r.source for r in rows})
    existing = {
        (f.dataset_id, f.force_id, f.period_start, f.period_end, f.category, f.outcome, f.role): f
        for f in Figure.objects.filter(dataset_id__in=datasets.values())
    }
    new, changed = [], []
    for row in rows:
        values = {
            "count": row.count,
            "status": row.status,
            "source_id": sources[row.source],
            "note": row.note,
        }
        key = (
            datasets[row.dataset],
            forces.get(row.force),
            row.period_start,
            row.period_end,
            row.category,
            row.outcome,
            row.role,
        )
        figure = existing.get(key)
        if figure is None:
            new.append(
                Figure(
                    dataset_id=key[0],
                    force_id=key[1],
                    period_start=key[2],
                    period_end=key[3],
                    category=key[4],
                    outcome=key[5],
                    role=key[6],
                    **values,
                )
            )
        elif any(getattr(figure, name) != value for name, value in values.items()):
            changed.append((figure, values))
    result_unchanged = len(rows) - len(new) - len(changed)
    if not new and not changed:
        return ImportResult(batch=None, created=0, updated=0, unchanged=result_unchanged)
    batch = _new_batch("figures", file_name, sha256, user)
    FigureRevision.objects.bulk_create(
        FigureRevision(
            figure=figure,
            count=figure.count,
            status=figure.status,
            source_id=figure.source_id,
            note=figure.note,
            batch_id=figure.batch_id,
            replaced_by=batch,
        )
        for figure, _ in changed
    )
    for figure, values in changed:
        for name, value in values.items():
            setattr(figure, name, value)
        figure.batch = batch
        figure.updated_at = timezone.now()  # bulk_update skips auto_now
    Figure.objects.bulk_update(
        [f for f, _ in changed], [*FIGURE_VALUE_FIELDS, "batch", "updated_at"], batch_size=2000
    )
    for figure in new:
        figure.batch = batch
    Figure.objects.bulk_create(new, batch_size=2000)
    refresh_returns(
        {
            (key[0], key[1])
            for key in ((datasets[r.dataset], forces.get(r.force)) for r in rows)
            if key[1]
        }
    )
    batch.created, batch.updated, batch.unchanged = len(new), len(changed), result_unchanged
    batch.save(update_fields=["created", "updated", "unchanged"])
    return ImportResult(batch, len(new), len(changed), result_unchanged)


def refresh_returns(pairs: set[tuple[int, int]]) -> None:
    """Set each (dataset, force) return's status from its figures.

    The force's total for the dataset says whether it disclosed; a force that published
    only breakdowns still disclosed something.
    """
    if not pairs:
        return
    dataset_ids = {d for d, _ in pairs}
    force_ids = {f for _, f in pairs}
    totals = {
        (d, f): status
        for d, f, status in Figure.objects.filter(
            dataset_id__in=dataset_ids,
            force_id__in=force_ids,
            category__isnull=True,
            outcome__isnull=True,
            role__isnull=True,
        ).values_list("dataset_id", "force_id", "status")
    }
    current = {
        (r.dataset_id, r.force_id): r
        for r in Return.objects.filter(dataset_id__in=dataset_ids, force_id__in=force_ids)
    }
    new, changed = [], []
    for pair in pairs:
        status = totals.get(pair, "disclosed")
        answer = current.get(pair)
        if answer is None:
            new.append(Return(dataset_id=pair[0], force_id=pair[1], status=status))
        elif answer.status != status:
            answer.status = status
            changed.append(answer)
    Return.objects.bulk_create(new)
    Return.objects.bulk_update(changed, ["status"])


@transaction.atomic
def save_incidents(
    rows: list[IncidentRow], *, file_name: str, sha256: str, user=None
) -> ImportResult:
    """Create new incidents and update changed ones (with their outcomes)."""
    _lock()
    datasets = _ids(Dataset, (r.dataset for r in rows))
    forces = _ids(Force, (r.force for r in rows))
    existing = {
        (i.dataset_id, i.force_id, i.reference): i
        for i in Incident.objects.filter(dataset_id__in=datasets.values())
    }
    outcomes: dict[int, set[tuple]] = {}
    for incident_id, code, decided_on in Outcome.objects.filter(
        incident__dataset_id__in=datasets.values()
    ).values_list("incident_id", "outcome", "decided_on"):
        outcomes.setdefault(incident_id, set()).add((code, decided_on))
    new, changed = [], []
    for row in rows:
        key = (datasets[row.dataset], forces[row.force], row.reference)
        values = {
            "occurred_on": row.occurred_on,
            "category": row.category,
            "role": row.role,
            "summary": row.summary,
        }
        wanted = {(code, row.outcome_date) for code in row.outcomes}
        incident = existing.get(key)
        if incident is None:
            new.append(
                (Incident(dataset_id=key[0], force_id=key[1], reference=key[2], **values), wanted)
            )
        elif wanted != outcomes.get(incident.id, set()) or any(
            getattr(incident, name) != value for name, value in values.items()
        ):
            for name, value in values.items():
                setattr(incident, name, value)
            changed.append((incident, wanted))
    unchanged = len(rows) - len(new) - len(changed)
    if not new and not changed:
        return ImportResult(batch=None, created=0, updated=0, unchanged=unchanged)
    batch = _new_batch("incidents", file_name, sha256, user)
    for incident, _ in new + changed:
        incident.batch = batch
    Incident.objects.bulk_create([i for i, _ in new], batch_size=2000)
    Incident.objects.bulk_update(
        [i for i, _ in changed],
        ["occurred_on", "category", "role", "summary", "batch"],
        batch_size=2000,
    )
    Outcome.objects.filter(incident__in=[i for i, _ in changed]).delete()
    Outcome.objects.bulk_create(
        (
            Outcome(incident=incident, outcome=code, decided_on=decided_on)
            for incident, wanted in new + changed
            for code, decided_on in sorted(wanted)
        ),
        batch_size=5000,
    )
    batch.created, batch.updated, batch.unchanged = len(new), len(changed), unchanged
    batch.save(update_fields=["created", "updated", "unchanged"])
    return ImportResult(batch, len(new), len(changed), unchanged)
