"""One page of incidents as table cells, each formatted once.

django-tables2 spent two thirds of this page's time at a million incidents laying out 400
cells (a signature inspection and a template node per cell). The list is never sorted by
column (docs/incidents.md), so it uses none of that library's features: the cells are built
here and laid out by templates/dashboard/incident_table.html in the markup every other
table has (dashboard/table.html).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.defaultfilters import date as format_date
from django.urls import reverse
from django.utils.html import format_html

from ..sources import UPLOADED, source_html
from ..tables import missing

HEADERS = (
    "Dataset", "Force", "Reference", "Date", "Category", "Role", "Outcomes", "Summary", "Source",
)  # fmt: skip


@dataclass(frozen=True)
class IncidentRow:
    """One incident's cells, escaped and ready to show; `reference` heads the row."""

    dataset: str
    force: str
    reference: str
    occurred_on: str
    category: str
    role: str
    outcomes: str
    summary: str
    source: str


def incident_rows(incidents) -> list[IncidentRow]:
    """Rows for incidents with their dataset, force and outcomes prefetched."""
    links: dict[tuple[str, str], str] = {}
    sources: dict[str, str] = {}

    def source(dataset) -> str:
        # Incident records carry no source of their own: each was read in its dataset's
        # publication (the upload format has no source column, docs/upload-formats.md).
        if dataset.slug not in sources:
            sources[dataset.slug] = source_html(dataset.publisher, dataset.url, why=UPLOADED)
        return sources[dataset.slug]

    def link(view: str, slug: str, text: str) -> str:
        if (view, slug) not in links:
            url = reverse(f"dashboard:{view}", args=[slug])
            links[view, slug] = format_html('<a href="{}">{}</a>', url, text)
        return links[view, slug]

    rows = []
    for incident in incidents:
        outcomes = [outcome.get_outcome_display() for outcome in incident.outcomes.all()]
        rows.append(
            IncidentRow(
                dataset=link("dataset", incident.dataset.slug, incident.dataset.slug),
                force=link("force", incident.force.slug, incident.force.name),
                reference=incident.reference,
                occurred_on=format_date(incident.occurred_on, "j M Y")
                if incident.occurred_on
                else missing("not published"),
                category=incident.get_category_display()
                if incident.category
                else missing("not coded"),
                role=incident.get_role_display() if incident.role else missing("not published"),
                outcomes=", ".join(outcomes) if outcomes else missing("not published"),
                summary=incident.summary,
                source=source(incident.dataset),
            )
        )
    return rows
