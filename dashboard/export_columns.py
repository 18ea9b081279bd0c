"""The one column scheme of every download: what each column is called and what it holds.

A column has a machine name (`key`: the CSV header and the JSON key, stable across formats
and releases), a label (`title`: the XLSX header, for people) and a description. The page
/about/data/ prints these lists as the data dictionary, so every column of every export is
described in one place and the descriptions cannot drift from the files.
"""

from __future__ import annotations

from decimal import Decimal

from breaches.vocabularies import OUTCOME_GROUPS

from .exports import Column
from .measures import MEASURES

# A measure's column is headed by the measure's label, as on the page (dashboard/measures.py).
HEADED = {measure.attribute: measure.label.lower() for measure in MEASURES}
# Columns several downloads share, described once: key -> (label, description).
SHARED = {
    "dataset": ("dataset", "The dataset's code (see /datasets/)."),
    "force": ("force", "The force's official name."),
    "force_slug": ("force code", "The force's code, as in /forces/<code>/."),
    "count": (HEADED["count"], "The number published (or counted from incident records). "
              "Empty when the force gave no figure: that is not zero."),
    "status": ("status", "disclosed, or why there is no figure: refused, not-held, "
               "not-disclosed, no-response."),
    "source_title": ("source", "Where the figure was read."),
    "source_url": ("source URL", "A public link to the source."),
    "summed": ("summed from parts", "True when the count adds up published parts (by role "
               "or by outcome)."),
    "lower_bound": ("at least (incomplete breakdown)", "True when those parts, or a case "
                    "list, are not known to be complete: the true figure is at least the "
                    "count."),
    "rate_per_1000": (HEADED["rate_per_1000"], "The count per 1,000 officers (full-time "
                      "equivalent) at the officer count nearest the period's midpoint. Empty "
                      "without an officer count."),
    "workforce_as_of": ("officers as of", "The date of that officer count."),
    "annualised": (HEADED["annualised"], "The count divided by the period's length in years: "
                   "the one way to set figures of unequal periods side by side."),
    "period_start": ("period start", "First day counted."),
    "period_end": ("period end", "Last day counted."),
}  # fmt: skip
(
    DATASET, FORCE, FORCE_SLUG, COUNT, STATUS, SOURCE_TITLE, SOURCE_URL,
    SUMMED, LOWER_BOUND, RATE, WORKFORCE_AS_OF, ANNUALISED, PERIOD_START, PERIOD_END,
) = (Column(key, label, description=text) for key, (label, text) in SHARED.items())  # fmt: skip


# What incident records are behind a value: the league's and the charts' downloads.
COUNTED_COLUMNS = [
    Column("counted_from", "counted from incident records",
           description="For a count of incident records: how many. Empty for a "
           "published figure."),
    Column("incidents_counted", "incident records for a published figure",
           description="Beside a published figure: the incident records held for it."),
    Column("incidents_url", "incident records URL",
           description="The incidents list filtered to those records."),
]  # fmt: skip


def league_columns(share_groups: list[tuple[str, str]]) -> list[Column]:
    """The league table download (/league/?_export=...): one row per force, as on screen."""
    shares = []
    for code, label in share_groups:
        shares += _share_columns(code, label.lower())
    return [
        Column("rank", "rank", description="Standard competition rank (1, 2, 2, 4) on the "
               "measure the table is ranked by; empty without a value."),
        FORCE.reading(lambda row: row.force_name),
        FORCE_SLUG.reading(lambda row: row.force_slug),
        Column("rank_range", "rank range (95%)", description="The ranks the force could "
               "hold if its count varied by chance (95%), as on the league page."),
        COUNT,
        STATUS,
        SUMMED,
        LOWER_BOUND,
        RATE,
        Column("workforce", "officers (FTE)", description="That officer count."),
        WORKFORCE_AS_OF,
        Column("rate_per_1000_workforce", HEADED["rate_per_1000_workforce"], description="The "
               "count per 1,000 of the whole workforce (officers, staff, PCSOs, designated "
               "officers)."),
        Column("whole_workforce", "workforce (FTE: officers, staff, PCSOs, designated)",
               description="That whole workforce, full-time equivalent."),
        Column("whole_workforce_as_of", "workforce as of",
               description="The date of that workforce count."),
        ANNUALISED,
        *shares,
        Column("flags", "flags", lambda row: row.badge_codes,
               description="Codes of the flags shown beside the row, separated by spaces "
               "(the league page explains each)."),
        Column("caveats", "caveats", lambda row: row.caveat_text,
               description="The force's and the source's caveats, separated by ' | '."),
        SOURCE_TITLE,
        SOURCE_URL,
        *COUNTED_COLUMNS,
    ]  # fmt: skip


def _fraction(share: Decimal | None) -> Decimal | None:
    # Four places: as exact as the counts allow a reader to need, and the same number in
    # every format (a spreadsheet keeps 15 significant digits, CSV and JSON more).
    return None if share is None else share.quantize(Decimal("0.0001"))


def _share_columns(code: str, label: str) -> list[Column]:
    return [
        Column(
            f"share_{code}",
            f"share {label}",
            lambda row: _fraction(row.shares[code].value),
            number_format="0.0%",
            description=f"The outcome group '{label}' as a fraction of the count (0 to 1, "
            "four decimal places).",
        ),
        Column(
            f"share_{code}_lower_bound",
            f"share {label} is at least",
            lambda row: row.shares[code].lower_bound,
            description="True when that share rests on an incomplete breakdown.",
        ),
    ]


FIGURE_COLUMNS = [
    DATASET,
    Column("force", "force", description="The force's official name, or National."),
    FORCE_SLUG,
    PERIOD_START,
    PERIOD_END,
    Column("category", "category", description="Kind of breach (see /about/), or all."),
    Column("outcome", "outcome", description="What happened (see /about/), or all."),
    Column("role", "role", description="Officer, staff and so on (see /about/), or all."),
    COUNT,
    STATUS,
    Column("note", "note", description="The figure's own caveat, as published."),
    SOURCE_TITLE,
    Column("source_publisher", "source publisher", description="Who published the source."),
    Column("source_date", "source date", description="When the source was published."),
    SOURCE_URL,
]

INCIDENT_COLUMNS = [
    DATASET,
    FORCE,
    Column("reference", "reference", description="The force's own reference for the case."),
    Column("occurred_on", "occurred on", description="When it happened; empty if not "
           "published."),
    Column("category", "category", description="Kind of breach; empty if not stated."),
    Column("role", "role", description="Who was involved; empty if not stated."),
    Column("outcomes", "outcomes", description="Outcome codes in date order, separated by "
           "' | '."),
    Column("summary", "summary", description="The case as the force described it."),
    Column("source_title", "source", description="Where it was read: the dataset's "
           "publication, or the incident's own source."),
    Column("source_url", "source URL", description="A public link to that source."),
]  # fmt: skip

CHART_COLUMNS = [
    FORCE, FORCE_SLUG, DATASET, PERIOD_START, PERIOD_END,
    Column("series", "series", description="The series a row belongs to: a dataset, an "
           "outcome group or a category code, by chart."),
    Column("series_label", "series label", description="That series, for people."),
    Column("value", "value", description="What the chart draws: the count, rate, share (%) "
           "or per-year figure the chart shows."),
    COUNT, STATUS, SUMMED, LOWER_BOUND, RATE, ANNUALISED, WORKFORCE_AS_OF,
    Column("restated", "restated", description="True when a figure behind the row "
           "replaced an earlier published value."),
    Column("notes", "notes", description="The figures' notes, separated by ' | '."),
    SOURCE_TITLE,
    Column("source_publisher", "source publisher", description="Who published the source."),
    SOURCE_URL,
    *COUNTED_COLUMNS,
    Column("count_mismatch", "count mismatch", description="True when the incident records "
           "held beside a published figure do not match it."),
]  # fmt: skip

# The funnel chart's rows add the officer numbers, the expectation and the control limits.
FUNNEL_COLUMNS = [
    Column("officers", "officers", description="Officers (FTE) behind the force's rate."),
    Column("national_rate", "national rate", description="All forces' breaches per 1,000 "
           "officers: the rate the funnel expects."),
    Column("expected", "expected", description="The force's count at the national rate."),
    Column("lower_95", "lower 95% limit", description="Lower 95% control limit of the count."),
    Column("upper_95", "upper 95% limit", description="Upper 95% control limit of the count."),
    Column("lower_99.8", "lower 99.8% limit", description="Lower 99.8% control limit."),
    Column("upper_99.8", "upper 99.8% limit", description="Upper 99.8% control limit."),
    Column("position", "position", description="Where the force falls against the limits."),
    Column("excluded", "excluded", description="Why the force is left out of the funnel, if "
           "it is."),
]  # fmt: skip

# Every download, for the data dictionary (/about/data/).
EXPORTS = [
    (
        "League table",
        "/league/?_export=csv (or xlsx, json)",
        league_columns(OUTCOME_GROUPS.choices),
    ),
    ("Figures", "/figures/?_export=csv (or xlsx, json)", FIGURE_COLUMNS),
    ("Incident records", "/incidents/?_export=csv (or xlsx, json)", INCIDENT_COLUMNS),
    ("Chart data", "/charts/data.csv, /charts/data.json, /c/<id>/data.csv", CHART_COLUMNS),
    (
        "Funnel chart data (added to the chart data's columns)",
        "/charts/data.csv?chart=funnel",
        FUNNEL_COLUMNS,
    ),
]
