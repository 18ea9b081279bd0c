import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache():
    """Every chart test reads rows fresh: the chart cache outlives a test's transaction."""
    cache.clear()
    yield
    cache.clear()
