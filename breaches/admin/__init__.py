"""Django admin for every model, and the upload workflow on ImportBatch (breaches/admin/upload.py).

Figures and incidents are listed all, withdrawn ones included and marked, so editors see
what a retraction did; the public pages read `published()` rows only (breaches/published.py).
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from ..models import (
    Dataset,
    EnforcementAction,
    Figure,
    FigureRevision,
    Force,
    ForceAlias,
    ImportBatch,
    Incident,
    IncidentRevision,
    Outcome,
    Return,
    Source,
    Workforce,
)
from .history import batch_contents, withdrawn_by
from .upload import REMOVE_ALIAS, RETRACT, UploadAdminMixin

CORRECT_BY_UPLOAD = (
    "Published values are changed by uploading the corrected row (the previous value is kept "
    "as a restatement) and withdrawn by retracting their batch, so nothing is lost silently."
)


class ReadOnlyValuesMixin:
    """Figures and incidents are read here, changed by upload and undone by retraction."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Viewing stays allowed (has_view_permission); saving would bypass the history.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "subtitle": CORRECT_BY_UPLOAD}
        return super().changeform_view(request, object_id, form_url, extra_context)


class PublishedFilter(admin.SimpleListFilter):
    title = "published"
    parameter_name = "published"

    def lookups(self, request, model_admin):
        return [("yes", "Published"), ("withdrawn", "Withdrawn by a retraction")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(retracted_by__isnull=True)
        if self.value() == "withdrawn":
            return queryset.filter(retracted_by__isnull=False)
        return queryset


class ForceAliasInline(admin.TabularInline):
    model = ForceAlias
    extra = 1
    fields = ["alias", "note"]


@admin.register(Force)
class ForceAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "slug", "kind", "nation", "region"]
    list_filter = ["kind", "nation", "region"]
    search_fields = ["name", "short_name", "slug", "aliases__alias"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ForceAliasInline]


class AddedFromPreviewFilter(admin.SimpleListFilter):
    title = "added"
    parameter_name = "added"

    def lookups(self, request, model_admin):
        return [("preview", "From an upload preview"), ("reference", "With the reference data")]

    def queryset(self, request, queryset):
        if self.value() == "preview":
            return queryset.exclude(file_sha256="")
        if self.value() == "reference":
            return queryset.filter(file_sha256="")
        return queryset


@admin.register(ForceAlias)
class ForceAliasAdmin(admin.ModelAdmin):
    list_display = ["alias", "force", "added_by", "added_at", "file_name", "batch", "note"]
    list_select_related = ["force", "added_by", "batch"]
    list_filter = [AddedFromPreviewFilter]
    search_fields = ["alias", "force__name", "file_name"]
    autocomplete_fields = ["force"]
    readonly_fields = ["added_by", "added_at", "file_name", "file_sha256", "batch"]


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["slug", "title", "publisher", "published_on", "period_start", "period_end"]
    list_filter = ["unit", "publisher"]
    search_fields = ["slug", "title", "publisher"]
    date_hierarchy = "published_on"
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Workforce)
class WorkforceAdmin(admin.ModelAdmin):
    list_display = ["force", "as_of", "measure", "value"]
    list_filter = ["measure", "as_of"]
    list_select_related = ["force"]
    search_fields = ["force__name"]
    autocomplete_fields = ["force"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["title", "publisher", "published_on", "url"]
    search_fields = ["title", "publisher", "url"]
    list_filter = ["publisher"]


@admin.register(Return)
class ReturnAdmin(admin.ModelAdmin):
    list_display = ["force", "dataset", "status", "foia_section", "case_list"]
    list_filter = ["status", "case_list", "dataset"]
    list_select_related = ["force", "dataset"]
    search_fields = ["force__name", "dataset__slug", "caveat"]
    autocomplete_fields = ["force"]
    readonly_fields = ["figures"]

    @admin.display(description="Published figures")
    def figures(self, answer):
        # Figures belong to a return through (dataset, force), not a foreign key, so they
        # are listed here rather than edited in an inline.
        figures = Figure.objects.published().filter(
            dataset_id=answer.dataset_id, force_id=answer.force_id
        )
        rows = format_html_join(
            "",
            "<tr><td>{}–{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f.period_start,
                    f.period_end,
                    f.get_category_display() or "all",
                    f.get_outcome_display() or "all",
                    f.get_role_display() or "all",
                    f.count if f.count is not None else f.get_status_display(),
                )
                for f in figures
            ),
        )
        if not rows:
            return "None"
        return format_html(
            "<table><thead><tr><th>Period</th><th>Category</th><th>Outcome</th><th>Role</th>"
            "<th>Count</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )


@admin.register(Figure)
class FigureAdmin(ReadOnlyValuesMixin, admin.ModelAdmin):
    list_display = [
        "dataset__slug",
        "force",
        "period_start",
        "period_end",
        "category",
        "outcome",
        "role",
        "count",
        "status",
        "batch",
        "published",
    ]
    list_filter = [PublishedFilter, "status", "dataset", "category", "outcome", "role"]
    list_select_related = ["dataset", "force", "batch"]
    search_fields = ["force__name", "dataset__slug", "note", "source__title"]
    raw_id_fields = ["source"]
    autocomplete_fields = ["force"]
    readonly_fields = ["batch", "retracted_by", "updated_at"]
    change_list_template = "admin/breaches/upload_change_list.html"

    def get_queryset(self, request):
        return Figure.objects.select_related("dataset", "force", "batch")

    @admin.display(boolean=True, description="published")
    def published(self, figure):
        return figure.retracted_by_id is None


@admin.register(FigureRevision)
class FigureRevisionAdmin(admin.ModelAdmin):
    list_display = ["figure", "count", "status", "batch", "replaced_by", "replaced_at"]
    list_select_related = ["figure__dataset", "figure__force", "batch", "replaced_by"]
    search_fields = ["figure__force__name", "figure__dataset__slug"]
    list_filter = ["replaced_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OutcomeInline(admin.TabularInline):
    model = Outcome
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(ReadOnlyValuesMixin, admin.ModelAdmin):
    list_display = ["reference", "force", "dataset", "occurred_on", "category", "role", "published"]
    list_filter = [PublishedFilter, "dataset", "category", "role"]
    list_select_related = ["force", "dataset"]
    search_fields = ["reference", "summary", "force__name"]
    autocomplete_fields = ["force"]
    readonly_fields = ["batch", "retracted_by"]
    inlines = [OutcomeInline]
    change_list_template = "admin/breaches/upload_change_list.html"

    def get_queryset(self, request):
        return Incident.objects.select_related("dataset", "force")

    @admin.display(boolean=True, description="published")
    def published(self, incident):
        return incident.retracted_by_id is None


@admin.register(IncidentRevision)
class IncidentRevisionAdmin(FigureRevisionAdmin):
    list_display = ["incident", "occurred_on", "category", "role", "batch", "replaced_by"]
    list_select_related = ["incident__force", "batch", "replaced_by"]
    search_fields = ["incident__reference", "incident__force__name"]


@admin.register(EnforcementAction)
class EnforcementActionAdmin(admin.ModelAdmin):
    list_display = ["force", "date", "action", "amount_gbp"]
    list_filter = ["action", "date"]
    list_select_related = ["force"]
    search_fields = ["force__name", "summary", "action"]
    autocomplete_fields = ["force"]


@admin.register(ImportBatch)
class ImportBatchAdmin(UploadAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "uploaded_by",
        "kind",
        "file_name",
        "short_sha256",
        "counts",
        "state",
    ]
    list_display_links = ["created_at"]
    list_filter = ["kind", "uploaded_by"]
    search_fields = ["file_name", "sha256"]
    date_hierarchy = "created_at"
    actions = ["retract_selected"]
    fields = [
        "kind",
        "file_name",
        "sha256",
        "sheet",
        "uploaded_by",
        "created_at",
        "created",
        "updated",
        "unchanged",
        "withdrawals",
        "retracts",
    ]
    readonly_fields = ["withdrawals"]
    change_form_template = "admin/breaches/importbatch/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("uploaded_by", "retraction", "retracts")
            # The stored files are only read by the download view.
            .defer("original", "retraction__original", "retracts__original")
        )

    # Batches are made by uploading and undone by retracting; never edited or deleted.
    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retract_permission(self, request):
        return request.user.has_perm(RETRACT)

    @admin.display(description="withdrawn")
    def withdrawals(self, batch):
        """For a retraction, what it withdrew; for an import, which retractions withdrew its rows.

        An import's rows can be withdrawn by the retraction of a later batch that restated
        them (retracting that batch finds no earlier value to restore), so "0" would hide it.
        """
        if batch.kind == "retraction":
            return f"{batch.withdrawn} rows withdrawn from the dashboard"
        withdrawn = withdrawn_by(batch)
        if not withdrawn:
            return "none: every row this batch wrote is published or restated"
        return format_html_join(
            "; ",
            '{} {} withdrawn by <a href="{}">batch {}</a> (the retraction of batch {})',
            (
                (n, what, reverse("admin:breaches_importbatch_change", args=[pk]), pk, retracts)
                for what, pk, retracts, n in withdrawn
            ),
        )

    @admin.display(description="SHA-256", ordering="sha256")
    def short_sha256(self, batch):
        return format_html('<code title="{}">{}…</code>', batch.sha256, batch.sha256[:8])

    @admin.display(description="created / updated / unchanged")
    def counts(self, batch):
        if batch.kind == "retraction":
            withdrawn, restored, kept = batch.withdrawn, batch.updated, batch.unchanged
            return f"{withdrawn} withdrawn / {restored} restored / {kept} kept"
        return f"{batch.created} / {batch.updated} / {batch.unchanged}"

    @admin.display(description="state")
    def state(self, batch):
        other = batch.retracts if batch.kind == "retraction" else getattr(batch, "retraction", None)
        if other is None:
            return "current"
        url = reverse("admin:breaches_importbatch_change", args=[other.pk])
        label = "retracts" if batch.kind == "retraction" else "retracted by"
        return format_html('{} <a href="{}">batch {}</a>', label, url, other.pk)

    @admin.action(description="Retract selected import batches", permissions=["retract"])
    def retract_selected(self, request, queryset):
        batches = list(queryset.exclude(kind="retraction"))
        if request.POST.get("confirm") == "yes":
            self.retract(request, batches)
            return None
        return self.retract_confirmation(request, batches, action="retract_selected")

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if object_id:
            batch = self.get_object(request, object_id)
            if batch is not None:
                extra_context.update(batch_contents(batch))
                extra_context["batch"] = batch
                extra_context["batch_aliases"] = batch.aliases_added.select_related(
                    "force", "added_by"
                ).order_by("added_at", "pk")
                extra_context["can_remove_alias"] = request.user.has_perm(REMOVE_ALIAS)
                extra_context["has_original"] = ImportBatch.objects.filter(
                    pk=batch.pk, original__isnull=False
                ).exists()
                extra_context["can_retract"] = (
                    self.has_retract_permission(request)
                    and batch.kind != "retraction"
                    and getattr(batch, "retraction", None) is None
                )
        return super().changeform_view(request, object_id, form_url, extra_context)
