"""Public pages: parse the query string (form or FilterSet) -> query -> build -> render."""

from pathlib import Path

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from breaches.models import Dataset, Figure, Force, Source
from breaches.queries import Level, Period
from breaches.versions import data_version
from breaches.vocabularies import (
    CATEGORIES,
    DETAILED_OUTCOMES,
    OUTCOME_GROUPS,
    OUTCOMES,
    RETURN_STATUSES,
    ROLES,
    UNITS,
)
from config.health import health_report
from config.ratelimit import exporting, rate_limit

from . import about as about_page
from . import exports
from .charts.pages import chart_block, map_block
from .charts.state import ChartState
from .directory import dataset_sources
from .export_columns import EXPORTS, league_columns
from .filters import LeagueFilter
from .league.breakdowns import breakdowns, opening_breakdown
from .league.export import about_league, league_filename
from .league.rows import ForceRanking, league_periods, rank_forces
from .measures import BY_CODE, COUNT, rate_on
from .responses import bad_request, error_summary, export_format, no_data
from .tables import LeagueTable, sort_urls

RESULTS = "results"  # the league's anchor: Show and the sort links land the reader there


@require_safe
def home(request):
    dataset = Dataset.objects.featured()
    if dataset is None:  # a new installation with no data loaded yet
        return no_data(request)
    figures = Figure.objects.published().for_dataset(dataset)
    periods = figures.periods()
    # The league's own rows, so each force's caveats come in the league's order: the force's
    # answer (a different unit counted, say) before the notes on its figures.
    ranking = rank_forces(dataset, periods[0][0], Level(), "count", None, None) if periods else None
    top = [row for row in ranking.rows if row.count is not None][:5] if ranking else []
    return render(
        request,
        "dashboard/home.html",
        {
            "dataset": dataset,
            "headline": figures.headline(),
            "top_forces": top,
            "chart": chart_block("chart-league", ChartState(chart="league", dataset=dataset.slug)),
            "map_chart": map_block(dataset.slug),
            "forces_with_figures": figures.by_force()
            .filter(count__isnull=False)
            .order_by()
            .values("force")
            .distinct()
            .count(),
            "sources": Source.objects.with_published_figures(dataset=dataset),
        },
    )


@require_safe
@rate_limit("exports", "EXPORT_RATE_LIMIT", what="downloads", when=exporting)
def league_table(request):
    filterset = LeagueFilter(request.GET, queryset=Force.objects.all())
    problems = error_summary(filterset.form) if not filterset.is_valid() else []
    if request.GET.get("_export") and not export_format(request):
        problems.append("_export: use csv, xlsx or json.")
    if problems:
        return bad_request(request, problems)
    dataset = filterset.chosen_dataset()
    if dataset is None:  # a new installation with no data loaded yet
        return no_data(request)
    metric = filterset.selected("metric", COUNT.code)
    if not BY_CODE[metric].fits(dataset):
        rate = rate_on(dataset.denominator).code
        return bad_request(
            request, [f"metric: this dataset counts officers only, so its rate is {rate}."]
        )
    periods = league_periods(dataset)
    period = filterset.selected("period") or (periods[0][0] if periods else None)
    level = Level(*(filterset.selected(name) for name in ("category", "outcome", "role")))
    filtered = any(filterset.selected(name) for name in ("nation", "kind", "region"))
    force_ids = set(filterset.qs.values_list("pk", flat=True)) if filtered else None
    sort = filterset.selected("sort")
    ranking = rank_forces(dataset, period, level, metric, force_ids, sort)
    options = breakdowns(dataset, period) if period else []
    opened_on = _opening(ranking, options)
    if opened_on:  # no total per force: open on the breakdown most forces published
        level = opened_on.level
        filterset = LeagueFilter(_at_level(request.GET, level), queryset=Force.objects.all())
        filterset.is_valid()
        ranking = rank_forces(dataset, period, level, metric, force_ids, sort)
    if fmt := export_format(request):
        return _export_league(fmt, ranking, request.GET)
    listed = {row.force_id for row in ranking.rows}
    shares = filterset.selected("shares") == "show"
    table = LeagueTable(
        ranking,
        caption=_caption(dataset, period, level),
        sort_urls=sort_urls(request, ranking.sort, anchor=f"#{RESULTS}"),
        shares=shares,
    )
    return render(
        request,
        "dashboard/league.html",
        {
            "filterset": filterset,
            "dataset": dataset,
            "sources": dataset_sources(dataset),
            "period": period,
            "periods": periods,
            "table": table,
            "ranking": ranking,
            "measure": ranking.measure,
            "results": RESULTS,
            "shares": _share_toggle(request, ranking, shares),
            "opened_on": opened_on,
            "breakdowns": [(option, option.query(request.GET)) for option in options],
            "no_figure": filterset.qs.exclude(pk__in=listed)
            if period and listed
            else Force.objects.none(),
            "data_version": data_version(),
            "table_cache_seconds": settings.CHART_CACHE_SECONDS,
        },
    )


def _opening(ranking: ForceRanking, options):
    """The breakdown to open on, when no level was chosen and the totals have no figure."""
    if ranking.level != Level() or any(row.count is not None for row in ranking.rows):
        return None
    return opening_breakdown(options, ranking.level)


def _at_level(query, level: Level):
    data = query.copy()
    for name in ("category", "outcome", "role"):
        if getattr(level, name):
            data[name] = getattr(level, name)
    return data


def _share_toggle(request, ranking: ForceRanking, shown: bool) -> dict | None:
    """The link that shows or hides the outcome-share columns, kept in the URL."""
    if not ranking.share_groups or not any(row.has_breakdown for row in ranking.rows):
        return None
    params = request.GET.copy()
    params.pop("_export", None)
    params["shares"] = "hide" if shown else "show"
    return {"shown": shown, "columns": len(ranking.share_groups), "url": f"?{params.urlencode()}"}


def _caption(dataset: Dataset, period: Period | None, level: Level) -> str:
    labels = [
        vocabulary.label(value)
        for value, vocabulary in (
            (level.category, CATEGORIES),
            (level.outcome, OUTCOMES),
            (level.role, ROLES),
        )
        if value
    ]
    breakdown = f" ({', '.join(labels)})" if labels else ""
    unit = dataset.get_unit_display().lower()
    return f"{dataset.title}: {unit}{breakdown} per force, {period}" if period else dataset.title


def _export_league(fmt: str, ranking: ForceRanking, query):
    return exports.export_response(
        fmt,
        name=league_filename(ranking, query),
        columns=league_columns(ranking.share_groups),
        rows=ranking.rows,
        about=about_league(ranking, query),
    )


@require_safe
def about(request):
    groups = [
        (group, [t for t in DETAILED_OUTCOMES.terms if t.group == group.code])
        for group in OUTCOME_GROUPS.terms
    ]
    return render(
        request,
        "dashboard/about.html",
        {
            "categories": CATEGORIES.terms,
            "outcome_groups": groups,
            "roles": ROLES.terms,
            "statuses": RETURN_STATUSES.terms,
            "units": UNITS.terms,
            "datasets": Dataset.objects.public(),
            "featured_slug": getattr(Dataset.objects.featured(), "slug", ""),
            "workforce": about_page.workforce_coverage(),
            "bbw_2016": about_page.allocation("bbw-2016"),
            **about_page.known_gaps(),
        },
    )


@require_safe
def about_data(request):
    """The data dictionary: every column of every download (dashboard/export_columns.py)."""
    downloads = [
        {"title": title, "slug": slugify(title), "where": where, "columns": columns}
        for title, where, columns in EXPORTS
    ]
    return render(request, "dashboard/about_data.html", {"exports": downloads})


@never_cache
def healthz(request):
    """JSON for load balancers and monitors: 503 only when the database does not answer."""
    report = health_report()
    return JsonResponse(report, status=503 if report["status"] == "unavailable" else 200)


FAVICON = Path(settings.BASE_DIR) / "static" / "img" / "favicon.ico"


@require_safe
def favicon(request):
    """/favicon.ico: browsers and feed readers ask for it whatever the page links to."""
    response = HttpResponse(FAVICON.read_bytes(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response
