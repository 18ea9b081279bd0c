"""What an import batch's page lists: what it created, restated and withdrew, and what
retractions since have withdrawn of it."""

from django.db.models import Count, Q

from ..models import Figure, FigureRevision, ImportBatch, Incident, IncidentRevision

SHOWN_ON_BATCH_PAGE = 200


def withdrawn_by(batch: ImportBatch) -> list[tuple[str, int, int, int]]:
    """(figures or incidents, retraction id, the batch it retracted, how many) for the rows
    this import created that a retraction has since withdrawn."""
    found = []
    for what, model in (("figures", Figure), ("incidents", Incident)):
        rows = (
            model.objects.filter(Q(batch=batch) | Q(revisions__batch=batch))
            .exclude(revisions__replaced_by=batch)
            .filter(retracted_by__isnull=False)
            .values_list("retracted_by", "retracted_by__retracts")
            .annotate(n=Count("pk", distinct=True))
            .order_by("retracted_by")
        )
        found += [(what, pk, retracts, n) for pk, retracts, n in rows]
    return found


def batch_contents(batch: ImportBatch) -> dict:
    """What a batch created and restated (or, for a retraction, withdrew and restored)."""
    if batch.kind == "retraction":
        created = Figure.objects.filter(retracted_by=batch)
        created_incidents = Incident.objects.filter(retracted_by=batch)
    else:
        touched = Q(batch=batch) | Q(revisions__batch=batch)
        created = Figure.objects.filter(touched).exclude(revisions__replaced_by=batch)
        created_incidents = Incident.objects.filter(touched).exclude(revisions__replaced_by=batch)
    figures = created.distinct().select_related("dataset", "force").order_by("pk")
    incidents = created_incidents.distinct().select_related("dataset", "force").order_by("pk")
    restated = FigureRevision.objects.filter(replaced_by=batch).select_related(
        "figure__dataset", "figure__force", "figure__batch"
    )
    restated_incidents = IncidentRevision.objects.filter(replaced_by=batch).select_related(
        "incident__force", "incident__dataset"
    )
    return {
        "created_figures": figures[:SHOWN_ON_BATCH_PAGE],
        "created_figures_count": figures.count(),
        "created_incidents": incidents[:SHOWN_ON_BATCH_PAGE],
        "created_incidents_count": incidents.count(),
        "restated_figures": restated.order_by("figure_id")[:SHOWN_ON_BATCH_PAGE],
        "restated_figures_count": restated.count(),
        "restated_incidents": restated_incidents.order_by("incident_id")[:SHOWN_ON_BATCH_PAGE],
        "restated_incidents_count": restated_incidents.count(),
        "shown_limit": SHOWN_ON_BATCH_PAGE,
    }
