"""What travels with a league table download: its file name and its notes (the columns
are in dashboard/export_columns.py)."""

from breaches.models import Dataset, Source

from ..measures import rate_on
from .rows import ForceRanking

# Query-string parameters that change which rows or values a download holds.
FILTERS = ("period", "metric", "category", "outcome", "role", "nation", "kind", "region", "sort")


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
        ("Ranked by", ranking.measure.label),
        ("Rate shown", rate_on(ranking.denominator).ranks_by),
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
    for source in Source.objects.with_published_figures(dataset=dataset):
        about.append(
            ("Source", " | ".join(filter(None, [source.title, source.publisher, source.url])))
        )
    return about
