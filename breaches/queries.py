"""Read logic over published figures: the Figure manager's queryset methods.

Every dashboard reads figures through these methods, so the rules of DESIGN.md section 2
(never sum overlapping breakdowns, sums are exact only when the breakdown is complete,
rates use the nearest workforce figure) live here once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import Count, ExpressionWrapper, F, Max, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Cast, Coalesce

from .vocabularies import DETAILED_OUTCOMES, OUTCOME_GROUPS, outcomes_in_group

OFFICERS = "officers-fte"


@dataclass(frozen=True)
class Level:
    """The breakdown a league or headline reads: None means "all" for each dimension."""

    category: str | None = None
    outcome: str | None = None
    role: str | None = None

    def exact(self, field: str) -> Q:
        value = getattr(self, field)
        return Q(**{f"{field}__isnull": True}) if value is None else Q(**{field: value})


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def midpoint(self) -> dt.date:
        return self.start + (self.end - self.start) / 2

    @property
    def years(self) -> float:
        """Length in years, counting both ends, for annualised rates."""
        return ((self.end - self.start).days + 1) / 365.25

    def __str__(self):
        return f"{self.start:%-d %b %Y} to {self.end:%-d %b %Y}"


def nearest_workforce(field: str, midpoint: dt.date) -> Subquery:
    """The force's officer count (or its date) nearest to `midpoint`, for rates per 1,000."""
    from .models import Workforce

    distance = models.Func(
        F("as_of"), models.Value(midpoint), template="abs(%(expressions)s)", arg_joiner=" - "
    )
    nearest = (
        Workforce.objects.filter(force=OuterRef("force"), measure=OFFICERS)
        .annotate(distance=distance)
        .order_by("distance", "-as_of")
        .values(field)[:1]
    )
    return Subquery(nearest)


class FigureQuerySet(models.QuerySet):
    def for_dataset(self, dataset) -> FigureQuerySet:
        return self.filter(dataset=dataset)

    def national(self) -> FigureQuerySet:
        return self.filter(force__isnull=True)

    def by_force(self) -> FigureQuerySet:
        return self.filter(force__isnull=False)

    def in_period(self, period: Period) -> FigureQuerySet:
        return self.filter(period_start=period.start, period_end=period.end)

    def at_level(self, level: Level) -> FigureQuerySet:
        return self.filter(level.exact("category"), level.exact("outcome"), level.exact("role"))

    def periods(self) -> list[tuple[Period, int]]:
        """Force-level periods with the number of forces having a figure, most common first."""
        rows = (
            self.by_force()
            .values("period_start", "period_end")
            .annotate(forces=Count("force", distinct=True))
            .order_by("-forces", "-period_end", "-period_start")
        )
        return [(Period(r["period_start"], r["period_end"]), r["forces"]) for r in rows]

    def headline(self) -> dict:
        """National figures of one dataset (call on `for_dataset()`).

        Keys: `total` (Figure or None), `categories` and `outcomes` (lists of Figure, each
        annotated with `share` of the total when the total is known, largest first).
        """
        national = self.national().select_related("source")
        total = national.at_level(Level()).filter(count__isnull=False).first()
        parts = national.filter(role__isnull=True, count__isnull=False).order_by("-count")
        if total:
            parts = parts.filter(period_start=total.period_start, period_end=total.period_end)
            share = ExpressionWrapper(
                Cast("count", models.FloatField()) / total.count, output_field=models.FloatField()
            )
            parts = parts.annotate(share=share) if total.count else parts
        categories = [f for f in parts if f.category and not f.outcome]
        outcomes = [f for f in parts if f.outcome and not f.category]
        return {"total": total, "categories": categories, "outcomes": outcomes}

    def league(self, period: Period, level: Level = Level(), *, details: bool = True) -> list[dict]:
        """One row per force with a figure at `level` in `period` (call on `for_dataset()`).

        Keys: force_id, force__name, force__slug, count (None when not disclosed), status,
        summed (the count adds up published parts), lower_bound (those parts are not a
        complete breakdown, so the true value is at least `count`), source_id, notes,
        workforce, workforce_as_of, rate_per_1000 (None without a workforce figure),
        annualised (count per year of the period), overlapping (the force's parts add up to
        more than its total), restated (a figure behind the row replaced an earlier value), rank.
        Rows with a count come first, largest first. With details=False, notes and
        restatements are not looked up (one query instead of three).
        """
        figures = self.by_force().in_period(period).filter(level.exact("category"))
        target, parts = _outcome_target(level.outcome)
        direct = target & level.exact("role")
        by_role = target & Q(role__isnull=False) if level.role is None else Q(pk__in=[])
        by_outcome = parts & level.exact("role")
        by_both = parts & Q(role__isnull=False) if level.role is None else Q(pk__in=[])
        all_parts = by_role | by_outcome | by_both
        totals = Q(outcome__isnull=True, role__isnull=True)
        # Completeness sums use detailed outcomes only: a group figure published beside its
        # own parts would be counted twice and could make an incomplete breakdown look whole.
        detailed = Q(outcome__in=DETAILED_OUTCOMES.codes)
        rows = (
            # Aggregate over all the force's rows at this category, not only the matching
            # ones: completeness compares the whole breakdown with the force's total.
            figures.values("force_id", "force__name", "force__slug")
            .annotate(
                direct_count=Max("count", filter=direct),
                direct_rows=Count("id", filter=direct),
                direct_status=Max("status", filter=direct),
                role_sum=Sum("count", filter=by_role),
                outcome_sum=Sum("count", filter=by_outcome),
                both_sum=Sum("count", filter=by_both),
                total=Max("count", filter=totals),
                outcomes_total=Sum("count", filter=detailed & Q(role__isnull=True)),
                roles_total=Sum("count", filter=Q(outcome__isnull=True, role__isnull=False)),
                crosstab_total=Sum("count", filter=detailed & Q(role__isnull=False)),
                source_id=Coalesce(
                    Min("source_id", filter=direct), Min("source_id", filter=all_parts)
                ),
                workforce=nearest_workforce("value", period.midpoint),
                workforce_as_of=nearest_workforce("as_of", period.midpoint),
            )
            .filter(
                Q(direct_rows__gt=0)
                | Q(role_sum__isnull=False)
                | Q(outcome_sum__isnull=False)
                | Q(both_sum__isnull=False)
            )
        )
        league = [_league_row(row, period, level.outcome) for row in rows]
        league.sort(key=lambda r: (r["count"] is None, -(r["count"] or 0), r["force__name"]))
        _rank(league)
        if not details:
            return league
        contributing = figures.filter(direct | all_parts | totals)
        _attach_notes(contributing, league)
        _mark_restated(contributing.filter(direct | all_parts), league)
        return league


def _outcome_target(outcome: str | None) -> tuple[Q, Q]:
    """The rows that state `outcome` directly, and the detailed rows that can be summed to it."""
    if outcome is None:
        return Q(outcome__isnull=True), Q(pk__in=[])
    if outcome in OUTCOME_GROUPS.codes:
        return Q(outcome=outcome), Q(outcome__in=outcomes_in_group(outcome))
    return Q(outcome=outcome), Q(pk__in=[])


def annualised(count: int | None, period: Period) -> Decimal | None:
    """Count per year of the period: the one way figures of unequal periods are compared."""
    if count is None:
        return None
    return (Decimal(count) / Decimal(str(period.years))).quantize(Decimal("0.1"))


def per_1000(count: int | None, workforce: Decimal | None) -> Decimal | None:
    """Count per 1,000 officers; None without a count or a workforce figure."""
    if count is None or not workforce:
        return None
    return (Decimal(count) * 1000 / workforce).quantize(Decimal("0.1"))


def _league_row(row: dict, period: Period, outcome: str | None) -> dict:
    """Choose the published value, or else a sum of parts, and say how far to trust it."""
    total = row["total"]
    if row["direct_rows"]:
        count, summed, complete = row["direct_count"], False, True
        status = row["direct_status"]
    else:
        # Roles are mutually exclusive and outcomes are one per breach, so these sums are
        # allowed; they are exact only when the breakdown adds up to the force's total.
        status = "disclosed"
        summed = True
        if row["role_sum"] is not None:
            count = row["role_sum"]
            # Roles adding up to the total say nothing about one outcome's roles: only a
            # complete outcome-by-role table makes an outcome's role sum exact.
            whole = row["crosstab_total"] if outcome else row["roles_total"]
            complete = total is not None and whole == total
        elif row["outcome_sum"] is not None:
            count = row["outcome_sum"]
            complete = total is not None and row["outcomes_total"] == total
        else:
            count = row["both_sum"]
            complete = total is not None and row["crosstab_total"] == total
    workforce = row["workforce"]
    part_totals = (row["outcomes_total"], row["roles_total"], row["crosstab_total"])
    return {
        "force_id": row["force_id"],
        "force__name": row["force__name"],
        "force__slug": row["force__slug"],
        "count": count,
        "status": status,
        "summed": summed,
        "lower_bound": summed and not complete,
        "source_id": row["source_id"],
        "workforce": workforce,
        "workforce_as_of": row["workforce_as_of"],
        "rate_per_1000": per_1000(count, workforce),
        "annualised": annualised(count, period),
        "overlapping": total is not None and any(t is not None and t > total for t in part_totals),
        "restated": False,
        "notes": [],
    }


def _rank(league: list[dict]) -> None:
    """Standard competition ranking (1, 2, 2, 4) over rows with a count."""
    previous, rank = None, 0
    for position, row in enumerate(league, start=1):
        if row["count"] is None:
            row["rank"] = None
            continue
        if row["count"] != previous:
            rank, previous = position, row["count"]
        row["rank"] = rank


def _mark_restated(contributing: FigureQuerySet, league: list[dict]) -> None:
    """Flag rows whose figures replaced an earlier published value (one query)."""
    from .models import FigureRevision

    by_force = {row["force_id"]: row for row in league}
    contributing = contributing.filter(force_id__in=by_force)
    restated = FigureRevision.objects.filter(figure__in=contributing.values("pk"))
    for force_id in restated.order_by().values_list("figure__force_id", flat=True).distinct():
        by_force[force_id]["restated"] = True


def _attach_notes(contributing: FigureQuerySet, league: list[dict]) -> None:
    """Add the notes of the figures behind each row (one query for all forces)."""
    by_force = {row["force_id"]: row for row in league}
    notes = (
        contributing.filter(force_id__in=by_force)
        .exclude(note="")
        .values_list("force_id", "note")
        .distinct()
        .order_by("force_id", "note")
    )
    for force_id, note in notes:
        by_force[force_id]["notes"].append(note)
