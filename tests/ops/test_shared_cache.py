"""More than one app server: with REDIS_URL, separate Django processes share the cache (chart
entries keyed by the data version) and the rate-limit counters, on a real redis-server."""

from __future__ import annotations

import json
import time

from django.core.cache.backends.redis import RedisCache

from tests.ops.support import django_env, get, manage, stored_keys

SHOW_CACHES = (
    "from django.core.cache import caches; "
    "print(caches['default'].__class__.__name__, caches['ratelimit'].__class__.__name__)"
)


def shell(env: dict, code: str) -> str:
    return manage(env, "shell", "--no-imports", "-c", code).stdout.strip()


def test_redis_url_switches_the_cache_and_rate_limits_and_processes_share_entries(
    pg_server, redis_url
):
    # No database is touched here (the name is only what Django would use).
    env = django_env(pg_server, "ops_unused", REDIS_URL=redis_url)
    assert shell(env, SHOW_CACHES) == "FailSoftRedisCache FailSoftRedisCache"
    assert shell(django_env(pg_server, "ops_unused"), SHOW_CACHES) == "LocMemCache LocMemCache"

    shell(
        env,
        "from django.core.cache import cache; "
        "cache.set('ops:shared', {'set by': 'process one'}, 60); "
        "cache.add('ops:counter', 0, 60); cache.incr('ops:counter')",
    )
    seen = shell(
        env,
        "from django.core.cache import cache; "
        "print(cache.get('ops:shared'), cache.incr('ops:counter'))",
    )
    assert seen == "{'set by': 'process one'} 2"


def test_two_app_servers_share_chart_entries_until_the_data_version_changes(
    pg_server, redis_url, serve, tmp_path
):
    database = pg_server.clone("ops_shared_charts")
    env = django_env(pg_server, database, REDIS_URL=redis_url)
    one, two = serve(env, workers=1), serve(env, workers=1)

    canonical = get(one.url + "/charts/data.json").headers["Location"]
    first = get(one.url + canonical)
    assert first.status == 200
    [key] = stored_keys(redis_url, ":1:charts:json:*")  # Django's key: :<version>:<key>
    version = key.split(":")[4]

    # Server two answers from the entry server one stored: change it and two serves the change.
    shared = RedisCache(redis_url, {})
    entry = key.removeprefix(":1:")
    assert shared.get(entry) == first.body.encode()
    marked = json.dumps({"marker": "stored by the test in the shared cache"}).encode()
    shared.set(entry, marked, 300)
    assert get(two.url + canonical).body.encode() == marked
    assert get(one.url + canonical).body.encode() == marked

    # An import changes the data version: both servers stop using the old entries at once.
    upload = tmp_path / "new.csv"
    upload.write_text(
        "dataset,force,period_start,period_end,count,source_title\n"
        "bbw-2016,Kent Police,2012-01-01,2012-12-31,11,Ops shared cache test\n"
    )
    manage(env, "import_figures", upload)
    fresh = get(two.url + canonical)
    assert fresh.status == 200
    assert fresh.body.encode() != marked
    assert json.loads(fresh.body)["rows"]
    keys = stored_keys(redis_url, ":1:charts:json:*")
    assert len(keys) == 2
    versions = {k.split(":")[4] for k in keys}
    assert len(versions) == 2
    assert version in versions
    assert get(one.url + canonical).body == fresh.body
    shared.close()


def test_two_app_servers_count_one_rate_limit(pg_server, redis_url, serve):
    """EXPORT_RATE_LIMIT downloads per client across every server, not per server."""
    limit = 5
    database = pg_server.clone("ops_shared_limits")
    env = django_env(pg_server, database, REDIS_URL=redis_url, EXPORT_RATE_LIMIT=limit)
    one, two = serve(env, workers=1), serve(env, workers=1)
    # The limit counts in fixed 10-minute windows: do not start on the edge of one.
    into_window = time.time() % 600
    if into_window > 585:
        time.sleep(600 - into_window + 0.5)

    answers = [get(server.url + "/charts/data.csv").status for server in [one, two] * 3]
    # Three requests each: under a per-server count both would still be under the limit.
    assert answers == [302, 302, 302, 302, 302, 429]
    refused = get(one.url + "/charts/data.csv")
    assert refused.status == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 601
    assert stored_keys(redis_url, "ratelimit:*")
