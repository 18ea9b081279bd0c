"""Builders of hostile files, made in memory by the tests: nothing large is committed.

Each builder returns bytes. The XLSX ones start from a real workbook written by openpyxl and
then damage it, so that only the damage differs from a file an editor could upload.
"""

from __future__ import annotations

import io
import os
import random
import struct
import zipfile
import zlib
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.utils.cell import get_column_letter

from breaches.imports.validation import FIGURE_COLUMNS, INCIDENT_COLUMNS

WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
# The upload formats, as the importer defines them.
FIGURE_HEADER = list(FIGURE_COLUMNS)
INCIDENT_HEADER = list(INCIDENT_COLUMNS)
# A valid figure (a restatement of Surrey's published total) and a valid incident.
GOOD_FIGURE = {
    "dataset": "bbw-2016",
    "force": "Surrey Police",
    "period_start": "2011-06-01",
    "period_end": "2015-12-31",
    "count": "203",
    "source_title": "Surrey FOI answer",
}
GOOD_INCIDENT = {
    "dataset": "bbw-2016",
    "force": "Surrey Police",
    "reference": "PSD-HOSTILE-1",
    "occurred_on": "2015-03-01",
    "outcome": "dismissed",
    "summary": "Looked up a neighbour",
}


def csv_text(rows: Sequence[Sequence[str]], delimiter: str = ",") -> str:
    """Rows of cells as CSV text, quoting only what needs it."""
    out = io.StringIO()
    import csv

    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue()


def figure_row(**changes) -> list[str]:
    values = {**GOOD_FIGURE, **changes}
    return [values.get(column, "") for column in FIGURE_HEADER]


def incident_row(**changes) -> list[str]:
    values = {**GOOD_INCIDENT, **changes}
    return [values.get(column, "") for column in INCIDENT_HEADER]


def figures_csv(*rows: list[str], encoding: str = "utf-8") -> bytes:
    return csv_text([FIGURE_HEADER, *rows]).encode(encoding)


def incidents_csv(*rows: list[str]) -> bytes:
    return csv_text([INCIDENT_HEADER, *rows]).encode()


# --- XLSX ------------------------------------------------------------------------------


def xlsx(*sheets: tuple[str, Sequence[Sequence]]) -> bytes:
    """A workbook of (title, rows) sheets; a string starting with '=' becomes a formula."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def figures_xlsx(*rows: Sequence) -> bytes:
    return xlsx(("figures", [FIGURE_HEADER, *rows]))


def replace_member(workbook: bytes, name: str, content: bytes) -> bytes:
    """The workbook with one part replaced (or added)."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            if member.filename != name:
                target.writestr(member, source.read(member))
        target.writestr(name, content)
    return out.getvalue()


def shared_strings_bomb(expanded: int, filler: int = 550, seed: int = 11) -> bytes:
    """A real figures workbook with a shared-strings part that expands to about `expanded`
    bytes (declared in [Content_Types].xml and the workbook's relationships, where Excel and
    openpyxl look for it; openpyxl reads it whole into memory when it opens the workbook).

    Each string is `filler` repeated letters and four random hex digits, so the part
    compresses about 120 times at filler=550: under the zip-bomb ratio test, like the 2.4 MB
    file of issue 11 whose shared strings expand to 290 MB. Written a chunk at a time.
    """
    source = zipfile.ZipFile(io.BytesIO(figures_xlsx(figure_row())))
    rng = random.Random(seed)
    pad = "x" * filler
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "[Content_Types].xml":
                declared = (
                    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS}"/>'
                )
                data = data.replace(b"</Types>", declared.encode() + b"</Types>")
            elif member.filename == "xl/_rels/workbook.xml.rels":
                related = (
                    '<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://schemas'
                    '.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
                )
                data = data.replace(b"</Relationships>", related.encode() + b"</Relationships>")
            target.writestr(member, data)
        with target.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            written = part.write(
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            while written < expanded:
                chunk = "".join(
                    f"<si><t>{pad}{rng.getrandbits(16):04x}</t></si>" for _ in range(2000)
                )
                written += part.write(chunk.encode())
            part.write(b"</sst>")
    return out.getvalue()


def sheet_xml(rows_xml: str, dimension: str = "A1") -> bytes:
    """A worksheet part with hand-written <row> elements."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{rows_xml}</sheetData></worksheet>'
    ).encode()


def inline_row(number: int, values: Sequence[str]) -> str:
    cells = "".join(
        f'<c r="{get_column_letter(i)}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
        for i, value in enumerate(values, start=1)
    )
    return f'<row r="{number}">{cells}</row>'


def truncated(content: bytes, keep: float = 0.6) -> bytes:
    """The first part of a file, as a browser or a full disk leaves it."""
    return content[: int(len(content) * keep)]


def corrupt_member(workbook: bytes, name: str = "xl/worksheets/sheet1.xml") -> bytes:
    """The workbook with one part's compressed bytes flipped (its CRC no longer matches)."""
    archive = zipfile.ZipFile(io.BytesIO(workbook))
    info = archive.getinfo(name)
    data = bytearray(workbook)
    header = info.header_offset
    name_length, extra_length = struct.unpack("<HH", data[header + 26 : header + 30])
    start = header + 30 + name_length + extra_length
    for offset in range(start + 2, start + info.compress_size - 2):
        data[offset] ^= 0x5A
    return bytes(data)


def zip_bomb(inflated: int = 20 * 1024 * 1024) -> bytes:
    """A workbook-shaped zip whose sheet inflates about 1,000 times."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * inflated)
    return out.getvalue()


def lying_zip_bomb() -> bytes:
    """A real workbook whose sheet part says it inflates to 2 KB but inflates to 50 MB.

    The archive's directory, which the size checks read, is a lie: only reading the part
    reveals the truth. zipfile stops at the stated size, so the read ends in a CRC error.
    """
    base = figures_xlsx(figure_row())
    name = "xl/worksheets/sheet1.xml"
    bomb = zlib.compressobj(9, zlib.DEFLATED, -15)
    payload = b"<" * (50 * 1024 * 1024)
    compressed = bomb.compress(payload) + bomb.flush()
    source = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            if member.filename != name:
                target.writestr(member, source.read(member))
        target.writestr(name, b"x" * 2048)  # placeholder, overwritten below
    data = bytearray(out.getvalue())
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo(name)
    # Replace the placeholder's compressed bytes with the bomb's, and fix up both headers'
    # compressed size, leaving the stated (uncompressed) size at 2 KB.
    header = info.header_offset
    name_length, extra_length = struct.unpack("<HH", data[header + 26 : header + 30])
    start = header + 30 + name_length + extra_length
    end = start + info.compress_size
    data[start:end] = compressed
    struct.pack_into("<I", data, header + 18, len(compressed))
    shift = len(compressed) - info.compress_size
    # Patch the central directory entry for the sheet, and the end-of-directory offset.
    end_record = bytes(data).rfind(b"PK\x05\x06")
    (cd_offset,) = struct.unpack("<I", data[end_record + 16 : end_record + 20])
    if cd_offset > header:
        cd_offset += shift
        struct.pack_into("<I", data, end_record + 16, cd_offset)
    position = cd_offset
    while data[position : position + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack(
            "<HHH", data[position + 28 : position + 34]
        )
        member_name = bytes(data[position + 46 : position + 46 + name_len]).decode()
        (local,) = struct.unpack("<I", data[position + 42 : position + 46])
        if member_name == name:
            struct.pack_into("<I", data, position + 20, len(compressed))
        elif local > header:
            struct.pack_into("<I", data, position + 42, local + shift)
        position += 46 + name_len + extra_len + comment_len
    return bytes(data)


def many_parts(parts: int = 10_001) -> bytes:
    """A zip of more parts than any workbook has."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for number in range(parts):
            archive.writestr(f"xl/p{number}.xml", b"")
    return out.getvalue()


def content_types(sheets: Sequence[str], shared_strings: bool = False) -> str:
    """An XLSX [Content_Types].xml declaring these worksheets (and shared strings)."""
    overrides = [
        f'<Override PartName="/xl/worksheets/{s}.xml" ContentType="{WORKSHEET}"/>' for s in sheets
    ]
    if shared_strings:
        overrides.append(
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS}"/>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        + "".join(overrides)
        + "</Types>"
    )


def huge_declared_total() -> bytes:
    """A zip whose parts, each plausible on its own, add up to 400 MB once inflated."""
    noise = random.Random(6).randbytes(1024 * 1024 + 4096)  # incompressible
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        # Declared worksheets: each is under the cap of one streamed part.
        archive.writestr("[Content_Types].xml", content_types(["sheet1", "sheet2"]))
        archive.writestr("xl/worksheets/sheet1.xml", noise)
        archive.writestr("xl/worksheets/sheet2.xml", noise)
    data = bytearray(out.getvalue())
    # Declare each sheet 200 MB uncompressed (ratio under 200, total over 300 MB).
    position = bytes(data).find(b"PK\x01\x02")
    while data[position : position + 4] == b"PK\x01\x02":
        name_len = struct.unpack("<H", data[position + 28 : position + 30])[0]
        if b"worksheets" in data[position + 46 : position + 46 + name_len]:
            struct.pack_into("<I", data, position + 24, 200 * 1024 * 1024)
        name_len, extra_len, comment_len = struct.unpack(
            "<HHH", data[position + 28 : position + 34]
        )
        position += 46 + name_len + extra_len + comment_len
    return bytes(data)


# --- OLE compound files (encrypted workbooks, old .xls) ------------------------------------

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
FREE, END, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def ole_file(streams: Sequence[tuple[str, bytes]]) -> bytes:
    """A minimal, well-formed OLE compound file (version 3, 512-byte sectors).

    This is the container Excel writes a password-protected workbook in: the encrypted
    OOXML package sits in the "EncryptedPackage" stream, described by "EncryptionInfo".
    Streams are padded to at least 4 KB, the mini-stream cutoff, so that none needs the mini
    stream (and its second allocation table).
    """
    sector = 512
    padded = [
        (name, data.ljust(max(4096, -(-len(data) // sector) * sector), b"\0"))
        for name, data in streams
    ]
    fat = [FAT_SECTOR, END]  # sector 0: the FAT; sector 1: the directory
    starts = []
    for _name, data in padded:
        count = len(data) // sector
        first = len(fat)
        starts.append(first)
        fat.extend(range(first + 1, first + count))
        fat.append(END)
    assert len(fat) <= sector // 4, "one FAT sector is enough for these tests"
    fat_sector = struct.pack("<128I", *(fat + [FREE] * (128 - len(fat))))

    def entry(name, kind, child=NO_STREAM, right=NO_STREAM, start=END, size=0) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", NO_STREAM, right, child)
            + b"\0" * 16  # CLSID
            + b"\0" * 4  # state bits
            + b"\0" * 16  # creation and modification times
            + struct.pack("<IQ", start, size)
        )

    # Directory entries are a red-black tree ordered by name length, then name: a right-
    # leaning chain of black nodes is a valid (if unbalanced) tree.
    order = sorted(range(len(streams)), key=lambda i: (len(streams[i][0]), streams[i][0].upper()))
    entries = [entry("Root Entry", 5, child=1 if streams else NO_STREAM)]
    for position, index in enumerate(order):
        right = position + 2 if position + 1 < len(order) else NO_STREAM
        entries.append(
            entry(padded[index][0], 2, right=right, start=starts[index], size=len(padded[index][1]))
        )
    directory = b"".join(entries)
    directory = directory.ljust(-(-len(directory) // sector) * sector, b"\0")
    assert len(directory) == sector, "one directory sector is enough for these tests"

    header = (
        OLE_MAGIC
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, END, 0, END, 0)
        + struct.pack("<109I", 0, *([FREE] * 108))
    )
    assert len(header) == sector
    return header + fat_sector + directory + b"".join(data for _name, data in padded)


def encrypted_xlsx() -> bytes:
    """What Excel saves for a workbook with "Encrypt with Password" (agile encryption)."""
    info = struct.pack("<HHI", 4, 4, 0x40) + (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption">'
        b'<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" '
        b'cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" '
        b'saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/></encryption>'
    )
    package = figures_xlsx(figure_row())
    scrambled = bytes(b ^ 0xA5 for b in package)  # stands in for AES: unreadable all the same
    return ole_file(
        [
            ("EncryptionInfo", info),
            ("EncryptedPackage", struct.pack("<Q", len(package)) + scrambled),
        ]
    )


def legacy_xls() -> bytes:
    """An old binary Excel workbook's container (a "Workbook" stream in an OLE file)."""
    return ole_file([("Workbook", b"\x09\x08\x10\x00\x00\x06\x05\x00" + b"\0" * 100)])


# --- Other files ------------------------------------------------------------------------


def png() -> bytes:
    """A real 1x1 PNG image."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0\xff\0\0"))
        + chunk(b"IEND", b"")
    )


def garbage(size: int = 64 * 1024, seed: int = 7) -> bytes:
    """Random bytes, NULs included."""
    return random.Random(seed).randbytes(size)


def high_garbage(size: int = 4096, seed: int = 8) -> bytes:
    """Random bytes without NULs that are neither UTF-8 nor Windows-1252 (0x81 is unassigned)."""
    rng = random.Random(seed)
    return bytes([0x81]) + bytes(rng.randrange(0x80, 0x100) for _ in range(size))


def multipart(field: str, file_name: str, content: bytes, boundary: str) -> bytes:
    """A multipart/form-data body sending `file_name` exactly as given (the test client would
    strip folders from it before Django's own parser has a chance to)."""
    return b"\r\n".join(
        [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{field}"; filename="{file_name}"'.encode(),
            b"Content-Type: text/csv",
            b"",
            content,
            f"--{boundary}--".encode(),
            b"",
        ]
    )


def random_boundary() -> str:
    return "hostile" + os.urandom(8).hex()
