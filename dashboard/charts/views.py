"""Chart builder, its .json/.csv twins and embeds, and pinned charts (docs/charts.md).

Live views: parse the query string with ChartStateForm, redirect to the canonical spelling,
read the rows (cached by state and data version), build, render. Pinned views read one row
and send `immutable` caching: a pinned chart never changes.
"""

import json
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Max, Min
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.html import escape
from django.views.decorators.cache import never_cache
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_POST, require_safe

from breaches.models import Dataset, Figure, Force
from breaches.versions import data_version
from breaches.vocabularies import CATEGORIES, OUTCOMES, ROLES
from config.ratelimit import rate_limit
from config.security import embeddable

from ..export_columns import CHART_COLUMNS, FUNNEL_COLUMNS
from ..exports import csv_bytes
from ..measures import BY_CODE, CHART_MEASURES, COUNT
from ..models import PinnedChart, pin_id
from ..responses import error_summary, no_data
from .builders import build_figure, value_text
from .cache import cache_key, live_chart
from .data import ChartData
from .funnel import funnel_row
from .images import generic_png
from .rendering import render_after_commit
from .state import (
    APPLIES,
    BUCKETS,
    CHARTS,
    ChartState,
    ChartStateForm,
    default_trend_forces,
)
from .text import download_name, pivot, summary
from .tilemap import map_context

IMMUTABLE = {"public": True, "max_age": 31536000, "immutable": True}


def _parse(request, query=None):
    """(state, None) for a canonical query string, else (None, a redirect or a 400 page)."""
    form = ChartStateForm.from_query(request.GET if query is None else query)
    if not form.is_valid():
        problems = error_summary(form, form.PARAMETER)
        return None, render(request, "400.html", {"problems": problems}, status=400)
    state = form.state()
    if not state.dataset and not state.forces:  # no dataset, or no figures, loaded yet
        return None, no_data(request)
    if request.META.get("QUERY_STRING", "") != state.query_string():
        return None, redirect(f"{request.path}?{state.query_string()}")
    return state, None


def absolute_url(path: str) -> str:
    """`path` on the site's public address (settings.SITE_URL), never on the request's host:
    pinned pages are cached for good, and must not keep the first visitor's scheme and host."""
    return settings.SITE_URL + path


def _context(request, data: ChartData, figure: dict, *, page: str, embed: str, **extra) -> dict:
    """What every chart template shows: rows as read, summary, share links and embed code."""
    value_format = (
        "{:,.1f}" if data.chart not in ("league", "map") or data.state.get("metric") else "{:,.0f}"
    )
    if data.chart == "outcomes":
        value_format = "{:,.1f}%"
    rows = [{**row, "value_text": value_text(row, value_format)} for row in data.rows]
    if data.chart == "funnel":  # templates cannot read "upper_99.8"; positions in words
        rows = [funnel_row(row) for row in rows]
    table = pivot(data, value_format) if data.chart in ("outcomes", "categories") else None
    page_url = absolute_url(page)
    pin = extra.get("pin")
    image = (
        reverse("dashboard:pinned-image", args=[pin.id]) if pin else static("img/og-generic.png")
    )
    publishers = ", ".join(dict.fromkeys(d["publisher"] for d in data.datasets))
    as_of = f"{pin.created_at:%-d %B %Y}" if pin else f"{timezone.localdate():%-d %B %Y}"
    return {
        "data": data,
        "measure": BY_CODE[data.state.get("metric", COUNT.code)],
        "figure": figure,
        "rows": rows,
        "table": table,
        # A count beside a value that is the same count says nothing twice.
        "count_column": any(
            row["count"] is not None and row["value"] != row["count"] for row in data.rows
        ),
        "excluded": [row for row in rows if row.get("excluded")],
        "map": map_context(data.rows, lambda row: value_text(row, value_format), value_format)
        if data.chart == "map"
        else None,
        "summary": summary(data),
        "page_url": page_url,
        "full_url": page_url,
        "image_url": absolute_url(image),
        "embed_code": _embed_code(embed, data.title),
        "citation": (
            f"Source: {publishers}, via Police Data Breaches, “{data.title}”, data as of {as_of}. "
            f"Caveats: {data.caveat} {page_url}"
        ),
        **extra,
    }


def _embed_code(path: str, title: str) -> str:
    src = escape(absolute_url(path))
    script = escape(absolute_url(static("js/embed-resize.js")))
    return (
        f'<iframe src="{src}" title="{escape(title)}" width="100%" height="620" '
        f'style="border:0" loading="lazy" data-breaches-chart></iframe>'
        f'<script async src="{script}"></script>'
    )


@require_safe
def charts(request):
    form = ChartStateForm.from_query(request.GET)
    if not form.is_valid():
        return _builder_with_errors(request, form)
    state, response = _parse(request)
    if response:
        return response
    return _builder(request, state)


def _builder_with_errors(request, form: ChartStateForm):
    """The builder, drawn without the invalid parameters, each error beside its control.

    A reversed period or a stale link should not cost the reader every other setting (nor
    name URL parameters at them): 400, with the rest of the chart still there to fix.
    """
    errors = form.control_errors()
    usable = form.without_errors()
    if errors is None or not usable.is_valid():
        return render(
            request, "400.html", {"problems": error_summary(form, form.PARAMETER)}, status=400
        )
    state = usable.state()
    if not state.dataset and not state.forces:
        return no_data(request)
    return _builder(request, state, errors=errors, status=400)


def _builder(request, state: ChartState, *, errors=None, status=200):
    data, figure = live_chart(state)
    query = state.query_string()
    return render(
        request,
        "dashboard/charts/builder.html",
        _context(
            request,
            data,
            figure,
            page=f"{reverse('dashboard:charts')}?{query}",
            embed=f"{reverse('dashboard:chart-embed')}?{query}",
            state=state,
            errors=errors or {},
            charts=CHARTS,
            measures=CHART_MEASURES,
            buckets=BUCKETS,
            datasets=Dataset.objects.public().order_by("period_start"),
            forces=Force.objects.with_published_figures().order_by("name"),
            default_forces=_chosen_by_default(state),
            years=_years(),
            vocab_fields=_vocabulary_fields(state),
        ),
        status=status,
    )


def _chosen_by_default(state: ChartState) -> bool:
    """Whether the trend's forces are the ones picked for the reader (state.py), not theirs."""
    return state.chart == "trend" and not state.by and state.forces == default_trend_forces()


@require_safe
@embeddable
def chart_embed(request):
    state, response = _parse(request)
    if response:
        return response
    data, figure = live_chart(state)
    query = state.query_string()
    page = f"{reverse('dashboard:charts')}?{query}"
    context = _context(request, data, figure, page=page, embed=f"{request.path}?{query}")
    return render(request, "dashboard/charts/embed.html", context)


def _twin(request, kind: str):
    state, response = _parse(request)
    if response:
        return response
    version = data_version()
    key = cache_key(kind, state, version)
    body = cache.get(key)
    if body is None:
        data, _figure = live_chart(state, version)
        body = _json_body(data) if kind == "json" else _csv_body(data)
        cache.set(key, body, settings.CHART_CACHE_SECONDS)
    return _twin_response(body, kind, download_name(state.as_dict()))


@require_safe
@rate_limit("exports", "EXPORT_RATE_LIMIT", what="downloads")
def chart_json(request):
    return _twin(request, "json")


@require_safe
@rate_limit("exports", "EXPORT_RATE_LIMIT", what="downloads")
def chart_csv(request):
    return _twin(request, "csv")


def _json_body(data: ChartData, **extra) -> bytes:
    payload = {**data.as_json(), "summary": summary(data), **extra}
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode()


def _csv_body(data: ChartData) -> bytes:
    """The chart's rows as a pure CSV; its caveats are in the JSON twin and /about/data/."""
    columns = CHART_COLUMNS + (FUNNEL_COLUMNS if data.chart == "funnel" else [])
    return csv_bytes(columns, data.rows)


def _twin_response(body: bytes, kind: str, name: str) -> HttpResponse:
    """The rows, named after the chart: JSON shown in the browser, CSV saved as a file."""
    if kind == "json":
        response = HttpResponse(body, content_type="application/json")
        response["Content-Disposition"] = f'inline; filename="{name}.json"'
        return response
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@require_POST
@rate_limit("pins", "PIN_RATE_LIMIT", what="shared charts")
def pin(request):
    form = ChartStateForm.from_query(request.POST)
    if not form.is_valid():
        return render(
            request, "400.html", {"problems": error_summary(form, form.PARAMETER)}, status=400
        )
    state = form.state()
    if not state.dataset and not state.forces:
        return no_data(request)
    data, _figure = live_chart(state)
    frozen = data.as_json()
    pinned, created = PinnedChart.objects.get_or_create(
        id=pin_id(state.query_string(), frozen),
        defaults={
            "query_string": state.query_string(),
            "data": frozen,
            "data_version": data_version(),
        },
    )
    if created:  # its image is rendered by another process, seconds later
        render_after_commit()
    return redirect(pinned)


def _pinned(pin_id_: str):
    pinned = get_object_or_404(PinnedChart, pk=pin_id_)
    data = ChartData.from_json(pinned.data)
    return pinned, data


def _immutable(response):
    patch_cache_control(response, **IMMUTABLE)
    return response


def _pinned_page(request, pin_id_: str, template: str):
    key = f"charts:pinned:{template}:{pin_id_}"
    body = cache.get(key)
    if body is None:
        pinned, data = _pinned(pin_id_)
        figure = build_figure(data).to_plotly_json()
        live = f"{reverse('dashboard:charts')}?{pinned.query_string}"
        context = _context(
            request,
            data,
            figure,
            page=pinned.get_absolute_url(),
            embed=reverse("dashboard:pinned-embed", args=[pinned.id]),
            pin=pinned,
            live_url=live,
            live_embed_code=_embed_code(
                f"{reverse('dashboard:chart-embed')}?{pinned.query_string}", data.title
            ),
        )
        body = render(request, template, context).content
        cache.set(key, body, None)
    return _immutable(HttpResponse(body))


# Pinned pages and twins are compressed here, once per copy the proxy keeps: nginx then serves
# the stored bytes instead of compressing the page again on every hit (deploy/nginx/).
@require_safe
@gzip_page
def pinned(request, pin_id):
    return _pinned_page(request, pin_id, "dashboard/charts/pinned.html")


@require_safe
@gzip_page
@embeddable
def pinned_embed(request, pin_id):
    return _pinned_page(request, pin_id, "dashboard/charts/embed.html")


@require_safe
def pinned_image(request, pin_id):
    pinned = get_object_or_404(PinnedChart.objects.only("id", "image"), pk=pin_id)
    if not pinned.image:
        # Not rendered yet (a renderer is on it: rendering.py): a generic card, cached for a
        # minute only, so that a preview fetched now shows the chart's own image soon after.
        response = HttpResponse(generic_png(), content_type="image/png")
        patch_cache_control(response, public=True, max_age=60)
        return response
    return _immutable(HttpResponse(bytes(pinned.image), content_type="image/png"))


def _pinned_twin(pin_id_: str, kind: str) -> HttpResponse:
    key = f"charts:pinned:{kind}:named:{pin_id_}"
    cached = cache.get(key)
    if cached is None:
        pinned, data = _pinned(pin_id_)
        if kind == "json":
            body = _json_body(data, pinned_at=pinned.created_at.isoformat(), id=pinned.id)
        else:
            body = _csv_body(data)
        cached = (body, download_name(data.state, pin_id_))
        cache.set(key, cached, None)  # a pinned chart never changes
    body, name = cached
    return _immutable(_twin_response(body, kind, name))


@require_safe
@gzip_page
def pinned_json(request, pin_id):
    return _pinned_twin(pin_id, "json")


@require_safe
@gzip_page
def pinned_csv(request, pin_id):
    return _pinned_twin(pin_id, "csv")


@require_safe
@never_cache
def pinned_live(request, pin_id):
    """Whether the live data for a pinned chart now differ from its frozen rows."""
    pinned, frozen = _pinned(pin_id)
    live, _figure = live_chart(ChartState.from_dict(dict(parse_qsl(pinned.query_string))))
    return JsonResponse(
        {
            "changed": live.rows != frozen.rows,
            "live_url": f"{reverse('dashboard:charts')}?{pinned.query_string}",
        }
    )


def _years() -> list[int]:
    bounds = Figure.objects.published().aggregate(first=Min("period_start"), last=Max("period_end"))
    if not bounds["first"]:
        return []
    return list(range(bounds["first"].year, bounds["last"].year + 1))


def _vocabulary_fields(state: ChartState) -> list[dict]:
    """The category, outcome and role controls; one that does not apply is rendered hidden, so
    that charts.js can swap controls in place as the chart changes."""
    fields = (
        ("category", "Category", CATEGORIES),
        ("outcome", "Outcome", OUTCOMES),
        ("role", "Role", ROLES),
    )
    return [
        {
            "name": name,
            "label": label,
            "choices": vocabulary.choices,
            "selected": getattr(state, name),
            "applies": name in APPLIES[state.chart],
        }
        for name, label, vocabulary in fields
    ]
