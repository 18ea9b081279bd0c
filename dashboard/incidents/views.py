"""/incidents/: filter, search, facet, page through and download incident records.

Built to stay fast at a million rows (docs/incidents.md): every filter and the order are
served by an index, search reads a stored vector, pages are found by key rather than by
OFFSET, and downloads stream from a server-side cursor.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections, transaction
from django.db.models import OuterRef
from django.shortcuts import render
from django.views.decorators.http import require_safe

from breaches.counted_facets import CellFilters
from breaches.models import Dataset, Force, Incident, Outcome
from breaches.queries import Level
from breaches.versions import data_version
from config.ratelimit import exporting, rate_limit

from .. import exports
from ..export_columns import INCIDENT_COLUMNS
from ..filters import IncidentFilter
from ..responses import bad_request, error_summary, export_format
from . import keyset
from .facets import FACETS, POSITION, facet_counts, facet_items, incident_facets
from .forms import PER_PAGE, PageForm
from .table import HEADERS, incident_rows

CHUNK = 2000  # rows fetched from the server-side cursor at a time


def export_rows(queryset):
    """The filtered incidents in list order as export rows, read through a server-side cursor.

    Inside a transaction, so the cursor is not WITH HOLD: PostgreSQL sends rows as they are
    read instead of materialising the whole result before the first one.
    """
    outcomes = Outcome.objects.filter(incident=OuterRef("pk")).order_by("decided_on", "outcome")
    rows = (
        keyset.ordered(queryset)
        .annotate(outcome_codes=ArraySubquery(outcomes.values("outcome")))
        .values(
            "dataset_id",
            "force_id",
            "reference",
            "occurred_on",
            "category",
            "role",
            "outcome_codes",
            "summary",
        )
    )
    # Names from two small tables rather than a join per row.
    datasets = {pk: (slug, title, url) for pk, slug, title, url in Dataset.objects.values_list(
        "pk", "slug", "title", "url")}  # fmt: skip
    forces = dict(Force.objects.values_list("pk", "name"))
    # On the database the rows are read from: a replica for a public download (config/replicas.py).
    alias = rows.db
    with transaction.atomic(using=alias):
        # Plan for the first rows, not the last: otherwise a filtered download sorts every
        # matching row (a second at 400,000) before sending one, instead of reading an index.
        with connections[alias].cursor() as cursor:
            cursor.execute("SET LOCAL cursor_tuple_fraction = 0.001")
        for row in rows.iterator(chunk_size=CHUNK):
            slug, title, url = datasets[row["dataset_id"]]
            yield {
                "dataset": slug,
                "force": forces[row["force_id"]],
                "reference": row["reference"],
                "occurred_on": row["occurred_on"],
                "category": row["category"] or "",
                "role": row["role"] or "",
                "outcomes": row["outcome_codes"],
                "summary": row["summary"],
                "source_title": title,
                "source_url": url,
            }


def xlsx_too_many(limit: int) -> str:
    sheet = "more than an Excel sheet holds"
    if limit < exports.XLSX_MAX_ROWS:
        sheet = (
            f"more than this site builds as an Excel file (a sheet holds {exports.XLSX_MAX_ROWS:,})"
        )
    return (
        f"_export: more than {limit:,} incidents match, {sheet}. Narrow the filters, or "
        "download CSV or JSON, which have no limit and open in Excel too."
    )


def _problems(request, filterset, form) -> list[str]:
    problems = error_summary(filterset.form) if not filterset.is_valid() else []
    if not form.is_valid():
        problems += [f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()]
    if request.GET.get("_export") and not export_format(request):
        problems.append("_export: use csv, xlsx or json.")
    return problems


def _export(request, fmt: str, queryset, cells):
    about = [("Filters", request.GET.urlencode() or "none")]
    if fmt == "xlsx":
        limit = min(exports.XLSX_MAX_ROWS, settings.XLSX_EXPORT_MAX_ROWS)
        rows = queryset.order_by()[: limit + 1].count()  # counts no further than it must
        if rows > limit:
            return bad_request(request, [xlsx_too_many(limit)])
        about.append(("Rows", str(rows)))
    facets = None
    if fmt == "json":
        # Counted after the rows are sent, so the first byte does not wait for them.
        def facets():
            params = _plain_params(request.GET)
            facets = incident_facets(queryset, params, cells=cells, cache_as=_filters(request))
            return {"facets": facets}

    return exports.stream_response(
        fmt,
        name="incidents",
        columns=INCIDENT_COLUMNS,
        rows=export_rows(queryset),
        about=about,
        tail=facets,
    )


def _plain_params(params):
    """The query string without the reader's position: a new filter starts at the top."""
    query = params.copy()
    for name in POSITION:
        query.pop(name, None)
    return query


def _filters(request) -> str:
    """The filters in use, canonically ordered: what the facet counts depend on."""
    names = IncidentFilter.base_filters
    return urlencode(sorted((k, v) for k, v in request.GET.items() if k in names and v))


def _active_filters(filterset) -> list[dict]:
    """The filters in use, each with a link that removes it."""
    active = []
    params = filterset.data
    for name, field in filterset.form.fields.items():
        value = params.get(name)
        if not value:
            continue
        query = _plain_params(params)
        query.pop(name, None)
        shown = dict(_flat_choices(field)).get(value, value)
        active.append({"name": field.label or name, "value": shown, "url": f"?{query.urlencode()}"})
    return active


def _flat_choices(field):
    for value, label in getattr(field, "choices", []):
        if isinstance(label, list | tuple):
            yield from label
        else:
            yield value, label


def _public_dataset_ids() -> list[int]:
    """The datasets the public sees (synthetic ones only when a setting shows them)."""
    datasets = Dataset.objects.all() if settings.SHOW_SYNTHETIC_DATA else Dataset.objects.public()
    return list(datasets.values_list("pk", flat=True))


def _public_incidents(dataset_ids):
    """The dataset ids are a constant list: a subquery here would change the plans of the
    keyset pages and facets."""
    if settings.SHOW_SYNTHETIC_DATA:
        return Incident.objects.published()
    return Incident.objects.published().filter(dataset_id__in=dataset_ids)


def _cell_filters(filterset, dataset_ids) -> CellFilters | None:
    """The filters as counted cells hold them, or None when cells cannot answer (search, a
    year or a period: counted from the rows)."""
    data = filterset.form.cleaned_data
    if data.get("q") or data.get("year") or data.get("occurred"):
        return None
    dataset, force = data.get("dataset"), data.get("force")
    return CellFilters(
        dataset_ids=[dataset.pk] if dataset else dataset_ids,
        force_id=force.pk if force else None,
        level=Level(*(data.get(name) or None for name in ("category", "outcome", "role"))),
    )


@require_safe
@rate_limit("exports", "EXPORT_RATE_LIMIT", what="downloads", when=exporting)
def incidents(request):
    dataset_ids = _public_dataset_ids()
    filterset = IncidentFilter(request.GET, queryset=_public_incidents(dataset_ids))
    form = PageForm(request.GET)
    if problems := _problems(request, filterset, form):
        return bad_request(request, problems)
    queryset = filterset.qs
    cells = _cell_filters(filterset, dataset_ids)
    if fmt := export_format(request):
        return _export(request, fmt, queryset, cells)
    nav = form.cleaned_data
    page = keyset.page(
        # Prefetched, not joined: PostgreSQL underestimates how many rows a ROW() comparison
        # keeps, and with joins in the query it then sorts every later row (seconds).
        queryset.prefetch_related("dataset", "force", "outcomes"),
        per_page=nav["per_page"] or PER_PAGE,
        after=nav["after"],
        before=nav["before"],
        last=nav["page"] == "last",
        number=nav["page"] if isinstance(nav["page"], int) else None,
    )
    filters = _filters(request)
    counts = facet_counts(queryset, cells=cells, cache_as=filters)
    links = _plain_params(request.GET)

    def facets():
        """Called by the template only when its cached copy of the facets has expired."""
        items = facet_items(counts, links)
        return [(name, FACETS[name], items[name]) for name in FACETS]

    context = {
        "filterset": filterset,
        "headers": HEADERS,
        "rows": incident_rows(page.rows),
        "page": page,
        "total": sum(count for _, count in counts["force"]),
        "facets": facets,
        "facet_links": links.urlencode(),
        "active": _active_filters(filterset),
        "data_version": data_version(),
        "filters_key": filters,
        "cache_seconds": settings.CHART_CACHE_SECONDS,
        "what": "incidents",
    }
    return render(request, "dashboard/incidents.html", context)
