"""The columns of a league table download, and the notes that travel with it."""

from breaches.models import Dataset, Source

from ..exports import Column
from .rows import League

# Query-string parameters that change which rows or values a download holds.
FILTERS = ("period", "metric", "category", "outcome", "role", "nation", "kind", "region", "sort")


def league_columns(league: League) -> list[Column]:
    shares = []
    for code, label in league.share_groups:
        shares.append(Column(f"share_{code}", f"share {label.lower()}"))
        shares.append(Column(f"share_{code}_lower_bound", f"share {label.lower()} is at least"))
    return [
        Column("rank", "rank"),
        Column("force__name", "force"),
        Column("force__slug", "force code"),
        Column("count", "count"),
        Column("status", "status"),
        Column("summed", "summed from parts"),
        Column("lower_bound", "at least (incomplete breakdown)"),
        Column("rate_per_1000", "per 1,000 officers"),
        Column("workforce", "officers (FTE)"),
        Column("workforce_as_of", "officers as of"),
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


def league_filename(league: League, query) -> str:
    """league-bbw-2016-outcome-dismissed: a saved file says which table it is."""
    parts = [f"{name}-{query.get(name)}" for name in FILTERS if query.get(name) and name != "sort"]
    return "-".join(["league", league.dataset.slug, *parts])


def about_league(league: League, query) -> list[tuple[str, str]]:
    """What the rows are (filters, measure, period), then the dataset's notes and sources."""
    chosen = [f"{name}={query.get(name)}" for name in FILTERS if query.get(name)]
    about = [
        ("Table", f"League table of {league.dataset.title}, {league.period or 'no period'}"),
        ("Filters", ", ".join(chosen) or "none: all categories, outcomes, roles and forces"),
        ("Ranked by", league.metric),
    ]
    return about + about_dataset(league.dataset)


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
