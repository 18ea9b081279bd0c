"""Which breakdowns a dataset published in a period, and the one a league opens on.

Some datasets publish no total per force, only parts: Big Brother Watch's 2011 report gives
each force's outcomes (dismissed, disciplined ...), West Midlands Police's FOI 4658_14 only
unauthorised access by year. Their league at "all categories, outcomes and roles" is empty, so
it opens on the breakdown that most forces published and says so; an empty filter names the
breakdowns that do have figures, as links (issue 12, items 6 and 11).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F

from breaches.models import Dataset, Figure
from breaches.queries import Level, Period
from breaches.vocabularies import CATEGORIES, OUTCOMES, ROLES

LEVEL_FIELDS = {"category": CATEGORIES, "outcome": OUTCOMES, "role": ROLES}


@dataclass(frozen=True)
class Breakdown:
    """A level at which forces published figures in one period, and how many forces did."""

    level: Level
    forces: int

    @property
    def label(self) -> str:
        """ "outcome: Dismissed", "category: Unauthorised access, role: Police staff"."""
        parts = [
            f"{name}: {vocabulary.label(getattr(self.level, name))}"
            for name, vocabulary in LEVEL_FIELDS.items()
            if getattr(self.level, name)
        ]
        return ", ".join(parts) or "all categories, outcomes and roles"

    def query(self, params) -> str:
        """`params` (a QueryDict) at this level, without a sort that may not apply to it."""
        params = params.copy()
        for name in (*LEVEL_FIELDS, "sort", "_export"):
            params.pop(name, None)
        for name in LEVEL_FIELDS:
            if value := getattr(self.level, name):
                params[name] = value
        return params.urlencode()


def breakdowns(dataset: Dataset, period: Period) -> list[Breakdown]:
    """Levels with a published count from at least one force in `period`, most forces first
    (totals first among equals). One query."""
    rows = (
        Figure.objects.published()
        .for_dataset(dataset)
        .by_force()
        .in_period(period)
        .filter(count__isnull=False)
        .values("category", "outcome", "role")
        .annotate(forces=Count("force", distinct=True))
        .order_by(
            "-forces",
            *(F(name).asc(nulls_first=True) for name in LEVEL_FIELDS),
        )
    )
    return [
        Breakdown(Level(row["category"], row["outcome"], row["role"]), row["forces"])
        for row in rows
    ]


def opening_breakdown(options: list[Breakdown], shown: Level) -> Breakdown | None:
    """The breakdown to open on when the league at `shown` has no figure: the one most
    forces published (None when nothing else was published)."""
    return next((option for option in options if option.level != shown), None)
