"""The data version: a short string that changes whenever published data changes.

Caches of pages and chart data include it in their keys, so a committed import or a
retraction makes every cached page stale at once, with no invalidation lists to keep.
"""

from django.db.models import Count, Max

from .models import ImportBatch


def data_version() -> str:
    """Changes with every committed import batch (imports that change nothing make none).

    A retraction is recorded as a batch too (breaches/retraction.py), so it changes this.
    """
    summary = ImportBatch.objects.aggregate(batches=Count("id"), last=Max("id"))
    return f"{summary['batches']}.{summary['last'] or 0}"
