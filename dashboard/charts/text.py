"""The words under a chart: a one-sentence summary and a table, generated from its rows."""

from __future__ import annotations

from django.utils.text import slugify

from .builders import missing_label, value_text
from .data import ChartData
from .funnel import funnel_summary
from .tilemap import map_summary


def pivot(data: ChartData, value_format: str) -> dict:
    """Breakdown rows as a table: one line per force, one column per series."""
    series = list(dict.fromkeys((r["series"], r["series_label"]) for r in data.rows if r["series"]))
    lines: dict[str, dict] = {}
    for row in data.rows:
        line = lines.setdefault(row["force"], {"force": row["force"], "cells": {}, "notes": []})
        line["cells"][row["series"]] = row
        line["notes"] += [note for note in row["notes"] if note not in line["notes"]]
        line.setdefault("total", row.get("total"))
        line.setdefault("total_lower_bound", row.get("total_lower_bound"))
        line.setdefault("period", (row["period_start"], row["period_end"]))
    for line in lines.values():
        line["cells"] = [
            {**line["cells"][code], "value_text": value_text(line["cells"][code], value_format)}
            if code in line["cells"]
            else None
            for code, _label in series
        ]
    return {"series": [label for _code, label in series], "lines": list(lines.values())}


def _years(row: dict) -> str:
    start, end = row["period_start"][:4], row["period_end"][:4]
    return start if start == end else f"{start}–{end}"


def summary(data: ChartData) -> str:
    """One sentence that says what the chart shows, generated from its rows."""
    if data.chart == "funnel":
        return funnel_summary(data)
    if data.chart == "map":
        return map_summary(data, value_text)
    shown = [r for r in data.rows if r["value"] is not None]
    missing = {r["force"]: r for r in data.rows if r["value"] is None and not r["series"]}
    if not shown:
        if data.state.get("by"):  # a count of incident records per month or year
            return "No dated incident records match this chart."
        return "No published figures match this chart."
    top = max(shown, key=lambda r: r["value"])
    value_format = "{:,.1f}" if data.chart != "league" or top["value"] % 1 else "{:,.0f}"
    value = value_text(top, "{:,.1f}%" if data.chart == "outcomes" else value_format)
    forces = len({r["force"] for r in shown})
    if data.chart == "league":
        sentence = (
            f"{top['force']} had the highest figure ({value} {data.value_label.lower()}) "
            f"of the {forces} force{'s' if forces != 1 else ''} with a published figure"
        )
    elif data.chart == "trend":
        # No "highest" here: datasets counted differently, so levels are not compared across
        # them (docs/design.md section 2); the sentence says what is drawn instead.
        datasets = len({r["series"] for r in shown})
        sentence = (
            f"{len(shown)} published figure{'s' if len(shown) != 1 else ''} for "
            f"{forces} force{'s' if forces != 1 else ''} from {datasets} "
            f"dataset{'s' if datasets != 1 else ''}, each dataset a separate series, "
            f"from {min(r['period_start'] for r in shown)[:4]} to "
            f"{max(r['period_end'] for r in shown)[:4]}"
        )
    elif data.chart == "outcomes":
        sentence = (
            f"Of {forces} force{'s' if forces != 1 else ''} with an outcome breakdown, the largest "
            f"share was {top['series_label'].lower()} at {top['force']} ({value} of its "
            f"{top.get('total') or 'unpublished'} total)"
        )
    else:
        sentence = (
            f"Of {forces} force{'s' if forces != 1 else ''} with a category breakdown, the largest "
            f"count was {top['series_label'].lower()} at {top['force']} ({value})"
        )
    if len(missing) == 1:
        ((force, row),) = missing.items()
        sentence += f"; {force}: {missing_label(row)}"
    elif missing:
        sentence += f"; {len(missing)} forces have no figure to show"
    return sentence + "."


def download_name(state: dict, pin_id: str = "") -> str:
    """trend-bbw-2016-forces-kent-surrey-from-2012: a saved file says which chart it holds.

    From a canonical state (ChartState.as_dict()): the chart and dataset, then every other
    parameter with its value; a pinned
    chart's files end with its id. Capped, since twelve forces make a long name.
    """
    state = {name: value for name, value in state.items() if name != "v"}
    parts = [state.pop("chart", "chart"), state.pop("dataset", "") or "all-datasets"]
    parts += [f"{name}-{value.replace('~', '-')}" for name, value in state.items()]
    name = slugify("-".join(parts))[:150].strip("-")
    return f"{name}-{pin_id}" if pin_id else name
