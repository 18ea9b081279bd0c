"""The columns of a league table download, and the notes that travel with it."""

from breaches.models import Dataset, Source

from ..exports import Column
from .rows import ForceRanking

RATE_SHOWN = {
    "officers": "per 1,000 police officers (full-time equivalent)",
    "workforce": "per 1,000 of the whole workforce: officers, staff, PCSOs and designated "
    "officers (full-time equivalent)",
}
# Query-string parameters that change which rows or values a download holds.
FILTERS = ("period", "metric", "category", "outcome", "role", "nation", "kind", "region", "sort")


def league_columns(ranking: ForceRanking) -> list[Column]:
    shares = []
    for code, label in ranking.share_groups:
        shares += _share_columns(code, label.lower())
    return [
        Column("rank", "rank"),
        # ORM-style keys: the JSON's published names, kept until the column scheme changes.
        Column("force__name", "force", lambda row: row.force_name),
        Column("force__slug", "force code", lambda row: row.force_slug),
        Column("rank_range", "rank range (95%)"),
        Column("count", "count"),
        Column("status", "status"),
        Column("summed", "summed from parts"),
        Column("lower_bound", "at least (incomplete breakdown)"),
        Column("rate_per_1000", "per 1,000 officers"),
        Column("workforce", "officers (FTE)"),
        Column("workforce_as_of", "officers as of"),
        Column("rate_per_1000_workforce", "per 1,000 workforce"),
        Column("whole_workforce", "workforce (FTE: officers, staff, PCSOs, designated)"),
        Column("whole_workforce_as_of", "workforce as of"),
        Column("annualised", "per year"),
        *shares,
        Column("badge_codes", "flags"),
        Column("caveat_text", "caveats"),
        Column("source_title", "source"),
        Column("source_url", "source URL"),
        Column("counted_from", "counted from incident records"),
        Column("incidents_counted", "incident records for a published figure"),
        Column("incidents_url", "incident records URL"),
    ]


def _share_columns(code: str, label: str) -> list[Column]:
    return [
        Column(
            f"share_{code}",
            f"share {label}",
            lambda row: row.shares[code].value,
            number_format="0.0%",
        ),
        Column(
            f"share_{code}_lower_bound",
            f"share {label} is at least",
            lambda row: row.shares[code].lower_bound,
        ),
    ]


def league_filename(ranking: ForceRanking, query) -> str:
    """league-bbw-2016-period-2024-04-01-to-2025-03-31-outcome-dismissed: a saved file says
    which table it is; the `~` between dates becomes "to" (slugify would drop it)."""
    parts = [
        f"{name}-{query.get(name).replace('~', '-to-')}"
        for name in FILTERS
        if query.get(name) and name != "sort"
    ]
    return "-".join(["league", ranking.dataset.slug, *parts])


def about_league(ranking: ForceRanking, query) -> list[tuple[str, str]]:
    """What the rows are (filters, measure, period), then the dataset's notes and sources."""
    chosen = [f"{name}={query.get(name)}" for name in FILTERS if query.get(name)]
    about = [
        ("Table", f"League table of {ranking.dataset.title}, {ranking.period or 'no period'}"),
        ("Filters", ", ".join(chosen) or "none: all categories, outcomes, roles and forces"),
        ("Ranked by", ranking.metric),
        ("Rate shown", RATE_SHOWN[ranking.denominator]),
    ]
    return about + about_dataset(ranking.dataset)


def about_dataset(dataset: Dataset) -> list[tuple[str, str]]:
    """The dataset's definition, caveats and sources, for the sheet beside the figures."""
    about = [
        ("Dataset", f"{dataset.title} ({dataset.publisher}, {dataset.published_on:%d %B %Y})"),
        ("Code", dataset.slug),
        ("Period", f"{dataset.period_start:%d %B %Y} to {dataset.period_end:%d %B %Y}"),
        ("Unit counted", dataset.get_unit_display()),
        ("Definition", dataset.definition),
        ("Caveat", dataset.caveat or "none"),
        ("Publication", dataset.url),
        ("Not disclosed", "A blank count with a status: the force gave no figure. It is not zero."),
    ]
    published = Source.objects.filter(figures__dataset=dataset, figures__retracted_by__isnull=True)
    for source in published.distinct():
        about.append(
            ("Source", " | ".join(filter(None, [source.title, source.publisher, source.url])))
        )
    return about
