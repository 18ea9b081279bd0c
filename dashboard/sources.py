"""A source as a reader meets it: a link to its public page, or "no public link" and why.

Every number links to where it was read (docs/design.md section 1). A source with no page on
the web (an FOI reply an editor uploaded, a reference to a file) is still named, and says
why there is nothing to follow, so that a missing link never looks like a broken page.
"""

from django.utils.html import format_html

# Figures' sources without a URL come from uploads (the loader's fixtures all have one).
UPLOADED = "read from a file uploaded to this site, which is not published online"


def is_public(url: str | None) -> bool:
    """A page anyone can open: an http(s) address, not a file path or a repository note."""
    return bool(url) and url.lower().startswith(("https://", "http://"))


def source_html(title: str, url: str | None, publisher: str = "", why: str = UPLOADED):
    """`title` linked to `url`, or followed by "no public link" and `why`."""
    publisher = format_html('<span class="sub">{}</span>', publisher) if publisher else ""
    if is_public(url):
        return format_html('<a href="{}" rel="noopener noreferrer">{}</a>{}', url, title, publisher)
    return format_html(
        '{} <span class="no-link">(no public link: {})</span>{}', title, why, publisher
    )
