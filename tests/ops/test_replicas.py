"""Read replicas (config/replicas.py) against a real streaming replica of the ops server, made
with the embedded wheel's own pg_basebackup: public pages read it, an editor reads the primary,
/healthz reports the lag, and pages fall back to the primary when the replica stops."""

from __future__ import annotations

import http.cookiejar
import json
import re
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.ops.support import StreamingReplica, django_env, eventually, get, manage

PASSWORD = "a-long-test-password"
FORCE_PAGE = "/forces/kent/"
NEW_FIGURE = "9,876"
UPLOAD = (
    "dataset,force,period_start,period_end,count,source_title\n"
    "bbw-2016,Kent Police,2012-01-01,2012-12-31,9876,Ops replica test\n"
)


@pytest.fixture
def replica(pg_server):
    folder = Path(tempfile.mkdtemp(prefix="ops-replica-", dir="/tmp"))  # short socket path
    replica = StreamingReplica(pg_server, folder)
    try:
        replica.create()
        yield replica
    except Exception:
        print(replica.log())
        raise
    finally:
        replica.shutdown()
        shutil.rmtree(folder, ignore_errors=True)


class SignedIn:
    """An editor signed in to admin through the real form, with their session cookie."""

    def __init__(self, base: str, username: str):
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        form = self.read("/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        data = {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}
        self.read("/admin/login/?next=/admin/", urllib.parse.urlencode(data).encode())
        assert "sessionid" in {cookie.name for cookie in jar}

    def read(self, path: str, data: bytes | None = None) -> str:
        with self.opener.open(self.base + path, data, timeout=30) as answer:
            return answer.read().decode()


def health(app) -> tuple[int, dict]:
    answer = get(app.url + "/healthz")
    return answer.status, json.loads(answer.body)


def test_public_pages_read_the_replica_editors_the_primary_and_fall_back(
    pg_server, replica, serve, tmp_path
):
    database = pg_server.clone("ops_replicas")
    replica.wait_for_replay()
    env = django_env(pg_server, database, DATABASE_REPLICA_URLS=replica.url(database))
    manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth.models import User; "
        f"User.objects.create_user('dana', password='{PASSWORD}', is_staff=True)",
    )
    app = serve(env)
    # The same, but unwilling to read a replica more than a second behind.
    strict = serve({**env, "REPLICA_MAX_LAG_SECONDS": "1"}, workers=1)
    status, report = health(app)
    assert status == 200
    assert report["status"] == "ok"
    assert report["replicas"]["replica1"]["status"] == "ok"
    editor = SignedIn(app.url, "dana")
    before = get(app.url + FORCE_PAGE)
    assert before.status == 200
    assert NEW_FIGURE not in before.body

    # Replay paused: the replica keeps the figures as they were, so a page that read it shows.
    replica.execute("SELECT pg_wal_replay_pause()")
    upload = tmp_path / "figure.csv"
    upload.write_text(UPLOAD)
    manage(env, "import_figures", upload)
    assert NEW_FIGURE in editor.read(FORCE_PAGE)  # the editor sees what they just imported
    for _ in range(4):  # every worker
        page = get(app.url + FORCE_PAGE)
        assert page.status == 200
        assert NEW_FIGURE not in page.body  # the reader's page came from the replica
    status, report = health(app)
    assert status == 200
    assert report["replicas"]["replica1"]["lag_bytes"] > 0
    # A reader who has just sent a form (here refused for want of its CSRF token) reads the
    # primary for a while: the read_primary cookie.
    reader = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(jar := http.cookiejar.CookieJar())
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        reader.open(app.url + "/charts/pin", b"chart=league", timeout=30)
    assert refused.value.code == 403
    assert [cookie.name for cookie in jar] == ["read_primary"]
    with reader.open(app.url + FORCE_PAGE, timeout=30) as answer:
        assert NEW_FIGURE in answer.read().decode()
    # The replica is now seconds behind: the strict server reads the primary (once it has asked
    # the replica its lag again: every 5 s at most).
    assert eventually(
        lambda: NEW_FIGURE in get(strict.url + FORCE_PAGE).body, timeout=15, every=0.5
    )
    assert NEW_FIGURE in get(strict.url + FORCE_PAGE).body
    assert "Replica replica1 is" in strict.log.read_text()

    replica.execute("SELECT pg_wal_replay_resume()")
    replica.wait_for_replay()
    for _ in range(4):
        assert NEW_FIGURE in get(app.url + FORCE_PAGE).body
    assert health(app)[1]["replicas"]["replica1"]["lag_bytes"] == 0

    # The replica stops: readers are served by the primary, and /healthz says so with a 200.
    replica.stop()
    for _ in range(4):
        page = get(app.url + FORCE_PAGE)
        assert page.status == 200
        assert NEW_FIGURE in page.body
    status, report = health(app)
    assert status == 200
    assert report["status"] == "degraded"
    assert report["replicas"]["replica1"] == {"status": "unavailable"}
    assert "Replica replica1 does not answer" in app.log.read_text()

    replica.start()
    assert health(app)[1]["status"] == "ok"
    assert app.process.poll() is None
