"""What stands behind a force's value: the notes of its figures, and whether one of them
restated an earlier published value (breaches/queries.py, `force_values_by_outcome()`).

Each function answers for several selections of figures (Q objects, one per outcome read
together) in one query, so a chart of five outcome groups costs what one league does.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db import models
from django.db.models import Exists, ExpressionWrapper, OuterRef


def _flags(selections: dict) -> dict[str, ExpressionWrapper]:
    """Whether a figure is one of each selection's rows, as columns `in_0`, `in_1`, ...: one
    query then serves every selection, and the rules stay in their Q objects."""
    return {
        f"in_{i}": ExpressionWrapper(q, output_field=models.BooleanField())
        for i, q in enumerate(selections.values())
    }


def restated_in(figures, selections: dict, force_ids: list[int]) -> dict:
    """{selection key: forces whose figures there replaced an earlier published value}
    (one query for every selection)."""
    from .models import FigureRevision  # models imports queries, which imports this module

    # A retraction's own revisions, and those of batches since retracted, are history of an
    # undo: the value shown is the earlier one again, not a restatement.
    restatements = (
        FigureRevision.objects.filter(figure=OuterRef("pk"))
        .exclude(replaced_by__kind="retraction")
        .filter(replaced_by__retraction__isnull=True)
    )
    flags = _flags(selections)
    rows = (
        figures.filter(reduce(or_, selections.values()), Exists(restatements))
        .filter(force_id__in=force_ids)
        .annotate(**flags)
        .values_list("force_id", *flags)
        .order_by()
        .distinct()
    )
    restated = {key: set() for key in selections}
    for force_id, *inside in rows:
        for key, flag in zip(selections, inside, strict=True):
            if flag:
                restated[key].add(force_id)
    return restated


def notes_in(figures, selections: dict, force_ids: list[int]) -> dict:
    """{selection key: {force_id: the notes of its figures there}}, each force's notes
    distinct and in alphabetical order (one query for every selection)."""
    flags = _flags(selections)
    rows = (
        figures.filter(reduce(or_, selections.values()))
        .filter(force_id__in=force_ids)
        .exclude(note="")
        .annotate(**flags)
        .values_list("force_id", "note", *flags)
        .distinct()
        .order_by("force_id", "note")
    )
    notes: dict = {key: {} for key in selections}
    for force_id, note, *inside in rows:
        for key, flag in zip(selections, inside, strict=True):
            if not flag:
                continue
            found = notes[key].setdefault(force_id, [])
            if note not in found:  # the same note on two figures behind one value
                found.append(note)
    return notes
