"""The funnel plot (`chart=funnel`): each force's rate per 1,000 officers against its officer
numbers, with 95% and 99.8% control limits around the national rate (Spiegelhalter 2005;
the limits are computed in breaches/stats.py). Pure functions of the chart's rows; the
figure itself is drawn in builders.py (`funnel_figure`).

Only forces with an exact count and an officer number are plotted: a figure that was not
disclosed, a sum that is only a lower bound ("at least N") and a force without an officer
count are listed apart with the reason, never drawn as zero or as a point.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from breaches.stats import control_limits

if TYPE_CHECKING:
    from .data import ChartData

PER = 1000  # rates per 1,000 officers
# Where a force sits against the limits, from furthest above to furthest below.
POSITIONS = {
    "above-99.8": "above the 99.8% limit",
    "above-95": "above the 95% limit",
    "within": "within the limits",
    "below-95": "below the 95% limit",
    "below-99.8": "below the 99.8% limit",
}
CURVE_POINTS = 80


def excluded_reason(row: dict) -> str | None:
    """Why a row is not plotted, or None when it is."""
    if row["count"] is None:
        return "no figure" if row["status"] == "no-figure" else row["status"].replace("-", " ")
    if row["lower_bound"]:
        return f"only a lower bound (at least {row['count']:,})"
    if not row.get("officers"):
        return "no officer count"
    return None


def add_limits(rows: list[dict]) -> list[dict]:
    """Give each plottable row its rate, expected count, limits and position; the others
    their reason. The national rate is all plotted forces' counts over all their officers."""
    plotted = [row for row in rows if excluded_reason(row) is None]
    officers = sum(row["officers"] for row in plotted)
    national = sum(row["count"] for row in plotted) / officers if officers else None
    for row in rows:
        row["excluded"] = excluded_reason(row)
        row["national_rate"] = round(national * PER, 3) if national is not None else None
        if row["excluded"]:
            row.update(value=None, expected=None, position=None)
            row.update({f"{side}_{level}": None for side, level in _LIMIT_KEYS})
            continue
        limits = control_limits(national, row["officers"])
        row["value"] = round(row["count"] / row["officers"] * PER, 3)
        row["expected"] = round(national * row["officers"], 2)
        for level, (low, high) in limits.items():
            row[f"lower_{level}"] = round(low * PER, 3)
            row[f"upper_{level}"] = round(high * PER, 3)
        row["position"] = position(row["count"] / row["officers"], limits)
    return rows


_LIMIT_KEYS = [(side, level) for level in ("95", "99.8") for side in ("lower", "upper")]


def funnel_row(row: dict) -> dict:
    """A row as the funnel's table reads it (template names cannot contain a dot)."""
    return {
        **row,
        "lower_99_8": row.get("lower_99.8"),
        "upper_99_8": row.get("upper_99.8"),
        "position_text": POSITIONS.get(row.get("position"), ""),
    }


def position(rate: float, limits: dict[str, tuple[float, float]]) -> str:
    """Where a rate sits: outside a limit means beyond it, not on it."""
    for level in ("99.8", "95"):
        low, high = limits[level]
        if rate > high:
            return f"above-{level}"
        if rate < low:
            return f"below-{level}"
    return "within"


def funnel_curves(rows: list[dict]) -> dict:
    """The limits drawn as lines: at CURVE_POINTS officer numbers spread evenly on a log
    scale across the plotted forces."""
    plotted = [row for row in rows if row.get("value") is not None]
    if not plotted:
        return {}
    national = plotted[0]["national_rate"] / PER
    low, high = min(r["officers"] for r in plotted), max(r["officers"] for r in plotted)
    start, stop = math.log(low * 0.8), math.log(high * 1.15)
    xs = [math.exp(start + (stop - start) * i / (CURVE_POINTS - 1)) for i in range(CURVE_POINTS)]
    curves = {"officers": xs}
    for x in xs:
        for level, (lower, upper) in control_limits(national, x).items():
            curves.setdefault(f"lower_{level}", []).append(lower * PER)
            curves.setdefault(f"upper_{level}", []).append(upper * PER)
    return curves


def funnel_summary(data: ChartData) -> str:
    """Names the forces outside the limits; says how many could not be plotted and why."""
    plotted = [row for row in data.rows if row.get("value") is not None]
    if not plotted:
        return "No force has both a published count and an officer number for this chart."
    national = plotted[0]["national_rate"]
    sentence = (
        f"Across the {len(plotted)} force{'s' if len(plotted) != 1 else ''} plotted, the "
        f"national rate is {national:,.1f} per 1,000 officers"
    )
    parts = []
    for code in ("above-99.8", "above-95", "below-95", "below-99.8"):
        names = [row["force"] for row in plotted if row["position"] == code]
        if names:
            parts.append(f"{_names(names)} {'is' if len(names) == 1 else 'are'} {POSITIONS[code]}")
    if parts:
        sentence += "; " + "; ".join(parts)
    else:
        sentence += "; every force is within the 95% limits, as chance alone would allow"
    apart = len(data.rows) - len(plotted)
    if apart:
        forces = "force" if apart == 1 else "forces"
        sentence += f"; {apart} {forces} could not be plotted (listed below)"
    return sentence + "."


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
