"""What an upload may name: known datasets and forces, and how to match names to them.

Loaded once from the database and passed to the (pure) validators.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from functools import cached_property

from .matching import ForceMatcher


def name_key(name: str) -> str:
    """Fold a force name for matching: case, '&' vs 'and', punctuation and spacing."""
    folded = name.casefold().replace("&", " and ")
    return " ".join(re.sub(r"[^\w\s]", " ", folded).split())


@dataclass(frozen=True)
class Reference:
    datasets: dict[str, tuple[dt.date, dt.date]]  # slug -> dataset period
    forces: dict[str, str]  # folded name, short name, slug or alias -> force slug
    force_names: dict[str, str]  # force slug -> official name
    # name as written -> force slug (or None): a million-row file names a few dozen forces.
    _seen: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)
    # unknown name as written -> suggestions: a misspelt force on 99,999 rows is ranked once.
    _suggested: dict[tuple[str, int], tuple[str, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def load(cls) -> Reference:
        from ..models import Dataset, Force, ForceAlias

        datasets = {
            d.slug: (d.period_start, d.period_end)
            for d in Dataset.objects.only("slug", "period_start", "period_end")
        }
        forces, names = {}, {}
        for force in Force.objects.only("slug", "name", "short_name"):
            names[force.slug] = force.name
            for spelling in (force.slug, force.name, force.short_name):
                if spelling:
                    forces[name_key(spelling)] = force.slug
        for alias in ForceAlias.objects.select_related("force").only("alias", "force__slug"):
            forces[name_key(alias.alias)] = alias.force.slug
        return cls(datasets=datasets, forces=forces, force_names=names)

    def force(self, name: str) -> str | None:
        if name not in self._seen:
            if len(self._seen) > 10_000:
                self._seen.clear()
            self._seen[name] = self.forces.get(name_key(name))
        return self._seen[name]

    @cached_property
    def matcher(self) -> ForceMatcher:
        # Built on the first unknown name only: a file with none never pays for it.
        return ForceMatcher(self.forces, self.force_names)

    def nearest_forces(self, name: str, limit: int = 3) -> tuple[str, ...]:
        """Official names of the forces `name` most likely means (each name ranked once)."""
        key = (name, limit)
        if key not in self._suggested:
            if len(self._suggested) > 10_000:
                self._suggested.clear()
            self._suggested[key] = self.matcher.nearest(name, limit)
        return self._suggested[key]

    def nearest_datasets(self, slug: str) -> tuple[str, ...]:
        return tuple(
            difflib.get_close_matches(slug.strip().lower(), self.datasets, n=3, cutoff=0.4)
        )
