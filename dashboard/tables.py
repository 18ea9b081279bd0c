"""Tables (django-tables2) for the league and the figures browser (the incidents browser's
table is dashboard/incidents/table.py)."""

import django_tables2 as tables
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import date as format_date
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from breaches.vocabularies import OUTCOME_GROUPS, RETURN_STATUSES

from .league.rows import BADGE_LABELS, ForceRanking
from .measures import ANNUALISED, COUNT, MEASURES, PER_1000_OFFICERS, PER_1000_WORKFORCE, Measure
from .sources import source_html

SUMMED = "Summed from published parts (by role or by outcome) that add up to the force's total."
LOWER_BOUND = (
    "Summed from published parts that do not make up the force's whole total, "
    "so the true figure is at least this."
)
COUNTED_LOWER_BOUND = (
    "Counted from a case list not known to be complete, so the true figure is at least this."
)
NUMERIC = {"td": {"class": "num"}, "th": {"class": "num"}}
# What a header link's name says it will do, so a screen reader hears the direction.
ASCENDING = {"force": "A to Z", "rank": "first to last"}
DESCENDING = {"force": "Z to A", "rank": "last to first"}
RANK_RANGE = (
    "Plausible range of ranks: where the force falls in 95% of simulations of chance "
    "variation in the counts (see About: rank ranges)."
)
# Column name -> the `sort` parameter that orders by it.
SORTABLE = {
    "rank": "rank",
    "force": "force",
    **{measure.attribute: measure.sort for measure in MEASURES},
}


def missing(text: str):
    # Never a blank cell: a blank reads as zero.
    return format_html('<span class="status">{}</span>', text)


def source_link(source):
    if source is None:
        return missing("–")
    return source_html(source.title, source.url, source.publisher)


def counted_link(count: int, url: str):
    """A derived figure's source: the incident records it counts, as a filtered list."""
    records = "incident record" if count == 1 else "incident records"
    return format_html('<a href="{}">Counted from {} {}</a>', url, intcomma(count), records)


def disclosure(label, text, css: str = "", summary_css: str = ""):
    """A marker that is a real control: a <summary> (a native disclosure button) revealing its
    text in the page's flow, so it is never clipped and never covers the next marker.
    static/js/site.js closes it with Esc."""
    return format_html(
        '<details class="disclosure {}"><summary class="{}">{}</summary>'
        '<p class="disclosed">{}</p></details>',
        css,
        summary_css,
        label,
        text,
    )


def caveat_list(notes):
    if not notes:
        return missing("none")
    items = format_html_join("", "<li>{}</li>", ((note,) for note in notes))
    return format_html(
        '<details class="disclosure caveat"><summary><span class="marker" aria-hidden="true">!'
        '</span> {} caveat{}</summary><ul class="disclosed">{}</ul></details>',
        len(notes),
        "s" if len(notes) > 1 else "",
        items,
    )


def labelled(label: str, **attrs) -> dict:
    """Cell attributes naming the column, which each cell shows as its label on a phone
    (where each row is a card and the header row is out of view)."""
    td = {"data-label": label, **attrs.pop("td", {})}
    return {**attrs, "td": td}


def measure_column(measure: Measure) -> tables.Column:
    """A column of one measure's values, headed by its label (dashboard/measures.py)."""
    return tables.Column(
        verbose_name=measure.label, attrs=labelled(measure.label, **NUMERIC), empty_values=()
    )


class ShareColumn(tables.Column):
    """An outcome group as a share of the force's count."""

    def __init__(self, group: str, label: str):
        super().__init__(
            accessor=f"shares__{group}",
            verbose_name=f"{label} %",
            attrs=labelled(f"{label} %", td={"class": "num share"}, th={"class": "num share"}),
            empty_values=(),
        )
        self.group = group

    def render(self, value, record):
        if record.count is None:
            return missing("–")
        if not record.has_breakdown:
            return missing("no breakdown published")
        share, lower_bound = value.value, value.lower_bound
        if share is None or (lower_bound and not share):
            # "≥ 0%" says nothing: a lower bound of zero is no published figure at all.
            return missing("not published")
        text = f"{share * 100:.0f}%"
        if lower_bound:
            return disclosure(f"≥ {text}", LOWER_BOUND, "bound")
        return text


class LeagueTable(tables.Table):
    rank = tables.Column(verbose_name="Rank", attrs=labelled("Rank", **NUMERIC), empty_values=())
    force = tables.Column(accessor="force_name", verbose_name="Force")
    # Named by the measures' row attributes (render_<attribute> below).
    count = measure_column(COUNT)
    rate_per_1000 = measure_column(PER_1000_OFFICERS)
    rate_per_1000_workforce = measure_column(PER_1000_WORKFORCE)
    annualised = measure_column(ANNUALISED)
    badges = tables.Column(
        verbose_name="Flags", empty_values=(), attrs=labelled("Flags", td={"class": "flags"})
    )
    source = tables.Column(
        verbose_name="Source", empty_values=(), attrs=labelled("Source", td={"class": "source"})
    )
    notes = tables.Column(
        verbose_name="Caveats", empty_values=(), attrs=labelled("Caveats", td={"class": "caveats"})
    )

    class Meta:
        template_name = "dashboard/table.html"
        orderable = False
        attrs = {"class": "league"}
        row_attrs = {
            "class": lambda record: "withheld" if record.count is None else None,
            "data-force": lambda record: record.force_slug,
        }

    row_header = "force"

    cards = True  # on a phone each row is a card (static/css/site.css, "League")

    def __init__(
        self, ranking: ForceRanking, *, caption: str, sort_urls: dict, shares: bool = True, **kwargs
    ):
        groups = ranking.share_groups if shares else []
        extra = [(f"share_{code}", ShareColumn(code, label)) for code, label in groups]
        # One rate column, the one that fits (a second would not fit a laptop's width).
        other_rates = tuple(
            measure.attribute
            for measure in MEASURES
            if measure.denominator and measure.denominator != ranking.denominator
        )
        super().__init__(
            ranking.rows,
            extra_columns=extra,
            sequence=self._sequence(extra),
            exclude=other_rates,
            **kwargs,
        )
        self.caption = caption
        self.sort_urls = sort_urls

    @staticmethod
    def _sequence(extra):
        names = [name for name, _ in extra]
        # Flags, caveats and source before the share columns: every number's source and
        # caveats stay in view on a laptop screen.
        return [
            "rank",
            "force",
            *(measure.attribute for measure in MEASURES),
            "badges",
            "notes",
            "source",
            *names,
        ]

    def render_rank(self, value, record):
        if value is None:
            return missing("–")
        if not record.rank_range or record.rank_range == str(value):
            return value
        return format_html(
            '{}<span class="rank-range" title="{}">({})</span>',
            value,
            RANK_RANGE,
            record.rank_range,
        )

    def render_force(self, value, record):
        url = reverse("dashboard:force", args=[record.force_slug])
        return format_html('<a href="{}">{}</a>', url, value)

    def render_count(self, value, record):
        if value is None:
            return missing(RETURN_STATUSES.label(record.status).capitalize())
        text = intcomma(value)
        if record.lower_bound:
            why = COUNTED_LOWER_BOUND if record.counted_from else LOWER_BOUND
            return disclosure(f"at least {text}", why, "bound")
        if record.summed:
            sigma = format_html('Σ<span class="visually-hidden">{}</span>', ": summed")
            return format_html("{} {}", text, disclosure(sigma, SUMMED, "mark"))
        return text

    def render_rate_per_1000(self, value, record):
        return self._rate(value, record, "officers", record.workforce_as_of)

    def render_rate_per_1000_workforce(self, value, record):
        return self._rate(value, record, "workforce", record.whole_workforce_as_of)

    @staticmethod
    def _rate(value, record, counted: str, as_of):
        if record.count is None:
            return missing("–")
        if value is None:
            return missing("no workforce figure")
        prefix = "at least " if record.lower_bound else ""
        return format_html(
            '{}{}<span class="sub">{} at {}</span>',
            prefix,
            f"{value:.1f}",
            counted,
            format_date(as_of, "j M Y"),
        )

    def render_annualised(self, value, record):
        if value is None:
            return missing("–")
        return f"{'at least ' if record.lower_bound else ''}{value:.1f}"

    def render_badges(self, value):
        if not value:
            return missing("none")
        return format_html_join(
            " ", "{}", ((disclosure(BADGE_LABELS[code], text, "flag", f"badge badge-{code}"),)
                        for code, text in value)
        )  # fmt: skip

    def render_source(self, value, record):
        if record.counted_from:
            return counted_link(record.counted_from, record.incidents_url)
        return source_link(value)

    def render_notes(self, value):
        return caveat_list(value)


def sort_urls(request, current: str | None, anchor: str = "") -> dict[str, dict]:
    """Header links: first click sorts numbers largest first and names A to Z.

    Each link's `action` names the order it gives ("sort largest first"), and `anchor` (a
    fragment) lands the reader back on the table rather than at the top of the page.
    """
    urls = {}
    current = current or "rank"  # the default order is by rank on the chosen metric
    params = request.GET.copy()
    params.pop("_export", None)
    for column, key in {
        **SORTABLE,
        **{f"share_{g}": f"share-{g}" for g in OUTCOME_GROUPS.codes},
    }.items():
        ascending_first = key in ("force", "rank")
        if current == key:
            target, aria = f"-{key}", "ascending"
        elif current == f"-{key}":
            target, aria = key, "descending"
        else:
            target, aria = (key if ascending_first else f"-{key}"), None
        params["sort"] = target
        order = (
            DESCENDING.get(key, "largest first")
            if target.startswith("-")
            else ASCENDING.get(key, "smallest first")
        )
        urls[column] = {
            "url": f"?{params.urlencode()}{anchor}",
            "aria_sort": aria,
            "action": f"sort {order}",
        }
    return urls


class FigureTable(tables.Table):
    """Every figure, one per row, each with its source and note."""

    dataset = tables.Column(
        accessor="dataset__slug", verbose_name="Dataset", order_by="dataset__slug"
    )
    force = tables.Column(verbose_name="Force", empty_values=(), order_by="force__name")
    period = tables.Column(
        accessor="period_start", verbose_name="Period", order_by=("period_start", "period_end")
    )
    category = tables.Column(verbose_name="Category", empty_values=())
    outcome = tables.Column(verbose_name="Outcome", empty_values=())
    role = tables.Column(verbose_name="Role", empty_values=())
    count = tables.Column(verbose_name="Count", attrs=NUMERIC, empty_values=())
    source = tables.Column(verbose_name="Source", empty_values=(), orderable=False)
    note = tables.Column(verbose_name="Note", empty_values=(), orderable=False)

    class Meta:
        template_name = "dashboard/table.html"
        attrs = {"class": "figures"}
        order_by_field = "sort"

    row_header = "count"

    def __init__(self, data, *, caption: str, **kwargs):
        super().__init__(data, **kwargs)
        self.caption = caption

    def render_dataset(self, value, record):
        url = reverse("dashboard:dataset", args=[value])
        return format_html('<a href="{}">{}</a>', url, value)

    def render_force(self, value, record):
        if value is None:
            return missing("National")
        return format_html(
            '<a href="{}">{}</a>', reverse("dashboard:force", args=[value.slug]), value.name
        )

    def render_period(self, value, record):
        return f"{record.period_start:%-d %b %Y} to {record.period_end:%-d %b %Y}"

    def render_category(self, value, record):
        return record.get_category_display() if value else missing("all")

    def render_outcome(self, value, record):
        return record.get_outcome_display() if value else missing("all")

    def render_role(self, value, record):
        return record.get_role_display() if value else missing("all")

    def render_count(self, value, record):
        if value is None:
            return missing(record.get_status_display())
        return intcomma(value)

    def render_source(self, value):
        return source_link(value)

    def render_note(self, value):
        return value or missing("–")
