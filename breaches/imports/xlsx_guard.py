"""Refuse XLSX files that would expand into far more data than they appear to hold.

An XLSX file is a zip of XML. A "zip bomb" of a few kilobytes can inflate to gigabytes when
openpyxl reads it, so the archive's directory is checked first: it states each member's
compressed and uncompressed sizes, and zipfile refuses to read more than the stated size.

A bomb need not compress extremely: 2.4 MB of shared strings that expand 120 times to 290 MB
passed a ratio test and grew a worker to 1.6 GB (issue 11), because openpyxl reads the shared
strings, like every part but the worksheets, whole into memory. So every part has a cap of
its own, low for the parts read whole, higher for worksheets, which are read a row at a time
(their reading time is capped by UPLOAD_PARSE_SECONDS instead).
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import BinaryIO

# A real 50,000-row workbook inflates to about 20 MB of XML, at ratios of 5 to 30.
MAX_UNCOMPRESSED = 300 * 1024 * 1024
MAX_RATIO = 200  # XML of repeated cells compresses well; far beyond this is a bomb
RATIO_FROM = 1024 * 1024  # small members (styles, empty sheets) may compress extremely
MAX_MEMBERS = 10_000
# Parts read whole into memory (shared strings, styles...): 64 MB of the smallest strings
# become about 210 MB of Python objects. Excel's own shared strings for 100,000 rows of
# distinct notes and links are about 15 MB.
MAX_PART = 64 * 1024 * 1024
# Worksheets are streamed: openpyxl writes a 100,000-row figures sheet as 88 MB of XML. A
# part counts as a worksheet only if [Content_Types].xml declares it one: openpyxl finds the
# shared strings by their declared type, so they can never pass for a sheet.
MAX_SHEET_PART = 256 * 1024 * 1024
CONTENT_TYPES = "[Content_Types].xml"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
OVERRIDE = re.compile(r"<(?:\w+:)?Override\b[^>]*>")
WHAT_PARTS_HOLD = {"xl/sharedStrings.xml": "the text of its cells", "xl/styles.xml": "its styles"}
MB = 1024 * 1024


class ArchiveError(ValueError):
    pass


class PartTooLarge(ArchiveError):
    """One part of the workbook would expand past its cap."""


def check_xlsx_archive(content: bytes | BinaryIO) -> None:
    """Raise ArchiveError if the workbook (bytes or a seekable binary file) is not a zip or
    would inflate beyond the limits."""
    try:
        archive = zipfile.ZipFile(content if hasattr(content, "read") else io.BytesIO(content))
    except (zipfile.BadZipFile, OSError) as error:
        raise ArchiveError(f"The file is not a readable XLSX workbook ({error})") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise ArchiveError(f"The workbook has {len(members)} parts; at most {MAX_MEMBERS}")
        total = 0
        sheets = _declared_sheets(archive)
        for member in members:
            total += member.file_size
            _check_part(member, MAX_SHEET_PART if member.filename in sheets else MAX_PART)
        if total > MAX_UNCOMPRESSED:
            raise ArchiveError(
                f"The workbook would expand to {total / MB:,.0f} MB "
                f"(at most {MAX_UNCOMPRESSED // MB} MB); split it into smaller files"
            )


def _declared_sheets(archive: zipfile.ZipFile) -> set[str]:
    """The parts [Content_Types].xml declares as worksheets (read once it is under its cap)."""
    try:
        member = archive.getinfo(CONTENT_TYPES)
    except KeyError:
        return set()  # openpyxl refuses such a file: parse() says so
    _check_part(member, MAX_PART)
    try:
        text = archive.read(member).decode("utf-8", errors="replace")
    except Exception as error:  # damaged in one of many ways (zlib, CRC, a method unknown)
        raise ArchiveError(f"The file is not a readable XLSX workbook ({error})") from None
    sheets = set()
    for tag in OVERRIDE.findall(text):
        name = re.search(r'PartName\s*=\s*"([^"]*)"', tag)
        kind = re.search(r'ContentType\s*=\s*"([^"]*)"', tag)
        if name and kind and kind.group(1).strip() == WORKSHEET_TYPE:
            sheets.add(name.group(1).strip().lstrip("/"))
    return sheets


def _check_part(member: zipfile.ZipInfo, cap: int) -> None:
    ratio = member.file_size / max(member.compress_size, 1)
    if member.file_size > RATIO_FROM and ratio > MAX_RATIO:
        raise ArchiveError(
            f"The workbook part '{member.filename}' would expand {ratio:,.0f} times "
            f"(more than {MAX_RATIO}); it looks like a decompression bomb and was not read"
        )
    if member.file_size > cap:
        holds = WHAT_PARTS_HOLD.get(member.filename)
        raise PartTooLarge(
            f"The workbook part '{member.filename}'{f' ({holds})' if holds else ''} would "
            f"expand to {member.file_size / MB:,.0f} MB; at most {cap // MB} MB of one part "
            "can be read. It was not read: split the file, or save the sheet as CSV"
        )
