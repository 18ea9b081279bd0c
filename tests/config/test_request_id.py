"""Request ids (config/request_id.py): on every response and every log line, on stdout."""

import io
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from config.request_id import RequestIdFilter, request_id_from

ROOT = Path(__file__).resolve().parents[2]
UUID_HEX = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def stdout_format():
    """A handler with the configured filter and format, writing to a buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"]))
    root = logging.getLogger()
    root.addHandler(handler)
    yield buffer
    root.removeHandler(handler)


def test_every_response_has_a_new_id(client):
    first = client.get("/no-such-page/")["X-Request-ID"]
    second = client.get("/no-such-page/")["X-Request-ID"]
    assert UUID_HEX.fullmatch(first)
    assert UUID_HEX.fullmatch(second)
    assert first != second


def test_a_sane_incoming_id_is_kept(client):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="lb-7f3a.2:9_x")
    assert response["X-Request-ID"] == "lb-7f3a.2:9_x"


@pytest.mark.parametrize(
    "header",
    [
        "",
        "two words",
        "id\nFAKE 2025-01-01 ERROR forged line",
        "<script>alert(1)</script>",
        "x" * 65,
        "-starts-with-a-dash",
        "caf\u00e9",
    ],
)
def test_an_insane_incoming_id_is_replaced(header):
    assert UUID_HEX.fullmatch(request_id_from(header))


def test_log_lines_written_during_a_request_carry_its_id(client, stdout_format):
    client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-abc")
    logging.getLogger("breaches").warning("after the request")
    lines = stdout_format.getvalue().splitlines()
    assert any("WARNING [req-abc] django.request: Not Found: /no-such-page/" in x for x in lines)
    assert any("INFO [req-abc] access: GET /no-such-page/ 404 " in x for x in lines)
    assert lines[-1].endswith("WARNING [-] breaches: after the request")


def test_a_crafted_path_cannot_start_a_log_line(client, stdout_format):
    client.get("/x%0A2025-01-01%20ERROR%20forged/")
    access = [x for x in stdout_format.getvalue().splitlines() if " access: " in x]
    assert len(access) == 1
    assert "GET /x\\n2025-01-01 ERROR forged/ 404" in access[0]


def test_logs_go_to_stdout_one_line_per_record_each_with_the_request_id():
    """The real logging configuration, in a process of its own: read its stdout."""
    code = (
        "import logging, django\n"
        "django.setup()\n"
        "from django.test import Client\n"
        "Client().get('/no-such-page/', HTTP_HOST='localhost', HTTP_X_REQUEST_ID='req-77')\n"
        "logging.getLogger('breaches').info('outside any request')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "0"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    line = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ \[([^\]]+)\] [\w.]+: .+")
    ids = [line.fullmatch(x)[1] for x in lines]  # every line has the format (else TypeError)
    assert ids == ["req-77", "req-77", "-"]
    assert "access: GET /no-such-page/ 404" in lines[0]
    assert "django.request: Not Found: /no-such-page/" in lines[1]
    assert lines[2].endswith("breaches: outside any request")
