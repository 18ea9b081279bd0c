"""What the about page computes: workforce coverage, unallocated national figures, gaps."""

from __future__ import annotations

from django.db.models import Count, Q, Sum

from breaches.models import Dataset, Figure, Force, Workforce
from breaches.queries import OFFICERS, Level, Period
from breaches.vocabularies import WORKFORCE_MEASURES

from . import review


def workforce_coverage() -> dict:
    """How many forces have each workforce measure at each date.

    Keys: `measures` (the vocabulary's terms), `rows` (one per date, newest first: `as_of`
    and `counts`, the number of forces per measure in vocabulary order, 0 for none), and
    `without_officers` (forces with no officer count at any date: they have no rate).
    """
    counts = {
        (row["as_of"], row["measure"]): row["forces"]
        for row in Workforce.objects.values("as_of", "measure").annotate(forces=Count("force"))
    }
    dates = sorted({as_of for as_of, _ in counts}, reverse=True)
    return {
        "measures": WORKFORCE_MEASURES.terms,
        "rows": [
            {"as_of": d, "counts": [counts.get((d, m), 0) for m in WORKFORCE_MEASURES.codes]}
            for d in dates
        ],
        "without_officers": Force.objects.exclude(workforce__measure=OFFICERS).order_by("name"),
    }


def allocation(slug: str) -> dict | None:
    """For a dataset's whole period: the national total, and how much of it force totals cover.

    Keys: `dataset`, `total` (the national figure's count), `forces` (forces with a published
    total), `withheld` (names of forces that did not disclose one), `allocated` (the sum of
    the published force totals) and `unallocated` (total minus allocated; forces' totals
    never overlap, being one per force). None without the dataset or its national total.
    """
    dataset = Dataset.objects.filter(slug=slug).first()
    if dataset is None:
        return None
    whole = Period(dataset.period_start, dataset.period_end)
    totals = Figure.objects.published().for_dataset(dataset).in_period(whole).at_level(Level())
    national = totals.national().filter(count__isnull=False).first()
    if national is None:
        return None
    forces = totals.by_force().aggregate(
        forces=Count("force", filter=Q(count__isnull=False)), allocated=Sum("count")
    )
    allocated = forces["allocated"] or 0
    return {
        "dataset": dataset,
        "total": national.count,
        "forces": forces["forces"],
        "withheld": list(
            totals.by_force().filter(count__isnull=True).values_list("force__name", flat=True)
        ),
        "allocated": allocated,
        "unallocated": national.count - allocated,
    }


def known_gaps() -> dict:
    """The review notes for the known-gaps section (see dashboard/review.py)."""
    datasets = frozenset(Dataset.objects.values_list("slug", flat=True))
    groups = review.not_coded(known_datasets=datasets)
    return {
        "not_coded": groups,
        "not_coded_total": sum(len(group.rows) for group in groups),
        "conflicts": review.conflicts(),
        "workforce_skipped": review.workforce_skipped(),
    }
