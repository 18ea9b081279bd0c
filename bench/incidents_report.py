"""The report of bench/bench_incidents.py: the Markdown section and the latency chart."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGE = ROOT / "docs" / "img" / "bench-incidents.png"
SECTION = "## Incidents at scale"


# --- report -------------------------------------------------------------------------------


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    load = os.getloadavg()[0]
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB RAM, {platform.platform()}, "
        f"Python {platform.python_version()}, load average {load:.1f} at the end of the run"
    )


def _ms(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds * 1000:,.0f}"


def _cell(result: dict, key: str) -> str:
    status = result.get("status" if key == "ours" else "datasette_status")
    if status and status != 200:
        return f"HTTP {status}"
    return _ms(result.get(key))


def report(results: list[dict], imports: dict | None, image: Path | None) -> str:
    sizes = [r["size"] for r in results]
    lines = [
        SECTION,
        "",
        f"Run by `make bench` (bench/bench_incidents.py) on {dt.date.today().isoformat()}. "
        f"Machine: {machine()}. PostgreSQL 18 (embedded); gunicorn 2 sync workers, "
        "DEBUG off; Datasette on SQLite with an index on every filtered column and FTS5 on "
        "summaries, its time limits raised to 60 s. Synthetic incidents "
        "(`generate_synthetic_incidents N --seed 1`), the same rows in both. One client "
        "(http.client on loopback) alternates our request and Datasette's; each cell is the "
        "median time to the last byte, in ms; ratio = ours / Datasette (below 1: we are faster). "
        "The machine is shared: compare ratios within a run, not absolute times across runs.",
        "",
    ]
    for result in results:
        size = result["size"]
        lines += [
            f"### {size:,} incidents",
            "",
            "| measure | ours (ms) | Datasette (ms) | ratio | our URL | Datasette URL |",
            "|---|---:|---:|---:|---|---|",
        ]
        for name, r in result["pairs"].items():
            ratio = (
                f"{r['ours'] / r['theirs']:.2f}"
                if r.get("ours") and r.get("theirs") and r.get("status") == 200
                else "–"
            )
            lines.append(
                f"| {name} | {_cell(r, 'ours')} | {_cell(r, 'theirs')} | {ratio} "
                f"| `{r['url']}` | `{r.get('datasette_url', '')}` |"
            )
        for name, r in result["pairs"].items():
            if "export" in name and r.get("ours_first_byte") is not None:
                lines.append(
                    f"| {name}: first byte | {_ms(r['ours_first_byte'])} "
                    f"| {_ms(r.get('theirs_first_byte'))} | – | | |"
                )
        page1 = result["pairs"]["page 1 (for the deep pages)"].get("ours")
        for name in ("page 1,000", "last page"):
            r = result["pairs"][name]
            if r.get("ours") and page1 and r.get("status") == 200:
                label = (
                    name
                    if result.get("deep_page", 1000) == 1000 or name == "last page"
                    else (f"page {result['deep_page']:,} (the last)")
                )
                lines.append(f"| {label} / page 1 (ours) | {r['ours'] / page1:.2f}× | | | | |")
        lines.append(
            f"| gunicorn worker peak RSS after the exports | {result['export_worker_peak_mb']:,.0f}"
            " MB | | | | |"
        )
        if xlsx := result.get("xlsx"):
            rows = f"{xlsx['rows']:,}"
            took = _ms(xlsx["seconds"]) if xlsx["status"] == 200 else f"HTTP {xlsx['status']}"
            lines += [
                f"| xlsx export, {rows} rows (one request, ours only) | {took} | | | | |",
                f"| gunicorn worker peak RSS after the xlsx export | "
                f"{xlsx['worker_peak_mb']:,.0f} MB | | | | |",
            ]
        if cold := result.get("cold"):
            lines += [
                f"| first page, unfiltered, facets not cached (one request) "
                f"| {_ms(cold['unfiltered'])} | | | `/incidents/` | |",
                f"| first page, one force, facets not cached (median of {cold['forces']} forces) "
                f"| {_ms(cold['force_median'])} | | | `/incidents/?force=...` | |",
            ]
        for name, r in result["ours_only"].items():
            lines.append(f"| {name} p50 (ours only) | {_cell(r, 'ours')} | | | `{r['url']}` | |")
        lines.append("")
    if imports:
        i = imports
        ratio = i["chunk_into_900k"]["seconds"] / i["chunk_into_empty"]["seconds"]
        lines += [
            "### Imports (`manage.py import_incidents FILE`, one process, one transaction)",
            "",
            "| measure | time (s) | peak RSS of the command (MB) | result |",
            "|---|---:|---:|---|",
            f"| {i['import']['rows']:,}-row CSV into an empty dataset | "
            f"{i['import']['seconds']:.1f} | {i['import']['peak_mb']:.0f} | {i['import']['out']} |",
            f"| the same file again (unchanged) | {i['reimport']['seconds']:.1f} | "
            f"{i['reimport']['peak_mb']:.0f} | {i['reimport']['out']} |",
            f"| 100,000-row chunk into an empty dataset | {i['chunk_into_empty']['seconds']:.1f} | "
            f"{i['chunk_into_empty']['peak_mb']:.0f} | {i['chunk_into_empty']['out']} |",
            f"| 100,000-row chunk into a dataset of 900,000 | "
            f"{i['chunk_into_900k']['seconds']:.1f} | {i['chunk_into_900k']['peak_mb']:.0f} | "
            f"{i['chunk_into_900k']['out']} |",
            f"| chunk into 900k / chunk into empty | {ratio:.2f}× | | |",
            "",
            "Targets (issue 9): 1M rows under 90 s and 600 MB; a chunk into 900k no slower than "
            "1.5× a chunk into an empty dataset. Peak RSS is the command's own process "
            "(Django included), not the database server's.",
            "",
        ]
    if image:
        lines += [
            f"![Median latency against data size]({image.relative_to(ROOT / 'docs')})",
            "",
            f"Sizes measured: {', '.join(f'{s:,}' for s in sizes)}.",
            "",
        ]
    return "\n".join(lines)


def plot(results: list[dict]) -> Path | None:
    if len(results) < 2:
        return None
    import plotly.graph_objects as go

    sizes = [r["size"] for r in results]
    figure = go.Figure()
    names = ["first page, unfiltered", "first page, category", "full-text search", "last page"]
    for name in names:
        for side, label, dash in (("ours", "ours", None), ("theirs", "Datasette", "dot")):
            ys = [r["pairs"][name].get(side) for r in results]
            if all(y is None for y in ys):
                continue
            figure.add_scatter(
                x=sizes,
                y=[y * 1000 if y else None for y in ys],
                name=f"{name} ({label})",
                mode="lines+markers",
                line={"dash": dash},
            )
    figure.update_layout(
        title="Median latency against number of incidents (ours solid, Datasette dotted)",
        xaxis={"type": "log", "title": "incidents"},
        yaxis={"type": "log", "title": "ms (median, to the last byte)"},
        width=1200,
        height=630,
    )
    IMAGE.parent.mkdir(parents=True, exist_ok=True)
    figure.write_image(str(IMAGE), format="png")
    return IMAGE


def write(path: Path, section: str) -> None:
    """Replace this benchmark's section of the file, keeping the other sections."""
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    if SECTION in text:
        before, rest = text.split(SECTION, 1)
        after = re.split(r"\n(?=## )", rest, maxsplit=1)
        text = before + section + ("\n" + after[1] if len(after) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)
