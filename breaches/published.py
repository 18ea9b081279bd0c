"""What "published" means, said once: a figure or incident that no retraction has withdrawn.

The default managers of `Figure` and `Incident` return every row, withdrawn ones included
(the importer, retractions and the admin need them all). Every public read says what it
reads: `Figure.objects.published()`, `Incident.objects.published()`, or, for rows reached
through a join, `Force.objects.with_published_figures()` and `published_via("figures")`.
A read that says none of these reads everything, in plain sight; the test
tests/dashboard/test_withdrawn.py loads withdrawn rows with conspicuous values and looks for
them on every public URL.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef, Q

# The condition of the partial indexes on figures and incidents (breaches/models.py).
PUBLISHED = Q(retracted_by__isnull=True)


def published_via(relation: str) -> Q:
    """The condition for figures or incidents reached through `relation` ("figures",
    "incidents"), for annotations and filters across a join, which no manager sees."""
    return Q(**{f"{relation}__retracted_by__isnull": True})


class PublishedQuerySet(models.QuerySet):
    """Rows that can be withdrawn by a retraction: figures and incidents."""

    def published(self):
        """Rows no retraction has withdrawn: the only rows a public page may show."""
        return self.filter(PUBLISHED)

    def withdrawn(self):
        return self.exclude(PUBLISHED)


class WithPublishedFiguresQuerySet(models.QuerySet):
    """Models that figures point to (forces, datasets, sources)."""

    def with_published_figures(self, **conditions):
        """Rows with at least one published figure meeting `conditions` (Figure field
        lookups, e.g. dataset=d, count__isnull=False); one EXISTS, so no duplicates."""
        relation = self.model._meta.get_field("figures")
        figures = relation.related_model.objects.published().filter(
            **{relation.field.name: OuterRef("pk")}, **conditions
        )
        return self.filter(Exists(figures))
