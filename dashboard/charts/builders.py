"""Chart builders: pure functions from a chart's rows (`ChartData`) to a plotly figure.

No database here: the same rows draw the live chart, a pinned chart's frozen copy and its
og:image. Rules every builder keeps:
- a figure that was not disclosed, or not published at all, is drawn as a labelled open
  marker at the axis, never as a bar of zero; a published zero is a bar labelled "0";
- a sum of parts that is only a lower bound is hatched and labelled "≥ N";
- text that came from an upload (force names, titles, notes) is escaped, because plotly
  reads `<b>`, `<a>` and `<br>` in titles, ticks, hovers and annotations;
- colours are Okabe-Ito hues, darkened where needed to reach 3:1 on white, and never the
  only cue: trend series differ by marker symbol and dash too, and each line is labelled at
  its end; bars are labelled on their own axis rows.
"""

from __future__ import annotations

import datetime as dt
import html

import plotly.graph_objects as go

from breaches.vocabularies import RETURN_STATUSES

from .data import ChartData

BACKGROUND = "#ffffff"
# Okabe & Ito (2008), "Color Universal Design", with orange (#E69F00) and sky blue (#56B4E9)
# darkened and yellow dropped: each colour is at least 3:1 against BACKGROUND (WCAG 1.4.11),
# which tests/dashboard/charts/test_builders.py computes.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#6A3D9A", "#A36A00", "#CC79A7", "#000000", "#882255")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross", "x", "star", "pentagon")
DASHES = ("solid", "dot", "dash", "longdash", "dashdot", "longdashdot")
MISSING_COLOUR = "#6e7781"
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif"
ROW_HEIGHT = 28


def esc(text) -> str:
    """Escape text for plotly's HTML-like labels (`<`, `>`, `&`)."""
    return html.escape(str(text), quote=False)


def missing_label(row: dict) -> str:
    """Why a row has no value: never blank, never zero."""
    if row["status"] == "no-figure":
        return "no figure"
    if row["status"] == "disclosed":
        return "no workforce figure" if row["count"] is not None else "no figure"
    return RETURN_STATUSES.label(row["status"]).lower()


def value_text(row: dict, value_format: str = "{:,.0f}") -> str:
    """The value as a reader sees it: "≥ 5" for a lower bound, the reason when missing."""
    if row["value"] is None:
        return missing_label(row)
    text = value_format.format(row["value"])
    return f"≥ {text}" if row["lower_bound"] else text


def human_date(value) -> str:
    """ "1 Jun 2011": how a person reads a date (rows keep ISO dates for machines)."""
    if not value:
        return ""
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return f"{day.day} {day:%b %Y}"


def _hover(row: dict, value_format: str) -> str:
    lines = [f"<b>{esc(row['force'])}</b>"]
    if row["series_label"]:
        lines.append(esc(row["series_label"]))
    lines.append(esc(value_text(row, value_format)))
    if row["count"] is not None and row["value"] != row["count"]:
        lines.append(f"count: {row['count']:,}")
    if row["period_start"]:
        lines.append(f"{human_date(row['period_start'])} to {human_date(row['period_end'])}")
    if row["summed"]:
        lines.append(
            "summed from published parts" + (" (incomplete)" if row["lower_bound"] else "")
        )
    if row.get("counted_from") is not None:
        records = "record" if row["counted_from"] == 1 else "records"
        lines.append(f"counted from {row['counted_from']:,} incident {records}")
    if row.get("count_mismatch"):
        held = row["incidents_counted"]
        lines.append(f"! {held:,} incident records held do not match the published figure")
    lines += [f"! {esc(note)}" for note in row["notes"]]
    if row.get("source_title"):
        lines.append(f"Source: {esc(row['source_title'])}")
    return "<br>".join(_wrap(line) for line in lines)


def _wrap(line: str, width: int = 60) -> str:
    """Break long hover lines on spaces (plotly does not wrap)."""
    words, out, current = line.split(" "), [], ""
    for word in words:
        if current and len(current) + len(word) > width:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    out.append(current)
    return "<br>".join(out)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _base_layout(data: ChartData, height: int) -> dict:
    return {
        "title": {
            "text": f"{esc(data.title)}<br><sup>{esc(data.subtitle)}</sup>",
            "x": 0,
            "xanchor": "left",
            "font": {"size": 17},
        },
        "font": {"family": FONT, "size": 13, "color": "#1b1f24"},
        "paper_bgcolor": BACKGROUND,
        "plot_bgcolor": BACKGROUND,
        "height": height,
        "margin": {"l": 10, "r": 20, "t": 100, "b": 50},
        "hoverlabel": {"align": "left"},
        # Above the plot: a legend under it can overflow the figure's box.
        "legend": {"orientation": "h", "y": 1.0, "x": 0, "yanchor": "bottom"},
        "colorway": list(PALETTE),
    }


def _missing_trace(rows: list[dict], y=None) -> go.Scatter:
    """Open grey markers at zero, labelled with the reason: visibly not a bar of zero."""
    return go.Scatter(
        name="Not disclosed / no figure",
        x=[0] * len(rows),
        y=y if y is not None else [esc(row["force"]) for row in rows],
        mode="markers+text",
        marker={"symbol": "circle-open", "size": 10, "color": MISSING_COLOUR, "line": {"width": 2}},
        text=[esc(missing_label(row)) for row in rows],
        textposition="middle right",
        textfont={"color": MISSING_COLOUR, "size": 12},
        hovertext=[_hover(row, "{:,.1f}") for row in rows],
        hoverinfo="text",
        cliponaxis=False,
    )


def _bar_trace(rows, name, colour, value_format, y=None) -> go.Bar:
    return go.Bar(
        name=name,
        orientation="h",
        x=[row["value"] for row in rows],
        y=y if y is not None else [esc(row["force"]) for row in rows],
        marker={
            "color": colour,
            # Hatching marks a lower bound ("at least"), a sum of an incomplete breakdown.
            "pattern": {"shape": ["/" if row["lower_bound"] else "" for row in rows]},
        },
        text=[esc(value_text(row, value_format)) for row in rows],
        textposition="outside",
        textfont={"size": 12},
        constraintext="none",
        cliponaxis=False,
        hovertext=[_hover(row, value_format) for row in rows],
        hoverinfo="text",
    )


def league_figure(data: ChartData) -> go.Figure:
    """Horizontal bars, one per force, largest at the top; missing values as open markers."""
    rows = data.rows
    value_format = "{:,.0f}" if data.state.get("metric", "count") == "count" else "{:,.1f}"
    shown = [row for row in rows if row["value"] is not None]
    missing = [row for row in rows if row["value"] is None]
    fig = go.Figure(layout=_base_layout(data, 130 + ROW_HEIGHT * max(len(rows), 3)))
    fig.add_trace(_bar_trace(shown, esc(data.value_label), PALETTE[0], value_format))
    if missing:
        fig.add_trace(_missing_trace(missing))
    fig.update_layout(showlegend=bool(missing) or any(r["lower_bound"] for r in shown))
    fig.update_yaxes(
        type="category",
        categoryorder="array",
        categoryarray=[esc(row["force"]) for row in rows],
        autorange="reversed",
        automargin=True,
    )
    fig.update_xaxes(title_text=esc(data.value_label), rangemode="tozero", automargin=True)
    return fig


def breakdown_figure(data: ChartData) -> go.Figure:
    """Outcomes or categories: one bar per (force, series), grouped by force, never stacked.

    A two-level axis (force, then series) gives every part its own row, so a part that was
    not published is a labelled row of its own instead of a gap between bars.
    """
    rows = [{**row, "series_label": row["series_label"] or "any"} for row in data.rows]
    percent = data.chart == "outcomes"
    value_format = "{:,.1f}%" if percent else "{:,.0f}"
    series = list(dict.fromkeys((row["series"], row["series_label"]) for row in rows))
    fig = go.Figure(layout=_base_layout(data, 130 + 24 * max(len(rows), 3)))

    def axis(subset):
        return [[esc(r["force"]) for r in subset], [esc(r["series_label"]) for r in subset]]

    # An invisible first trace fixes the order of the rows: forces as listed, series in order.
    fig.add_trace(
        go.Scatter(x=[None] * len(rows), y=axis(rows), showlegend=False, hoverinfo="skip")
    )
    for index, (code, label) in enumerate(series):
        shown = [r for r in rows if r["series"] == code and r["value"] is not None]
        if shown:
            fig.add_trace(
                _bar_trace(
                    shown, esc(label), PALETTE[index % len(PALETTE)], value_format, y=axis(shown)
                )
            )
    missing = [r for r in rows if r["value"] is None]
    if missing:
        fig.add_trace(_missing_trace(missing, y=axis(missing)))
    fig.update_layout(bargap=0.2, showlegend=True)
    fig.update_yaxes(autorange="reversed", automargin=True, tickfont={"size": 12})
    fig.update_xaxes(title_text=esc(data.value_label), rangemode="tozero", automargin=True)
    if percent:
        # A share axis always runs 0-100%: fitted to the data, a "≥ 3%" lower bound filled
        # the whole width and read as most of the total.
        fig.update_xaxes(ticksuffix="%", range=[0, 100], autorange=False)
    return fig


def trend_figure(data: ChartData) -> go.Figure:
    """Each figure's annualised rate drawn across its period: a step per figure, a gap between.

    Colour and marker symbol are the force, dash is the dataset: a dataset's series never
    joins another's. Each force's line is labelled at its right-hand end, so no one needs to
    match colours against the legend.
    """
    rows = [r for r in data.rows if r["period_start"]]
    forces = list(dict.fromkeys(r["force"] for r in data.rows))
    datasets = list(dict.fromkeys(r["dataset"] for r in rows))
    fig = go.Figure(layout=_base_layout(data, 480))
    for f_index, force in enumerate(forces):
        for d_index, dataset in enumerate(datasets):
            series = [
                r
                for r in rows
                if r["force"] == force and r["dataset"] == dataset and r["value"] is not None
            ]
            if series:
                fig.add_trace(_trend_trace(force, series, f_index, d_index))
        _label_line_end(fig, force, [r for r in rows if r["force"] == force], f_index)
    for row in rows:
        if row["value"] is None:
            # Withheld: a grey band over the period, labelled; nothing is drawn at zero.
            fig.add_vrect(
                x0=row["period_start"],
                x1=row["period_end"],
                fillcolor=MISSING_COLOUR,
                opacity=0.12,
                line_width=0,
                annotation_text=esc(f"{row['force']}: {missing_label(row)}"),
                annotation_position="top left",
                annotation_font={"size": 11, "color": MISSING_COLOUR},
            )
    fig.update_layout(
        height=480 + 22 * len(fig.data),
        margin={"t": 100 + 22 * len(fig.data), "r": END_LABEL_MARGIN},
    )
    fig.update_xaxes(
        type="date", dtick="M12", tickformat="%Y", automargin=True, range=_date_range(rows)
    )
    fig.update_yaxes(title_text=esc(data.value_label), rangemode="tozero", automargin=True)
    return fig


def _date_range(rows: list[dict]) -> list[str] | None:
    """The periods drawn, and a month either side: autorange made room for the line-end labels
    in data, several empty years wide."""
    if not rows:
        return None
    first = dt.date.fromisoformat(min(r["period_start"] for r in rows)) - dt.timedelta(days=31)
    last = dt.date.fromisoformat(max(r["period_end"] for r in rows)) + dt.timedelta(days=31)
    return [first.isoformat(), last.isoformat()]


END_LABEL_MARGIN = 175  # room right of the plot for the line-end labels
END_LABEL_WIDTH = 22  # characters


def _trend_trace(force: str, series: list[dict], f_index: int, d_index: int) -> go.Scatter:
    x, y, hover = [], [], []
    for row in series:
        # None between figures: a gap where nothing was published, not a joining line.
        x += [row["period_start"], row["period_end"], None]
        y += [row["value"], row["value"], None]
        hover += [_hover(row, "{:,.1f} a year")] * 2 + [None]
    symbol = SYMBOLS[f_index % len(SYMBOLS)]
    return go.Scatter(
        name=esc(_shorten(f"{force} · {series[0]['series_label']}", 52)),
        legendgroup=esc(force),
        x=x,
        y=y,
        mode="lines+markers",
        connectgaps=False,
        line={
            "color": PALETTE[f_index % len(PALETTE)],
            "dash": DASHES[d_index % len(DASHES)],
            "width": 3,
        },
        marker={
            "size": 9,
            # An open marker is a lower bound ("at least").
            "symbol": [
                f"{symbol}-open" if r["lower_bound"] else symbol for r in series for _ in "xyz"
            ],
        },
        hovertext=hover,
        hoverinfo="text",
    )


def _label_line_end(fig: go.Figure, force: str, rows: list[dict], f_index: int) -> None:
    """The force's name beside its latest published point, in its colour."""
    shown = [r for r in rows if r["value"] is not None]
    if not shown:
        return
    last = max(shown, key=lambda r: r["period_end"])
    fig.add_annotation(
        x=last["period_end"],
        y=last["value"],
        text=esc(_shorten(force, END_LABEL_WIDTH)),
        showarrow=False,
        xanchor="left",
        xshift=8,
        font={"color": PALETTE[f_index % len(PALETTE)], "size": 12},
        name="line-end",
    )


BUILDERS = {
    "league": league_figure,
    "trend": trend_figure,
    "outcomes": breakdown_figure,
    "categories": breakdown_figure,
}


def build_figure(data: ChartData) -> go.Figure:
    """The figure for any chart."""
    builder = BUILDERS.get(data.chart)
    if builder is None:
        # The funnel plot and the tile map draw with this module's helpers: imported here,
        # where this module is complete, so the two modules need not import each other first.
        from .comparison import COMPARISON_BUILDERS

        builder = COMPARISON_BUILDERS[data.chart]
    return builder(data)


def image_figure(data: ChartData, *, pinned_on: str, max_rows: int = 14) -> go.Figure:
    """The 1200x630 social preview: the chart (top rows only), its caveat and its source line."""
    rows = _first_rows(data, max_rows)
    if len(rows) < len(data.rows):
        data = ChartData.from_json({**data.as_json(), "rows": rows})
        shown = len({r["force"] for r in rows})
        data.subtitle = f"{data.subtitle} · first {shown} force{'s' if shown != 1 else ''} shown"
    fig = build_figure(data)
    caveat = data.caveat if len(data.caveat) < 220 else data.caveat[:217].rsplit(" ", 1)[0] + "…"
    publishers = ", ".join(dict.fromkeys(d["publisher"] for d in data.datasets))
    fig.update_layout(
        width=1200,
        height=630,
        showlegend=data.chart != "league",
        margin={"l": 24, "r": 40 if data.chart == "league" else 330, "t": 90, "b": 120},
        title={
            "x": 0.02,
            "xref": "container",
            "y": 0.96,
            "yref": "container",
            "yanchor": "top",
            "font": {"size": 24},
        },
        legend={
            "y": 1.0,
            "x": 1.02,
            "xanchor": "left",
            "yanchor": "top",
            "orientation": "v",
            "font": {"size": 12},
        },
    )
    if data.chart == "trend":
        fig.update_xaxes(dtick="M24")
        # The image has a legend on the right, where the line-end labels would sit under it.
        fig.layout.annotations = [a for a in fig.layout.annotations if a.name != "line-end"]
    fig.add_annotation(
        text=(
            f"<i>{_wrap(esc(caveat), 120)}</i><br>"
            f"Source: {esc(publishers)} · data as published on {esc(pinned_on)}"
        ),
        xref="paper",
        yref="paper",
        x=0,
        y=-0.12,
        yanchor="top",
        xanchor="left",
        showarrow=False,
        align="left",
        font={"size": 13, "color": "#57606a"},
    )
    return fig


def _first_rows(data: ChartData, max_rows: int) -> list[dict]:
    """Whole forces, in order, up to `max_rows` rows (at least one force)."""
    # A trend, a funnel and a map are whole or misleading: never cut to the first forces.
    if data.chart in ("trend", "funnel", "map") or len(data.rows) <= max_rows:
        return data.rows
    forces = list(dict.fromkeys(r["force"] for r in data.rows))
    kept: list[dict] = []
    for force in forces:
        rows = [r for r in data.rows if r["force"] == force]
        if kept and len(kept) + len(rows) > max_rows:
            break
        kept += rows
    return kept
