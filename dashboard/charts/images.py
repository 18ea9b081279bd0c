"""og:image PNGs for pinned charts, rendered once with kaleido (Debian's chromium).

Rendering takes seconds (a chromium start), so it happens in `render_pinned_images`, which
"Share" spawns (rendering.py), never in a request. A failure is recorded on the pin and a
generic image is served until the command succeeds.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings

from .builders import image_figure
from .data import ChartData

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 1200, 630
GENERIC_IMAGE = Path(settings.BASE_DIR) / "static" / "img" / "og-generic.png"


def render_png(data: ChartData, *, pinned_on: str) -> bytes:
    """The social preview of `data` as PNG bytes (raises when chromium cannot render)."""
    figure = image_figure(data, pinned_on=pinned_on)
    # kaleido finds Debian's chromium itself (BROWSER_PATH overrides); never let it download.
    return figure.to_image(format="png", width=WIDTH, height=HEIGHT)


def render_pin_image(pin) -> bool:
    """Render and store `pin`'s image; on failure keep the error and return False."""
    try:
        png = render_png(ChartData.from_json(pin.data), pinned_on=f"{pin.created_at:%-d %B %Y}")
    except Exception as error:  # kaleido raises many kinds; pinning must still succeed
        log.warning("Could not render the image of pinned chart %s: %s", pin.pk, error)
        pin.image_error = f"{type(error).__name__}: {error}"[:2000]
        pin.save(update_fields=["image_error"])
        return False
    pin.image, pin.image_error = png, ""
    pin.save(update_fields=["image", "image_error"])
    return True


def generic_png() -> bytes:
    return GENERIC_IMAGE.read_bytes()
