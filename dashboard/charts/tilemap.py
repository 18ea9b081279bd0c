"""The tile map (`chart=map`, and the home page): one equal square per force, placed roughly
where the force is (fixtures/force_tiles.csv, a layout, not data), coloured by the chart's
value. Pure functions of the chart's rows.

Three states are drawn apart and never confused: a value (a published zero is a coloured
tile labelled 0), a figure that was not disclosed (grey, hatched, with the reason), and no
figure at all (white, dashed outline). Forces with no area (British Transport Police, the
Ministry of Defence and Civil Nuclear Constabularies) have no tile; the table lists them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

# Five classes of equal size (quintiles of the values shown), light to dark: ColorBrewer's
# "Blues", readable in greyscale and with the common colour-vision deficiencies.
CLASS_COLOURS = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
DARK_TEXT, LIGHT_TEXT = "#1b1f24", "#ffffff"
WITHHELD_COLOUR = "#c8ccd1"


@dataclass(frozen=True)
class Place:
    slug: str
    label: str
    column: int
    row: int


@cache
def layout(path: Path | None = None) -> dict[str, Place]:
    """Force slug -> its tile's place (read once per process)."""
    path = path or Path(settings.BASE_DIR) / "fixtures" / "force_tiles.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            r["force"]: Place(r["force"], r["label"], int(r["column"]), int(r["row"]))
            for r in csv.DictReader(handle)
        }


def class_bounds(values: list[float]) -> list[float]:
    """Upper bounds of the five classes (quintiles of the values, the last is the maximum)."""
    ordered = sorted(values)
    if not ordered:
        return []
    return [ordered[min(len(ordered) - 1, (len(ordered) * k) // 5)] for k in (1, 2, 3, 4)] + [
        ordered[-1]
    ]


def tile_state(row: dict | None) -> str:
    """value, withheld (not disclosed, refused, no response, not held) or no-figure."""
    if row is None or row["status"] == "no-figure":
        return "no-figure"
    if row["value"] is None:
        return "withheld" if row["count"] is None else "no-figure"
    return "value"


def tiles(rows: list[dict], value_text) -> list[dict]:
    """One tile per force in the layout, in layout order: its place, state, colour, text.

    `value_text(row)` formats a value the way the chart's table does.
    """
    by_force = {row["force_slug"]: row for row in rows if not row.get("series")}
    bounds = class_bounds([r["value"] for r in by_force.values() if r["value"] is not None])
    out = []
    for place in layout().values():
        row = by_force.get(place.slug)
        state = tile_state(row)
        tile = {
            "slug": place.slug,
            "label": place.label,
            "column": place.column,
            "row": place.row,
            "force": row["force"] if row else place.slug,
            "state": state,
            "text": value_text(row) if row else "no figure",
            "colour": "#ffffff",
            "ink": DARK_TEXT,
        }
        if state == "value":
            index = next(i for i, bound in enumerate(bounds) if row["value"] <= bound)
            tile.update(colour=CLASS_COLOURS[index], ink=LIGHT_TEXT if index >= 3 else DARK_TEXT)
        elif state == "withheld":
            tile["colour"] = WITHHELD_COLOUR
        out.append(tile)
    return out


def legend(rows: list[dict], value_format: str) -> list[dict]:
    """The classes with their ranges, as the map's legend and the table's key."""
    values = [r["value"] for r in rows if r["value"] is not None and not r.get("series")]
    bounds = class_bounds(values)
    entries = []
    for colour, high in zip(CLASS_COLOURS, bounds, strict=False):
        if entries and high == entries[-1]["high"]:
            continue  # few values: classes that would repeat a range are left out
        if entries:
            text = f"over {value_format.format(entries[-1]['high'])} to {value_format.format(high)}"
        else:
            text = f"{value_format.format(min(values))} to {value_format.format(high)}"
        entries.append({"colour": colour, "high": high, "text": text})
    return entries


def map_summary(data, value_text) -> str:
    """How many forces have a figure, the highest, and how many did not disclose or have none."""
    value_format = "{:,.0f}" if data.state.get("metric", "count") == "count" else "{:,.1f}"
    shown = [r for r in data.rows if r["value"] is not None]
    withheld = sum(tile_state(r) == "withheld" for r in data.rows)
    none = sum(tile_state(r) == "no-figure" for r in data.rows)
    if not shown:
        sentence = "No force has a published figure for this map"
    else:
        top = max(shown, key=lambda r: r["value"])
        forces = "force has" if len(shown) == 1 else "forces have"
        sentence = (
            f"{len(shown)} {forces} a figure; the highest is {top['force']} "
            f"({value_text(top, value_format)} {data.value_label.lower()})"
        )
    sentence += f"; {withheld} did not disclose" if withheld else ""
    sentence += f"; {none} have no figure found" if none else ""
    return sentence + "."


TILE, GAP = 52, 4


def map_context(rows: list[dict], value_text, value_format: str) -> dict:
    """What the map's templates draw: tiles with their SVG positions, the legend, and every
    row (forces on the map in name order, then those with no area) for the table."""
    placed = tiles(rows, value_text)
    for tile in placed:
        tile["x"], tile["y"] = tile["column"] * (TILE + GAP), tile["row"] * (TILE + GAP)
        tile["cx"] = tile["x"] + TILE // 2
    columns = max((t["column"] for t in placed), default=0) + 1
    lines = max((t["row"] for t in placed), default=0) + 1
    on_map = set(layout())
    table = [
        {**row, "state": tile_state(row), "on_map": row["force_slug"] in on_map,
         "value_text": value_text(row)}
        for row in rows
        if not row.get("series")
    ]  # fmt: skip
    table.sort(key=lambda r: (not r["on_map"], r["force"]))
    return {
        "tiles": placed,
        "legend": legend(rows, value_format),
        "rows": table,
        "width": columns * (TILE + GAP) + 4,
        "height": lines * (TILE + GAP) + 4,
    }
