"""What /healthz reports: the database (which decides the status), the cache, the replicas.

Only the primary database decides between 200 and 503: without it no page can answer, while
without Redis (config/failsoft_cache.py) or a replica (config/replicas.py) every page still
does, more slowly, so a load balancer must keep sending traffic. Those show as "degraded".
"""

from __future__ import annotations

from django.db import DatabaseError, connections

from .failsoft_cache import redis_health
from .replicas import replica_health


def database_health() -> str:
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        connection.close()  # the next request starts a fresh connection
        return "unavailable"
    return "ok"


def health_report() -> dict:
    """{"status": "ok" | "degraded" | "unavailable", "database": ..., "cache": ...,
    "replicas": {alias: {"status": ..., "lag_seconds": ..., "lag_bytes": ...}}}."""
    report = {"database": database_health()}
    # None: no Redis configured, each process has its own cache, which cannot be down.
    report["cache"] = redis_health() or "local"
    if report["database"] != "ok":
        report["status"] = "unavailable"
        return report
    replicas = replica_health()
    if replicas:
        report["replicas"] = replicas
    if report["cache"] == "degraded" or any(r["status"] != "ok" for r in replicas.values()):
        report["status"] = "degraded"
    else:
        report["status"] = "ok"
    return report
