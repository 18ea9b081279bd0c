"""Atom feeds of new figures, restatements and retractions: site-wide (/feed/) and per force
(/forces/<slug>/feed/). Entries come from breaches/changes.py, which never shows withdrawn
or synthetic data.

Summaries are HTML (Atom `type="html"`), so every text that came from an upload (titles,
names, notes) goes through format_html: a feed reader renders it, it must not run it.
"""

from django.contrib.humanize.templatetags.humanize import intcomma
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html
from django.utils.http import urlencode

from breaches.changes import Change, Value, recent_changes
from breaches.models import Force
from breaches.queries import Period
from breaches.vocabularies import RETURN_STATUSES

KIND_LABELS = {
    "new": "New figure",
    "restated": "Restated",
    "restored": "Restored after a retraction",
    "withdrawn": "Withdrawn",
}


def value_text(value: Value | None, unit: str) -> str:
    if value is None:
        return "a withdrawn value (not shown)"
    if value.count is None:  # not disclosed is never zero: say why there is no count
        return RETURN_STATUSES.label(value.status).lower()
    return f"{intcomma(value.count)} {unit}"


def breakdown(figure) -> str:
    parts = [
        figure.get_category_display() if figure.category else "",
        figure.get_outcome_display() if figure.outcome else "",
        figure.get_role_display() if figure.role else "",
    ]
    return ", ".join(part for part in parts if part) or "total"


def source_html(value: Value | None):
    if value is None:
        return ""
    source = value.source
    if source.url:
        return format_html(' Source: <a href="{}">{}</a>.', source.url, source.title)
    return format_html(" Source: {}.", source.title)


class ChangesFeed(Feed):
    feed_type = Atom1Feed
    title = "Police data breaches: new and changed figures"
    subtitle = (
        "New figures, restatements and retractions of published UK police data-breach "
        "figures, each with its dataset, old and new value and source."
    )
    author_name = "Police Data Breaches"

    def link(self):
        return reverse("dashboard:figures")

    def items(self):
        return recent_changes()

    def item_title(self, change: Change):
        figure = change.figure
        where = figure.force.name if figure.force else "National"
        return f"{where}: {KIND_LABELS[change.kind].lower()}, {figure.dataset.title}"

    def item_description(self, change: Change):
        figure = change.figure
        period = Period(figure.period_start, figure.period_end)
        what = format_html(
            "{} ({}), {}, {}.",
            figure.dataset.title,
            figure.dataset.publisher,
            period,
            breakdown(figure),
        )
        if change.kind == "withdrawn":
            return format_html(
                "{} Withdrawn by a retraction: the figure is no longer published here.", what
            )
        unit = figure.dataset.get_unit_display().lower()
        if change.kind == "new":
            said = format_html(" Value: {}.", value_text(change.new, unit))
        else:
            old, new = value_text(change.old, unit), value_text(change.new, unit)
            said = format_html(" Was {}, now {}.", old, new)
        note = format_html(" Note: {}", figure.note) if figure.note else ""
        return format_html("{}{}{}{}", what, said, source_html(change.new), note)

    def item_link(self, change: Change):
        figure = change.figure
        if change.kind == "withdrawn":
            return reverse("dashboard:dataset", args=[figure.dataset.slug])
        query = {"dataset": figure.dataset.slug}
        if figure.force:
            query["force"] = figure.force.slug
        return f"{reverse('dashboard:figures')}?{urlencode(query)}"

    def item_guid(self, change: Change):
        # A tag URI (RFC 4151): the same entry keeps its id whatever host serves the feed.
        return f"tag:police-data-breaches,2026:{change.key}"

    item_guid_is_permalink = False

    def item_pubdate(self, change: Change):
        return change.at

    def item_updateddate(self, change: Change):
        return change.at


class ForceChangesFeed(ChangesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Force, slug=slug)

    def title(self, force):
        return f"{force.name}: new and changed figures"

    def link(self, force):
        return reverse("dashboard:force", args=[force.slug])

    def items(self, force):
        return recent_changes(force)
