"""The save step of an import: validated rows -> database, in one transaction.

Saving is planned first (`plan_figures`, `plan_incidents`: read-only, so the admin preview
shows exactly what a confirm will do), then applied. Idempotent on natural keys. Concurrent
imports are serialised with a transaction-level advisory lock and re-planned under it, so
two editors confirming the same file end with one set of records and the second sees that
nothing changed. The natural keys span withdrawn (retracted) rows too, so everything here
reads every row (`Figure.objects`, not `published()`); re-uploading a withdrawn row
publishes it again and counts as created.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import timezone

from ..models import (
    Dataset,
    Figure,
    FigureRevision,
    Force,
    ImportBatch,
    Return,
    Source,
)
from . import counting, merge

if TYPE_CHECKING:
    from .rows import FigureRow, IncidentRow, SourceKey

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


@dataclass
class Plan:
    """What saving these rows would do. `new` pairs a row with a withdrawn record it revives
    (or None); `changed` pairs a row with the current record, old values still in place."""

    kind: str
    new: list[tuple] = field(default_factory=list)
    changed: list[tuple] = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    datasets: dict[str, int] = field(default_factory=dict)
    forces: dict[str, int] = field(default_factory=dict)
    sources: dict = field(default_factory=dict)
    outcomes: dict[int, set[tuple]] = field(default_factory=dict)  # incidents only

    @property
    def changes_anything(self) -> bool:
        return bool(self.new or self.changed)


def lock_imports() -> None:
    """Serialise writers (imports and retractions) until the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])


def _ids(model, slugs) -> dict[str, int]:
    return dict(model.objects.filter(slug__in=set(slugs)).values_list("slug", "id"))


def _source_key(source: Source) -> SourceKey:
    from .rows import SourceKey

    return SourceKey(source.title, source.publisher, source.published_on, source.url)


def known_sources(keys: set[SourceKey]) -> dict[SourceKey, int]:
    """Ids of the sources that already exist (read-only)."""
    titles = {key.title for key in keys}
    return {_source_key(s): s.id for s in Source.objects.filter(title__in=titles)}


def _sources(keys: set[SourceKey]) -> dict[SourceKey, int]:
    """Source ids for these keys, creating the missing sources."""
    known = known_sources(keys)
    missing = [
        Source(title=k.title, publisher=k.publisher, published_on=k.published_on, url=k.url)
        for k in keys
        if k not in known
    ]
    for source in Source.objects.bulk_create(missing):
        known[_source_key(source)] = source.id
    return known


def figure_values(row: FigureRow, sources: dict) -> dict:
    """The stored values a row sets (source_id is None for a source not yet created)."""
    return {
        "count": row.count,
        "status": row.status,
        "source_id": sources.get(row.source),
        "note": row.note,
    }


def plan_figures(rows: list[FigureRow], sources: dict | None = None) -> Plan:
    """Compare rows with stored figures without writing anything."""
    plan = Plan("figures")
    plan.datasets = _ids(Dataset, (r.dataset for r in rows))
    plan.forces = _ids(Force, (r.force for r in rows if r.force))
    plan.sources = known_sources({r.source for r in rows}) if sources is None else sources
    existing = {
        (f.dataset_id, f.force_id, f.period_start, f.period_end, f.category, f.outcome, f.role): f
        for f in Figure.objects.filter(dataset_id__in=plan.datasets.values())
    }
    for row in rows:
        figure = existing.get(_figure_key(plan, row))
        if figure is None or figure.retracted_by_id:
            plan.new.append((row, figure))
        elif any(
            getattr(figure, name) != value
            for name, value in figure_values(row, plan.sources).items()
        ):
            plan.changed.append((row, figure))
        else:
            plan.unchanged.append(row)
    return plan


def _figure_key(plan: Plan, row: FigureRow) -> tuple:
    return (
        plan.datasets[row.dataset],
        plan.forces.get(row.force),
        row.period_start,
        row.period_end,
        row.category,
        row.outcome,
        row.role,
    )


def _new_batch(kind: str, file_name: str, sha256: str, user, content, sheet) -> ImportBatch:
    return ImportBatch.objects.create(
        kind=kind,
        file_name=file_name[:300],
        sha256=sha256,
        uploaded_by=user,
        original=content,
        sheet=(sheet or "")[:100],
    )


def figure_revision(figure: Figure, replaced_by: ImportBatch) -> FigureRevision:
    """What a figure says now, kept before `replaced_by` restates or withdraws it."""
    return FigureRevision(
        figure=figure,
        count=figure.count,
        status=figure.status,
        source_id=figure.source_id,
        note=figure.note,
        batch_id=figure.batch_id,
        replaced_by=replaced_by,
    )


@transaction.atomic
def save_figures(
    rows: list[FigureRow],
    *,
    file_name: str,
    sha256: str,
    user=None,
    content: bytes | None = None,
    sheet: str = "",
) -> ImportResult:
    """Create new figures, restate changed ones (keeping the old value), skip the same."""
    lock_imports()
    plan = plan_figures(rows, _sources({r.source for r in rows}))
    unchanged = len(plan.unchanged)
    if not plan.changes_anything:
        return ImportResult(batch=None, created=0, updated=0, unchanged=unchanged)
    batch = _new_batch("figures", file_name, sha256, user, content, sheet)
    FigureRevision.objects.bulk_create(
        (figure_revision(figure, batch) for _, figure in plan.changed),
        batch_size=2000,
    )
    now = timezone.now()  # bulk_update skips auto_now
    created, revived = [], []
    for row, figure in plan.new:
        if figure is None:
            key = _figure_key(plan, row)
            figure = Figure(
                dataset_id=key[0],
                force_id=key[1],
                period_start=key[2],
                period_end=key[3],
                category=key[4],
                outcome=key[5],
                role=key[6],
            )
            created.append(figure)
        else:
            figure.retracted_by = None
            revived.append(figure)
        _set_figure(figure, row, plan, batch, now)
    for row, figure in plan.changed:
        _set_figure(figure, row, plan, batch, now)
    Figure.objects.bulk_update(
        [f for _, f in plan.changed] + revived,
        [*FIGURE_VALUE_FIELDS, "batch", "retracted_by", "updated_at"],
        batch_size=2000,
    )
    Figure.objects.bulk_create(created, batch_size=2000)
    refresh_returns({(plan.datasets[r.dataset], plan.forces[r.force]) for r in rows if r.force})
    return _finish(batch, len(plan.new), len(plan.changed), unchanged)


def _set_figure(figure: Figure, row: FigureRow, plan: Plan, batch, now) -> None:
    for name, value in figure_values(row, plan.sources).items():
        setattr(figure, name, value)
    figure.batch = batch
    figure.updated_at = now


def _finish(batch: ImportBatch, created: int, updated: int, unchanged: int) -> ImportResult:
    batch.created, batch.updated, batch.unchanged = created, updated, unchanged
    batch.save(update_fields=["created", "updated", "unchanged"])
    return ImportResult(batch, created, updated, unchanged)


def refresh_returns(pairs: set[tuple[int, int]]) -> None:
    """Set each (dataset, force) return's status from its published figures.

    The force's total for the dataset says whether it disclosed; a force that published
    only breakdowns still disclosed something. A pair left with no published figure (after
    a retraction) keeps its return: a return is an answer, and is never silently deleted.
    """
    if not pairs:
        return
    dataset_ids = {d for d, _ in pairs}
    force_ids = {f for _, f in pairs}
    published = Figure.objects.published().filter(
        dataset_id__in=dataset_ids, force_id__in=force_ids
    )
    with_figures = set(published.values_list("dataset_id", "force_id").distinct())
    # A force that disclosed a total for any period disclosed; otherwise its latest period's
    # status says why not (the ordering makes "latest" explicit, not the table's order).
    totals: dict[tuple, str] = {}
    for d, f, status in (
        published.filter(category__isnull=True, outcome__isnull=True, role__isnull=True)
        .order_by("period_end", "period_start")
        .values_list("dataset_id", "force_id", "status")
    ):
        if totals.get((d, f)) != "disclosed":
            totals[(d, f)] = status
    current = {
        (r.dataset_id, r.force_id): r
        for r in Return.objects.filter(dataset_id__in=dataset_ids, force_id__in=force_ids)
    }
    new, changed = [], []
    for pair in pairs & with_figures:
        status = totals.get(pair, "disclosed")
        answer = current.get(pair)
        if answer is None:
            new.append(Return(dataset_id=pair[0], force_id=pair[1], status=status))
        elif answer.status != status:
            answer.status = status
            changed.append(answer)
    Return.objects.bulk_create(new)
    Return.objects.bulk_update(changed, ["status"])


def incident_values(row: IncidentRow) -> dict:
    return {
        "occurred_on": row.occurred_on,
        "category": row.category,
        "role": row.role,
        "summary": row.summary,
    }


def wanted_outcomes(row: IncidentRow) -> set[tuple]:
    return {(code, row.outcome_date) for code in row.outcomes}


def plan_incidents(rows: list[IncidentRow]) -> Plan:
    """Compare rows with the stored incidents that have their natural keys (and their
    outcomes) without writing anything."""
    plan = Plan("incidents")
    plan.datasets = _ids(Dataset, (r.dataset for r in rows))
    plan.forces = _ids(Force, (r.force for r in rows))
    keys = [(plan.datasets[r.dataset], plan.forces[r.force], r.reference) for r in rows]
    existing = {(i.dataset_id, i.force_id, i.reference): i for i in merge.stored(keys)}
    for incident_id, code, decided_on in merge.stored_outcomes([i.id for i in existing.values()]):
        plan.outcomes.setdefault(incident_id, set()).add((code, decided_on))
    for row, key in zip(rows, keys, strict=True):
        incident = existing.get(key)
        if incident is None or incident.retracted_by_id:
            plan.new.append((row, incident))
        elif wanted_outcomes(row) != plan.outcomes.get(incident.id, set()) or any(
            getattr(incident, name) != value for name, value in incident_values(row).items()
        ):
            plan.changed.append((row, incident))
        else:
            plan.unchanged.append(row)
    return plan


def after_incidents_saved(pairs: set[tuple[int, int]]) -> None:
    """Everything kept in step with incidents, for the (dataset_id, force_id) pairs an
    incident import or retraction touched; runs last in its transaction, under the lock.

    The counts of incident records follow the incidents by other means (`counting`, around
    the writes themselves): they need the incidents as they were before the write.
    """
    refresh_returns(pairs)
    record_case_list_returns(pairs)


def record_case_list_returns(pairs: set[tuple[int, int]]) -> None:
    """A force that answered with a case list disclosed: give each (dataset, force) pair a
    return, where it has none, so an editor can mark its list complete."""
    Return.objects.bulk_create(
        [Return(dataset_id=d, force_id=f, status="disclosed") for d, f in pairs],
        ignore_conflicts=True,
    )


@transaction.atomic
def save_incidents(
    rows: list[IncidentRow],
    *,
    file_name: str,
    sha256: str,
    user=None,
    content: bytes | None = None,
    sheet: str = "",
) -> ImportResult:
    """Create new incidents and update changed ones (with their outcomes)."""
    merge.create_stage()
    merge.copy_rows(
        rows, _ids(Dataset, (r.dataset for r in rows)), _ids(Force, (r.force for r in rows))
    )
    return save_staged_incidents(
        file_name=file_name, sha256=sha256, user=user, content=content, sheet=sheet
    )


def save_staged_incidents(
    *, file_name: str, sha256: str, user=None, content: bytes | None = None, sheet: str = ""
) -> ImportResult:
    """Merge the rows staged by `merge.copy_rows` in this transaction, under the import lock:
    the one save step of every incident import (admin, command, synthetic data)."""
    if not connection.in_atomic_block:
        raise RuntimeError("save_staged_incidents must run inside the staging transaction")
    lock_imports()
    created, updated, unchanged = merge.classify()
    if not (created or updated):
        return ImportResult(batch=None, created=0, updated=0, unchanged=unchanged)
    batch = _new_batch("incidents", file_name, sha256, user, content, sheet)
    # The touched incidents leave the counts as they were and come back as they are now.
    counting.remove_from_counts(merge.TOUCHED)
    pairs = merge.apply(batch)
    counting.add_to_counts("SELECT id FROM breaches_incident WHERE batch_id = %s", [batch.pk])
    after_incidents_saved(pairs)
    return _finish(batch, created, updated, unchanged)
