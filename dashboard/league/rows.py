"""The league table page's rows: each force's value (`FigureQuerySet.force_values()`) plus
what the page adds to it (the chosen metric and rank, outcome shares, badges, sources).

Everything here composes `Figure.objects.published()` methods and `IncidentCounts`; the
counting rules live in breaches/queries.py (published figures) and breaches/derived.py
(counts of incident records). One number per cell: where a force published a figure, the
figure is shown and a count of its incident records that disagrees is flagged; the two are
never added.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from operator import attrgetter

from django.urls import reverse
from django.utils.http import urlencode

from breaches.derived import IncidentCounts
from breaches.models import Dataset, Figure, Return, Source
from breaches.queries import ForceValue, Level, Period, competition_ranks
from breaches.stats import cached_rank_intervals
from breaches.vocabularies import OUTCOME_GROUPS

from ..measures import BY_CODE, COUNT, Measure, rate_on

# Each denominator's flag for a rate on a count dated over a year from the period.
DATED = {"officers": "dated-officers", "workforce": "dated-workforce"}
SMALL_NUMBER = 10  # a rate resting on fewer breaches than this moves a lot with one case
# The `sort` parameter -> the value a row is sorted by.
SORT_KEYS: dict[str, Callable] = {
    "rank": attrgetter("rank"),
    "force": attrgetter("force_name"),
    **{measure.sort: attrgetter(measure.attribute) for measure in BY_CODE.values()},
    **{
        f"share-{group}": (lambda row, group=group: row.shares[group].value)
        for group in OUTCOME_GROUPS.codes
    },
}

BADGE_LABELS = {
    "partial-period": "partial period",
    "different-definition": "different unit or definition",
    "force-caveat": "force caveat",
    "restated": "restated",
    "overlap": "overlap",
    "small-number": "small number",
    "dated-officers": "dated officer count",
    "dated-workforce": "dated workforce count",
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
    "dated-workforce": "Dated workforce count: the nearest workforce numbers found (officers "
    "and staff counted at one date) are from {whole_workforce_as_of}, over a year outside the "
    "period.",
    "counted": "Counted from {counted} incident records in the force's case list, not a "
    "figure the force published.{completeness}",
    "count-mismatch": "The force's case list holds {counted} incident records for this cell, "
    "which does not match the published figure shown.",
}
INCOMPLETE = " The list is not known to be complete, so the true figure is at least this."


@dataclass(frozen=True)
class Share:
    """An outcome group as a share of the force's count; `value` None = not published."""

    value: Decimal | None
    lower_bound: bool = False


@dataclass(frozen=True)
class LeagueRow(ForceValue):
    """One force's row on the league page: its value plus what the page shows beside it."""

    source: Source | None = None
    source_title: str = ""
    source_url: str = ""
    incidents_url: str = ""  # the incident records counted for this row, as a filtered list
    incidents_counted: int | None = None  # records counted for a published figure
    count_mismatch: bool = False  # those records disagree with the published figure
    has_breakdown: bool = False  # the force published some outcome breakdown
    shares: dict[str, Share] = field(default_factory=dict)
    badges: tuple[tuple[str, str], ...] = ()  # (code, explanation)
    # The rank's plausible range, best to worst (breaches/stats.py, rank_intervals).
    rank_low: int | None = None
    rank_high: int | None = None

    @property
    def rank_range(self) -> str:
        """Best to worst rank joined by an en dash ("3" alone when certain); blank unranked."""
        if self.rank_low is None:
            return ""
        if self.rank_low == self.rank_high:
            return str(self.rank_low)
        return f"{self.rank_low}–{self.rank_high}"

    @property
    def caveat_text(self) -> str:
        return " | ".join(self.notes)

    @property
    def badge_codes(self) -> str:
        return " ".join(code for code, _ in self.badges)


@dataclass(frozen=True)
class CheckedValue:
    """A force's value, and the incident records that were counted for it, if any."""

    value: ForceValue
    incidents_url: str = ""
    incidents_counted: int | None = None
    count_mismatch: bool = False


@dataclass
class ForceRanking:
    """The league page's content: one dataset, period, level and metric, and its rows."""

    dataset: Dataset
    period: Period | None
    level: Level
    metric: str
    rows: list[LeagueRow]
    sort: str | None = None  # the order shown (None: by rank on the metric)

    @property
    def share_groups(self) -> list[tuple[str, str]]:
        """Outcome-share columns: only when the table is not already one outcome."""
        return [] if self.level.outcome else OUTCOME_GROUPS.choices

    @property
    def measure(self) -> Measure:
        return BY_CODE[self.metric]

    @property
    def denominator(self) -> str:
        """The rate the table shows: the one the metric names, or the dataset's own."""
        return self.measure.denominator or self.dataset.denominator

    @property
    def dated_rate(self) -> bool:
        """Some row's rate rests on a count over a year from the period: the table is not
        sorted by that rate unless asked to (issue 12 item 10)."""
        return any(DATED[self.denominator] in dict(row.badges) for row in self.rows)


def rank_forces(
    dataset: Dataset,
    period: Period | None,
    level: Level,
    metric: str,
    force_ids: set[int] | None,
    sort: str | None,
) -> ForceRanking:
    """The rows shown (and exported) for one dataset, period, level and metric."""
    figures = Figure.objects.published().for_dataset(dataset)
    counted = IncidentCounts(dataset)
    checked = published_or_counted(figures, counted, period, level) if period else []
    if force_ids is not None:
        checked = [item for item in checked if item.value.force_id in force_ids]
    ranking = ForceRanking(dataset, period, level, metric, [])
    page = _PageFacts.read(ranking, checked, figures, counted)
    rows = [page.row(item) for item in checked]
    measure = ranking.measure
    ranking.rows = _with_rank_ranges(_ranked_by(rows, measure), measure)
    if sort is None and measure.denominator and ranking.dated_rate:
        sort = "-count"  # a rate on a dated count is offered, never the default order
    ranking.sort = sort
    ranking.rows = _sorted(ranking.rows, sort, measure)
    return ranking


def league_periods(dataset: Dataset) -> list[tuple[Period, int]]:
    """Periods a league can show, with the number of forces in each: the published ones
    (most forces first), then those only incident records cover (the whole period first)."""
    published = Figure.objects.published().for_dataset(dataset).periods()
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


def published_or_counted(
    figures, counted: IncidentCounts, period: Period, level: Level
) -> list[CheckedValue]:
    """Published values, then forces known only from incident records; a published value
    whose count of incident records differs is marked (`count_mismatch`)."""
    return with_counts(figures.force_values(period, level), counted, period, level)


def with_counts(values, counted: IncidentCounts, period: Period, level: Level):
    """`published_or_counted` for published values already read (several levels read in one
    query: `FigureQuerySet.force_values_by_outcome`)."""
    published = {value.force_id: CheckedValue(value) for value in values}
    only_counted = []
    for value in counted.force_values(period, level):
        url = incidents_url(counted.dataset, value.force_slug, period, level)
        shown = published.get(value.force_id)
        if shown is None:
            only_counted.append(CheckedValue(value, incidents_url=url))
            continue
        n, count = value.counted_from, shown.value.count
        # A complete list must match exactly; an incomplete one may only fall short.
        mismatch = count != n if not value.lower_bound else count is None or n > count
        published[value.force_id] = replace(
            shown, incidents_url=url, incidents_counted=n, count_mismatch=mismatch
        )
    return [*published.values(), *only_counted]


@dataclass
class _PageFacts:
    """What the page reads once for all rows: sources, outcome groups, the forces' answers."""

    ranking: ForceRanking
    sources: dict[int, Source]
    groups: dict[int, dict]  # force_id -> {group code: Value}
    answers: dict[int, Return]

    @classmethod
    def read(cls, ranking: ForceRanking, checked: list[CheckedValue], figures, counted):
        values = [item.value for item in checked]
        sources = Source.objects.in_bulk({v.source_id for v in values if v.source_id})
        groups = {}
        if ranking.share_groups and ranking.period:
            groups = figures.outcome_groups(ranking.period, ranking.level)
            if any(v.counted_from for v in values):
                counts = counted.outcome_groups(ranking.period, ranking.level)
                for v in values:
                    if v.counted_from:
                        groups[v.force_id] = counts.get(v.force_id, {})
        answers = {
            answer.force_id: answer
            for answer in Return.objects.filter(
                dataset=ranking.dataset, force_id__in=[v.force_id for v in values]
            ).select_related("dataset")
        }
        return cls(ranking, sources, groups, answers)

    def row(self, item: CheckedValue) -> LeagueRow:
        value = item.value
        answer = self.answers.get(value.force_id)
        notes = _answer_notes(answer, self.ranking.dataset) + list(value.notes)
        source = self.sources.get(value.source_id)
        title, url = (source.title, source.url) if source else ("", "")
        if value.counted_from:  # a count's source is the list of records it counts
            records = "incident record" if value.counted_from == 1 else "incident records"
            title, url = f"Counted from {value.counted_from:,} {records}", item.incidents_url
        row = LeagueRow(
            **{f.name: getattr(value, f.name) for f in fields(ForceValue) if f.name != "notes"},
            notes=tuple(notes),
            source=source,
            source_title=title,
            source_url=url,
            incidents_url=item.incidents_url,
            incidents_counted=item.incidents_counted,
            count_mismatch=item.count_mismatch,
            **self._shares(value),
        )
        return replace(row, badges=self._badges(row, answer))

    def _shares(self, value: ForceValue) -> dict:
        """Each outcome group as a share of the force's count."""
        if not self.ranking.share_groups:
            return {}
        groups = self.groups.get(value.force_id, {})
        shares = {}
        for code, _ in self.ranking.share_groups:
            group = groups.get(code)
            share = None
            if group is not None and group.count is not None and value.count:
                share = Decimal(group.count) / value.count
            shares[code] = Share(share, lower_bound=bool(group and group.lower_bound))
        return {"has_breakdown": bool(groups), "shares": shares}

    def _badges(self, row: LeagueRow, answer: Return | None) -> tuple[tuple[str, str], ...]:
        dataset, period, measure = self.ranking.dataset, self.ranking.period, self.ranking.measure
        rate = rate_on(self.ranking.denominator)  # the rate the table shows
        partial = period and (period.start, period.end) != (
            dataset.period_start,
            dataset.period_end,
        )
        codes = [
            code
            for code, applies in (
                ("partial-period", partial),
                ("different-definition", answer is not None and answer.counted_differently()),
                ("force-caveat", row.notes),
                ("restated", row.restated),
                ("overlap", row.overlapping),
                (
                    "small-number",
                    measure != COUNT and row.count is not None and row.count < SMALL_NUMBER,
                ),
                (DATED[rate.denominator], _over_a_year_away(row, rate, period)),
                ("counted", row.counted_from),
                ("count-mismatch", row.count_mismatch),
            )
            if applies
        ]
        officers_as_of = f"{row.workforce_as_of:%-d %B %Y}" if row.workforce_as_of else ""
        whole = row.whole_workforce_as_of
        whole_as_of = f"{whole:%-d %B %Y}" if whole else ""
        counted = row.counted_from or row.incidents_counted
        completeness = INCOMPLETE if row.counted_from and row.lower_bound else ""
        dataset_period = Period(dataset.period_start, dataset.period_end)
        return tuple(
            (code, BADGES[code].format(period=period, dataset_period=dataset_period,
                                       workforce_as_of=officers_as_of,
                                       whole_workforce_as_of=whole_as_of, counted=counted,
                                       completeness=completeness))
            for code in codes
        )  # fmt: skip


def _answer_notes(answer: Return | None, dataset: Dataset) -> list[str]:
    """The force's own caveat, then how its count differs from the dataset's definition."""
    if answer is None:
        return []
    notes = [answer.caveat] if answer.caveat else []
    if answer.counted_differently():
        unit = (
            f"The force counted {answer.get_unit_display().lower()}, not "
            f"{dataset.get_unit_display().lower()}. "
            if answer.unit
            else ""
        )
        notes.append(f"{unit}{answer.definition}".strip())
    return notes


def _over_a_year_away(row: LeagueRow, rate: Measure, period: Period | None) -> bool:
    """The row's rate per 1,000 rests on a workforce count from over a year outside the
    period."""
    as_of = getattr(row, rate.as_of)
    if getattr(row, rate.attribute) is None or as_of is None or period is None:
        return False
    gap = (period.start - as_of).days if as_of < period.start else (as_of - period.end).days
    return gap > 365


def _ranked_by(rows: list[LeagueRow], measure: Measure) -> list[LeagueRow]:
    """Standard competition ranking (1, 2, 2, 4) on the measure; rows without it unranked."""
    key = measure.attribute
    ordered = sorted(
        (row for row in rows if getattr(row, key) is not None), key=lambda row: -getattr(row, key)
    )
    ranks = dict(zip(
        (row.force_id for row in ordered),
        competition_ranks([getattr(row, key) for row in ordered]),
        strict=True,
    ))  # fmt: skip
    return [replace(row, rank=ranks.get(row.force_id)) for row in rows]


def _with_rank_ranges(rows: list[LeagueRow], measure: Measure) -> list[LeagueRow]:
    """Each ranked row's 95% range of ranks, simulated from its count (breaches/stats.py).

    A rate divides by its denominator (officers or the whole workforce, in thousands); a
    count, or a rate per year over the league's one period, ranks counts. A row that is only
    a lower bound ("at least N") may belong higher than N puts it, so its range starts at 1.
    """
    ranked = [row for row in rows if row.rank is not None and row.count is not None]
    entries = tuple((row.force_id, row.count, _exposure(row, measure)) for row in ranked)
    intervals = cached_rank_intervals(entries) if entries else {}
    out = []
    for row in rows:
        if row.force_id in intervals:
            low, high = intervals[row.force_id]
            # The range always holds the rank shown (a tie shares the best rank of its group).
            low, high = min(low, row.rank), max(high, row.rank)
            row = replace(row, rank_low=1 if row.lower_bound else low, rank_high=high)
        out.append(row)
    return out


def _exposure(row: LeagueRow, measure: Measure) -> float:
    """What a rate divides the count by, in thousands; 1 when the table ranks counts."""
    return float(getattr(row, measure.per)) / 1000 if measure.per else 1.0


def _sorted(rows: list[LeagueRow], sort: str | None, measure: Measure) -> list[LeagueRow]:
    """Sorted by `sort` (`-` for descending; default: the measure, largest first).

    Missing values (not disclosed, no workforce figure) always come last, whatever the
    direction, and ties are in force-name order.
    """
    key, descending = attrgetter(measure.attribute), True
    if sort:
        key, descending = SORT_KEYS[sort.lstrip("-")], sort.startswith("-")
    rows = sorted(rows, key=lambda row: row.force_name)
    present = sorted((row for row in rows if key(row) is not None), key=key, reverse=descending)
    return present + [row for row in rows if key(row) is None]
