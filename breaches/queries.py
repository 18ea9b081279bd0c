"""Read logic over published figures: the Figure manager's queryset methods.

Every dashboard reads figures through these methods, so the rules of docs/design.md section 2
(never sum overlapping breakdowns, sums are exact only when the breakdown is complete,
rates use the nearest workforce figure) live here once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Cast

from .provenance import notes_in, restated_in
from .published import PublishedQuerySet, WithPublishedFiguresQuerySet
from .value_choice import TOTAL, TOTALS, Selectors, choose, overlapping, prefix_for
from .vocabularies import OUTCOME_GROUPS

OFFICERS = "officers-fte"
STAFF = "staff-fte"


class DatasetQuerySet(WithPublishedFiguresQuerySet):
    def public(self) -> DatasetQuerySet:
        """Datasets the public pages may list or look up: not synthetic ones (generated for
        measuring, docs/importing-at-scale.md) unless the SHOW_SYNTHETIC_DATA setting is on."""
        if settings.SHOW_SYNTHETIC_DATA:
            return self.all()
        return self.filter(synthetic=False)

    def featured(self):
        """The dataset a page shows when none is chosen: settings.FEATURED_DATASET, or else the
        latest published public one if that is missing; None when there is none at all."""
        public = self.public()
        return (
            public.filter(slug=settings.FEATURED_DATASET).first()
            or public.order_by("-published_on", "slug").first()
        )


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
        """Length in years, for annualised rates.

        Whole months / 12 when the period runs from the first day of a month to the last day
        of a month (calendar and financial years are exactly 1, leap or not); otherwise days
        counting both ends / 365.25.
        """
        after = self.end + dt.timedelta(days=1)
        if self.start.day == 1 and after.day == 1:
            return ((after.year - self.start.year) * 12 + after.month - self.start.month) / 12
        return ((self.end - self.start).days + 1) / 365.25

    def __str__(self):
        return f"{self.start:%-d %b %Y} to {self.end:%-d %b %Y}"


@dataclass(frozen=True)
class ForceValue:
    """One force's value at a level in a period, and what a reader needs to trust it."""

    force_id: int | None  # None only for a national series of counted incidents
    force_name: str
    force_slug: str
    count: int | None  # None when the force did not disclose a figure
    status: str
    summed: bool  # the count adds up published parts
    lower_bound: bool  # those parts are not a complete breakdown: the true value is at least count
    source_id: int | None
    workforce: Decimal | None  # officers (FTE) nearest the period's midpoint
    workforce_as_of: dt.date | None
    rate_per_1000: Decimal | None  # None without a count or a workforce figure
    annualised: Decimal | None  # count per year of the period
    # The same for officers, staff, PCSOs and designated officers (nearest_whole_workforce).
    whole_workforce: Decimal | None = None
    whole_workforce_as_of: dt.date | None = None
    rate_per_1000_workforce: Decimal | None = None
    overlapping: bool = False  # the force's parts add up to more than its total
    restated: bool = False  # a figure behind the value replaced an earlier one
    notes: tuple[str, ...] = ()
    rank: int | None = None  # by count, among the values returned together
    counted_from: int | None = None  # counted from this many incident records, not published


def days_from(midpoint: dt.date) -> models.Func:
    """Days between a workforce count's date and `midpoint`: "nearest" for both rates."""
    return models.Func(
        F("as_of"), models.Value(midpoint), template="abs(%(expressions)s)", arg_joiner=" - "
    )


def nearest_workforce(field: str, midpoint: dt.date, force: str = "force") -> Subquery:
    """The force's officer count (or its date) nearest to `midpoint`, for rates per 1,000.

    `force` names the outer query's reference to the force ("pk" when reading forces).
    """
    from .models import Workforce  # models imports this module for its managers

    distance = days_from(midpoint)
    nearest = (
        Workforce.objects.filter(force=OuterRef(force), measure=OFFICERS)
        .annotate(distance=distance)
        .order_by("distance", "-as_of")
        .values(field)[:1]
    )
    return Subquery(nearest)


class ForceQuerySet(WithPublishedFiguresQuerySet):
    pass


class SourceQuerySet(WithPublishedFiguresQuerySet):
    pass


class IncidentQuerySet(PublishedQuerySet):
    pass


class FigureQuerySet(PublishedQuerySet):
    """Start public reads with `published()` (breaches/published.py); the methods below
    narrow whatever rows they are called on."""

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

    def force_values(self, period: Period, level: Level = Level()) -> list[ForceValue]:
        """Each force's value at `level` in `period` (call on `for_dataset()`), chosen by the
        rules of breaches/value_choice.py. Values with a count come first, largest first,
        ranked by count. Three queries.
        """
        return self.force_values_by_outcome(period, level, [level.outcome])[level.outcome]

    def force_values_by_outcome(
        self, period: Period, level: Level, outcomes: list[str | None]
    ) -> dict[str | None, list[ForceValue]]:
        """`force_values()` at each of `outcomes` (None: all outcomes), at `level`'s category
        and role: {outcome: values}. The same three queries however many outcomes are asked
        for, so a chart of every outcome group costs what one league does.

        Unlike `outcome_groups()` (counts only, for the league's share columns), each value
        carries what a row shows: rates, the workforce date, notes, sources, restatements.
        """
        figures = self.by_force().in_period(period).filter(level.exact("category"))
        selects = {outcome: Selectors.at(outcome, level.role) for outcome in outcomes}
        prefixes = {outcome: f"at{i}_" for i, outcome in enumerate(outcomes)}
        aggregates = {}
        for outcome, select in selects.items():
            aggregates.update(select.aggregates(prefixes[outcome]))
        rows = list(
            # Aggregate over all the force's rows at this category, not only the matching
            # ones: completeness compares the whole breakdown with the force's total.
            figures.values("force_id", "force__name", "force__slug")
            .annotate(
                **TOTALS,
                **aggregates,
                workforce=nearest_workforce("value", period.midpoint),
                workforce_as_of=nearest_workforce("as_of", period.midpoint),
                whole_workforce=nearest_whole_workforce("value", period.midpoint),
                whole_workforce_as_of=nearest_whole_workforce("as_of", period.midpoint),
            )
            .filter(reduce(or_, (s.found(prefixes[o]) for o, s in selects.items())))
        )
        force_ids = [row["force_id"] for row in rows]
        parts = {outcome: select.direct | select.parts for outcome, select in selects.items()}
        notes = notes_in(figures, {o: q | TOTAL for o, q in parts.items()}, force_ids)
        restated = restated_in(figures, parts, force_ids)
        by_outcome = {}
        for outcome in outcomes:
            prefix, values = prefixes[outcome], []
            for row in rows:
                value = choose(row, outcome, level.role, prefix)
                if value is None:  # nothing at this outcome: the force is not in its list
                    continue
                force_id = row["force_id"]
                values.append(
                    _force_value(
                        row,
                        value,
                        period,
                        row[f"{prefix}source_id"],
                        restated=force_id in restated[outcome],
                        notes=notes[outcome].get(force_id, ()),
                    )
                )
            by_outcome[outcome] = _ranked_by_count(values)
        return by_outcome

    def outcome_groups(self, period: Period, level: Level = Level()) -> dict[int, dict]:
        """Each force's value for every outcome group at `level`'s category and role.

        One query. Returns {force_id: {group code: Value}}, only for forces that published
        something for a group; the same rules as `force_values()` choose each value.
        """
        figures = self.by_force().in_period(period).filter(level.exact("category"))
        groups = {code: Selectors.at(code, level.role) for code in OUTCOME_GROUPS.codes}
        aggregates = {}
        for code, select in groups.items():
            aggregates.update(select.aggregates(prefix_for(code)))
        rows = figures.values("force_id").annotate(**TOTALS, **aggregates)
        result: dict[int, dict] = {}
        for row in rows:
            for code in groups:
                value = choose(row, code, level.role, prefix_for(code))
                if value is not None:
                    result.setdefault(row["force_id"], {})[code] = value
        return result


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


def competition_ranks(ordered: list) -> list[int | None]:
    """Standard competition ranks (1, 2, 2, 4) of values already sorted best first; None
    for a missing value, which takes no rank."""
    ranks, previous, rank = [], None, 0
    for position, value in enumerate(ordered, start=1):
        if value is None:
            ranks.append(None)
            continue
        if value != previous:
            rank, previous = position, value
        ranks.append(rank)
    return ranks


def _force_value(row: dict, value, period: Period, source_id, *, restated, notes) -> ForceValue:
    """One force's chosen `value` (value_choice.Value) with what its aggregate row adds."""
    return ForceValue(
        force_id=row["force_id"],
        force_name=row["force__name"],
        force_slug=row["force__slug"],
        count=value.count,
        status=value.status,
        summed=value.summed,
        lower_bound=value.lower_bound,
        source_id=source_id,
        workforce=row["workforce"],
        workforce_as_of=row["workforce_as_of"],
        rate_per_1000=per_1000(value.count, row["workforce"]),
        whole_workforce=row["whole_workforce"],
        whole_workforce_as_of=row["whole_workforce_as_of"],
        rate_per_1000_workforce=per_1000(value.count, row["whole_workforce"]),
        annualised=annualised(value.count, period),
        overlapping=overlapping(row),
        restated=restated,
        notes=tuple(notes),
    )


def _ranked_by_count(values: list[ForceValue]) -> list[ForceValue]:
    """Values with a count first, largest first (ties by force name), each with its rank."""
    values = sorted(values, key=lambda v: (v.count is None, -(v.count or 0), v.force_name))
    ranks = competition_ranks([v.count for v in values])
    return [replace(value, rank=rank) for value, rank in zip(values, ranks, strict=True)]


def nearest_whole_workforce(field: str, midpoint: dt.date, force: str = "force") -> Subquery:
    """The force's whole workforce (officers, staff, PCSOs and designated officers, FTE) at
    the 31 March nearest to `midpoint` at which both officers and staff were counted, or that
    date (`field` "as_of"); for rates per 1,000 of everyone a dataset counts.

    PCSOs and designated officers are added where a count exists: forces that cannot report
    designated officers apart count them as staff (fixtures/review/workforce-notes.md).
    """
    from .models import Workforce

    def staffed_dates(force_ref):
        officers = Workforce.objects.filter(
            force=OuterRef("force"), as_of=OuterRef("as_of"), measure=OFFICERS
        )
        distance = days_from(midpoint)
        return (
            Workforce.objects.filter(force=force_ref, measure=STAFF)
            .filter(Exists(officers))
            .annotate(distance=distance)
            .order_by("distance", "-as_of")
            .values("as_of")[:1]
        )

    if field == "as_of":
        return Subquery(staffed_dates(OuterRef(force)))
    # Inside the sum, OuterRef("force") is the workforce row's own force: the same force.
    total = (
        Workforce.objects.filter(
            force=OuterRef(force), as_of=Subquery(staffed_dates(OuterRef("force")))
        )
        .values("force")
        .annotate(total=Sum("value"))
        .values("total")
    )
    return Subquery(total)
