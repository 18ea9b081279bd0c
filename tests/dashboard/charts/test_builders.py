"""Chart builders without a database: rows in, plotly figure out."""

import json

from dashboard.charts.builders import (
    BACKGROUND,
    PALETTE,
    build_figure,
    human_date,
    image_figure,
    value_text,
)
from dashboard.charts.data import ChartData
from dashboard.charts.text import pivot, summary

HOSTILE = "<script>alert(1)</script> & <b>Co</b>"


def row(force, value, **extra):
    base = {
        "force": force,
        "force_slug": force.lower().replace(" ", "-"),
        "dataset": "bbw-2016",
        "period_start": "2011-06-01",
        "period_end": "2015-12-31",
        "series": "",
        "series_label": "",
        "value": value,
        "count": value,
        "status": "disclosed" if value is not None else "not-disclosed",
        "summed": False,
        "lower_bound": False,
        "rate_per_1000": None,
        "annualised": None,
        "workforce_as_of": None,
        "restated": False,
        "notes": [],
        "source_title": "A source",
        "source_publisher": "",
        "source_url": "",
    }
    return {**base, **extra}


def chart(kind, rows, **extra):
    fields = {
        "state": {"v": "1", "chart": kind, "dataset": "bbw-2016"},
        "chart": kind,
        "title": "Safe in Police Hands?: breaches per force",
        "subtitle": "1 Jun 2011 to 31 Dec 2015",
        "value_label": "Breaches",
        "caveat": "Forces answered in different ways.",
        "rows": rows,
        "datasets": [{"slug": "bbw-2016", "title": "Safe", "publisher": "Big Brother Watch"}],
        "sources": [],
    }
    return ChartData(**{**fields, **extra})


def league():
    return chart(
        "league",
        [
            row("West Midlands Police", 488),
            row("Humberside Police", 5, summed=True, lower_bound=True),
            row("Dyfed-Powys Police", 0),
            row("Northumbria Police", None),
            row("Kent Police", None, status="no-figure", period_start=None, period_end=None),
        ],
    )


def test_league_bars_keep_zero_and_missing_apart():
    fig = build_figure(league())
    bars, missing = fig.data
    assert bars.type == "bar"
    assert list(bars.y) == ["West Midlands Police", "Humberside Police", "Dyfed-Powys Police"]
    assert list(bars.x) == [488, 5, 0]
    # A published zero is a labelled bar of zero; a lower bound is hatched and says "≥".
    assert list(bars.text) == ["488", "≥ 5", "0"]
    assert list(bars.marker.pattern.shape) == ["", "/", ""]
    # Not disclosed and no figure are open markers with their reason, not bars.
    assert missing.type == "scatter"
    assert list(missing.y) == ["Northumbria Police", "Kent Police"]
    assert list(missing.text) == ["not disclosed", "no figure"]
    assert missing.marker.symbol == "circle-open"


def test_league_axes_titles_and_order():
    fig = build_figure(league())
    assert fig.layout.xaxis.title.text == "Breaches"
    assert fig.layout.yaxis.type == "category"
    assert fig.layout.yaxis.autorange == "reversed"
    assert fig.layout.title.text.startswith("Safe in Police Hands?: breaches per force")


def test_hostile_text_is_escaped_everywhere_plotly_renders_it():
    data = chart(
        "league",
        [
            row(HOSTILE, 3, notes=[f"note {HOSTILE}"], source_title=HOSTILE),
            row(HOSTILE + "x", None),
        ],
        title=f"Title {HOSTILE}",
        subtitle=HOSTILE,
        caveat=HOSTILE,
    )
    for fig in (build_figure(data), image_figure(data, pinned_on="1 May 2026")):
        text = json.dumps(fig.to_plotly_json())
        assert "<script>" not in text
        assert "<b>Co</b>" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;Co&lt;/b&gt;" in text


def trend_rows():
    common = {"series": "vpn", "series_label": "VPNOverview 2021", "dataset": "vpn"}
    return [
        row("Sussex Police", 334.0, period_start="2020-01-01", period_end="2020-12-31", **common),
        row("Sussex Police", 186.0, period_start="2021-01-01", period_end="2021-04-30", **common),
        row(
            "Sussex Police",
            13.8,
            period_start="2011-06-01",
            period_end="2015-12-31",
            series="bbw-2016",
            series_label="Big Brother Watch 2016",
        ),
        row(
            "Northumbria Police",
            None,
            period_start="2011-06-01",
            period_end="2015-12-31",
            series="bbw-2016",
            series_label="Big Brother Watch 2016",
        ),
    ]


def test_trend_draws_each_figure_across_its_period_with_gaps_between():
    fig = build_figure(chart("trend", trend_rows(), value_label="Per year (annualised)"))
    by_name = {trace.name: trace for trace in fig.data}
    vpn = by_name["Sussex Police · VPNOverview 2021"]
    assert list(vpn.x) == ["2020-01-01", "2020-12-31", None, "2021-01-01", "2021-04-30", None]
    assert list(vpn.y) == [334.0, 334.0, None, 186.0, 186.0, None]
    assert vpn.connectgaps is False
    # Each dataset is its own series, drawn with its own dash.
    bbw = by_name["Sussex Police · Big Brother Watch 2016"]
    assert bbw.line.dash != vpn.line.dash
    assert bbw.line.color == vpn.line.color
    # Years on the axis: one tick a year, formatted as a year (never "2,022.5").
    assert fig.layout.xaxis.type == "date"
    assert fig.layout.xaxis.dtick == "M12"
    assert fig.layout.xaxis.tickformat == "%Y"
    assert fig.layout.yaxis.title.text == "Per year (annualised)"


def _relative_luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""
    high, low = sorted((_relative_luminance(a), _relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_series_colour_has_3_to_1_contrast_on_the_background():
    assert contrast("#E69F00", "#ffffff") < 3  # the orange the palette used to have fails
    for colour in PALETTE:
        assert contrast(colour, BACKGROUND) >= 3, colour


def test_every_colour_drawn_in_a_trend_is_from_the_palette():
    rows = [
        row(f"Force {n}", 10.0 + n, dataset=f"d{n % 2}", series=f"d{n % 2}", series_label=f"D{n}")
        for n in range(len(PALETTE) + 2)
    ]
    fig = build_figure(chart("trend", rows))
    assert {trace.line.color for trace in fig.data} <= set(PALETTE)


def test_trend_series_differ_by_symbol_and_dash_not_only_by_colour():
    data = chart("trend", trend_rows(), value_label="Per year (annualised)")
    rows = data.rows + [
        {**r, "force": "Kent Police", "force_slug": "kent-police"} for r in trend_rows()[:2]
    ]
    fig = build_figure(chart("trend", rows))
    by_name = {trace.name: trace for trace in fig.data}
    sussex = by_name["Sussex Police · VPNOverview 2021"]
    kent = by_name["Kent Police · VPNOverview 2021"]
    assert set(sussex.marker.symbol) != set(kent.marker.symbol)
    assert by_name["Sussex Police · Big Brother Watch 2016"].line.dash != sussex.line.dash


def test_each_trend_line_is_labelled_at_its_end():
    fig = build_figure(chart("trend", trend_rows()))
    (label,) = [a for a in fig.layout.annotations if a.name == "line-end"]
    # Sussex's latest figure ends on 30 April 2021; Northumbria has nothing drawn to label.
    assert (label.text, label.x, label.y) == ("Sussex Police", "2021-04-30", 186.0)
    assert label.font.color == fig.data[0].line.color
    image = image_figure(chart("trend", trend_rows()), pinned_on="1 May 2026")
    assert not [a for a in image.layout.annotations if a.name == "line-end"]  # legend instead


def test_trend_withheld_figure_is_a_labelled_band_not_a_zero():
    fig = build_figure(chart("trend", trend_rows()))
    assert all(0 not in (trace.y or ()) for trace in fig.data)
    (band,) = fig.layout.shapes
    assert (band.x0, band.x1) == ("2011-06-01", "2015-12-31")
    assert "Northumbria Police: not disclosed" in [a.text for a in fig.layout.annotations]


def outcome_rows():
    def part(force, code, label, value, count, **extra):
        return row(force, value, series=code, series_label=label, count=count, total=202, **extra)

    return [
        part("Surrey Police", "no-formal-action", "No formal action", 52.0, 105),
        part(
            "Surrey Police",
            "criminal-sanction",
            "Criminal sanction",
            None,
            None,
            status="no-figure",
        ),
        part(
            "Humberside Police",
            "no-formal-action",
            "No formal action",
            None,
            None,
            status="no-figure",
        ),
        part("Humberside Police", "criminal-sanction", "Criminal sanction", 0.0, 0),
    ]


def test_outcomes_are_grouped_per_force_never_stacked():
    fig = build_figure(chart("outcomes", outcome_rows(), value_label="Share (%)"))
    bars = [trace for trace in fig.data if trace.type == "bar"]
    assert fig.layout.barmode in (None, "group")
    assert [bar.name for bar in bars] == ["No formal action", "Criminal sanction"]
    # Two-level axis: every (force, outcome) has its own row.
    assert [list(level) for level in bars[1].y] == [["Humberside Police"], ["Criminal sanction"]]
    assert list(bars[1].text) == ["0.0%"]
    missing = fig.data[-1]
    assert list(missing.text) == ["no figure", "no figure"]
    assert fig.layout.xaxis.ticksuffix == "%"


def test_a_share_axis_runs_from_0_to_100_percent_whatever_the_largest_share():
    small = [
        {**r, "value": 3.0, "lower_bound": True, "summed": True}
        for r in outcome_rows()
        if r["value"] is not None
    ]
    fig = build_figure(chart("outcomes", small, value_label="Share (%)"))
    assert list(fig.layout.xaxis.range) == [0, 100]
    assert fig.layout.xaxis.autorange is False


def test_dates_read_as_a_person_reads_them():
    assert human_date("2011-06-01") == "1 Jun 2011"
    assert human_date("2015-12-31") == "31 Dec 2015"
    assert human_date(None) == ""
    hover = build_figure(league()).data[0].hovertext[0]
    assert "1 Jun 2011 to 31 Dec 2015" in hover
    assert "2011-06-01" not in hover


def test_categories_builder_uses_the_same_grouped_bars():
    rows = [
        row("Durham", 5, series="unauthorised-access", series_label="Unauthorised access"),
        row("Durham", 2, series="pnc-misuse", series_label="PNC misuse"),
    ]
    fig = build_figure(chart("categories", rows))
    assert [t.name for t in fig.data if t.type == "bar"] == ["Unauthorised access", "PNC misuse"]
    assert fig.layout.barmode != "stack"


def test_summary_is_one_sentence_from_the_rows():
    text = summary(league())
    assert text.startswith("West Midlands Police had the highest figure (488 breaches)")
    assert "of the 3 forces with a published figure" in text
    assert text.endswith("; 2 forces have no figure to show.")
    assert text.count(".") == 1
    assert summary(chart("league", [])) == "No published figures match this chart."


def test_summary_names_a_single_missing_force_and_why():
    rows = [row("West Midlands Police", 488), row("Northumbria Police", None)]
    assert summary(chart("league", rows)).endswith("; Northumbria Police: not disclosed.")


def test_summary_of_outcomes_names_the_share():
    text = summary(chart("outcomes", outcome_rows()))
    assert "no formal action at Surrey Police (52.0% of its 202 total)" in text


def test_value_text_never_blank_never_zero_for_missing():
    assert value_text(row("A", None)) == "not disclosed"
    assert value_text(row("A", None, status="refused")) == "refused"
    assert value_text(row("A", None, status="disclosed", count=3)) == "no workforce figure"
    assert value_text(row("A", 0)) == "0"


def test_pivot_lists_every_series_for_every_force():
    table = pivot(chart("outcomes", outcome_rows()), "{:,.1f}%")
    assert table["series"] == ["No formal action", "Criminal sanction"]
    humberside = table["lines"][1]
    assert [cell["value_text"] for cell in humberside["cells"]] == ["no figure", "0.0%"]


def test_image_is_1200_by_630_with_the_caveat_and_source():
    fig = image_figure(league(), pinned_on="1 May 2026")
    assert (fig.layout.width, fig.layout.height) == (1200, 630)
    footer = fig.layout.annotations[-1].text
    assert "Forces answered in different ways." in footer
    assert "Big Brother Watch · data as published on 1 May 2026" in footer


def test_image_keeps_whole_forces_when_it_must_cut_rows():
    rows = [r for r in outcome_rows() for _ in range(4)]
    fig = image_figure(chart("outcomes", rows), pinned_on="1 May 2026", max_rows=8)
    assert "first 1 force shown" in fig.layout.title.text
