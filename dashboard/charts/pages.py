"""Charts inside other pages, built by the chart builder's own functions (charts/builders.py).

The home page shows the featured dataset's league; a force page shows its figures over time
(annualised, each dataset a separate series) and its outcome breakdowns. Each chart links to
the same chart in the builder, to share or embed it.
"""

from breaches.models import Figure, Force

from .builders import value_text
from .cache import live_chart
from .state import ChartState
from .text import summary
from .tilemap import map_context


def chart_block(element_id: str, state: ChartState) -> dict | None:
    """A chart to embed in a page; None when it would have nothing to draw.

    Goes through the chart builder's cache (keyed by state and data version), so a page that
    embeds charts costs one query per chart once they have been drawn.
    """
    data, figure = live_chart(state)
    if not any(row.get("value") is not None for row in data.rows):
        return None
    return {
        "id": element_id,
        "title": data.title,
        "summary": summary(data),
        "caveat": data.caveat,
        "figure": figure,
        "query": state.query_string(),
    }


def map_block(dataset_slug: str) -> dict | None:
    """The featured dataset's tile map for the home page (counts); None with nothing to draw."""
    state = ChartState(chart="map", dataset=dataset_slug)
    data, _figure = live_chart(state)
    if not any(row.get("value") is not None for row in data.rows):
        return None
    return {
        "data": data,
        "summary": summary(data),
        "map": map_context(data.rows, lambda row: value_text(row, "{:,.0f}"), "{:,.0f}"),
        "query": state.query_string(),
    }


def force_charts(force: Force) -> dict:
    """{'trend': chart or None, 'outcomes': [chart, ...]} for the force's page."""
    trend = chart_block("chart-trend", ChartState(chart="trend", forces=(force.slug,)))
    with_outcomes = (
        Figure.objects.published()
        .filter(force=force, outcome__isnull=False)
        .order_by("-dataset__published_on")
        .values_list("dataset__slug", flat=True)
        .distinct()
    )
    outcomes = []
    for slug in dict.fromkeys(with_outcomes):  # keeps order, drops repeats
        state = ChartState(chart="outcomes", dataset=slug, forces=(force.slug,))
        chart = chart_block(f"chart-outcomes-{slug}", state)
        if chart:
            outcomes.append(chart)
    return {"trend": trend, "outcomes": outcomes}
