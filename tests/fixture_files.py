"""What the files in fixtures/ hold, read with the csv module: the tests' expected sizes.

Tests compare the database and the pages with these, so that adding sourced rows to the
fixtures needs no test edit. Force names in figures.csv are resolved as the importer does
(names, short names, slugs and aliases), so a count "per force" here is per force slug.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from functools import cache
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@cache
def rows(name: str) -> tuple[dict[str, str], ...]:
    """The rows of fixtures/<name> as dicts (a tuple: cached, so never mutate)."""
    with (FIXTURES / name).open(encoding="utf-8-sig", newline="") as handle:
        return tuple(csv.DictReader(handle))


def _key(name: str) -> str:
    folded = name.casefold().replace("&", " and ")
    return " ".join(re.sub(r"[^\w\s]", " ", folded).split())


@cache
def force_slugs() -> dict[str, str]:
    """Every spelling of a force in the fixtures (folded) -> its slug."""
    spellings = {}
    for force in rows("forces.csv"):
        for name in (force["slug"], force["name"], force["short_name"]):
            spellings[_key(name)] = force["slug"]
    for alias in rows("aliases.csv"):
        spellings[_key(alias["alias"])] = alias["force"]
    return spellings


def force_slug(name: str) -> str:
    return force_slugs()[_key(name)]


def force_name(slug: str) -> str:
    return next(f["name"] for f in rows("forces.csv") if f["slug"] == slug)


def figures(dataset: str | None = None, **columns: str) -> list[dict[str, str]]:
    """figures.csv rows of a dataset whose given columns have these values ('' = blank)."""
    return [
        row
        for row in rows("figures.csv")
        if (dataset is None or row["dataset"] == dataset)
        and all(row[column] == value for column, value in columns.items())
    ]


def period(row: dict[str, str]) -> tuple[dt.date, dt.date]:
    return dt.date.fromisoformat(row["period_start"]), dt.date.fromisoformat(row["period_end"])


def forces_per_period(dataset: str) -> Counter:
    """(start, end) -> number of distinct forces with any figure in that period."""
    seen = {(period(row), force_slug(row["force"])) for row in figures(dataset) if row["force"]}
    return Counter(key for key, _ in seen)


def forces_with_a_figure(dataset: str) -> set[str]:
    """Slugs of the forces with at least one figure (any status) in the dataset."""
    return {force_slug(row["force"]) for row in figures(dataset) if row["force"]}


def coverage(dataset: str) -> tuple[set[str], set[str]]:
    """Slugs of the forces with a published figure, and of those with only refusals."""
    rows = [row for row in figures(dataset) if row["force"]]
    published = {force_slug(row["force"]) for row in rows if row["count"]}
    withheld = {force_slug(row["force"]) for row in rows if row["status"]}
    return published, withheld - published


def totals(dataset: str, start: dt.date, end: dt.date) -> dict[str, int | None]:
    """Force slug -> its all-categories, all-outcomes, all-roles figure for the period
    (None where the force did not disclose)."""
    return {
        force_slug(row["force"]): int(row["count"]) if row["count"] else None
        for row in figures(dataset, category="", outcome="", role="")
        if row["force"] and period(row) == (start, end)
    }


def answers() -> dict[tuple[str, str], str]:
    """(dataset, force slug) -> the status of the force's answer, read as the importer sets it:
    disclosed when any total (or only breakdowns) was published, else the latest period's
    status; a force that answered with incident records, or that returns.csv or
    case_lists.csv names without a figure, disclosed (the loader's default)."""
    by_pair: dict[tuple[str, str], list[dict[str, str]]] = {}
    for row in rows("figures.csv"):
        if row["force"]:
            by_pair.setdefault((row["dataset"], force_slug(row["force"])), []).append(row)
    statuses = {}
    for pair, figures_of_pair in by_pair.items():
        totals = sorted(
            (r for r in figures_of_pair if not (r["category"] or r["outcome"] or r["role"])),
            key=lambda r: (r["period_end"], r["period_start"]),
        )
        if not totals or any(r["count"] for r in totals):
            statuses[pair] = "disclosed"
        else:
            statuses[pair] = totals[-1]["status"]
    for name in ("incidents.csv", "returns.csv", "case_lists.csv"):
        for row in rows(name):
            statuses.setdefault((row["dataset"], force_slug(row["force"])), "disclosed")
    return statuses
