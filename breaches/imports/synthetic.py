"""Synthetic incidents for measuring: made-up rows shaped like real case lists.

Never real data: they go into a dataset marked `synthetic` (hidden from public pages unless
SHOW_SYNTHETIC_DATA is on) and are saved through the same COPY-and-merge path as an import.
Shaped like the FOI case lists we hold: a few forces hold most cases (the Metropolitan
Police alone answers for about a fifth of officers), every category, outcome and role
occurs, dates span fifteen years, some incidents have no date and some two outcomes.

Row `i` depends only on the seed and `i` (rows are generated in blocks seeded by both), so
`--offset` continues a dataset exactly and any chunking gives the same rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import random
from collections.abc import Iterator

from ..vocabularies import CATEGORIES, OUTCOMES, ROLES
from .rows import IncidentRow

FIRST_DAY = dt.date(2010, 1, 1)
DAYS = (dt.date(2024, 12, 31) - FIRST_DAY).days  # fifteen years
BLOCK = 10_000
UNDATED = 0.04
TWO_OUTCOMES = 0.15
NO_OUTCOME = 0.10
ACTS = (
    "accessed",
    "searched",
    "disclosed",
    "shared",
    "photographed",
    "emailed",
    "printed",
    "looked up",
)
WHAT = (
    "the police national computer record",
    "intelligence records",
    "custody images",
    "a witness statement",
    "domestic abuse case notes",
    "vehicle registration details",
    "a neighbour's address",
    "a former partner's details",
    "crime reports about a relative",
    "body-worn video footage",
    "firearms licensing files",
    "a missing person report",
)
WHY = (
    "without a policing purpose",
    "out of curiosity",
    "for a friend",
    "for personal gain",
    "to a journalist",
    "on social media",
    "to settle a dispute",
    "to a private investigator",
)


def _weights(count: int, skew: float) -> list[float]:
    return [1 / (rank**skew) for rank in range(1, count + 1)]


class SyntheticIncidents:
    """Deterministic synthetic incident rows for one dataset, seed and list of forces."""

    def __init__(self, dataset: str, forces: list[str], seed: int):
        self.dataset, self.seed = dataset, seed
        order = random.Random(f"forces:{seed}")  # noqa: S311 (made-up data, not secrets)
        self.forces = sorted(forces)
        order.shuffle(self.forces)  # which forces are the large ones depends on the seed
        self.force_weights = list(itertools.accumulate(_weights(len(self.forces), 1.3)))
        self.categories = CATEGORIES.codes
        self.category_weights = list(itertools.accumulate(_weights(len(self.categories), 0.8)))
        self.outcomes = OUTCOMES.codes
        self.outcome_weights = list(itertools.accumulate(_weights(len(self.outcomes), 0.7)))
        self.roles = ROLES.codes
        self.role_weights = list(itertools.accumulate(_weights(len(self.roles), 1.5)))
        # The first rows go through every category, outcome and role, so that even a small
        # set has each of them.
        self.covering = max(len(self.categories), len(self.outcomes), len(self.roles))

    def rows(self, count: int, offset: int = 0) -> Iterator[IncidentRow]:
        """Rows offset .. offset + count - 1."""
        end = offset + count
        index = offset
        while index < end:
            block = index // BLOCK
            rng = random.Random(f"{self.seed}:{block}")  # noqa: S311
            for position in range(block * BLOCK, min((block + 1) * BLOCK, end)):
                row = self._row(position, rng)
                if position >= index:
                    yield row
            index = min((block + 1) * BLOCK, end)

    def _row(self, i: int, rng: random.Random) -> IncidentRow:
        force = rng.choices(self.forces, cum_weights=self.force_weights)[0]
        category = rng.choices(self.categories, cum_weights=self.category_weights)[0]
        role = rng.choices(self.roles, cum_weights=self.role_weights)[0]
        first = rng.choices(self.outcomes, cum_weights=self.outcome_weights)[0]
        second = rng.choices(self.outcomes, cum_weights=self.outcome_weights)[0]
        shape, when, lag, text = rng.random(), rng.random(), rng.randint(20, 400), rng.random()
        if i < self.covering:
            category = self.categories[i % len(self.categories)]
            role = self.roles[i % len(self.roles)]
            first = self.outcomes[i % len(self.outcomes)]
        outcomes = (first,)
        if shape < NO_OUTCOME and i >= self.covering:
            outcomes = ()
        elif shape > 1 - TWO_OUTCOMES and second != first:
            outcomes = (first, second)
        # More cases in later years, as more forces answer and keep better lists.
        occurred_on = None
        if when >= UNDATED:
            occurred_on = FIRST_DAY + dt.timedelta(
                days=int(DAYS * ((when - UNDATED) / 0.96) ** 0.7)
            )
        outcome_date = None
        if (
            outcomes
            and occurred_on
            and occurred_on + dt.timedelta(days=lag) <= dt.date(2025, 6, 30)
        ):
            outcome_date = occurred_on + dt.timedelta(days=lag)
        summary = (
            f"{ROLES.label(role)} {ACTS[int(text * 64) % len(ACTS)]} "
            f"{WHAT[int(text * 997) % len(WHAT)]} {WHY[int(text * 7919) % len(WHY)]}."
        )
        return IncidentRow(
            row=i + 2,  # as in a file with a header row
            dataset=self.dataset,
            force=force,
            reference=f"SYN-{self.seed}-{i:07d}",
            occurred_on=occurred_on,
            category=category,
            role=role,
            outcomes=outcomes,
            outcome_date=outcome_date,
            summary=summary,
        )


def describe(dataset: str, seed: int, count: int, offset: int) -> tuple[str, str]:
    """A file name and SHA-256 for the batch of generated rows (there is no file)."""
    name = f"synthetic-{dataset}-seed{seed}-rows{offset}-{offset + count - 1}"
    return name, hashlib.sha256(name.encode()).hexdigest()
