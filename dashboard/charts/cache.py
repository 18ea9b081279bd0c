"""Live charts cached by their state and the data version: an import or retraction moves the
version on, so a cached chart is never older than the data it shows."""

import hashlib

from django.conf import settings
from django.core.cache import cache

from breaches.versions import data_version

from .builders import build_figure
from .data import ChartData, chart_data
from .state import ChartState


def cache_key(kind: str, state: ChartState, version: str) -> str:
    digest = hashlib.sha256(state.query_string().encode()).hexdigest()[:32]
    return f"charts:{kind}:{version}:{digest}"


def live_chart(state: ChartState, version: str | None = None) -> tuple[ChartData, dict]:
    """Rows and plotly figure for `state`, cached until the data version changes."""
    key = cache_key("chart", state, version or data_version())
    cached = cache.get(key)
    if cached is None:
        data = chart_data(state)
        cached = (data.as_json(), build_figure(data).to_plotly_json())
        cache.set(key, cached, settings.CHART_CACHE_SECONDS)
    return ChartData.from_json(cached[0]), cached[1]
