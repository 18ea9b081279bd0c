"""The figures that compare forces fairly: the funnel plot and the tile map (their rows and
statistics: funnel.py, tilemap.py). Drawn with the helpers and rules of builders.py."""

from __future__ import annotations

import plotly.graph_objects as go

from .builders import PALETTE, _base_layout, _hover, esc, missing_label, value_text
from .data import ChartData
from .funnel import funnel_curves
from .tilemap import WITHHELD_COLOUR, tiles


def funnel_figure(data: ChartData) -> go.Figure:
    """Forces as points; the national rate and the two pairs of limits as lines."""
    fig = go.Figure(layout=_base_layout(data, 560))
    curves = funnel_curves(data.rows)
    plotted = [row for row in data.rows if row.get("value") is not None]
    if curves:
        xs = curves["officers"]
        national = plotted[0]["national_rate"]
        fig.add_trace(_line(xs, [national] * len(xs), "National rate", "#1b1f24", "solid"))
        for level, dash, colour in (("95", "dash", PALETTE[0]), ("99.8", "dot", PALETTE[1])):
            name = f"{level}% limits"
            fig.add_trace(_line(xs, curves[f"upper_{level}"], name, colour, dash))
            fig.add_trace(_line(xs, curves[f"lower_{level}"], name, colour, dash, legend=False))
    for name, colour, symbol, inside in (
        ("Force within the limits", PALETTE[0], "circle", True),
        ("Force outside the limits (named)", PALETTE[1], "diamond", False),
    ):
        points = [row for row in plotted if (row["position"] == "within") == inside]
        if not points:
            continue
        fig.add_trace(
            go.Scatter(
                name=name,
                x=[row["officers"] for row in points],
                y=[row["value"] for row in points],
                mode="markers" if inside else "markers+text",
                marker={"size": 10, "color": colour, "symbol": symbol},
                # Forces outside the limits are named on the plot; every force is in the table.
                text=None if inside else [esc(row["force"]) for row in points],
                textposition=[
                    "bottom center" if row["position"].startswith("below") else "top center"
                    for row in points
                ],
                textfont={"size": 11},
                hovertext=[_hover(row, "{:,.1f} per 1,000 officers") for row in points],
                hoverinfo="text",
                cliponaxis=False,
            )
        )
    ticks = [500, 1000, 2000, 3000, 5000, 10000, 20000, 30000]
    fig.update_xaxes(
        title_text="Police officers (full-time equivalent, log scale)",
        type="log",
        tickvals=ticks,
        ticktext=[f"{tick:,}" for tick in ticks],
    )
    fig.update_yaxes(title_text=esc(data.value_label), rangemode="tozero", automargin=True)
    return fig


def _line(xs, ys, name, colour, dash, legend=True) -> go.Scatter:
    return go.Scatter(
        x=xs,
        y=ys,
        name=name,
        mode="lines",
        line={"color": colour, "dash": dash, "width": 1.5},
        hoverinfo="skip",
        showlegend=legend,
        legendgroup=name,
    )


def tilemap_figure(data: ChartData) -> go.Figure:
    """One square per force at its place in the layout (shapes in data units, so they scale
    with the figure); value, withheld and no figure drawn apart, labels and hovers on top."""
    value_format = "{:,.0f}" if data.state.get("metric", "count") == "count" else "{:,.1f}"
    by_force = {row["force_slug"]: row for row in data.rows}
    placed = tiles(data.rows, lambda row: value_text(row, value_format))
    lines = max((t["row"] for t in placed), default=0) + 1
    fig = go.Figure(layout=_base_layout(data, 160 + 46 * lines))
    half = 0.46
    # Set together: plotly validates every shape again on each add_shape (a quarter of a
    # second for the 48 forces, on every uncached home page).
    fig.update_layout(
        shapes=[
            {
                "type": "rect",
                "layer": "below",  # under the labels
                "x0": t["column"] - half,
                "x1": t["column"] + half,
                "y0": t["row"] - half,
                "y1": t["row"] + half,
                "fillcolor": t["colour"],
                "line": {
                    "color": "#6e7781",
                    "dash": "dash" if t["state"] == "no-figure" else "solid",
                    "width": 1,
                },
            }
            for t in placed
        ]
    )
    fig.add_trace(
        go.Scatter(
            x=[t["column"] for t in placed],
            y=[t["row"] for t in placed],
            mode="text",
            text=[f"<b>{esc(t['label'])}</b><br>{esc(_short(t))}" for t in placed],
            textfont={"size": 10, "color": [t["ink"] for t in placed]},
            hovertext=[_tile_hover(t, by_force.get(t["slug"]), value_format) for t in placed],
            hoverinfo="text",
            showlegend=False,
        )
    )
    for name, colour in (
        ("Published figure (darker is higher)", PALETTE[0]),
        ("Not disclosed, refused, not held or no response (n/d)", WITHHELD_COLOUR),
        ("No figure found: dashed outline, not zero", "#ffffff"),
    ):  # legend entries for the three states
        fig.add_trace(
            go.Scatter(
                x=[None], y=[None], name=name, mode="markers",
                marker={"symbol": "square", "size": 14, "color": colour,
                        "line": {"color": "#6e7781", "width": 1}},
            )
        )  # fmt: skip
    fig.update_xaxes(visible=False, range=[-0.6, 6.6], constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", scaleratio=1)
    fig.update_layout(showlegend=True)
    return fig


def _short(tile: dict) -> str:
    return {"value": tile["text"], "withheld": "n/d"}.get(tile["state"], "–")


def _tile_hover(tile: dict, row: dict | None, value_format: str) -> str:
    if row is None:
        return f"<b>{esc(tile['force'])}</b><br>no figure"
    if row["value"] is None:
        return f"<b>{esc(row['force'])}</b><br>{esc(missing_label(row))}"
    return _hover(row, value_format)


COMPARISON_BUILDERS = {"funnel": funnel_figure, "map": tilemap_figure}
