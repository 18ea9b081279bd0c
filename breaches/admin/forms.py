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
        "until you have seen the preview and confirmed it.",
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


class AliasForm(forms.Form):
    """Add a name from an upload as another name of a known force."""

    alias = forms.CharField(max_length=200)
    force = forms.ModelChoiceField(queryset=Force.objects.all(), empty_label="Choose a force")

    def clean_alias(self):
        alias = self.cleaned_data["alias"].strip()
        if not name_key(alias):
            raise forms.ValidationError("The name is blank.")
        if ForceAlias.objects.filter(alias__iexact=alias).exists():
            raise forms.ValidationError(f"'{alias}' is already an alias.")
        return alias
