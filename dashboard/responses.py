"""Answers every public view gives the same way: a 400 page naming the bad parameters, the
page of a new installation with no data yet, and which export format a request asks for."""

from django.shortcuts import render

from . import exports


def error_summary(form, parameters: dict[str, str] | None = None) -> list[str]:
    """'parameter: message' for each invalid query-string parameter of a form (a
    FilterSet's `form` too); `parameters` maps a field to the parameter it is read from."""
    parameters = parameters or {}
    return [
        f"{parameters.get(name, name)}: {' '.join(errors)}" for name, errors in form.errors.items()
    ]


def bad_request(request, problems: list[str]):
    """400 page naming each invalid parameter (docs/design.md section 5: never a 500)."""
    return render(request, "400.html", {"problems": problems}, status=400)


def no_data(request):
    """404 page of a new installation: no dataset to show yet, and how to load one."""
    return render(request, "dashboard/no_data.html", status=404)


def export_format(request) -> str | None:
    fmt = request.GET.get("_export")
    return fmt if fmt in exports.FORMATS else None
