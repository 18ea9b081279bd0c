"""Forms of the admin upload workflow."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from ..imports.reference import name_key
from ..models import Force, ForceAlias


class UploadForm(forms.Form):
    file = forms.FileField(
        label="FOI return (CSV or XLSX)",
        help_text="Figures or incidents, recognised from the header row. Nothing is saved "
        "until you have seen every row it would create or change in the preview and confirmed "
        "it. The file is checked once, now, and its preview kept for a day (from any of our "
        "servers); a workbook too large to read safely is refused naming the part. Dates as "
        "2015-12-31 or 31/12/2015.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.UPLOAD_MAX_BYTES
        # Checked from the request's declared size, before a byte of the file is parsed.
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}; the most one upload may be is "
                f"{filesizeformat(limit)}. Split it into several files."
            )
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        if not upload.name.lower().endswith((".csv", ".txt", ".tsv", ".xlsx")):
            raise forms.ValidationError(
                "Upload a .csv or .xlsx file (an older .xls workbook must be saved as .xlsx)."
            )
        return upload


NOT_A_FORCE = "not-a-force"


class AliasForm(forms.Form):
    """An unknown name from an upload: another name of a known force, or not a force at all.

    `force` is the force's id, or NOT_A_FORCE ("not a force: fix the file"); nothing is
    chosen for the editor, so an empty choice is an error, never a default.
    """

    alias = forms.CharField(max_length=200)
    force = forms.CharField(required=False)

    def clean_alias(self):
        alias = self.cleaned_data["alias"].strip()
        if not name_key(alias):
            raise forms.ValidationError("The name is blank.")
        existing = ForceAlias.objects.select_related("force").filter(alias__iexact=alias).first()
        if existing is not None:
            raise forms.ValidationError(f"'{alias}' is already an alias of {existing.force}.")
        return alias

    def clean_force(self):
        value = self.cleaned_data["force"].strip()
        if value == NOT_A_FORCE:
            return None
        if not value:
            raise forms.ValidationError(
                "Choose the force this name stands for, or 'not a force: fix the file'."
            )
        force = Force.objects.filter(pk=value).first() if value.isdigit() else None
        if force is None:
            raise forms.ValidationError("Choose a force from the list.")
        return force
