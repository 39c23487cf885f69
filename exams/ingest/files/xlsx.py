"""Read an .xlsx export into the same string table as a CSV.

Dates written as real Excel dates become ISO text ("2024-12-16 14:35:00");
numbers stay numbers as text, so an Excel serial date ("45642.6076") reaches
`exams.ingest.values.dates`, which recognises it. A workbook is a zip, and a zip
can be a bomb: the archive is checked (`check_zip`) and its sheets measured
(`exams.ingest.files.xlsx_scan`) before the reader opens it.

The reader is calamine (Rust, through python-calamine): about 30× faster
than openpyxl. It is imported only when a workbook is read.
"""

import contextlib
import datetime as dt
import gc
import io
import itertools
import zipfile
import zlib
from xml.etree.ElementTree import ParseError

import pyarrow as pa
import pyarrow.compute as pc

from exams.ingest.errors import IngestError
from exams.ingest.files.collect import clean_text
from exams.ingest.files.reading import (
    RawTable,
    check_width,
    drop_blank_rows,
    unique_headers,
)
from exams.ingest.files.xlsx_scan import check_sheets
from exams.ingest.vocabulary import FOOTER_PATTERN

# A full sheet (1,048,576 rows × 20 columns) unpacks to well under 2 GB.
MAX_UNPACKED_BYTES = 2 * 1024**3
# Real workbooks compress 5–30×; far beyond that is a crafted archive.
MAX_RATIO = 200
# Sheets, styles, images…: a few dozen; each one is measured before reading.
MAX_MEMBERS = 10_000
_RATIO_FLOOR = 16 * 1024**2  # small members may compress extremely well
_HEADER_SEARCH = 30
# What a damaged workbook raises from the reader (besides its own errors)
# or the zip inside it (a bad CRC, a broken deflate stream, a truncated
# member).
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
# Rows turned into Arrow columns at a time: Python values never exist for
# the whole sheet at once.
_BATCH_ROWS = 65_536
_UNREADABLE = (
    "This .xlsx file could not be read as an Excel workbook. Open it in "
    "Excel and save it again as .xlsx or CSV."
)


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
        if len(members) > MAX_MEMBERS:
            raise IngestError(
                f"This workbook holds {len(members):,} files inside its zip; a real "
                f"one holds a few dozen (limit {MAX_MEMBERS:,}). Save the data as "
                "CSV and upload that."
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
        try:
            check_sheets(archive)
        except _DAMAGED:
            raise IngestError(_UNREADABLE) from None


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


def column_text(values: tuple | list) -> pa.Array:
    """Return one column of cell values as text, in Arrow, mostly vectorised.

    Strings (the usual column) go to Arrow at once; date-times are rounded
    to the second and formatted by Arrow; the rest cell by cell.
    """
    kinds = set(map(type, values))
    text = values if kinds <= {str} else [v if type(v) is str else None for v in values]
    # The reader gives "" for an empty cell: `clean_text` makes it null.
    out = clean_text(pa.array(text, pa.string()))
    stamp = dt.datetime
    if stamp in kinds:
        stamps = pa.array(
            [v if type(v) is stamp else None for v in values], pa.timestamp("us")
        )
        # Excel stores times as fractions of a day; 14:35 may come back as
        # 14:34:59.999999, so round to the second (as `cell_text` does). A
        # timestamp in seconds casts to "YYYY-MM-DD HH:MM:SS".
        stamps = pc.add(stamps, pa.scalar(dt.timedelta(microseconds=500_000)))
        seconds = pc.floor_temporal(stamps, unit="second").cast(pa.timestamp("s"))
        out = pc.coalesce(out, seconds.cast(pa.string()))
    if dt.date in kinds:
        # A date-time at midnight comes back from the reader as a date.
        days = pa.array(
            [v if type(v) is dt.date else None for v in values], pa.date32()
        )
        out = pc.coalesce(out, days.cast(pa.string()))
    other = kinds - {str, stamp, dt.date, type(None)}
    if other:
        plain = [cell_text(v) if type(v) in other else None for v in values]
        out = pc.coalesce(out, pa.array(plain, pa.string()))
    return out


def _is_blank(row: list) -> bool:
    return all(v is None for v in row)


def _text_row(row: list) -> list[str | None]:
    return [cell_text(v) for v in row]


def _header(rows: list[list[str | None]]) -> int:
    """Return the position of the header among the first non-blank rows."""
    widest = max(sum(c is not None for c in row) for row in rows)
    return next(
        i
        for i, row in enumerate(rows)
        if sum(c is not None for c in row) >= min(2, widest)
    )


def _sheet_table(sheet) -> tuple[pa.Table, pa.Array, list[str], int] | None:
    """Return (body, beyond, headers, rows above the header); None if blank.

    ``beyond`` marks body rows with a value right of the header's columns.
    """
    rows = iter(sheet.iter_rows())
    head: list[list[str | None]] = []
    for row in rows:
        text = _text_row(row)
        if not _is_blank(text):
            head.append(text)
            if len(head) == _HEADER_SEARCH:
                break
    if not head:
        return None
    header_at = _header(head)
    header_row = head[header_at]
    width = max(i + 1 for i, c in enumerate(header_row) if c is not None)
    check_width(width)
    headers = unique_headers([c or "" for c in header_row[:width]])
    batches, beyond = [], []

    def add(batch: list) -> None:
        columns = list(zip(*batch, strict=True)) if batch else []
        arrays = [
            column_text(columns[i])
            if i < len(columns)
            else pa.nulls(len(batch), pa.string())
            for i in range(width)
        ]
        right = [column_text(c) for c in columns[width:]]
        batches.append(pa.table(arrays, names=headers))
        outside = pa.array([False] * len(batch), pa.bool_())
        for column in right:
            outside = pc.or_(outside, pc.is_valid(column))
        beyond.append(outside)

    add([row + [None] * (len(header_row) - len(row)) for row in head[header_at + 1 :]])
    while batch := list(itertools.islice(rows, _BATCH_ROWS)):
        add(batch)
    table = pa.concat_tables(batches)
    return table, pa.concat_arrays(beyond), headers, header_at


def _drop_footer(table: pa.Table, beyond: pa.Array) -> tuple[pa.Table, int]:
    """Return the non-blank body rows without the footer, and the footer's rows."""
    keep = pc.or_(pc.invert(_blank_mask(table)), beyond)
    table, beyond = table.filter(keep), beyond.filter(keep)
    width = table.num_columns
    end, footer = table.num_rows, 0
    while end and footer < _FOOTER_SEARCH and not beyond[end - 1].as_py():
        row = [table.column(i)[end - 1].as_py() for i in range(width)]
        if not _is_footer(row, width=width):
            break
        end, footer = end - 1, footer + 1
    return table.slice(0, end), footer


def _blank_mask(table: pa.Table) -> pa.ChunkedArray:
    blank = pc.is_null(table.column(0))
    for column in table.columns[1:]:
        blank = pc.and_(blank, pc.is_null(column))
    return blank


@contextlib.contextmanager
def _without_cycle_collection():
    """Pause Python's cycle collector while millions of cell values are made.

    They hold no cycles, but each allocation counts toward a collection
    that walks every one of them: reading a 400k-row sheet took 3× longer.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _first_sheet(data: bytes):
    """Return the first sheet with any value, read as in `_sheet_table`."""
    with _without_cycle_collection():
        return _read_first_sheet(data)


def _read_first_sheet(data: bytes):
    from python_calamine import CalamineError, CalamineWorkbook

    damaged = (CalamineError, *_DAMAGED)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except damaged:
        raise IngestError(_UNREADABLE) from None
    try:
        for index, meta in enumerate(book.sheets_metadata):
            if "work" not in str(meta.typ).lower():
                continue  # a chart sheet
            found = _sheet_table(book.get_sheet_by_index(index))
            if found is not None:
                return found
        return None
    except damaged:
        raise IngestError(_UNREADABLE) from None
    finally:
        book.close()


def read_xlsx(data: bytes) -> RawTable:
    """Return the workbook's first non-empty sheet as a string table."""
    check_zip(data)
    found = _first_sheet(data)
    if found is None:
        raise IngestError(
            "This workbook is empty. Export the exams from the RIS as CSV (with "
            "a header row) or .xlsx and upload that file."
        )
    table, beyond, headers, header_at = found
    table, footer = _drop_footer(table, beyond)
    notes = ["Read from an Excel workbook (.xlsx)."]
    if header_at:
        notes.append(f"{header_at} row(s) above the header ignored.")
    if footer:
        notes.append(f"Footer of {footer} row(s) at the end ignored.")
    return RawTable(drop_blank_rows(table), headers, notes)


def _is_footer(row: list[str | None], *, width: int) -> bool:
    filled = [c for c in row[:width] if c is not None]
    return len(filled) <= max(1, width // 2) and bool(FOOTER_PATTERN.match(filled[0]))
