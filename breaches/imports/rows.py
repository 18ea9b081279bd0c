"""The values an import carries between its steps: clean rows, and what validation found.

Validation builds them, saving and the upload preview read them; keeping them apart from
both is what lets each step import the rows without importing the other step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .tabular import RowError


@dataclass(frozen=True)
class SourceKey:
    title: str
    publisher: str
    published_on: dt.date | None
    url: str


@dataclass(frozen=True)
class FigureRow:
    row: int
    dataset: str
    force: str | None
    period_start: dt.date
    period_end: dt.date
    category: str | None
    outcome: str | None
    role: str | None
    count: int | None
    status: str
    source: SourceKey
    note: str

    @property
    def key(self) -> tuple:
        return (
            self.dataset,
            self.force,
            self.period_start,
            self.period_end,
            self.category,
            self.outcome,
            self.role,
        )


@dataclass(frozen=True)
class IncidentRow:
    row: int
    dataset: str
    force: str
    reference: str
    occurred_on: dt.date | None
    category: str | None
    role: str | None
    outcomes: tuple[str, ...]
    outcome_date: dt.date | None
    summary: str

    @property
    def key(self) -> tuple:
        return (self.dataset, self.force, self.reference)


@dataclass
class Validation:
    """What validation found: the clean rows, the errors, and how many rows were read."""

    kind: str
    rows: list = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_read: int = 0
    # A streamed file keeps its first errors only: rows rejected beyond them are counted here.
    rejected_beyond: int = 0

    @property
    def rejected(self) -> int:
        return len({error.row for error in self.errors}) + self.rejected_beyond

    @property
    def ok(self) -> bool:
        return not self.errors
