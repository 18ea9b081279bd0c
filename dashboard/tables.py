"""League tables (django-tables2) over the rows of `Figure.objects.league()`."""

import django_tables2 as tables
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import date as format_date
from django.utils.html import format_html, format_html_join

from breaches.vocabularies import RETURN_STATUSES

SUMMED = "Summed from published parts (by role or by outcome) that add up to the force's total."
LOWER_BOUND = (
    "Summed from published parts that do not make up the force's whole total, "
    "so the true figure is at least this."
)
NUMERIC = {"td": {"class": "num"}, "th": {"class": "num"}}


def _missing(text: str):
    # Never a blank cell: a blank reads as zero.
    return format_html('<span class="status">{}</span>', text)


class LeagueTable(tables.Table):
    rank = tables.Column(verbose_name="Rank", attrs=NUMERIC, empty_values=())
    force = tables.Column(accessor="force__name", verbose_name="Force")
    count = tables.Column(verbose_name="Count", attrs=NUMERIC, empty_values=())
    rate_per_1000 = tables.Column(verbose_name="Per 1,000 officers", attrs=NUMERIC, empty_values=())
    source = tables.Column(verbose_name="Source", empty_values=())
    notes = tables.Column(verbose_name="Caveats", empty_values=())

    class Meta:
        template_name = "dashboard/table.html"
        orderable = False
        attrs = {"class": "league"}
        row_attrs = {"class": lambda record: "withheld" if record["count"] is None else None}

    def __init__(self, data, *, caption: str, **kwargs):
        super().__init__(data, **kwargs)
        self.caption = caption

    def render_rank(self, value):
        return value if value is not None else _missing("–")

    def render_count(self, value, record):
        if value is None:
            return _missing(RETURN_STATUSES.label(record["status"]).lower().capitalize())
        text = intcomma(value)
        if record["lower_bound"]:
            return format_html('<abbr title="{}">at least {}</abbr>', LOWER_BOUND, text)
        if record["summed"]:
            return format_html('{} <abbr class="mark" title="{}">Σ</abbr>', text, SUMMED)
        return text

    def render_rate_per_1000(self, value, record):
        if record["count"] is None:
            return _missing("–")
        if value is None:
            return _missing("no workforce figure")
        as_of = format_date(record["workforce_as_of"], "j M Y")
        prefix = "at least " if record["lower_bound"] else ""
        return format_html(
            '{}{}<span class="sub">officers at {}</span>', prefix, f"{value:.1f}", as_of
        )

    def render_source(self, value):
        if value is None:
            return _missing("–")
        publisher = (
            format_html('<span class="sub">{}</span>', value.publisher) if value.publisher else ""
        )
        if not value.url:
            return format_html("{}{}", value.title, publisher)
        return format_html(
            '<a href="{}" rel="noopener">{}</a>{}', value.url, value.title, publisher
        )

    def render_notes(self, value, record):
        if not value:
            return _missing("none")
        notes = format_html_join("", "<li>{}</li>", ((note,) for note in value))
        return format_html(
            '<details class="caveat"><summary><span class="marker" aria-hidden="true">!</span> '
            "{} caveat{}</summary><ul>{}</ul></details>",
            len(value),
            "s" if len(value) > 1 else "",
            notes,
        )
