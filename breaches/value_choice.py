"""How a force's value at a level is chosen from its figures: SQL aggregates and one rule.

docs/design.md section 2: a force's value at a level is its published figure, or else the sum of
published parts (roles are exclusive; an outcome group is the sum of its detailed
outcomes), and a sum is exact only when the breakdown adds up to the force's total.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Max, Min, Q, Sum

from .vocabularies import DETAILED_OUTCOMES, OUTCOME_GROUPS, outcomes_in_group

NOTHING = Q(pk__in=[])
TOTAL = Q(outcome__isnull=True, role__isnull=True)
# Completeness sums use detailed outcomes only: a group figure published beside its own
# parts would be counted twice and could make an incomplete breakdown look whole.
DETAILED = Q(outcome__in=DETAILED_OUTCOMES.codes)

# The force's whole breakdowns at a category, against which sums are checked.
TOTALS = {
    "total": Max("count", filter=TOTAL),
    "outcomes_total": Sum("count", filter=DETAILED & Q(role__isnull=True)),
    "roles_total": Sum("count", filter=Q(outcome__isnull=True, role__isnull=False)),
    "crosstab_total": Sum("count", filter=DETAILED & Q(role__isnull=False)),
}


@dataclass(frozen=True)
class Selectors:
    """The rows that state a level's value directly, and the parts that may be summed to it."""

    direct: Q
    by_role: Q
    by_outcome: Q
    by_both: Q

    @classmethod
    def at(cls, outcome: str | None, role: str | None) -> Selectors:
        role_exact = Q(role__isnull=True) if role is None else Q(role=role)
        if outcome is None:
            target, parts = Q(outcome__isnull=True), NOTHING
        elif outcome in OUTCOME_GROUPS.codes:
            target, parts = Q(outcome=outcome), Q(outcome__in=outcomes_in_group(outcome))
        else:
            target, parts = Q(outcome=outcome), NOTHING
        any_role = Q(role__isnull=False) if role is None else NOTHING
        return cls(target & role_exact, target & any_role, parts & role_exact, parts & any_role)

    @property
    def parts(self) -> Q:
        return self.by_role | self.by_outcome | self.by_both

    def aggregates(self, prefix: str = "") -> dict:
        return {
            f"{prefix}direct_count": Max("count", filter=self.direct),
            f"{prefix}direct_rows": Count("id", filter=self.direct),
            f"{prefix}direct_status": Max("status", filter=self.direct),
            f"{prefix}role_sum": Sum("count", filter=self.by_role),
            f"{prefix}outcome_sum": Sum("count", filter=self.by_outcome),
            f"{prefix}both_sum": Sum("count", filter=self.by_both),
            f"{prefix}source_id": Min("source_id", filter=self.direct | self.parts),
        }

    def found(self, prefix: str = "") -> Q:
        """Forces with anything at this level: a figure or a part."""
        return (
            Q(**{f"{prefix}direct_rows__gt": 0})
            | Q(**{f"{prefix}role_sum__isnull": False})
            | Q(**{f"{prefix}outcome_sum__isnull": False})
            | Q(**{f"{prefix}both_sum__isnull": False})
        )


@dataclass(frozen=True)
class Value:
    count: int | None
    status: str
    summed: bool
    lower_bound: bool


def choose(row: dict, outcome: str | None, role: str | None, prefix: str = "") -> Value | None:
    """The published value, or else a sum of parts, and how far to trust it.

    `row` is one force's aggregates (`TOTALS` and `Selectors.aggregates(prefix)`)."""
    get = lambda key: row[f"{prefix}{key}"]  # noqa: E731
    total = row["total"]
    if get("direct_rows"):
        return Value(get("direct_count"), get("direct_status"), summed=False, lower_bound=False)
    if get("role_sum") is not None:
        # Roles adding up to the total say nothing about one outcome's roles: only a complete
        # outcome-by-role table makes an outcome's role sum exact.
        count, whole = get("role_sum"), row["crosstab_total"] if outcome else row["roles_total"]
    elif get("outcome_sum") is not None:
        # One role's outcomes are exact only against a complete outcome-by-role table; the
        # all-roles outcome breakdown says nothing about one role.
        count = get("outcome_sum")
        whole = row["crosstab_total"] if role else row["outcomes_total"]
    elif get("both_sum") is not None:
        count, whole = get("both_sum"), row["crosstab_total"]
    else:
        return None
    return Value(count, "disclosed", summed=True, lower_bound=total is None or whole != total)


def overlapping(row: dict) -> bool:
    """The force's parts add up to more than its total: its breakdown overlaps."""
    total = row["total"]
    parts = (row["outcomes_total"], row["roles_total"], row["crosstab_total"])
    return total is not None and any(part is not None and part > total for part in parts)


def prefix_for(code: str) -> str:
    return code.replace("-", "_") + "_"
