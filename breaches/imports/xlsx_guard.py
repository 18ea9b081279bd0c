"""Refuse XLSX files that would expand into far more data than they appear to hold.

An XLSX file is a zip of XML. A "zip bomb" of a few kilobytes can inflate to gigabytes when
openpyxl reads it, so the archive's directory is checked first: it states each member's
compressed and uncompressed sizes, and zipfile refuses to read more than the stated size.
"""

from __future__ import annotations

import io
import zipfile
from typing import BinaryIO

# A real 50,000-row workbook inflates to about 20 MB of XML, at ratios of 5 to 30.
MAX_UNCOMPRESSED = 300 * 1024 * 1024
MAX_RATIO = 200  # XML of repeated cells compresses well; far beyond this is a bomb
RATIO_FROM = 1024 * 1024  # small members (styles, empty sheets) may compress extremely
MAX_MEMBERS = 10_000


class ArchiveError(ValueError):
    pass


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
        for member in members:
            total += member.file_size
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > RATIO_FROM and ratio > MAX_RATIO:
                raise ArchiveError(
                    f"The workbook part '{member.filename}' would expand {ratio:,.0f} times "
                    f"(more than {MAX_RATIO}); it looks like a decompression bomb and was not read"
                )
        if total > MAX_UNCOMPRESSED:
            raise ArchiveError(
                f"The workbook would expand to {total / 1024 / 1024:,.0f} MB "
                f"(at most {MAX_UNCOMPRESSED // 1024 // 1024} MB); split it into smaller files"
            )
