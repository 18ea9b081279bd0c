"""The league table page's rows: the queryset's league plus what the page adds to it
(the chosen metric and rank, outcome shares, badges, sources).

Everything here composes `Figure.objects` methods and `IncidentCounts`; the counting rules
live in breaches/queries.py (published figures) and breaches/derived.py (counts of incident
records). One number per cell: where a force published a figure, the figure is shown and a
count of its incident records that disagrees is flagged; the two are never added.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse
from django.utils.http import urlencode

from breaches.derived import IncidentCounts
from breaches.models import Dataset, Figure, Return, Source
from breaches.queries import Level, Period
from breaches.vocabularies import OUTCOME_GROUPS

METRIC_KEYS = {"count": "count", "per-1000-officers": "rate_per_1000", "annualised": "annualised"}
SMALL_NUMBER = 10  # a rate resting on fewer breaches than this moves a lot with one case
SORT_KEYS = {
    "rank": "rank",
    "force": "force__name",
    "count": "count",
    "rate": "rate_per_1000",
    "annualised": "annualised",
    **{f"share-{group}": f"share_{group}" for group in OUTCOME_GROUPS.codes},
}

BADGE_LABELS = {
    "partial-period": "partial period",
    "different-definition": "different unit or definition",
    "force-caveat": "force caveat",
    "restated": "restated",
    "overlap": "overlap",
    "small-number": "small number",
    "dated-officers": "dated officer count",
    "counted": "counted from incidents",
    "count-mismatch": "case list differs",
}
BADGES = {
    "partial-period": "Partial period: covers {period}, not the dataset's whole period "
    "({dataset_period}).",
    "different-definition": "Different unit or definition: this force counted something other "
    "than the dataset's unit or definition (see its caveats). Compare with care.",
    "force-caveat": "The force or the source attached a caveat to this figure: read it before "
    "comparing.",
    "restated": "Restated: this figure replaced an earlier published value.",
    "overlap": "Overlapping breakdown: the force's parts add up to more than its total, so "
    "they overlap.",
    "small-number": "Small number: this rate rests on fewer than 10 cases.",
    "dated-officers": "Dated officer count: the nearest officer numbers found are from "
    "{workforce_as_of}, over a year outside the period.",
    "counted": "Counted from {counted} incident records in the force's case list, not a "
    "figure the force published.{completeness}",
    "count-mismatch": "The force's case list holds {counted} incident records for this cell, "
    "which does not match the published figure shown.",
}
INCOMPLETE = " The list is not known to be complete, so the true figure is at least this."


@dataclass
class League:
    dataset: Dataset
    period: Period | None
    level: Level
    metric: str
    rows: list[dict]

    @property
    def share_groups(self) -> list[tuple[str, str]]:
        """Outcome-share columns: only when the table is not already one outcome."""
        return [] if self.level.outcome else OUTCOME_GROUPS.choices


def build_league(
    dataset: Dataset,
    period: Period | None,
    level: Level,
    metric: str,
    force_ids: set[int] | None,
    sort: str | None,
) -> League:
    """The rows shown (and exported) for one dataset, period, level and metric."""
    figures = Figure.objects.for_dataset(dataset)
    counted = IncidentCounts(dataset)
    rows = published_or_counted(figures, counted, period, level) if period else []
    if force_ids is not None:
        rows = [row for row in rows if row["force_id"] in force_ids]
    league = League(dataset, period, level, metric, rows)
    _add_sources(rows)
    _add_shares(league, figures, counted)
    _add_caveats(league)
    _rank_by_metric(rows, METRIC_KEYS[metric])
    _sort(rows, sort, METRIC_KEYS[metric])
    return league


def league_periods(dataset: Dataset) -> list[tuple[Period, int]]:
    """Periods a league can show, with the number of forces in each: the published ones
    (most forces first), then those only incident records cover (the whole period first)."""
    published = Figure.objects.for_dataset(dataset).periods()
    shown = {period for period, _ in published}
    return published + [pair for pair in IncidentCounts(dataset).periods() if pair[0] not in shown]


def incidents_url(dataset: Dataset, force_slug: str | None, period: Period, level: Level) -> str:
    """The incidents list filtered to reproduce one derived figure."""
    params = {"dataset": dataset.slug}
    if force_slug:
        params["force"] = force_slug
    for name in ("category", "outcome", "role"):
        if getattr(level, name):
            params[name] = getattr(level, name)
    if (period.start, period.end) != (dataset.period_start, dataset.period_end):
        params["occurred"] = f"{period.start:%Y-%m-%d}~{period.end:%Y-%m-%d}"
    return f"{reverse('dashboard:incidents')}?{urlencode(params)}"


def published_or_counted(figures, counted: IncidentCounts, period: Period, level: Level):
    """Published rows, then forces known only from incident records; a published row whose
    count of incident records differs is marked (`count_mismatch`)."""
    rows = figures.league(period, level)
    published = {row["force_id"]: row for row in rows}
    for row in counted.league(period, level):
        row["incidents_url"] = incidents_url(counted.dataset, row["force__slug"], period, level)
        shown = published.get(row["force_id"])
        if shown is None:
            rows.append(row)
            continue
        n = row["counted_from"]
        shown["incidents_counted"], shown["incidents_url"] = n, row["incidents_url"]
        shown["count_mismatch"] = shown["count"] is None or n > shown["count"]
        if not row["lower_bound"]:  # a complete list must match exactly
            shown["count_mismatch"] = shown["count"] != n
    return rows


def _add_sources(rows: list[dict]) -> None:
    sources = Source.objects.in_bulk({row["source_id"] for row in rows if row["source_id"]})
    for row in rows:
        source = sources.get(row["source_id"])
        row["source"] = source
        row["source_title"] = source.title if source else ""
        row["source_url"] = source.url if source else ""
        if row.get("counted_from"):  # a count's source is the list of records it counts
            records = "incident record" if row["counted_from"] == 1 else "incident records"
            row["source_title"] = f"Counted from {row['counted_from']:,} {records}"
            row["source_url"] = row["incidents_url"]


def _add_shares(league: League, figures, counted: IncidentCounts) -> None:
    """Each outcome group as a share of the force's count; None = not published."""
    if not league.share_groups:
        return
    level = league.level
    values = figures.outcome_groups(league.period, level) if league.period else {}
    if any(row.get("counted_from") for row in league.rows):
        counts = counted.outcome_groups(league.period, level)
        for row in league.rows:
            if row.get("counted_from"):
                values[row["force_id"]] = counts.get(row["force_id"], {})
    for row in league.rows:
        groups = values.get(row["force_id"], {})
        row["has_breakdown"] = bool(groups)
        for code, _ in league.share_groups:
            value = groups.get(code)
            share = None
            if value is not None and value.count is not None and row["count"]:
                share = Decimal(value.count) / row["count"]
            row[f"share_{code}"] = share
            row[f"share_{code}_lower_bound"] = bool(value and value.lower_bound)


def _add_caveats(league: League) -> None:
    dataset, period = league.dataset, league.period
    answers = {
        answer.force_id: answer
        for answer in Return.objects.filter(
            dataset=dataset, force_id__in=[r["force_id"] for r in league.rows]
        ).select_related("dataset")
    }
    partial = period and (period.start, period.end) != (dataset.period_start, dataset.period_end)
    dataset_period = Period(dataset.period_start, dataset.period_end)
    for row in league.rows:
        answer = answers.get(row["force_id"])
        different = answer is not None and answer.counted_differently()
        if different:
            unit = (
                f"The force counted {answer.get_unit_display().lower()}, not "
                f"{dataset.get_unit_display().lower()}. "
                if answer.unit
                else ""
            )
            row["notes"] = [f"{unit}{answer.definition}".strip(), *row["notes"]]
        if answer is not None and answer.caveat:
            row["notes"] = [answer.caveat, *row["notes"]]
        badges = []
        if partial:
            badges.append("partial-period")
        if different:
            badges.append("different-definition")
        if row["notes"]:
            badges.append("force-caveat")
        if row["restated"]:
            badges.append("restated")
        if row["overlapping"]:
            badges.append("overlap")
        if league.metric != "count" and row["count"] is not None and row["count"] < SMALL_NUMBER:
            badges.append("small-number")
        if _dated_officers(row, period):
            badges.append("dated-officers")
        if row.get("counted_from"):
            badges.append("counted")
        if row.get("count_mismatch"):
            badges.append("count-mismatch")
        as_of = f"{row['workforce_as_of']:%-d %B %Y}" if row["workforce_as_of"] else ""
        counted = row.get("counted_from") or row.get("incidents_counted")
        completeness = INCOMPLETE if row.get("counted_from") and row["lower_bound"] else ""
        row["badges"] = [
            (code, BADGES[code].format(period=period, dataset_period=dataset_period,
                                       workforce_as_of=as_of, counted=counted,
                                       completeness=completeness))
            for code in badges
        ]  # fmt: skip
        row["caveat_text"] = " | ".join(row["notes"])
        row["badge_codes"] = " ".join(code for code, _ in row["badges"])


def _dated_officers(row: dict, period: Period | None) -> bool:
    """A rate per 1,000 officers whose officer count is from over a year outside the period."""
    if row["rate_per_1000"] is None or period is None:
        return False
    as_of = row["workforce_as_of"]
    gap = (period.start - as_of).days if as_of < period.start else (as_of - period.end).days
    return gap > 365


def _rank_by_metric(rows: list[dict], key: str) -> None:
    """Standard competition ranking (1, 2, 2, 4) on the metric; rows without it unranked."""
    ordered = sorted((r for r in rows if r[key] is not None), key=lambda r: -r[key])
    previous, rank = None, 0
    for position, row in enumerate(ordered, start=1):
        if row[key] != previous:
            rank, previous = position, row[key]
        row["rank"] = rank
    for row in rows:
        if row[key] is None:
            row["rank"] = None


def _sort(rows: list[dict], sort: str | None, metric_key: str) -> None:
    """Sort in place by `sort` (`-` for descending; default: the metric, largest first).

    Missing values (not disclosed, no workforce figure) always come last, whatever the
    direction, and ties are in force-name order.
    """
    key, descending = metric_key, True
    if sort:
        key, descending = SORT_KEYS[sort.lstrip("-")], sort.startswith("-")
    rows.sort(key=lambda row: row["force__name"])
    present = [row for row in rows if row.get(key) is not None]
    present.sort(key=lambda row: row[key], reverse=descending)
    rows[:] = present + [row for row in rows if row.get(key) is None]
