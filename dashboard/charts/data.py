"""The rows behind each chart, read through the Figure queryset methods (breaches/queries.py).

`chart_data(state)` returns a `ChartData`: plain, JSON-ready rows plus the title, datasets and
sources that describe them. The same object is what a pinned chart freezes, what the `.json`
and `.csv` twins return, and what the pure builders in `charts.py` draw.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal

from breaches.derived import IncidentCounts
from breaches.models import Dataset, Figure, Force, Source
from breaches.queries import ForceValue, Level, Period
from breaches.vocabularies import CATEGORIES, OUTCOME_GROUPS, OUTCOMES, ROLES

from ..league.rows import (
    CheckedValue,
    incidents_url,
    league_periods,
    published_or_counted,
    with_counts,
)
from ..measures import ANNUALISED, BY_CODE, PER_1000_OFFICERS
from .funnel import add_limits
from .state import BUCKETS, CHARTS, ChartState
from .tilemap import layout

TREND_CAVEAT = (
    "Each dataset asked its own question, counted its own unit over its own periods: "
    "compare the shape of each series, not levels across datasets."
)


@dataclass
class ChartData:
    """Everything a chart shows: rows (one per force and series), and what they mean."""

    state: dict
    chart: str
    title: str
    subtitle: str
    value_label: str
    caveat: str
    rows: list[dict] = field(default_factory=list)
    datasets: list[dict] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ChartData:
        return cls(**data)


def chart_data(state: ChartState) -> ChartData:
    """Rows for the chart `state` describes (a handful of queries, none per row)."""
    dataset = Dataset.objects.filter(slug=state.dataset).first() if state.dataset else None
    level = Level(state.category or None, state.outcome or None, state.role or None)
    figures = Figure.objects.published()
    if state.forces:
        figures = figures.filter(force__slug__in=state.forces)
    undated = None
    if state.chart == "trend" and state.by:
        rows, undated = _counted_trend_rows(dataset, level, state)
        datasets = [dataset]
    elif state.chart == "trend":
        rows = _trend_rows(figures, dataset, level, state)
        datasets = Dataset.objects.filter(slug__in={row["dataset"] for row in rows})
    else:
        figures = figures.for_dataset(dataset)
        period = _single_period(dataset, state)
        rows = []
        if period:
            build = {
                "league": _league_rows,
                "outcomes": _outcome_rows,
                "funnel": _funnel_rows,
                "map": _map_rows,
            }.get(state.chart, _category_rows)
            rows = build(figures, period, level, state, dataset)
        datasets = [dataset]
    rows += _no_figure_rows(state, rows)
    sources = _attach_sources(rows)
    return ChartData(
        state=state.as_dict(),
        chart=state.chart,
        title=_title(state, dataset),
        subtitle=_subtitle(state, level, rows, undated),
        value_label=_value_label(state, dataset),
        caveat=TREND_CAVEAT if state.chart == "trend" else (dataset.caveat or dataset.definition),
        rows=rows,
        datasets=[_dataset_json(d) for d in datasets],
        sources=sources,
    )


def _single_period(dataset, state: ChartState) -> Period | None:
    """The period most forces answered for (or, for a case list, its whole period), among
    those inside `from`..`to`."""
    for period, _forces in league_periods(dataset):
        if state.from_year and period.start.year < state.from_year:
            continue
        if state.to_year and period.end.year > state.to_year:
            continue
        return period
    return None


def _league_rows(figures, period, level, state, dataset) -> list[dict]:
    key = BY_CODE[state.metric].attribute
    values = published_or_counted(figures, IncidentCounts(dataset), period, level)
    if state.forces:  # `figures` holds only the chosen forces; the counts hold every force
        values = [v for v in values if v.value.force_slug in state.forces]
    rows = [_row(c.value, period, dataset, value=getattr(c.value, key), checked=c) for c in values]
    rows.sort(key=lambda r: (r["value"] is None, -(r["value"] or 0), r["force"]))
    return rows


def _map_rows(figures, period, level, state, dataset) -> list[dict]:
    """The league's rows, plus a "no figure" row for every force on the map without one."""
    rows = _league_rows(figures, period, level, state, dataset)
    present = {row["force_slug"] for row in rows}
    absent = Force.objects.filter(slug__in=set(layout()) - present).order_by("name")
    return rows + [_missing(f.name, f.slug, dataset.slug, period, "no-figure") for f in absent]


def _funnel_rows(figures, period, level, state, dataset) -> list[dict]:
    """League rows with officer numbers, rates and control limits (funnel.py): forces that
    can be plotted by officer numbers, then those listed apart, by name."""
    rows = []
    for checked in published_or_counted(figures, IncidentCounts(dataset), period, level):
        row = _row(checked.value, period, dataset, value=None, checked=checked)
        row["officers"] = _number(checked.value.workforce)
        rows.append(row)
    add_limits(rows)
    rows.sort(key=lambda r: (r["value"] is None, r["officers"] or 0, r["force"]))
    return rows


def _outcome_rows(figures, period, level, state, dataset) -> list[dict]:
    """Outcome groups per force, as shares of the force's total, where a breakdown exists.

    Published figures: the total and every group are read together (three queries, whatever
    the number of groups); `outcome_groups()` would read counts only, and each row also
    shows its rate, workforce date, notes, source and restatement. A case-list dataset adds
    its counts of incident records, group by group, as the league does.
    """
    at = Level(level.category, None, level.role)
    codes = [None, *OUTCOME_GROUPS.codes]
    values = figures.force_values_by_outcome(period, at, codes)
    counted = IncidentCounts(dataset)
    if _has_counts(counted, period):
        by_code = {
            code: _by_force(with_counts(values[code], counted, period, replace(at, outcome=code)))
            for code in codes
        }
        _zeros_where_counted(by_code, by_code[None], dataset, period, at, "outcome")
    else:
        by_code = {code: _by_force(CheckedValue(v) for v in values[code]) for code in codes}
    totals = by_code.pop(None)
    return _breakdown(by_code, OUTCOME_GROUPS, totals, period, dataset)


def _category_rows(figures, period, level, state, dataset) -> list[dict]:
    """Category counts per force; categories overlap, so they are never added up."""
    counted = IncidentCounts(dataset)
    if _has_counts(counted, period):
        by_category = {
            code: _checked(figures, counted, period, level, category=code)
            for code in CATEGORIES.codes
        }
        totals = _checked(figures, counted, period, level, category=None)
        _zeros_where_counted(by_category, totals, dataset, period, level, "category")
        return _breakdown(by_category, CATEGORIES, None, period, dataset)
    published = _published(figures, period, "category")
    by_category = {
        category: _by_force(
            CheckedValue(v)
            for v in figures.force_values(period, Level(category, level.outcome, level.role))
        )
        if category in published
        else {}
        for category in CATEGORIES.codes
    }
    return _breakdown(by_category, CATEGORIES, None, period, dataset)


def _has_counts(counted: IncidentCounts, period: Period) -> bool:
    """Whether the dataset's incident records count in this period (a case list): one query."""
    return bool(counted.by_force(period, Level()))


def _zeros_where_counted(by_code, totals, dataset, period, level, field: str) -> None:
    """A force counted from its case list, with no record in a series that others have,
    has counted none there: 0 (at least 0 when its list is not known to be complete), not
    "no figure"."""
    zero = Decimal(0)
    for code, values in by_code.items():
        if not any(checked.value.count for checked in values.values()):
            continue  # a series no force has: left out of the chart, not drawn as zeros
        for force_id, total in totals.items():
            if code is None or force_id in values or total.value.counted_from is None:
                continue
            v = total.value
            values[force_id] = CheckedValue(
                replace(
                    v,
                    count=0,
                    counted_from=0,
                    rate_per_1000=zero if v.rate_per_1000 is not None else None,
                    rate_per_1000_workforce=zero if v.rate_per_1000_workforce is not None else None,
                    annualised=zero if v.annualised is not None else None,
                ),
                incidents_url=incidents_url(
                    dataset, v.force_slug, period, replace(level, **{field: code})
                ),
            )


def _checked(figures, counted, period, level, **series) -> dict[int, CheckedValue]:
    """{force_id: value} of one series (`outcome=` or `category=`), published or counted."""
    return _by_force(published_or_counted(figures, counted, period, replace(level, **series)))


def _by_force(checked) -> dict[int, CheckedValue]:
    return {c.value.force_id: c for c in checked}


def _published(figures, period, field: str) -> set[str]:
    """Codes with any force figure in the period: values per absent code would be empty."""
    rows = figures.by_force().in_period(period).filter(**{f"{field}__isnull": False})
    return set(rows.values_list(field, flat=True).order_by().distinct())


def _breakdown(by_series, vocabulary, totals, period, dataset) -> list[dict]:
    """One row per (force with any published part, series with any published part)."""
    series = [code for code in vocabulary.codes if by_series[code]]
    forces = {}
    for code in series:
        for force_id, checked in by_series[code].items():
            if checked.value.count is not None:
                forces[force_id] = (checked.value.force_name, checked.value.force_slug)

    def size(force_id) -> int:
        whole = (totals or {}).get(force_id)
        return (whole.value.count or 0) if whole else 0

    order = sorted(forces, key=lambda f: (-size(f), forces[f][0]))
    rows = []
    for force_id in order:
        name, slug = forces[force_id]
        whole = (totals or {}).get(force_id)
        total = whole.value.count if whole else None
        lower_total = bool(whole and whole.value.lower_bound)  # "at least" beside the total
        for code in series:
            checked = by_series[code].get(force_id)
            if checked is None:
                row = _missing(name, slug, dataset.slug, period, "no-figure")
            else:
                v = checked.value
                row = _row(v, period, dataset, value=v.count, checked=checked)
                if totals is not None:
                    share = v.count / total if total and v.count is not None else None
                    row.update(total=total, share=round(share, 4) if share is not None else None)
                    row["total_lower_bound"] = lower_total
                    row["value"] = round(share * 100, 1) if share is not None else None
            row.update(series=code, series_label=vocabulary.label(code))
            rows.append(row)
    return rows


def _trend_rows(figures, dataset, level, state) -> list[dict]:
    """Each force's annualised figure for every period of every dataset it answered."""
    if dataset:
        figures = figures.filter(dataset=dataset)
    pairs = (
        figures.filter(force__isnull=False)
        .values_list("dataset_id", "period_start", "period_end")
        .distinct()
        .order_by("period_start", "period_end", "dataset_id")
    )
    datasets = Dataset.objects.in_bulk({pair[0] for pair in pairs})
    rows = []
    for dataset_id, start, end in pairs:
        if state.from_year and end.year < state.from_year:
            continue
        if state.to_year and start.year > state.to_year:
            continue
        period, owner = Period(start, end), datasets[dataset_id]
        for v in figures.filter(dataset_id=dataset_id).force_values(period, level):
            row = _row(v, period, owner, value=v.annualised)
            row.update(series=owner.slug, series_label=f"{owner.publisher} {owner.published_on:%Y}")
            rows.append(row)
    rows.sort(key=lambda r: (r["force"], r["period_start"], r["dataset"]))
    return rows


def _counted_trend_rows(dataset, level, state) -> tuple[list[dict], int]:
    """Counts of one dataset's incident records per month or year: for the chosen forces,
    or national. Also how many records have no date (in no month or year)."""
    counts = IncidentCounts(dataset)
    chosen = Force.objects.filter(slug__in=state.forces) if state.forces else Force.objects.none()
    forces, slugs = {}, {}
    for pk, name, slug in chosen.values_list("pk", "name", "slug"):
        forces[pk], slugs[pk] = name, slug
    complete = counts.complete_forces()
    rows = []
    for r in counts.series(state.by, level, tuple(forces)):
        period = r["period"]
        if state.from_year and period.end.year < state.from_year:
            continue
        if state.to_year and period.start.year > state.to_year:
            continue
        force_id = r["force_id"]
        counted = ForceValue(
            force_id=force_id,
            force_name=forces[force_id] if force_id else "All forces",
            force_slug=slugs.get(force_id, ""),
            count=r["count"],
            status="disclosed",
            summed=False,
            lower_bound=force_id not in complete if force_id else not complete,
            source_id=None,
            workforce=None,
            workforce_as_of=None,
            rate_per_1000=None,
            annualised=None,
        )
        row = _row(
            counted,
            period,
            dataset,
            value=r["count"],
        )
        row.update(
            series=dataset.slug,
            series_label=BUCKETS[state.by],
            counted_from=r["count"],
            incidents_url=incidents_url(dataset, slugs.get(force_id), period, level),
        )
        rows.append(row)
    rows.sort(key=lambda r: (r["force"], r["period_start"]))
    return rows, counts.undated(level, tuple(forces))


def _no_figure_rows(state: ChartState, rows: list[dict]) -> list[dict]:
    """Chosen forces with nothing published for this chart: shown as "no figure", never 0."""
    present = {row["force_slug"] for row in rows}
    missing = [slug for slug in state.forces if slug not in present]
    forces = Force.objects.filter(slug__in=missing).order_by("name") if missing else []
    return [_missing(f.name, f.slug, state.dataset, None, "no-figure") for f in forces]


def _number(value):
    if isinstance(value, Decimal):
        return float(value)
    return value


def _iso(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def _row(v: ForceValue, period: Period, dataset, *, value, checked=None) -> dict:
    """A chart row. `checked` (from published_or_counted) links the incident records behind
    it: those it was counted from, or those held beside a published figure (and whether
    the two differ)."""
    return {
        "force": v.force_name,
        "force_slug": v.force_slug,
        "dataset": dataset.slug,
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "series": "",
        "series_label": "",
        "value": _number(value),
        "count": v.count,
        "status": v.status,
        "summed": v.summed,
        "lower_bound": v.lower_bound,
        "rate_per_1000": _number(v.rate_per_1000),
        "annualised": _number(v.annualised),
        "workforce_as_of": _iso(v.workforce_as_of),
        "restated": v.restated,
        "source_id": v.source_id,
        "notes": list(v.notes),
        "counted_from": v.counted_from,
        "incidents_counted": checked.incidents_counted if checked else None,
        "incidents_url": checked.incidents_url if checked else "",
        "count_mismatch": checked.count_mismatch if checked else False,
    }


def _missing(name, slug, dataset_slug, period, status) -> dict:
    return {
        "force": name,
        "force_slug": slug,
        "dataset": dataset_slug,
        "period_start": period.start.isoformat() if period else None,
        "period_end": period.end.isoformat() if period else None,
        "series": "",
        "series_label": "",
        "value": None,
        "count": None,
        "status": status,
        "summed": False,
        "lower_bound": False,
        "rate_per_1000": None,
        "annualised": None,
        "workforce_as_of": None,
        "restated": False,
        "source_id": None,
        "notes": [],
        "counted_from": None,
        "incidents_counted": None,
        "incidents_url": "",
        "count_mismatch": False,
    }


def _attach_sources(rows: list[dict]) -> list[dict]:
    """Name each row's source (one query), and list the sources the chart cites."""
    sources = Source.objects.in_bulk({row["source_id"] for row in rows if row["source_id"]})
    for row in rows:
        source = sources.get(row.pop("source_id"))
        row["source_title"] = source.title if source else ""
        row["source_publisher"] = source.publisher if source else ""
        row["source_url"] = source.url if source else ""
    return [
        {
            "title": s.title,
            "publisher": s.publisher,
            "published_on": _iso(s.published_on),
            "url": s.url,
        }
        for s in sorted(sources.values(), key=lambda s: s.title)
    ]


def _dataset_json(dataset) -> dict:
    return {
        "slug": dataset.slug,
        "title": dataset.title,
        "publisher": dataset.publisher,
        "published_on": dataset.published_on.isoformat(),
        "unit": dataset.get_unit_display().lower(),
        "definition": dataset.definition,
        "caveat": dataset.caveat,
        "url": dataset.url,
    }


def _title(state: ChartState, dataset) -> str:
    if state.chart == "trend" and state.by:
        unit = {"month": "month", "year": "year", "fy": "financial year"}[state.by]
        return f"{dataset.title}: incident records per {unit}"
    if state.chart == "trend":
        scope = f" in {dataset.title}" if dataset else ""
        return f"Data breaches per year, force by force{scope}"
    unit = dataset.get_unit_display().lower()
    return {
        "league": f"{dataset.title}: {unit} per force",
        "outcomes": f"{dataset.title}: what happened, share of each force's {unit}",
        "categories": f"{dataset.title}: kinds of breach per force",
        "funnel": f"{dataset.title}: {unit} per 1,000 officers against force size",
        "map": f"{dataset.title}: {unit} per force, on a map",
    }[state.chart]


def _subtitle(state: ChartState, level: Level, rows: list[dict], undated: int | None) -> str:
    parts = []
    if undated:
        records = "record has no date and is" if undated == 1 else "records have no date and are"
        parts.append(f"{undated:,} incident {records} in no period")
    periods = {(r["period_start"], r["period_end"]) for r in rows if r["period_start"]}
    if state.chart != "trend" and len(periods) == 1:
        start, end = (dt.date.fromisoformat(d) for d in periods.pop())
        parts.append(str(Period(start, end)))
    if level.category and state.chart != "categories":
        parts.append(CATEGORIES.label(level.category))
    if level.outcome and state.chart != "outcomes":
        parts.append(f"outcome: {OUTCOMES.label(level.outcome).lower()}")
    if level.role:
        parts.append(f"role: {ROLES.label(level.role).lower()}")
    if state.chart in ("league", "map") and state.metric != "count":
        parts.append(BY_CODE[state.metric].label.lower())
    return " · ".join(parts) or CHARTS[state.chart]


def _value_label(state: ChartState, dataset) -> str:
    if state.chart == "trend" and state.by:
        return "Incident records"
    if state.chart == "trend":
        return ANNUALISED.label
    if state.chart == "outcomes":
        return "Share of the force's total (%)"
    if state.chart == "funnel":
        return f"{dataset.get_unit_display()} {PER_1000_OFFICERS.label.lower()}"
    unit = dataset.get_unit_display()
    if state.chart in ("league", "map") and state.metric != "count":
        return f"{unit} {BY_CODE[state.metric].label.lower()}"
    return unit
