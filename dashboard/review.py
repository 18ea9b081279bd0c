"""The data team's review notes in fixtures/review/, for the about page's known gaps.

These are editorial files, not figures: published numbers that were read but could not be
coded (not_coded.csv, each with its reason and source), where sources disagree
(conflicts.md), and workforce cells left out (workforce-skipped.csv). They are read as text
and rendered by templates that escape every value; the Markdown reader below knows only the
few constructs conflicts.md uses (headings, paragraphs, nested lists, **bold**, `code`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

REVIEW_DIR = Path(settings.BASE_DIR) / "fixtures" / "review"


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig") if path.exists() else ""


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


def _web_link(url: str) -> str:
    """The URL if it is an http(s) address; '' otherwise (never a javascript: link)."""
    return url if re.match(r"https?://", url.strip(), re.IGNORECASE) else ""


def _host(url: str) -> str:
    """'https://www.example.co.uk/x' -> 'example.co.uk': a link text that says where it goes."""
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


# --- numbers read but not coded ----------------------------------------------------------


@dataclass
class ReasonGroup:
    reason: str
    slug: str
    rows: list[dict] = field(default_factory=list)


def not_coded(path: Path | None = None, known_datasets: frozenset[str] = frozenset()):
    """not_coded.csv grouped by `reason_group`, largest group first.

    Each row keeps the file's columns plus `period_start`/`period_end` as dates (None when
    blank), `url` (the source URL when it is a web address), `host` (its site, the link's
    text) and `dataset_known` (whether the dataset is loaded, so the page can link to it).
    """
    text = _read(path or REVIEW_DIR / "not_coded.csv")
    groups: dict[str, ReasonGroup] = {}
    for row in csv.DictReader(io.StringIO(text)):
        row = {key: (value or "").strip() for key, value in row.items()}
        reason = row.get("reason_group") or "other"
        group = groups.setdefault(reason, ReasonGroup(reason, "gap-" + _slug(reason)))
        group.rows.append({
            **row,
            "period_start": _date(row.get("period_start", "")),
            "period_end": _date(row.get("period_end", "")),
            "url": _web_link(row.get("source_url", "")),
            "host": _host(_web_link(row.get("source_url", ""))),
            "dataset_known": row.get("dataset", "") in known_datasets,
        })  # fmt: skip
    return sorted(groups.values(), key=lambda g: (-len(g.rows), g.reason))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def workforce_skipped(path: Path | None = None) -> list[tuple[str, int]]:
    """(reason, number of cells) for the workforce cells left out, most common first."""
    text = _read(path or REVIEW_DIR / "workforce-skipped.csv")
    reasons = Counter(row.get("reason", "") for row in csv.DictReader(io.StringIO(text)))
    return reasons.most_common()


# --- conflicts.md: a small Markdown reader -------------------------------------------------


@dataclass
class Block:
    """A heading, a paragraph or a list; `spans` are (kind, text) with kind text/strong/code,
    `items` a list's items, each a list of blocks."""

    kind: str  # "heading", "paragraph", "list"
    level: int = 0  # heading level
    spans: list[tuple[str, str]] = field(default_factory=list)
    ordered: bool = False
    start: int = 1
    items: list[list[Block]] = field(default_factory=list)


INLINE = re.compile(r"\*\*(.+?)\*\*|`([^`]+)`")
MARKER = re.compile(r"^( *)(\d+\.|[-*]) +")


def spans(text: str) -> list[tuple[str, str]]:
    """Split inline **bold** and `code` out of plain text."""
    result, position = [], 0
    for match in INLINE.finditer(text):
        if match.start() > position:
            result.append(("text", text[position : match.start()]))
        result.append(
            ("strong", match[1].replace("`", "")) if match[1] is not None else ("code", match[2])
        )
        position = match.end()
    if position < len(text):
        result.append(("text", text[position:]))
    return result


def markdown_blocks(text: str) -> list[Block]:
    """Headings, paragraphs and (nested, ordered or not) lists of a Markdown text."""
    lines = text.replace("\t", "    ").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
        elif heading := re.match(r"^(#{1,6}) +(.*)", line):
            blocks.append(Block("heading", level=len(heading[1]), spans=spans(heading[2].strip())))
            index += 1
        elif MARKER.match(line):
            block, index = _list(lines, index)
            blocks.append(block)
        else:
            paragraph = []
            while index < len(lines) and lines[index].strip() and not _starts_block(lines[index]):
                paragraph.append(lines[index].strip())
                index += 1
            blocks.append(Block("paragraph", spans=spans(" ".join(paragraph))))
    return blocks


def _starts_block(line: str) -> bool:
    return bool(MARKER.match(line) or re.match(r"^#{1,6} ", line))


def _list(lines: list[str], index: int) -> tuple[Block, int]:
    """The list starting at lines[index]; returns it and the index of the line after it."""
    first = MARKER.match(lines[index])
    indent, ordered = len(first[1]), first[2][0].isdigit()
    block = Block("list", ordered=ordered, start=int(first[2][:-1]) if ordered else 1)
    while index < len(lines):
        marker = MARKER.match(lines[index])
        if not marker or len(marker[1]) != indent or marker[2][0].isdigit() != ordered:
            break
        body_indent = len(marker[0])
        body = [lines[index][body_indent:]]
        index += 1
        while index < len(lines):
            line = lines[index]
            width = len(line) - len(line.lstrip(" "))
            if line.strip() and width <= indent:
                break
            if not line.strip() and not _continues(lines, index + 1, indent):
                break
            body.append(line[min(width, body_indent) :] if line.strip() else "")
            index += 1
        block.items.append(markdown_blocks("\n".join(body)))
    return block, index


def _continues(lines: list[str], index: int, indent: int) -> bool:
    """After a blank line, whether the next non-blank line still belongs to the item."""
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index >= len(lines):
        return False
    return len(lines[index]) - len(lines[index].lstrip(" ")) > indent


def conflicts(path: Path | None = None) -> list[Block]:
    """conflicts.md without its top heading (the page gives its own)."""
    blocks = markdown_blocks(_read(path or REVIEW_DIR / "conflicts.md"))
    if blocks and blocks[0].kind == "heading" and blocks[0].level == 1:
        blocks = blocks[1:]
    return blocks
