"""Who answers FOI requests: /transparency/ (per-force counts and every answer that was not
a disclosure) and the "Answers" section of each force page. Read logic: breaches/answers.py."""

import django_tables2 as tables
from django import forms
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_safe
from django_tables2 import RequestConfig

from breaches.answers import NO_FIGURE, STATUS_LABELS, UNANSWERED, Answer, answers, counts_by_force
from config.ratelimit import exporting, rate_limit

from . import exports
from .exports import Column
from .responses import bad_request, export_format

# Count columns: right-aligned, and the first click on a header puts the largest first.
COUNT = {"attrs": {"td": {"class": "num"}, "th": {"class": "num"}}, "initial_sort_descending": True}


class AnswerCountTable(tables.Table):
    """Per force: how many public datasets it answered with each status."""

    force = tables.Column(verbose_name="Force", order_by="force__name")
    unanswered = tables.Column(verbose_name="Unanswered", **COUNT)
    refused = tables.Column(verbose_name="Refused", **COUNT)
    not_disclosed = tables.Column(accessor="not-disclosed", verbose_name="Not disclosed", **COUNT)
    no_response = tables.Column(accessor="no-response", verbose_name="No response", **COUNT)
    not_held = tables.Column(accessor="not-held", verbose_name="Not held", **COUNT)
    disclosed = tables.Column(verbose_name="Disclosed", **COUNT)
    no_figure = tables.Column(accessor=NO_FIGURE, verbose_name="No figure found", **COUNT)

    class Meta:
        template_name = "dashboard/table.html"
        attrs = {"class": "answers-by-force"}
        order_by_field = "sort"

    row_header = "force"

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.caption = "Answers per force, across every dataset"

    def render_force(self, value):
        url = reverse("dashboard:force", args=[value.slug]) + "#answers"
        return format_html('<a href="{}">{}</a>', url, value.name)


SORTS = [
    (f"{sign}{name}", f"{sign}{name}")
    for name in AnswerCountTable.base_columns
    for sign in ("", "-")
]
COUNT_COLUMNS = [Column("force", "force"), Column("force_code", "force code")] + [
    Column(str(column.accessor or name), str(column.verbose_name).lower())
    for name, column in list(AnswerCountTable.base_columns.items())[1:]
]
ANSWER_COLUMNS = [
    Column("dataset", "dataset"),
    Column("force", "force"),
    Column("force_code", "force code"),
    Column("status", "status"),
    Column("status_label", "status label"),
    Column("foia_section", "FOIA section"),
    Column("caveat", "caveat"),
    Column("note", "note"),
    Column("source_title", "source"),
    Column("source_url", "source URL"),
    Column("evidence_url", "where to check"),
]


class TransparencyForm(forms.Form):
    sort = forms.ChoiceField(
        required=False,
        choices=SORTS,
        error_messages={"invalid_choice": "sort by one of the table's columns, e.g. -refused."},
    )
    rows = forms.ChoiceField(
        required=False,
        choices=[("forces", "per force"), ("answers", "every answer")],
        error_messages={"invalid_choice": "use forces or answers."},
    )


def evidence_url(answer: Answer) -> str:
    """Where a reader checks a status: the source it was read from; for a case list with no
    published figure, the force's incident records; for no figure, the dataset's coverage."""
    if answer.source is not None and answer.source.url:
        return answer.source.url
    if answer.status == NO_FIGURE:
        return reverse("dashboard:dataset", args=[answer.dataset.slug]) + "#coverage"
    return (
        reverse("dashboard:figures") + f"?dataset={answer.dataset.slug}&force={answer.force.slug}"
        if answer.source is not None
        else reverse("dashboard:incidents")
        + f"?dataset={answer.dataset.slug}&force={answer.force.slug}"
    )


def answer_row(answer: Answer) -> dict:
    return {
        "dataset": answer.dataset.slug,
        "force": answer.force.name,
        "force_code": answer.force.slug,
        "status": answer.status,
        "status_label": answer.status_label,
        "foia_section": answer.foia_section,
        "caveat": answer.caveat,
        "note": answer.note,
        "source_title": answer.source.title if answer.source else "",
        "source_url": answer.source.url if answer.source else "",
        "evidence_url": evidence_url(answer),
        "answer": answer,
    }


def _about() -> list[tuple[str, str]]:
    return [
        ("Statuses", "; ".join(f"{code}: {label}" for code, label in STATUS_LABELS.items())),
        (
            "Unanswered",
            "Refused, not disclosed or no response. 'Not held' is an answer; 'no figure "
            "found' means we hold no answer from the force for that dataset, not a refusal.",
        ),
    ]


@require_safe
@rate_limit("exports", "EXPORT_RATE_LIMIT", what="downloads", when=exporting)
def transparency(request):
    form = TransparencyForm(request.GET)
    problems = [f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()]
    if request.GET.get("_export") and not export_format(request):
        problems.append("_export: use csv, xlsx or json.")
    if problems:
        return bad_request(request, problems)
    every = answers()
    # Most unanswered first by default; forces stay in name order within a tie.
    table = AnswerCountTable(
        counts_by_force(every), order_by=form.cleaned_data["sort"] or "-unanswered"
    )
    RequestConfig(request, paginate=False).configure(table)
    if fmt := export_format(request):
        return _export(fmt, form.cleaned_data["rows"], table, every)
    withheld = [answer_row(a) for a in every if a.status not in ("disclosed", NO_FIGURE)]
    return render(
        request,
        "dashboard/transparency.html",
        {"table": table, "withheld": withheld, "unanswered": UNANSWERED},
    )


def _export(fmt, rows, table, every):
    if rows == "answers":
        data = [answer_row(a) for a in every]
        return exports.export_response(
            fmt, name="answers", columns=ANSWER_COLUMNS, rows=data, about=_about()
        )
    data = [
        {**row.record, "force": row.record["force"].name, "force_code": row.record["force"].slug}
        for row in table.rows
    ]
    return exports.export_response(
        fmt, name="answers-per-force", columns=COUNT_COLUMNS, rows=data, about=_about()
    )


def force_answers(force) -> dict:
    """The force page's section: its answer to every public dataset, and how many it left
    unanswered."""
    rows = [answer_row(a) for a in answers(force)]
    return {
        "rows": rows,
        "unanswered": sum(row["status"] in UNANSWERED for row in rows),
    }
