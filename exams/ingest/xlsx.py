"""Read an .xlsx export into the same string table as a CSV.

Dates written as real Excel dates become ISO text ("2024-12-16 14:35:00");
numbers stay numbers as text, so an Excel serial date ("45642.6076") reaches
`exams.ingest.dates`, which recognises it. Zip archives are checked before
openpyxl opens them: a workbook is a zip, and a zip can be a bomb.

openpyxl is imported only when a workbook is read: it takes a noticeable
part of a second to import, and most exports are CSV.
"""

import datetime as dt
import io
import zipfile
import zlib
from xml.etree.ElementTree import ParseError

import pyarrow as pa

from exams.ingest.errors import IngestError
from exams.ingest.reading import (
    RawTable,
    check_width,
    drop_blank_rows,
    unique_headers,
)
from exams.ingest.vocabulary import FOOTER_PATTERN

# A full sheet (1,048,576 rows × 20 columns) unpacks to well under 2 GB.
MAX_UNPACKED_BYTES = 2 * 1024**3
# Real workbooks compress 5–30×; far beyond that is a crafted archive.
MAX_RATIO = 200
_RATIO_FLOOR = 16 * 1024**2  # small members may compress extremely well
_HEADER_SEARCH = 30
# What a damaged workbook raises from openpyxl (besides its own
# InvalidFileException) or the zip inside it (a bad CRC, a broken deflate
# stream, a truncated member).
_DAMAGED = (
    KeyError,
    ValueError,
    ParseError,
    OSError,
    EOFError,
    NotImplementedError,  # a zip feature Python does not read
    zipfile.BadZipFile,
    zlib.error,
)
_FOOTER_SEARCH = 50


def check_zip(data: bytes) -> None:
    """Raise `IngestError` unless the bytes are a workbook safe to unpack.

    The declared sizes are trusted: Python's zipfile stops at the declared
    size and fails the CRC check if a member unpacks to more.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, NotImplementedError, EOFError, ValueError):
        # NotImplementedError: a zip version or feature Python cannot read.
        raise IngestError(
            "This .xlsx file is damaged or is not an Excel workbook. Open it in "
            "Excel and save it again as .xlsx or CSV."
        ) from None
    with archive:
        members = archive.infolist()
        names = {m.filename for m in members}
        if "xl/workbook.xml" not in names:
            raise IngestError(
                "This is a zip archive, not an Excel workbook. Unzip it and "
                "upload the CSV or .xlsx export inside."
            )
        if any(m.flag_bits & 0x1 for m in members):
            raise IngestError(
                "This workbook is encrypted. Save a copy without a password "
                "(or as CSV) and upload that."
            )
        unpacked = sum(m.file_size for m in members)
        bomb = any(
            m.file_size > _RATIO_FLOOR
            and m.file_size > MAX_RATIO * max(m.compress_size, 1)
            for m in members
        )
        if unpacked > MAX_UNPACKED_BYTES or bomb:
            raise IngestError(
                f"This workbook would unpack to {unpacked / 1024**3:.1f} GB "
                f"(limit {MAX_UNPACKED_BYTES / 1024**3:.0f} GB, compression "
                f"at most {MAX_RATIO}:1); it is damaged or not a real export. "
                "Save the data as CSV and upload that."
            )


def cell_text(value: object) -> str | None:
    """Return a cell as text, the way a CSV export would have written it."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        # Excel stores times as fractions of a day; 14:35 may come back as
        # 14:34:59.999999, so round to the second.
        rounded = value + dt.timedelta(microseconds=500_000)
        return rounded.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def _sheet_rows(data: bytes) -> list[list[str | None]]:
    """Return the non-blank rows of the first sheet that has any, as text."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    damaged = (InvalidFileException, *_DAMAGED)
    unreadable = IngestError(
        "This .xlsx file could not be read as an Excel workbook. Open it in "
        "Excel and save it again as .xlsx or CSV."
    )
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except damaged:
        raise unreadable from None
    try:
        sheets = [book.active, *book.worksheets]
        for sheet in sheets:
            if not hasattr(sheet, "iter_rows"):
                continue  # a chart sheet
            rows = [
                [cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)
            ]
            rows = [row for row in rows if any(c is not None for c in row)]
            if rows:
                return rows
        return []
    except damaged:
        raise unreadable from None
    finally:
        book.close()


def read_xlsx(data: bytes) -> RawTable:
    """Return the workbook's first non-empty sheet as a string table."""
    check_zip(data)
    rows = _sheet_rows(data)
    if not rows:
        raise IngestError(
            "This workbook is empty. Export the exams from the RIS as CSV (with "
            "a header row) or .xlsx and upload that file."
        )
    widest = max(sum(c is not None for c in row) for row in rows[:_HEADER_SEARCH])
    header_at = next(
        i
        for i, row in enumerate(rows[:_HEADER_SEARCH])
        if sum(c is not None for c in row) >= min(2, widest)
    )
    header_row = rows[header_at]
    width = max(i + 1 for i, c in enumerate(header_row) if c is not None)
    check_width(width)
    headers = unique_headers([c or "" for c in header_row[:width]])
    body = rows[header_at + 1 :]
    footer = 0
    while body and footer < _FOOTER_SEARCH and _is_footer(body[-1], width=width):
        body.pop()
        footer += 1
    notes = ["Read from an Excel workbook (.xlsx)."]
    if header_at:
        notes.append(f"{header_at} row(s) above the header ignored.")
    if footer:
        notes.append(f"Footer of {footer} row(s) at the end ignored.")
    columns = {
        name: pa.array([row[i] if i < len(row) else None for row in body], pa.string())
        for i, name in enumerate(headers)
    }
    return RawTable(drop_blank_rows(pa.table(columns)), headers, notes)


def _is_footer(row: list[str | None], *, width: int) -> bool:
    filled = [c for c in row[:width] if c is not None]
    beyond = any(c is not None for c in row[width:])
    return (
        not beyond
        and len(filled) <= max(1, width // 2)
        and bool(FOOTER_PATTERN.match(filled[0]))
    )
