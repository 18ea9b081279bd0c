"""Public pages: parse the query string with a form, query, build, render."""

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from breaches.models import Dataset, Figure, Force, Source

from .forms import LeagueForm
from .tables import LeagueTable


def bad_request(request, form):
    """400 page naming each invalid parameter (DESIGN.md section 5: never a 500)."""
    return render(request, "400.html", {"problems": form.error_summary()}, status=400)


@require_safe
def home(request):
    dataset = get_object_or_404(Dataset, slug=settings.FEATURED_DATASET)
    figures = Figure.objects.for_dataset(dataset)
    periods = figures.periods()
    league = figures.league(periods[0][0])[:5] if periods else []
    return render(
        request,
        "dashboard/home.html",
        {
            "dataset": dataset,
            "headline": figures.headline(),
            "top_forces": [row for row in league if row["count"] is not None],
            "forces_with_figures": figures.by_force()
            .filter(count__isnull=False)
            .order_by()
            .values("force")
            .distinct()
            .count(),
            "sources": Source.objects.filter(figures__dataset=dataset).distinct(),
        },
    )


@require_safe
def league(request):
    form = LeagueForm(request.GET)
    if not form.is_valid():
        return bad_request(request, form)
    dataset = form.cleaned_data["dataset"]
    figures = Figure.objects.for_dataset(dataset)
    periods = figures.periods()
    period = form.cleaned_data["period"] or (periods[0][0] if periods else None)
    rows = figures.league(period) if period else []
    sources = Source.objects.in_bulk({row["source_id"] for row in rows if row["source_id"]})
    for row in rows:
        row["source"] = sources.get(row["source_id"])
    listed = {row["force_id"] for row in rows}
    table = LeagueTable(
        rows,
        caption=f"{dataset.title}: {dataset.get_unit_display().lower()} per force, {period}"
        if period
        else dataset.title,
    )
    return render(
        request,
        "dashboard/league.html",
        {
            "form": form,
            "dataset": dataset,
            "datasets": Dataset.objects.all(),
            "period": period,
            "periods": periods,
            "table": table,
            "no_figure": Force.objects.exclude(pk__in=listed),
        },
    )


@never_cache
def healthz(request):
    """200 when the database answers; 503 otherwise (for load balancers and monitors)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        connection.close()  # the next request starts a fresh connection
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
