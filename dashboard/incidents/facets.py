"""Facets beside the incidents list: how the filtered incidents split by force, category,
outcome group, role and year, each value a link that adds it as a filter (the Datasette habit).

Every number is what the list shows after clicking it. Where the filters allow, facets are
read from the counts of incident records that imports keep (breaches/counted_facets.py: a
few hundred cells rather than a million rows); otherwise one GROUP BY per facet over the
filtered queryset. An incident with several outcomes counts once in each outcome group it
reached (docs/design.md, section 2a), so the outcome facet can add up to more than the list;
the others add up to it exactly, blanks ("not coded", "undated") included.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, Count, F, Value, When
from django.db.models.functions import ExtractYear
from django.http import QueryDict
from django.urls import reverse

from breaches.counted_facets import CellFilters, facets_from_cells
from breaches.models import Force
from breaches.versions import data_version
from breaches.vocabularies import CATEGORIES, OUTCOME_GROUPS, ROLES, outcomes_in_group

# Facet name -> the query-string parameter its links set (the filter of the same name).
FACETS = {
    "force": "Force",
    "category": "Category",
    "outcome": "Outcome group",
    "role": "Role",
    "year": "Year",
}
# Parameters that say where in the list a reader is: a new filter starts at the top.
POSITION = ("after", "before", "page", "_export")
BLANK = {
    "force": "–",
    "category": "not coded",
    "outcome": "no outcome published",
    "role": "not published",
    "year": "undated",
}


def _outcome_group():
    return Case(
        *[
            When(
                outcomes__outcome__in=[group.code, *outcomes_in_group(group.code)],
                then=Value(group.code),
            )
            for group in OUTCOME_GROUPS.terms
        ],
        default=None,
    )


def _counts(queryset, facet: str) -> list[tuple]:
    """(value, count) pairs for one facet: one GROUP BY."""
    queryset = queryset.order_by()
    if facet == "force":
        grouped = queryset.values(value=F("force_id"))
        count = Count("id")
    elif facet == "year":
        grouped = queryset.values(value=ExtractYear("occurred_on"))
        count = Count("id")
    elif facet == "outcome":
        grouped = queryset.values(value=_outcome_group())
        count = Count("id", distinct=True)  # dismissed after a warning: once per group
    else:
        grouped = queryset.values(value=F(facet))
        count = Count("id")
    return [(row["value"], row["count"]) for row in grouped.annotate(count=count)]


def _url(params: QueryDict, name: str, value) -> str:
    query = params.copy()
    for position in POSITION:
        query.pop(position, None)
    if value is None:
        query.pop(name, None)
    else:
        query[name] = str(value)
    return f"{reverse('dashboard:incidents')}?{query.urlencode()}"


def _order(facet: str, counts: list[tuple]) -> list[tuple]:
    if facet == "year":  # newest first, undated last
        return sorted(counts, key=lambda pair: (pair[0] is None, -(pair[0] or 0)))
    if facet in ("category", "outcome", "role"):  # vocabulary order, as the filters list them
        vocabulary = {"category": CATEGORIES, "outcome": OUTCOME_GROUPS, "role": ROLES}[facet]
        rank = {code: i for i, code in enumerate(vocabulary.codes)}
        return sorted(counts, key=lambda pair: rank.get(pair[0], len(rank)))
    return sorted(counts, key=lambda pair: (-pair[1], pair[0]))  # forces: most first


def _uncached(queryset, cells: CellFilters | None) -> dict[str, list[tuple]]:
    counted = facets_from_cells(cells) if cells else {}
    return {
        facet: _order(facet, counted[facet] if facet in counted else _counts(queryset, facet))
        for facet in FACETS
    }


def facet_counts(
    queryset, *, cells: CellFilters | None = None, cache_as: str | None = None
) -> dict[str, list[tuple]]:
    """Facet name -> [(value, count)], ordered. `cells` (the same filters as `queryset`)
    lets the facets it holds be read from counted cells; the rest count rows. Cached under
    `cache_as` (the filters that made `queryset`) until the data version moves, since
    unfiltered counts over a million rows take seconds."""
    if cache_as is None:
        return _uncached(queryset, cells)
    digest = hashlib.sha256(cache_as.encode()).hexdigest()[:32]
    key = f"incident-facets:{data_version()}:{digest}"
    counts = cache.get(key)
    if counts is None:
        counts = _uncached(queryset, cells)
        cache.set(key, counts, settings.CHART_CACHE_SECONDS)
    return counts


def incident_facets(
    queryset,
    params: QueryDict | None = None,
    *,
    cells: CellFilters | None = None,
    cache_as: str | None = None,
) -> dict[str, list[dict]]:
    """Facet name -> [{value, label, count, url, selected}] for the filtered `queryset`."""
    return facet_items(facet_counts(queryset, cells=cells, cache_as=cache_as), params)


def facet_items(facets: dict[str, list[tuple]], params: QueryDict | None = None):
    """The counts of `facet_counts` as [{value, label, count, url, selected}] per facet.

    `value` is the code the filter takes (a force's slug, a year); `url` adds it to `params`
    (or, for the selected value, removes it); blanks have no filter, so their `url` is None.
    """
    params = params if params is not None else QueryDict()
    forces = {
        force.pk: force for force in Force.objects.filter(pk__in=[v for v, _ in facets["force"]])
    }
    labels = {
        "category": CATEGORIES.label,
        "outcome": OUTCOME_GROUPS.label,
        "role": ROLES.label,
        "year": str,
    }
    result = {}
    for facet, counts in facets.items():
        items = []
        for value, count in counts:
            if facet == "force":
                value, label = forces[value].slug, forces[value].name
            elif value is None:
                label = BLANK[facet]
            else:
                label = labels[facet](value)
            selected = value is not None and params.get(facet) == str(value)
            items.append(
                {
                    "value": value,
                    "label": label,
                    "count": count,
                    "url": None
                    if value is None
                    else _url(params, facet, None if selected else value),
                    "selected": selected,
                }
            )
        result[facet] = items
    return result
