"""The figures browser: filter, search, sort, paginate, export (incidents: dashboard/incidents/)."""

from django.core.paginator import EmptyPage
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django_tables2 import RequestConfig

from breaches.models import Figure
from config.ratelimit import exporting, rate_limit

from . import exports
from .export_columns import FIGURE_COLUMNS
from .filters import FigureFilter
from .responses import bad_request, error_summary, export_format
from .tables import FigureTable

PER_PAGE = 50
MAX_PER_PAGE = 200


def _figure_row(figure) -> dict:
    return {
        "dataset": figure.dataset.slug,
        "force": figure.force.name if figure.force else "National",
        "force_slug": figure.force.slug if figure.force else "",
        "period_start": figure.period_start,
        "period_end": figure.period_end,
        "category": figure.category or "all",
        "outcome": figure.outcome or "all",
        "role": figure.role or "all",
        "count": figure.count,
        "status": figure.status,
        "note": figure.note,
        "source_title": figure.source.title,
        "source_publisher": figure.source.publisher,
        "source_date": figure.source.published_on,
        "source_url": figure.source.url,
    }


def _browse(request, *, filterset, table_class, caption, template, columns, to_row, name):
    problems = error_summary(filterset.form) if not filterset.is_valid() else []
    if request.GET.get("_export") and not export_format(request):
        problems.append("_export: use csv, xlsx or json.")
    per_page = request.GET.get("per_page", "")
    if per_page.isdigit() and int(per_page) > MAX_PER_PAGE:
        # Many rows at once are what the (rate-limited) downloads are for.
        problems.append(f"per_page: at most {MAX_PER_PAGE} rows a page; download for more.")
    if problems:
        return bad_request(request, problems)
    table = table_class(filterset.qs, caption=caption)
    try:
        RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    except Http404:  # django-tables2's answer to a page number past the end
        return bad_request(request, ["page: there is no such page."])
    except EmptyPage:  # django-tables2 also reads per_page; below 1 its paginator gives up
        return bad_request(request, ["per_page: use a whole number of at least 1."])
    if fmt := export_format(request):
        rows = [to_row(row.record) for row in table.rows]  # every filtered row, in table order
        about = [("Filters", request.GET.urlencode() or "none"), ("Rows", str(len(rows)))]
        return exports.export_response(fmt, name=name, columns=columns, rows=rows, about=about)
    return render(request, template, {"filterset": filterset, "table": table, "what": name})


@require_safe
@rate_limit("exports", "EXPORT_RATE_LIMIT", what="downloads", when=exporting)
def figures(request):
    queryset = (
        Figure.objects.published()
        .select_related("dataset", "force", "source")
        .order_by(
            "-dataset__published_on", "force__name", "period_start", "category", "outcome", "role"
        )
    )
    return _browse(
        request,
        filterset=FigureFilter(request.GET, queryset=queryset),
        table_class=FigureTable,
        caption="Published figures",
        template="dashboard/figures.html",
        columns=FIGURE_COLUMNS,
        to_row=_figure_row,
        name="figures",
    )
