"""Pinned charts' images rendered off the request path: the database is the queue.

"Share" must answer at once, and a chromium render takes seconds, so the pin view only
stores the pin (its image empty: pending) and, once that is committed, spawns
`manage.py render_pinned_images --pending` as a process of its own. That process drains
every pending pin, claiming each with `SELECT ... FOR UPDATE SKIP LOCKED`, so renderers
started by several gunicorn workers (or on several machines) never render one pin twice.

Nothing lives only in memory: a pin whose render was cut short by a restart is still
pending in the database, and the next renderer, or the command run at deploy, renders it.
Why a process and not a thread: chromium stays out of the web worker (docs/machines.md,
Plotly), and the render outlives a worker that gunicorn recycles. docs/charts.md has more.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet

from ..models import PinnedChart
from .images import render_pin_image

log = logging.getLogger(__name__)

MANAGE = Path(settings.BASE_DIR) / "manage.py"


def pending() -> QuerySet:
    """Pins with no image and no recorded failure: what the renderer has still to do."""
    return PinnedChart.objects.filter(image__isnull=True, image_error="")


def render_after_commit() -> None:
    """Start a renderer once the pin is committed (a renderer could not see it before), from
    a thread: forking the worker and starting Python must not delay the response either."""
    if settings.PIN_IMAGE_RENDERER == "spawn":
        transaction.on_commit(
            lambda: threading.Thread(
                target=spawn_renderer, args=(_same_database(),), daemon=True
            ).start()
        )


def spawn_renderer(database: dict[str, str]) -> None:
    """`render_pinned_images --pending` in a new session (a worker's exit does not stop it),
    waited for here so that it is reaped, not left a zombie until the worker exits."""
    try:
        process = subprocess.Popen(
            [sys.executable, str(MANAGE), "render_pinned_images", "--pending"],
            cwd=settings.BASE_DIR,
            env={**os.environ, **database},
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as error:  # the pin stays pending: the next renderer or the command does it
        log.warning("Could not start the pinned-image renderer: %s", error)
        return
    process.wait()


def _same_database() -> dict[str, str]:
    """The renderer's environment must name the database this process uses (under pytest,
    a test database that the settings alone do not name)."""
    name = connection.settings_dict["NAME"]
    if settings.DATABASE_URL:
        return {"DATABASE_URL": urlsplit(settings.DATABASE_URL)._replace(path=f"/{name}").geturl()}
    return {"EMBEDDED_PG_DATABASE": name}


def render_claimed(pins: QuerySet) -> Iterable[tuple[PinnedChart, bool]]:
    """Render each pin of `pins` no other renderer holds, one transaction each; yields
    (pin, rendered). A pin whose render fails keeps its error and is not tried again here."""
    tried: list[str] = []
    while True:
        with transaction.atomic():
            pin = (
                pins.exclude(pk__in=tried)
                .defer("image")
                .order_by("created_at")
                .select_for_update(skip_locked=True)
                .first()
            )
            if pin is None:
                return
            tried.append(pin.pk)
            rendered = render_pin_image(pin)
        yield pin, rendered
