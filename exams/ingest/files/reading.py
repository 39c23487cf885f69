"""Find an export's encoding, delimiter and layout: where its rows are.

Everything stays text here; `exams.ingest.values.dates` and `exams.ingest.load`
give the columns their meaning. Only the first and last lines are looked at
in Python; `exams.ingest.files.body` streams the rows through pyarrow's CSV reader.
"""

import codecs
import csv
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc

from exams.ingest.errors import IngestError
from exams.ingest.files.text import TextBody, TextExport
from exams.ingest.vocabulary import FOOTER_PATTERN

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# Cells that mean "no value" in database exports.
NULL_VALUES = ["", "NULL", "null", "(null)", "#N/A"]
_HEAD_BYTES = 256 * 1024
_HEAD_LINES = 60
# RIS exports have a few dozen columns; thousands mean this is not one.
MAX_COLUMNS = 1000
_TAIL_LINES = 50
_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"\xd0\xcf\x11\xe0": "an old-style Excel .xls (or other Office) file",
}
# Runs of bytes that are not UTF-8, as `surrogateescape` decodes them.
_STRAY = re.compile("[\udc80-\udcff]+")
# Bytes that begin a multi-byte UTF-8 character.
_LEAD_BYTES = bytes(range(0xC2, 0xF5))
UPLOAD_HINT = "Upload the exam export itself, saved as CSV or .xlsx."


@dataclass(frozen=True)
class RawTable:
    """An export as read: string columns named by ``headers`` (unique, in order)."""

    table: pa.Table
    headers: list[str]
    notes: list[str] = field(default_factory=list)


def read_source(source: bytes | os.PathLike | BinaryIO) -> bytes:
    """Return the export's bytes from bytes, a path or an open binary file."""
    if isinstance(source, bytes):
        return source
    if isinstance(source, bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str | os.PathLike):
        return Path(source).read_bytes()
    data = source.read()
    if not isinstance(data, bytes):
        raise TypeError("read_export needs bytes, a path or a binary file object")
    return data


def refuse_binary(data: bytes) -> None:
    """Raise `IngestError` when the bytes are a known non-export or binary."""
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            extra = (
                " Open it in Excel and save it as .xlsx or CSV."
                if magic == b"\xd0\xcf\x11\xe0"
                else ""
            )
            raise IngestError(
                f"This file is {what}, not an exam export.{extra} {UPLOAD_HINT}"
            )


def _looks_binary(head: bytes) -> bool:
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    # A stray control character in a comment is possible; many are not text.
    return b"\x00" in head or controls > max(8, len(head) // 100)


def _utf16_without_bom(head: bytes) -> str | None:
    """Return "utf-16-le"/"utf-16-be" when every other byte is NUL (ASCII text)."""
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def to_utf8(data: bytes) -> tuple[bytes | memoryview, str, int]:
    """Return UTF-8 bytes of the text, the encoding found and the bytes repaired.

    UTF-16 is recognised by its BOM (Excel's "Unicode text") or by NUL bytes
    in every other position. Text that is not all valid UTF-8 is decoded by
    `decode_by_evidence`: Windows-1252 (Excel's "CSV" on Western Windows)
    unless the file as a whole is UTF-8.
    """
    if data.startswith(codecs.BOM_UTF8):
        return memoryview(data)[len(codecs.BOM_UTF8) :], "UTF-8 (with BOM)", 0
    head = data[:4096]
    encoding = None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif b"\x00" in head:
        encoding = _utf16_without_bom(head)
    if encoding is not None:
        text = _transcode(data, encoding)
        sample = text[:4096]
        # Random bytes after a UTF-16 BOM decode to CJK-like text; a real
        # export's head is mostly ASCII.
        foreign = sum(1 for b in sample if b >= 0x80)
        if _looks_binary(sample) or foreign > len(sample) // 2:
            raise IngestError(
                f"This file contains binary data, not text. {UPLOAD_HINT}"
            )
        return text, "UTF-16", 0
    if _looks_binary(head):
        raise IngestError(f"This file contains binary data, not text. {UPLOAD_HINT}")
    if data.isascii():
        return data, "UTF-8", 0
    # Only the head is checked here; pyarrow validates the rest while it reads
    # (`body.NotUtf8`: `read_export` then decodes by `decode_by_evidence`).
    head = data[:_HEAD_BYTES]
    if len(data) > len(head):
        head = head[: head.rfind(b"\n") + 1]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return decode_by_evidence(data)
    return data, "UTF-8", 0


def decode_by_evidence(data: bytes) -> tuple[bytes, str, int]:
    """Return UTF-8 bytes of text that is not all valid UTF-8, its encoding, repairs.

    The file as a whole decides: when its valid UTF-8 characters (beyond
    ASCII) outnumber the bytes that are not UTF-8, it is UTF-8 with a few
    stray bytes (one Windows-1252 "é" pasted into a UTF-8 export); each run
    of those is read as Windows-1252 where it stands, and their number is
    returned. Otherwise it is Windows-1252 throughout (0 repairs).
    """
    text = data.decode("utf-8", errors="surrogateescape")
    stray = 0

    def repair(run: re.Match) -> str:
        nonlocal stray
        raw = run.group().encode("utf-8", errors="surrogateescape")
        stray += len(raw)
        return raw.decode("cp1252", errors="replace")

    text = _STRAY.sub(repair, text)
    # Lead bytes of multi-byte characters (stray bytes among them, taken off).
    leads = len(data) - len(data.translate(None, _LEAD_BYTES))
    if leads - stray > stray:
        return text.lstrip("\ufeff").encode("utf-8"), "UTF-8", stray
    return _transcode(data, "cp1252"), "Windows-1252", 0


def _transcode(data: bytes, encoding: str) -> bytes:
    text = data.decode(encoding, errors="replace")
    return text.lstrip("\ufeff").encode("utf-8")


def _lines(chunk: bytes) -> list[tuple[int, bytes]]:
    """Return (offset, line) pairs; a line keeps no line ending."""
    newline = b"\n" if b"\n" in chunk or b"\r" not in chunk else b"\r"
    out, start = [], 0
    for part in chunk.split(newline):
        out.append((start, part.rstrip(b"\r")))
        start += len(part) + len(newline)
    return out


def _fields(line: bytes, delimiter: str) -> list[str]:
    text = line.decode("utf-8", errors="replace")
    try:
        return next(csv.reader([text], delimiter=delimiter), [])
    except csv.Error:
        # A bare CR inside a cell, or a cell over the csv module's 128 KB
        # limit: a plain split is good enough to judge the line's shape.
        return text.split(delimiter)


def _choose_delimiter(lines: list[bytes]) -> tuple[str, int]:
    """Return the delimiter whose field count is steadiest, and that count."""
    best, best_key = ",", (0.0, 1)
    for delimiter in DELIMITERS:
        counts = [len(_fields(line, delimiter)) for line in lines]
        width, seen = Counter(counts).most_common(1)[0]
        key = (round(seen / len(counts), 1), width)
        if width > 1 and key > best_key:
            best, best_key = delimiter, key
    return best, best_key[1]


def _is_blank(line: bytes, delimiter: str) -> bool:
    return not line.strip(b' \t\r\n"' + delimiter.encode())


def _is_footer(line: bytes, *, delimiter: str, width: int) -> bool:
    cells = [c.strip() for c in _fields(line, delimiter)]
    filled = [c for c in cells if c]
    if len(cells) != width:
        return True
    return (
        bool(filled)
        and len(filled) <= max(2, width // 2)
        and bool(FOOTER_PATTERN.match(filled[0]))
    )


def unique_headers(names: list[str]) -> list[str]:
    """Return names made unique and non-empty ("Column 3", "Date (2)")."""
    out: list[str] = []
    # A set and the last suffix per name keep this linear: a header of
    # thousands of identical names must not take minutes.
    taken: set[str] = set()
    last: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        name = name.strip().lstrip("\ufeff") or f"Column {position}"
        n = last.get(name, 1)
        candidate = name if n == 1 else f"{name} ({n})"
        while candidate in taken:
            n += 1
            candidate = f"{name} ({n})"
        last[name] = n
        taken.add(candidate)
        out.append(candidate)
    return out


def check_width(count: int) -> None:
    """Raise `IngestError` for a header far wider than any exam export."""
    if count > MAX_COLUMNS:
        raise IngestError(
            f"This file has {count:,} columns; TATviz reads at most "
            f"{MAX_COLUMNS:,} (an exam export has a few dozen). Check that this "
            "is the exam export, or export fewer columns from the RIS."
        )


def drop_blank_rows(table: pa.Table | pa.RecordBatch) -> pa.Table | pa.RecordBatch:
    """Return the table without rows whose every cell is empty."""
    if table.num_columns == 0 or table.num_rows == 0:
        return table
    empty = pc.is_null(table.column(0))
    for column in table.columns[1:]:
        empty = pc.and_(empty, pc.is_null(column))
    if not pc.any(empty).as_py():
        return table
    return table.filter(pc.invert(empty))


def open_text(source: bytes | Path) -> TextExport:
    """Return where the rows of a CSV/TSV export are; raise `IngestError` if empty.

    A UTF-8 file is left on disk (its body is streamed); other encodings are
    read whole and transcoded.
    """
    if isinstance(source, Path):
        offset, encoding = _file_encoding(source)
        if encoding is not None:
            return _open_utf8(TextBody(path=source, offset=offset), encoding=encoding)
        source = source.read_bytes()
    text, encoding, stray = to_utf8(source)
    return _open_utf8(TextBody(data=memoryview(text)), encoding=encoding, stray=stray)


def open_not_utf8(source: bytes | Path) -> TextExport:
    """Return the export decoded by `decode_by_evidence` (not all of it is UTF-8)."""
    data = source.read_bytes() if isinstance(source, Path) else source
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    text, encoding, stray = decode_by_evidence(data)
    return _open_utf8(TextBody(data=memoryview(text)), encoding=encoding, stray=stray)


def _file_encoding(path: Path) -> tuple[int, str | None]:
    """Return where a UTF-8 file's text starts and "UTF-8"/"UTF-8 (with BOM)".

    The encoding is None when the file must be read whole (UTF-16, not
    UTF-8, binary): `to_utf8` then decides, as for bytes. The checks are
    `to_utf8`'s, on the head only; pyarrow validates the rest while it reads.
    """
    size = path.stat().st_size
    with path.open("rb") as file:
        head = file.read(_HEAD_BYTES + len(codecs.BOM_UTF8))
    if head.startswith(codecs.BOM_UTF8):
        return len(codecs.BOM_UTF8), "UTF-8 (with BOM)"
    start = head[:4096]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return 0, None
    if b"\x00" in start or _looks_binary(start):
        return 0, None
    head = head[:_HEAD_BYTES]
    if size > len(head):
        head = head[: head.rfind(b"\n") + 1]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return 0, None
    return 0, "UTF-8"


def _open_utf8(text: TextBody, *, encoding: str, stray: int = 0) -> TextExport:
    head = text.read(0, _HEAD_BYTES)
    if not head.strip():
        raise IngestError(
            "This file is empty. Export the exams from the RIS as CSV (with a "
            "header row) or .xlsx and upload that file."
        )
    head_lines = _lines(head)
    if len(text) > _HEAD_BYTES:
        head_lines = head_lines[:-1]  # the last one may be cut short
    sample = [(o, line) for o, line in head_lines if line.strip()][:_HEAD_LINES]
    if not sample:
        # One line longer than the head (a 20 MB line): no header to find.
        raise IngestError(
            f"The first {_HEAD_BYTES // 1024} KB of this file hold no complete "
            "line, so it is not a table of exams. An export has a header row "
            f"and then one exam per line. {UPLOAD_HINT}"
        )
    delimiter, width = _choose_delimiter([line for _, line in sample])
    header_at, header_line = next(
        ((o, line) for o, line in sample if len(_fields(line, delimiter)) >= width),
        sample[0],
    )
    names = _fields(header_line, delimiter)
    check_width(len(names))
    headers = unique_headers(names)
    body_start = header_at + len(header_line)
    body_start += 2 if text.read(body_start, body_start + 2) == b"\r\n" else 1
    notes = [f"Read as {encoding} text, {DELIMITERS[delimiter]}-separated."]
    if stray:
        notes.append(
            f"{stray:,} byte(s) that are not UTF-8 read as Windows-1252 where they "
            "stand; the rest of the file is UTF-8 (quality.undecodable_bytes)."
        )
    preamble = sum(1 for o, line in head_lines if o < header_at and line.strip())
    if preamble:
        notes.append(f"{preamble} line(s) above the header ignored.")
    body_end, footer = _footer_start(
        text, start=body_start, delimiter=delimiter, width=len(headers)
    )
    if footer:
        notes.append(f"Footer of {footer} line(s) at the end ignored.")
    return TextExport(
        body=text,
        start=body_start,
        end=max(body_start, body_end),
        headers=headers,
        delimiter=delimiter,
        notes=notes,
        undecodable=stray,
    )


def _footer_start(
    text: TextBody, *, start: int, delimiter: str, width: int
) -> tuple[int, int]:
    """Return where the trailing footer begins and how many footer lines it has."""
    tail_from = max(start, len(text) - _HEAD_BYTES)
    tail = text.read(tail_from, len(text))
    lines = _lines(tail)
    if tail_from > start:
        lines = lines[1:]  # the first one may be cut short
    end, footer = len(text), 0
    for offset, line in reversed(lines[-_TAIL_LINES:]):
        if _is_blank(line, delimiter):
            end = tail_from + offset
        elif _is_footer(line, delimiter=delimiter, width=width):
            end, footer = tail_from + offset, footer + 1
        else:
            break
    return end, footer
