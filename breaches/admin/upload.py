"""The upload, preview, confirm, cancel and retract views of the ImportBatch admin.

Thin callers of the importer core (validation.parse, saving.plan_* and save_*, retraction):
each view checks the permission, calls one function and renders or redirects. GET never
writes; the preview is a GET of a signed token, so it can be reloaded and writes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode

from ..imports import pipeline, uploads
from ..imports.retraction import NotRetractable, retract_batch
from ..imports.templates import template_csv, template_xlsx
from ..models import Force, ForceAlias, ImportBatch
from ..versions import data_version
from .forms import AliasForm, UploadForm

UPLOAD = "breaches.add_importbatch"
RETRACT = "breaches.retract_importbatch"
ADD_ALIAS = "breaches.add_forcealias"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadAdminMixin:
    """Mixed into ImportBatchAdmin: the add page is the upload form."""

    def get_urls(self):
        wrap = self.admin_site.admin_view  # login + staff for every URL, or the login page
        own = [
            path("preview/", wrap(self.preview_view), name="breaches_importbatch_preview"),
            path("confirm/", wrap(self.confirm_view), name="breaches_importbatch_confirm"),
            path("cancel/", wrap(self.cancel_view), name="breaches_importbatch_cancel"),
            path("alias/", wrap(self.alias_view), name="breaches_importbatch_alias"),
            path(
                "template/<str:kind>.<str:extension>",
                wrap(self.template_view),
                name="breaches_importbatch_template",
            ),
            path(
                "<path:object_id>/original/",
                wrap(self.original_view),
                name="breaches_importbatch_original",
            ),
            path(
                "<path:object_id>/retract/",
                wrap(self.retract_view),
                name="breaches_importbatch_retract",
            ),
        ]
        return own + super().get_urls()

    def _require(self, request, permission: str) -> None:
        if not request.user.has_perm(permission):
            raise PermissionDenied

    def _context(self, request, title: str, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "max_bytes": settings.UPLOAD_MAX_BYTES,
            "max_rows": settings.UPLOAD_MAX_ROWS,
            **extra,
        }

    # --- upload -------------------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        self._require(request, UPLOAD)
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            staged = uploads.stage(upload.read(), upload.name, request.user)
            return HttpResponseRedirect(_preview_url(staged.token))
        context = self._context(request, "Upload FOI return", form=form)
        return TemplateResponse(request, "admin/breaches/importbatch/upload.html", context)

    def _staged(self, request, token: str):
        try:
            return uploads.load(token, request.user)
        except uploads.StagingError as problem:
            messages.error(request, str(problem))
            return None

    def preview_view(self, request):
        self._require(request, UPLOAD)
        loaded = self._staged(request, request.GET.get("token", ""))
        if loaded is None:
            return HttpResponseRedirect(reverse("admin:breaches_importbatch_add"))
        return self._render_preview(request, *loaded, request.GET.get("sheet") or None)

    def _render_preview(self, request, staged, content, sheet, status=200):
        preview = uploads.build_preview(content, staged.file_name, sheet)
        forces = list(Force.objects.only("id", "name"))
        by_name = {force.name: force.id for force in forces}
        unknown = [
            (name, by_name.get(name.suggestions[0]) if name.suggestions else None)
            for name in preview.unknown_forces
        ]
        context = self._context(
            request,
            f"Preview of {staged.file_name}",
            preview=preview,
            token=staged.token,
            # Confirm refuses if the data moved on since this page was drawn: an editor
            # commits exactly the changes they were shown.
            version=data_version(),
            unknown=unknown,
            forces=forces,
            can_add_alias=request.user.has_perm(ADD_ALIAS),
        )
        return TemplateResponse(
            request, "admin/breaches/importbatch/preview.html", context, status=status
        )

    @transaction.non_atomic_requests
    def confirm_view(self, request):
        self._require(request, UPLOAD)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        loaded = self._staged(request, request.POST.get("token", ""))
        if loaded is None:
            return HttpResponseRedirect(reverse("admin:breaches_importbatch_add"))
        staged, content = loaded
        sheet = request.POST.get("sheet") or None
        shown = request.POST.get("version")  # the data version the preview was drawn at
        if shown is not None and shown != data_version():
            messages.warning(
                request,
                "The published data changed since this preview (another upload, a retraction "
                "or an edit): nothing was saved. Check the preview below, then confirm again.",
            )
            return self._render_preview(request, staged, content, sheet, status=409)
        preview = uploads.build_preview(content, staged.file_name, sheet)
        if not preview.validation.ok:
            # The reference data changed since the preview (a dataset or alias removed).
            messages.error(request, "The file no longer validates: nothing was saved.")
            return self._render_preview(request, staged, content, sheet, status=400)
        result = pipeline.save(
            preview.validation, content, staged.file_name, user=request.user, sheet=preview.sheet
        )
        uploads.discard(staged)
        if not result.changed:
            messages.info(
                request,
                f"Nothing changed: all {result.unchanged} rows of {staged.file_name} are "
                "already stored exactly as in the file.",
            )
            return HttpResponseRedirect(reverse("admin:breaches_importbatch_changelist"))
        messages.success(
            request,
            f"Imported {staged.file_name}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged.",
        )
        return HttpResponseRedirect(
            reverse("admin:breaches_importbatch_change", args=[result.batch.pk])
        )

    def cancel_view(self, request):
        self._require(request, UPLOAD)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        loaded = self._staged(request, request.POST.get("token", ""))
        if loaded is not None:
            uploads.discard(loaded[0])
            messages.info(request, f"Upload of {loaded[0].file_name} cancelled: nothing was saved.")
        return HttpResponseRedirect(reverse("admin:breaches_importbatch_add"))

    def alias_view(self, request):
        """Add an unknown name from the preview as an alias of a force, then re-check."""
        self._require(request, UPLOAD)
        self._require(request, ADD_ALIAS)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        token, sheet = request.POST.get("token", ""), request.POST.get("sheet", "")
        if self._staged(request, token) is None:
            return HttpResponseRedirect(reverse("admin:breaches_importbatch_add"))
        form = AliasForm(request.POST)
        if form.is_valid():
            alias = ForceAlias.objects.create(
                alias=form.cleaned_data["alias"],
                force=form.cleaned_data["force"],
                note=f"Added from the preview of an upload by {request.user.get_username()}",
            )
            self.log_addition(request, alias, [{"added": {}}])
            messages.success(request, f"'{alias.alias}' is now an alias of {alias.force}.")
        else:
            for problems in form.errors.values():
                messages.error(request, " ".join(problems))
        return HttpResponseRedirect(_preview_url(token, sheet))

    def template_view(self, request, kind: str, extension: str):
        self._require(request, UPLOAD)
        if kind not in ("figures", "incidents") or extension not in ("csv", "xlsx"):
            raise Http404("No such template")
        if extension == "csv":
            response = HttpResponse(template_csv(kind), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(template_xlsx(kind), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{kind}-template.{extension}"'
        return response

    # --- history ------------------------------------------------------------------------

    def original_view(self, request, object_id):
        self._require(request, "breaches.view_importbatch")
        batch = ImportBatch.objects.filter(pk=_pk(object_id)).first()
        if batch is None or batch.original is None:
            raise Http404("This batch has no stored file")
        content_type = XLSX if bytes(batch.original[:4]) == b"PK\x03\x04" else "text/csv"
        response = HttpResponse(bytes(batch.original), content_type=content_type)
        name = uploads.clean_file_name(batch.file_name).replace('"', "")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def retract_view(self, request, object_id):
        self._require(request, RETRACT)
        batch = ImportBatch.objects.defer("original").filter(pk=_pk(object_id)).first()
        if batch is None:
            raise Http404("No such batch")
        if request.method == "POST":
            self.retract(request, [batch])
            return HttpResponseRedirect(
                reverse("admin:breaches_importbatch_change", args=[batch.pk])
            )
        return self.retract_confirmation(request, [batch])

    def retract_confirmation(self, request, batches, action: str = ""):
        context = self._context(
            request,
            "Retract import batches?" if len(batches) > 1 else "Retract this import batch?",
            batches=batches,
            action=action,
            action_checkbox_name="_selected_action",
        )
        return TemplateResponse(request, "admin/breaches/importbatch/retract.html", context)

    def retract(self, request, batches) -> None:
        for batch in batches:
            try:
                result = retract_batch(batch.pk, user=request.user)
            except NotRetractable as problem:
                messages.error(request, f"{batch}: {problem}.")
                continue
            if not result.changed:
                messages.info(request, f"{batch} was already retracted: nothing changed.")
                continue
            self.log_change(request, batch, f"Retracted (batch {result.retraction.pk})")
            messages.success(
                request,
                f"Retracted {batch}: {result.withdrawn} withdrawn, {result.restored} restored "
                f"to their previous values, {result.kept} left as a later upload restated them.",
            )


def _pk(object_id: str) -> int:
    try:
        return int(unquote(object_id))
    except ValueError:
        raise Http404("No such batch") from None


def _preview_url(token: str, sheet: str = "") -> str:
    query = {"token": token, **({"sheet": sheet} if sheet else {})}
    return f"{reverse('admin:breaches_importbatch_preview')}?{urlencode(query)}"
