"""Facet counts of the incidents list read from the `IncidentCount` cells, not the rows.

Counting a million incident rows by force, category, outcome group, role and year takes
seconds; the cells kept by breaches/imports/counting.py already hold those sums. A cell
answers a facet when the list's filters are ones the cells break down by (dataset, force,
category, outcome, role) and, for months, at most one of category, outcome and role (months
are broken down one dimension at a time). Search, year and date filters, and the outcome
facet under an outcome filter (an incident reaching two groups) are counted from the rows
(dashboard/incidents/facets.py). The cells count every published incident, examples
included, exactly as the list shows them: tests/breaches/test_counted_facets.py checks that
both ways give the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Sum
from django.db.models.functions import ExtractYear

from .imports.counting import NO_OUTCOME
from .queries import Level
from .vocabularies import OUTCOME_GROUPS


@dataclass(frozen=True)
class CellFilters:
    """The list's filters that cells can hold: the datasets shown (all public ones unless
    one is chosen), a force, and a breakdown (None means "any")."""

    dataset_ids: Sequence[int]
    force_id: int | None = None
    level: Level = field(default_factory=Level)

    def dimensions(self) -> int:
        level = self.level
        return sum(value is not None for value in (level.category, level.outcome, level.role))

    def held(self) -> set[str]:
        """The facets the cells answer under these filters."""
        facets = {"force", "category", "role"}
        if self.level.outcome is None:
            facets.add("outcome")
        if self.dimensions() <= 1:
            facets.add("year")
        return facets


def _cells(filters: CellFilters, bucket: str, level: Level, *, free: str | None = None):
    """Cells of one bucket at `level`; the dimension `free` is left open (any value but
    "all"), so grouping by it gives the facet."""
    from .models import IncidentCount

    cells = IncidentCount.objects.filter(dataset_id__in=list(filters.dataset_ids), bucket=bucket)
    if filters.force_id is not None:
        cells = cells.filter(force_id=filters.force_id)
    for name in ("category", "outcome", "role"):
        if name == free and getattr(level, name) is None:
            cells = cells.filter(**{f"{name}__isnull": False})
        else:
            cells = cells.filter(level.exact(name))
    return cells.order_by()


def _summed(cells, *group_by) -> list[tuple]:
    return [tuple(row) for row in cells.values_list(*group_by).annotate(n=Sum("count"))]


def facets_from_cells(filters: CellFilters) -> dict[str, list[tuple]]:
    """Facet name -> [(value, count)] (unordered) for each facet in `filters.held()`.

    Blanks ("not coded", "not published", "undated") are the rest of the total; "no outcome
    published" has cells of its own (counting.NO_OUTCOME). One query a facet."""
    level = filters.level
    held = filters.held()
    by_force = _summed(_cells(filters, "whole", level), "force_id")
    total = sum(count for _, count in by_force)
    result: dict[str, list[tuple]] = {"force": by_force}
    for name in ("category", "role"):
        counts = _summed(_cells(filters, "whole", level, free=name), name)
        rest = total - sum(count for _, count in counts)
        result[name] = counts + ([(None, rest)] if rest else [])
    if "outcome" in held:
        groups = _cells(filters, "whole", level, free="outcome").filter(
            outcome__in=[*OUTCOME_GROUPS.codes, NO_OUTCOME]
        )
        result["outcome"] = [
            (None if code == NO_OUTCOME else code, count)
            for code, count in _summed(groups, "outcome")
        ]
    if "year" in held:
        months = _cells(filters, "month", level).annotate(year=ExtractYear("period_start"))
        undated = _cells(filters, "undated", level).aggregate(n=Sum("count"))["n"]
        result["year"] = _summed(months, "year") + ([(None, undated)] if undated else [])
    return result
