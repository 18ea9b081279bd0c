"""Read replicas (DATABASE_REPLICA_URLS): public reads on a replica, everything else on the primary.

The middleware decides once per request, before any query, and the router follows:
- a public read (GET or HEAD, outside admin, from a reader with no session and no recent
  write) reads the figures from a replica that answers;
- every write, the admin, any request of a signed-in editor, and the next pages of whoever
  just wrote (READ_PRIMARY_COOKIE, set for REPLICA_READ_YOUR_WRITES_SECONDS by any POST)
  read the primary, so an editor sees what they just imported and a reader the chart they
  just pinned.
Only the data apps are read from replicas; accounts, sessions, sign-in attempts and 2FA
devices are always read from the primary (a session written at sign-in must be found on the
very next request).

A replica that does not answer is left alone for RESTING_SECONDS and the request reads the
primary: pages carry on, slower, and /healthz reports the replica "unavailable". A replica
more than REPLICA_MAX_LAG_SECONDS behind, when that is set, is skipped too (its lag is asked
every LAG_CHECK_SECONDS). The data version (breaches/versions.py) is read from the same
database as the rows it keys.
"""

from __future__ import annotations

import logging
import random
import time
from contextvars import ContextVar

from django.conf import settings
from django.db import DatabaseError, connections

log = logging.getLogger(__name__)

RESTING_SECONDS = 5.0
READ_PRIMARY_COOKIE = "read_primary"
# Apps whose tables public pages read; the rest (auth, sessions, axes, django_otp) stay on
# the primary. admin is here for its log, which is part of the data version.
REPLICATED_APPS = {"breaches", "dashboard", "admin"}
SAFE_METHODS = {"GET", "HEAD"}

read_alias: ContextVar[str | None] = ContextVar("read_alias", default=None)
_resting_until: dict[str, float] = {}
_down: set[str] = set()
# alias -> (when its lag was last asked, whether it was too far behind then)
_lag_checked: dict[str, tuple[float, bool]] = {}
LAG_CHECK_SECONDS = 5.0


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        alias = read_alias.get()
        if alias and model._meta.app_label in REPLICATED_APPS:
            return alias
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data, wherever it was read

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"  # replicas copy the primary's schema


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


def is_public_read(request) -> bool:
    return (
        request.method in SAFE_METHODS
        and not request.path.startswith("/" + settings.ADMIN_PATH)
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and READ_PRIMARY_COOKIE not in request.COOKIES
    )


def answering_replica() -> str | None:
    """A replica that answers now, chosen at random among them; None when none does."""
    aliases = [a for a in replica_aliases() if _resting_until.get(a, 0) <= time.monotonic()]
    random.shuffle(aliases)
    for alias in aliases:
        connection = connections[alias]
        try:
            connection.close_if_health_check_failed()  # a connection the replica dropped
            connection.ensure_connection()
            if too_far_behind(alias):
                continue
        except DatabaseError as error:
            connection.close()
            _resting_until[alias] = time.monotonic() + RESTING_SECONDS
            if alias not in _down:  # once per outage, not at every retry
                _down.add(alias)
                log.error("Replica %s does not answer (%s): reading the primary", alias, error)
            continue
        if alias in _down:
            _down.discard(alias)
            log.warning("Replica %s answers again", alias)
        return alias
    return None


def too_far_behind(alias: str) -> bool:
    """More than REPLICA_MAX_LAG_SECONDS behind (0: never), asked at most every few seconds."""
    limit = settings.REPLICA_MAX_LAG_SECONDS
    if not limit:
        return False
    checked_at, behind = _lag_checked.get(alias, (float("-inf"), False))
    if time.monotonic() - checked_at < LAG_CHECK_SECONDS:
        return behind
    with connections[alias].cursor() as cursor:
        cursor.execute(LAG_SECONDS)
        [seconds] = cursor.fetchone()
    behind = float(seconds or 0) > limit
    if behind and not _lag_checked.get(alias, (0, False))[1]:  # once per spell behind
        log.warning(
            "Replica %s is %.0f s behind (REPLICA_MAX_LAG_SECONDS=%s): reading the primary",
            alias,
            seconds,
            limit,
        )
    _lag_checked[alias] = (time.monotonic(), behind)
    return behind


class ReadReplicaMiddleware:
    """Chooses where this request reads (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_aliases():
            return self.get_response(request)
        token = read_alias.set(answering_replica() if is_public_read(request) else None)
        try:
            response = self.get_response(request)
        finally:
            read_alias.reset(token)
        if request.method not in SAFE_METHODS:
            # Whoever just wrote reads the primary until the replicas have caught up.
            response.set_cookie(
                READ_PRIMARY_COOKIE,
                "1",
                max_age=settings.REPLICA_READ_YOUR_WRITES_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response


# Seconds behind: the age of the last replayed commit while WAL waits to be replayed, else 0
# (an idle primary sends nothing, and that age would grow for no reason).
LAG_SECONDS = (
    "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END"
)
LAG = (
    "SELECT pg_is_in_recovery(), ("
    + LAG_SECONDS
    + "), pg_wal_lsn_diff(%s, pg_last_wal_replay_lsn())"
)


def replica_health() -> dict:
    """{alias: {"status": "ok" | "unavailable", "lag_seconds": ..., "lag_bytes": ...}}.

    lag_seconds is 0 when the replica has replayed everything it received (an idle primary
    sends nothing, and the time since the last replayed commit would grow for no reason);
    lag_bytes is how far its replay is behind the primary's WAL now.
    """
    report = {}
    if not replica_aliases():
        return report
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        [primary_lsn] = cursor.fetchone()
    for alias in replica_aliases():
        connection = connections[alias]
        try:
            with connection.cursor() as cursor:
                cursor.execute(LAG, [primary_lsn])
                in_recovery, seconds, lag_bytes = cursor.fetchone()
        except DatabaseError:
            connection.close()
            report[alias] = {"status": "unavailable"}
            continue
        report[alias] = {
            "status": "ok" if in_recovery else "not a replica",
            "lag_seconds": round(float(seconds or 0), 3),
            "lag_bytes": max(0, int(lag_bytes or 0)),
        }
    return report
