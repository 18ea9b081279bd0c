"""The measures forces are ranked by: the one list behind the `metric` parameter.

A measure's code is the value of `metric` on the league page and in the chart builder; codes
are in shared links and pinned charts (docs/design.md section 5), so they are never renamed.
Its label is the one wording a reader sees wherever the measure is named: the Measure
controls, the league's column headers, a chart's axis and subtitle, the downloads' headers
(in lower case there).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    code: str  # the `metric` parameter's value
    label: str
    attribute: str  # the row attribute holding the value (ForceValue, LeagueRow, chart rows)
    sort: str  # the league's `sort` parameter that orders by it (in shared links too)
    # What the league says it ranks by, after the unit ("breaches per year of the period").
    ranks_by: str = ""
    # A rate's denominator (Dataset.denominator), and the row attributes holding that
    # denominator's count and its date.
    denominator: str = ""
    per: str = ""
    as_of: str = ""
    # Offered by the league and map charts. Chart rows carry the officer rate only
    # (docs/charts.md, "Not done yet"), so the whole-workforce rate is the league page's.
    in_charts: bool = True

    def fits(self, dataset) -> bool:
        """Whether a league of `dataset` may rank by it: every dataset counts officers, but
        a rate per 1,000 of the whole workforce fits only one that counts staff too."""
        return self.denominator != "workforce" or dataset.denominator == "workforce"


COUNT = Measure("count", "Count", "count", sort="count")
PER_1000_OFFICERS = Measure(
    "per-1000-officers",
    "Per 1,000 officers",
    "rate_per_1000",
    sort="rate",
    ranks_by="per 1,000 police officers (full-time equivalent, at the date shown)",
    denominator="officers",
    per="workforce",
    as_of="workforce_as_of",
)
PER_1000_WORKFORCE = Measure(
    "per-1000-workforce",
    "Per 1,000 workforce",
    "rate_per_1000_workforce",
    sort="rate-workforce",
    ranks_by="per 1,000 of the whole workforce (officers, staff, PCSOs and designated "
    "officers, full-time equivalent, at the date shown)",
    denominator="workforce",
    per="whole_workforce",
    as_of="whole_workforce_as_of",
    in_charts=False,
)
ANNUALISED = Measure("annualised", "Per year", "annualised", sort="annualised",
                     ranks_by="per year of the period")  # fmt: skip

MEASURES = (COUNT, PER_1000_OFFICERS, PER_1000_WORKFORCE, ANNUALISED)
CHART_MEASURES = tuple(measure for measure in MEASURES if measure.in_charts)
BY_CODE = {measure.code: measure for measure in MEASURES}


def choices(measures=MEASURES) -> list[tuple[str, str]]:
    return [(measure.code, measure.label) for measure in measures]


def rate_on(denominator: str) -> Measure:
    """The rate per 1,000 of a dataset's denominator (Dataset.denominator)."""
    return next(measure for measure in MEASURES if measure.denominator == denominator)
