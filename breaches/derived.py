"""Read logic over derived figures: counts of incident records (docs/data-model.md,
"Counting incidents").

Counts come from the `IncidentCount` cells kept by breaches/imports/counting.py where a cell
exists (the whole period at any breakdown; months and the undated remainder one dimension at
a time; years and financial years as sums of months), and otherwise straight from the
incidents, which the same rules define. The results have the shapes the published figures'
methods return (breaches/queries.py), so the league, force pages and charts treat both alike
and tell them apart by `counted_from`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Count, DateField, F, Func, Q, Sum
from django.db.models.functions import TruncMonth

from .queries import (
    ForceValue,
    Level,
    Period,
    annualised,
    nearest_whole_workforce,
    nearest_workforce,
    per_1000,
)
from .value_choice import Value
from .vocabularies import OUTCOME_GROUPS, outcomes_in_group

# The first day of a month's calendar year, and of its financial year (April to March).
_YEAR_START = Func(
    F("period_start"),
    template="date_trunc('year', %(expressions)s)::date",
    output_field=DateField(),
)
_FY_START = Func(
    F("period_start"),
    template="(date_trunc('year', %(expressions)s - interval '3 months')"
    " + interval '3 months')::date",
    output_field=DateField(),
)


def _models():
    from .models import Force, Incident, IncidentCount, Return

    return Force, Incident, IncidentCount, Return


def _dimensions(level: Level) -> int:
    return sum(value is not None for value in (level.category, level.outcome, level.role))


def _whole(dataset, period: Period) -> bool:
    return (period.start, period.end) == (dataset.period_start, dataset.period_end)


def year_of(day: dt.date, bucket: str) -> dt.date:
    """The first day of the calendar or financial (April to March) year holding `day`."""
    if bucket == "fy":
        return dt.date(day.year if day.month >= 4 else day.year - 1, 4, 1)
    return dt.date(day.year, 1, 1)


def year_period(start: dt.date, bucket: str) -> Period:
    if bucket == "fy":
        return Period(start, dt.date(start.year + 1, 3, 31))
    return Period(start, dt.date(start.year, 12, 31))


@dataclass(frozen=True)
class IncidentCounts:
    """Derived figures of one dataset: every method reads one cell per force, or a series."""

    dataset: object

    def _case_lists(self, kind: str):
        """The forces whose answer's incident records are of this kind (a subquery)."""
        Return = _models()[3]
        return Return.objects.filter(dataset=self.dataset, case_list=kind).values("force_id")

    @cached_property
    def _complete(self) -> set[int]:
        return set(self._case_lists("complete").values_list("force_id", flat=True))

    def complete_forces(self) -> set[int]:
        """Forces whose case list a return marks complete: their counts are exact."""
        return self._complete

    def _cells(self, bucket: str, level: Level, *, outcomes=None):
        """Cells of case lists: incident records named only as examples count nowhere.
        `outcomes` (a list of codes) replaces the level's outcome."""
        IncidentCount = _models()[2]
        outcome = level.exact("outcome") if outcomes is None else Q(outcome__in=outcomes)
        return IncidentCount.objects.filter(
            level.exact("category"), outcome, level.exact("role"),
            dataset=self.dataset, bucket=bucket,
        ).exclude(force_id__in=self._case_lists("examples"))  # fmt: skip

    def _incidents(self, level: Level):
        """The dataset's published incidents at `level` (the rules the cells follow)."""
        Incident = _models()[1]
        incidents = (
            Incident.objects.published()
            .filter(dataset=self.dataset)
            .exclude(force_id__in=self._case_lists("examples"))
        )
        if level.category:
            incidents = incidents.filter(category=level.category)
        if level.role:
            incidents = incidents.filter(role=level.role)
        if level.outcome:
            codes = [level.outcome, *outcomes_in_group(level.outcome)]
            incidents = incidents.filter(outcomes__outcome__in=codes)
        return incidents

    def by_force(self, period: Period, level: Level) -> dict[int, int]:
        """{force_id: number of incident records} in one period and breakdown."""
        if _whole(self.dataset, period):
            rows = self._cells("whole", level).values_list("force_id", "count")
            return dict(rows)
        dated = Q(period_start__gte=period.start, period_end__lte=period.end)
        if _dimensions(level) <= 1:
            cells = self._cells("month", level).filter(dated)
            return dict(cells.values_list("force_id").annotate(n=Sum("count")).order_by())
        incidents = self._incidents(level).filter(
            occurred_on__gte=period.start, occurred_on__lte=period.end
        )
        return dict(
            incidents.values_list("force_id").annotate(n=Count("id", distinct=True)).order_by()
        )

    def periods(self) -> list[tuple[Period, int]]:
        """The whole period, then each calendar and financial year with incidents, each with
        the number of forces counted in it. Two small aggregate queries."""
        whole = Period(self.dataset.period_start, self.dataset.period_end)
        forces_in_whole = self._cells("whole", Level()).count()
        if not forces_in_whole:
            return []
        # One pass over the month cells gives both kinds of year: (force, year, financial
        # year) triples, a few per force and year, counted here.
        triples = (
            self._cells("month", Level())
            .annotate(year=_YEAR_START, fy=_FY_START)
            .values_list("force_id", "year", "fy")
            .distinct()
            .order_by()
        )
        forces: dict[tuple[str, dt.date], set[int]] = {}
        for force_id, year, fy in triples:
            forces.setdefault(("year", year), set()).add(force_id)
            forces.setdefault(("fy", fy), set()).add(force_id)
        periods = [(year_period(start, kind), len(ids)) for (kind, start), ids in forces.items()]
        years = sorted(
            (pair for pair in periods if pair[0] != whole),
            key=lambda pair: (pair[0].start, pair[0].end),
        )
        return [(whole, forces_in_whole), *years]

    def listed(self) -> int:
        """Every incident record of the dataset the incidents list shows (examples too)."""
        IncidentCount = _models()[2]
        whole = IncidentCount.objects.filter(
            Level().exact("category"), Level().exact("outcome"), Level().exact("role"),
            dataset=self.dataset, bucket="whole",
        )  # fmt: skip
        return whole.aggregate(n=Sum("count"))["n"] or 0

    def force_values(self, period: Period, level: Level) -> list[ForceValue]:
        """Each force's count of incident records in this cell, as `ForceValue`s like
        `FigureQuerySet.force_values()` with `counted_from` (the number of records).

        Counts from a case list not known to be complete are lower bounds. Values are unranked
        and unsorted: the league ranks them together with published values. Three queries.
        """
        counts = self.by_force(period, level)
        if not counts:
            return []
        complete = self.complete_forces()
        Force = _models()[0]
        forces = Force.objects.filter(pk__in=counts).annotate(
            officers=nearest_workforce("value", period.midpoint, force="pk"),
            officers_as_of=nearest_workforce("as_of", period.midpoint, force="pk"),
            whole=nearest_whole_workforce("value", period.midpoint, force="pk"),
            whole_as_of=nearest_whole_workforce("as_of", period.midpoint, force="pk"),
        )
        return [
            ForceValue(
                force_id=force.pk,
                force_name=force.name,
                force_slug=force.slug,
                count=counts[force.pk],
                status="disclosed",
                summed=False,
                lower_bound=force.pk not in complete,
                source_id=None,
                workforce=force.officers,
                workforce_as_of=force.officers_as_of,
                rate_per_1000=per_1000(counts[force.pk], force.officers),
                whole_workforce=force.whole,
                whole_workforce_as_of=force.whole_as_of,
                rate_per_1000_workforce=per_1000(counts[force.pk], force.whole),
                annualised=annualised(counts[force.pk], period),
                counted_from=counts[force.pk],
            )
            for force in forces
        ]

    def outcome_groups(self, period: Period, level: Level) -> dict[int, dict]:
        """{force_id: {group code: Value}} like `FigureQuerySet.outcome_groups()`."""
        complete = self.complete_forces()
        result: dict[int, dict] = {}
        for force_id, group, count in self._by_force_and_group(period, level):
            lower = force_id not in complete
            result.setdefault(force_id, {})[group] = Value(count, "disclosed", False, lower)
        return result

    def _by_force_and_group(self, period: Period, level: Level) -> list[tuple]:
        """(force_id, outcome group, count) triples: one query over the whole period's
        cells, which hold every group at every breakdown; other periods group by group."""
        if _whole(self.dataset, period):
            cells = self._cells("whole", level, outcomes=OUTCOME_GROUPS.codes)
            return list(cells.values_list("force_id", "outcome", "count"))
        return [
            (force_id, group, count)
            for group in OUTCOME_GROUPS.codes
            for force_id, count in self.by_force(
                period, Level(level.category, group, level.role)
            ).items()
        ]

    def series(self, bucket: str, level: Level, force_ids=()) -> list[dict]:
        """Counts per month, calendar year or financial year: national unless `force_ids`.

        Keys: force_id (None for national), period (Period), count. Undated incidents are
        in no period: `undated()` says how many.
        """
        if _dimensions(level) <= 1:
            rows = self._cells("month", level)
            if force_ids:
                rows = rows.filter(force_id__in=force_ids)
            pairs = rows.values_list("force_id", "period_start", "count")
        else:
            incidents = self._incidents(level).filter(occurred_on__isnull=False)
            if force_ids:
                incidents = incidents.filter(force_id__in=force_ids)
            pairs = (
                incidents.annotate(month=TruncMonth("occurred_on"))
                .values_list("force_id", "month")
                .annotate(n=Count("id", distinct=True))
                .order_by()
            )
        totals: dict[tuple, int] = {}
        for force_id, month, count in pairs:
            start = month if bucket == "month" else year_of(month, bucket)
            key = (force_id if force_ids else None, start)
            totals[key] = totals.get(key, 0) + count
        return [
            {"force_id": force_id, "period": _bucket_period(start, bucket), "count": count}
            for (force_id, start), count in sorted(
                totals.items(), key=lambda item: (item[0][0] or 0, item[0][1])
            )
        ]

    def undated(self, level: Level, force_ids=()) -> int:
        """How many incident records have no date (they count in no month or year)."""
        if _dimensions(level) <= 1:
            cells = self._cells("undated", level)
            if force_ids:
                cells = cells.filter(force_id__in=force_ids)
            return cells.aggregate(n=Sum("count"))["n"] or 0
        incidents = self._incidents(level).filter(occurred_on__isnull=True)
        if force_ids:
            incidents = incidents.filter(force_id__in=force_ids)
        # Distinct: an incident that reached two outcomes of a group joins twice.
        return incidents.aggregate(n=Count("id", distinct=True))["n"]


def _bucket_period(start: dt.date, bucket: str) -> Period:
    if bucket == "month":
        following = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return Period(start, following - dt.timedelta(days=1))
    return year_period(start, bucket)


def counted_by_dataset(force) -> list[dict]:
    """The force's counts of incident records over each dataset's whole period, with the
    outcome groups they reached. Keys: dataset, period, count, lower_bound, outcomes (a list
    of (group code, count) in vocabulary order). Two queries."""
    _, _, IncidentCount, Return = _models()
    kinds = dict(Return.objects.filter(force=force).values_list("dataset_id", "case_list"))
    examples = [dataset for dataset, kind in kinds.items() if kind == "examples"]
    cells = (
        IncidentCount.objects.filter(force=force, bucket="whole", category=None, role=None)
        .filter(Q(outcome=None) | Q(outcome__in=OUTCOME_GROUPS.codes))
        .exclude(dataset_id__in=examples)
        .select_related("dataset")
        .order_by("-dataset__published_on", "dataset__slug")
    )
    complete = {dataset for dataset, kind in kinds.items() if kind == "complete"}
    rows: dict[int, dict] = {}
    for cell in cells:
        row = rows.setdefault(
            cell.dataset_id,
            {
                "dataset": cell.dataset,
                "period": Period(cell.period_start, cell.period_end),
                "count": None,
                "lower_bound": cell.dataset_id not in complete,
                "outcomes": [],
            },
        )
        if cell.outcome is None:
            row["count"] = cell.count
        else:
            row["outcomes"].append((cell.outcome, cell.count))
    for row in rows.values():
        row["outcomes"].sort(key=lambda pair: OUTCOME_GROUPS.codes.index(pair[0]))
    return list(rows.values())
