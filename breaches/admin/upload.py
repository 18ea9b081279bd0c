"""The upload, preview, confirm, cancel and retract views of the ImportBatch admin.

Thin callers of the importer core (validation.parse, saving.plan_* and save_*, retraction):
each view checks the permission, calls one function and renders or redirects. GET never
writes; the preview is a GET of a signed token that reads the preview kept when the file was
uploaded (imports/previews.py), so it can be reloaded, on any app server, without parsing
the file again. Only POSTs compute a preview: the upload, another sheet, "Check again".
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

from ..imports import aliases, budget, previews, staging, uploads
from ..imports.retraction import NotRetractable, retract_batch
from ..imports.templates import template_csv, template_xlsx
from ..models import Force, ForceAlias, ImportBatch
from ..versions import data_version
from .forms import NOT_A_FORCE, AliasForm, UploadForm

UPLOAD = "breaches.add_importbatch"
RETRACT = "breaches.retract_importbatch"
ADD_ALIAS = "breaches.add_forcealias"
REMOVE_ALIAS = "breaches.delete_forcealias"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadAdminMixin:
    """Mixed into ImportBatchAdmin: the add page is the upload form."""

    def get_urls(self):
        wrap = self.admin_site.admin_view  # login + staff for every URL, or the login page
        own = [
            path("preview/", wrap(self.preview_view), name="breaches_importbatch_preview"),
            path("check/", wrap(self.check_view), name="breaches_importbatch_check"),
            path("confirm/", wrap(self.confirm_view), name="breaches_importbatch_confirm"),
            path("cancel/", wrap(self.cancel_view), name="breaches_importbatch_cancel"),
            path("alias/", wrap(self.alias_view), name="breaches_importbatch_alias"),
            path(
                "alias/<int:alias_id>/remove/",
                wrap(self.remove_alias_view),
                name="breaches_importbatch_remove_alias",
            ),
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
            "max_seconds": settings.UPLOAD_PARSE_SECONDS,
            **extra,
        }

    # --- upload -------------------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        self._require(request, UPLOAD)
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            staged, row = staging.stage(content, upload.name, request.user)
            # Computed once, here, and kept: the preview page only reads it back.
            kept = _check(row, content, staged.file_name, sheet=None)
            return HttpResponseRedirect(_preview_url(staged.token, kept.sheet))
        context = self._context(request, "Upload FOI return", form=form)
        return TemplateResponse(request, "admin/breaches/importbatch/upload.html", context)

    def _staged(self, request, token: str):
        try:
            return staging.find(token, request.user)
        except staging.StagingError as problem:
            messages.error(request, str(problem))
            return None

    def preview_view(self, request):
        self._require(request, UPLOAD)
        found = self._staged(request, request.GET.get("token", ""))
        if found is None:
            return HttpResponseRedirect(reverse("admin:breaches_importbatch_add"))
        staged, row = found
        sheet = request.GET.get("sheet") or None
        kept = previews.kept(row, sheet)
        if kept is None and sheet:  # a sheet not read yet (only "Read this sheet" reads one)
            messages.info(request, f"The sheet '{sheet}' has not been read: choose it below.")
            return HttpResponseRedirect(_preview_url(staged.token))
        if kept is None:  # its upload did not finish checking it
            messages.error(request, "This file has no preview; upload it again.")
            return HttpResponseRedirect(reverse("admin:breaches_importbatch_add"))
        return self._render_preview(request, staged, kept)

    def check_view(self, request):
        """Read the staged file again: another sheet, or the data moved on since the preview."""
        self._require(request, UPLOAD)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        found = self._staged(request, request.POST.get("token", ""))
        if found is None:
            return HttpResponseRedirect(reverse("admin:breaches_importbatch_add"))
        staged, row = found
        kept = self._check_again(request, staged, row, request.POST.get("sheet") or None)
        if kept is None:
            return HttpResponseRedirect(reverse("admin:breaches_importbatch_add"))
        return HttpResponseRedirect(_preview_url(staged.token, kept.sheet))

    def _check_again(self, request, staged, row, sheet):
        try:
            return _check(row, staging.read(staged, row), staged.file_name, sheet)
        except staging.StagingError as problem:
            messages.error(request, str(problem))
            return None

    def _render_preview(self, request, staged, kept, status=200):
        forces = list(Force.objects.only("id", "name").order_by("name"))
        by_name = {force.name: force for force in forces}
        unknown = [
            # Suggestions are offered first in the list, but nothing is selected: the editor
            # chooses, so a wrong alias is never one click away (issue 11).
            (name, [by_name[s] for s in name.suggestions if s in by_name])
            for name in kept.unknown_forces
        ]
        context = self._context(
            request,
            f"Preview of {staged.file_name}",
            preview=kept,
            page=kept.page(request.GET.get("page")) if kept.ok else None,
            token=staged.token,
            # Confirm refuses if the data moved on since this preview was drawn: an editor
            # commits exactly the changes they were shown.
            version=kept.version,
            stale=kept.version != data_version(),
            unknown=unknown,
            forces=forces,
            not_a_force=NOT_A_FORCE,
            can_add_alias=request.user.has_perm(ADD_ALIAS),
            can_remove_alias=request.user.has_perm(REMOVE_ALIAS),
            aliases_added=aliases.added_from_preview(request.user),
        )
        return TemplateResponse(
            request, "admin/breaches/importbatch/preview.html", context, status=status
        )

    @transaction.non_atomic_requests
    def confirm_view(self, request):
        self._require(request, UPLOAD)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        found = self._staged(request, request.POST.get("token", ""))
        kept = found and previews.kept(found[1], request.POST.get("sheet") or None)
        if not kept:
            if found:
                messages.error(request, "This file has no preview to confirm; upload it again.")
            return HttpResponseRedirect(reverse("admin:breaches_importbatch_add"))
        staged, row = found
        shown = request.POST.get("version", "")  # the data version the preview was drawn at
        if not shown:
            messages.error(
                request,
                "This confirmation does not say which preview it confirms: nothing was saved. "
                "Check the preview below, then confirm again.",
            )
            return self._render_preview(request, staged, kept, status=400)
        try:
            content = staging.read(staged, row)
        except staging.StagingError as problem:
            messages.error(request, str(problem))
            return HttpResponseRedirect(reverse("admin:breaches_importbatch_add"))
        sheet = kept.sheet or None
        validation = uploads.parse_staged(content, staged.file_name, sheet)
        if not validation.ok:
            # The reference data changed since the preview (a dataset or alias removed).
            messages.error(request, "The file no longer validates: nothing was saved.")
            return self._render_fresh(request, staged, row, content, sheet, validation, 400)
        try:
            result = uploads.commit(
                validation, content, staged.file_name, sheet, request.user, shown
            )
        except budget.OverBudget as slow:
            messages.error(
                request,
                f"Saving the file {slow} (the limit is UPLOAD_SAVE_SECONDS), so it was stopped: "
                "nothing was saved. Split the file into smaller ones and upload each.",
            )
            return self._render_preview(request, staged, kept, status=503)
        except uploads.DataMoved:
            messages.warning(
                request,
                "The published data changed since this preview (another upload, a retraction "
                "or an edit): nothing was saved. Check the preview below, then confirm again.",
            )
            return self._render_fresh(request, staged, row, content, sheet, validation, 409)
        staging.discard(staged)
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

    def _render_fresh(self, request, staged, row, content, sheet, validation, status):
        """A fresh preview of the file already parsed by confirm, kept and shown."""
        kept = _check(row, content, staged.file_name, sheet, validation)
        return self._render_preview(request, staged, kept, status=status)

    def cancel_view(self, request):
        self._require(request, UPLOAD)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        found = self._staged(request, request.POST.get("token", ""))
        if found is not None:
            staging.discard(found[0])
            messages.info(request, f"Upload of {found[0].file_name} cancelled: nothing was saved.")
        return HttpResponseRedirect(reverse("admin:breaches_importbatch_add"))

    def alias_view(self, request):
        """An unknown name from the preview: confirm it as another name of a force, or not."""
        self._require(request, UPLOAD)
        self._require(request, ADD_ALIAS)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        token, sheet = request.POST.get("token", ""), request.POST.get("sheet", "")
        found = self._staged(request, token)
        if found is None:
            return HttpResponseRedirect(reverse("admin:breaches_importbatch_add"))
        staged, row = found
        form = AliasForm(request.POST)
        if not form.is_valid():
            for problems in form.errors.values():
                messages.error(request, " ".join(problems))
        elif form.cleaned_data["force"] is None:  # "not a force: fix the file"
            messages.info(
                request,
                f"No alias added. Correct '{form.cleaned_data['alias']}' in the file (or remove "
                "its rows) and upload it again.",
            )
        elif request.POST.get("confirm") != "yes":
            context = self._context(
                request,
                "Add this alias?",
                alias=form.cleaned_data["alias"],
                force=form.cleaned_data["force"],
                token=token,
                sheet=sheet,
                file_name=staged.file_name,
                preview_url=_preview_url(token, sheet),
            )
            return TemplateResponse(request, "admin/breaches/importbatch/alias.html", context)
        else:
            name, force = form.cleaned_data["alias"], form.cleaned_data["force"]
            try:
                alias = aliases.add_from_preview(
                    name,
                    force,
                    user=request.user,
                    file_name=staged.file_name,
                    file_sha256=staged.sha256,
                )
            except aliases.AliasTaken as problem:
                messages.error(request, f"{problem}.")
            else:
                self.log_addition(request, alias, [{"added": {}}])
                if self._check_again(request, staged, row, sheet or None) is not None:
                    messages.success(
                        request,
                        f"'{alias.alias}' will be read as {alias.force} in every future "
                        "upload. The file has been checked again.",
                    )
        return HttpResponseRedirect(_preview_url(token, sheet))

    def remove_alias_view(self, request, alias_id: int):
        """Remove an alias that was added from an upload's preview (from the batch page)."""
        self._require(request, REMOVE_ALIAS)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        alias = ForceAlias.objects.select_related("force").filter(pk=alias_id).first()
        token = request.POST.get("token", "")
        back = (
            _preview_url(token, request.POST.get("sheet", ""))
            if token
            else reverse("admin:breaches_importbatch_changelist")
        )
        if alias is None:
            messages.info(request, "That alias was already removed: nothing changed.")
            return HttpResponseRedirect(back)
        if not alias.file_sha256:
            # Reference-data aliases are managed on the force's page, not from a batch.
            raise PermissionDenied
        if not token and alias.batch_id:
            back = reverse("admin:breaches_importbatch_change", args=[alias.batch_id])
        self.log_deletions(request, ForceAlias.objects.filter(pk=alias.pk))
        alias.delete()
        found = self._staged(request, token) if token else None
        if found is not None:  # back to a preview: it must read the file without the alias
            self._check_again(request, *found, request.POST.get("sheet") or None)
        messages.success(
            request,
            f"'{alias.alias}' is no longer read as {alias.force}: a file naming it is refused as "
            "an unknown force again. Figures already imported keep their force.",
        )
        return HttpResponseRedirect(back)

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
        name = staging.clean_file_name(batch.file_name).replace('"', "")
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


def _check(row, content: bytes, file_name: str, sheet, validation=None):
    """Compute a staged file's preview and keep it with the data version it was drawn at."""
    version = data_version()  # read first: data that moves during the plan makes it stale
    preview = uploads.build_preview(content, file_name, sheet, validation)
    return previews.keep(row, preview, version)


def _preview_url(token: str, sheet: str = "") -> str:
    query = {"token": token, **({"sheet": sheet} if sheet else {})}
    return f"{reverse('admin:breaches_importbatch_preview')}?{urlencode(query)}"
