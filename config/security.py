"""Framing: every page refuses to be framed except the embeds, which any site may frame."""

from csp.decorators import csp_replace
from django.views.decorators.clickjacking import xframe_options_exempt


def embeddable(view):
    """Let any site frame this view: no X-Frame-Options and no CSP frame-ancestors."""
    return xframe_options_exempt(csp_replace({"frame-ancestors": None})(view))
