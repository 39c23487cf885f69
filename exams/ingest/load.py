"""`read_export`: one RIS export's bytes → the canonical frame and its report."""

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from exams import fields
from exams.ingest import clean, dates
from exams.ingest.errors import IngestError
from exams.ingest.headers import require_fields, resolve_mapping
from exams.ingest.modality import fill_modality
from exams.ingest.quality import quality_report
from exams.ingest.reading import RawTable, read_source, read_text, refuse_binary
from exams.ingest.xlsx import read_xlsx

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_EXAMPLE_DATES = "12/16/2024 14:35, 2024-12-16 14:35:00 or 20241216143500"


@dataclass(frozen=True)
class IngestResult:
    """One export, loaded: the canonical frame and what happened on the way."""

    frame: pd.DataFrame
    columns: dict[str, str]
    rows_read: int
    quality: dict
    date_formats: dict[str, str]
    cancelled_values: dict[str, int]
    notes: list[str]
    headers: list[str]
    filename: str = ""
    # Aligned with `frame`: True where a time value was present but not a
    # date (NaT in the frame). Lets `combine_exports` recount the quality.
    unparseable: pd.DataFrame | None = field(default=None, repr=False, compare=False)


def _read_raw(data: bytes) -> RawTable:
    """Return the export as a string table, by what its bytes are.

    The content decides, not the file name: some RIS write CSV text under an
    .xls/.xlsx name, and a renamed workbook is still a workbook.
    """
    if data.startswith(_ZIP_MAGIC):
        return read_xlsx(data)
    refuse_binary(data)
    return read_text(data)


def _is_clean(array: pa.Array) -> bool:
    """Return True when no value is empty or starts or ends with a space.

    Looks only at each value's first and last byte, through the offsets:
    ASCII whitespace and controls, or any non-ASCII byte (a Unicode space
    may begin there), send the column through the full trim.
    """
    if not pa.types.is_string(array.type) or array.buffers()[2] is None:
        return False
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)
    offsets = offsets[array.offset : array.offset + len(array) + 1]
    starts, ends = offsets[:-1], offsets[1:]
    if array.null_count:
        valid = np.asarray(pc.is_valid(array).to_numpy(zero_copy_only=False))
        starts, ends = starts[valid], ends[valid]
    if (ends <= starts).any():
        return False
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)
    edges = np.concatenate([data[starts], data[ends - 1]])
    return not ((edges <= 32) | (edges >= 128)).any()


def _clean_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Return the column trimmed, with blank cells as nulls."""
    if all(_is_clean(chunk) for chunk in column.chunks):
        # The usual case: no copy of the whole column (time and memory).
        return column
    trimmed = pc.utf8_trim_whitespace(column)
    if pc.any(pc.equal(trimmed, "")).as_py():
        trimmed = pc.if_else(
            pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed
        )
    return trimmed


def _time_series(seconds: np.ndarray | None, rows: np.ndarray) -> pd.Series:
    if seconds is None:
        return pd.Series(np.full(len(rows), np.datetime64("NaT", "ns")))
    picked = seconds[rows]
    nanos = np.where(picked == dates.NAT, dates.NAT, picked * 1_000_000_000)
    return pd.Series(nanos.view("datetime64[ns]"))


def _text_series(
    column: pa.ChunkedArray | None, rows: pa.Array | None, n: int
) -> pd.Series:
    if column is None:
        empty = pd.Index([], dtype=str)
        codes = np.full(n, -1, dtype=np.int8)
        return pd.Series(pd.Categorical.from_codes(codes, categories=empty))
    encoded = pc.dictionary_encode(column)
    if rows is not None:
        # Taking from the encoded column moves small integer codes, not strings.
        encoded = encoded.take(rows)
    values = encoded.to_pandas()
    # An all-empty column comes back with object categories; every frame
    # must have str categories for files to combine.
    categories = pd.Index(values.cat.categories, dtype=str)
    return pd.Series(pd.Categorical.from_codes(values.cat.codes, categories=categories))


def _accession_series(
    column: pa.ChunkedArray | None, rows: pa.Array | None, n: int
) -> pd.Series:
    if column is None:
        column = pa.nulls(n, pa.string())
    elif rows is not None:
        column = column.take(rows)
    return pd.Series(pd.array(column, dtype="string[pyarrow]"))


def _canonical_frame(
    text: Mapping[str, pa.ChunkedArray],
    seconds: Mapping[str, np.ndarray],
    rows: np.ndarray,
    *,
    everything: bool,
) -> pd.DataFrame:
    """Return the canonical columns of ``rows`` (modality not yet derived)."""
    taken = None if everything else pa.array(rows)
    data = {}
    for name in fields.CANONICAL_FIELDS:
        if name in fields.TIME_FIELDS:
            data[name] = _time_series(seconds.get(name), rows)
        elif name == fields.ACCESSION:
            data[name] = _accession_series(text.get(name), taken, len(rows))
        else:
            data[name] = _text_series(text.get(name), taken, len(rows))
    return pd.DataFrame(data)


def empty_frame() -> pd.DataFrame:
    """Return a canonical frame with no rows."""
    rows = np.arange(0)
    return clean.add_intervals(_canonical_frame({}, {}, rows, everything=True))


def _present(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.is_valid(column).to_numpy(zero_copy_only=False))


def _refuse_unreadable(column: pa.ChunkedArray, header: str, seconds: np.ndarray):
    if (seconds != dates.NAT).any():
        return
    if column.null_count == len(column):
        problem = "is empty in every row"
    else:
        problem = "has no date TATviz can read"
    raise IngestError(
        f"The column '{header}' (exam completed date/time) {problem}. Dates "
        f"are expected like {_EXAMPLE_DATES}. Map the column that holds the "
        "exam completion time, or export the dates in one of these forms."
    )


def _read_times(
    text: Mapping[str, pa.ChunkedArray],
    columns: Mapping[str, str],
    *,
    date_order: str,
) -> tuple[dict[str, np.ndarray], dict[str, tuple], list[str]]:
    """Return field → seconds, field → formats and notes, for the time fields.

    Raise `IngestError` when the completion column holds no readable date.
    """
    time_fields = [f for f in fields.TIME_FIELDS if f in text]
    formats, notes = dates.detect_formats(
        {f: text[f] for f in time_fields}, date_order=date_order, labels=columns
    )
    seconds = {f: dates.parse_dates(text[f], formats[f]) for f in time_fields}
    _refuse_unreadable(
        text[fields.COMPLETED_AT],
        columns[fields.COMPLETED_AT],
        seconds[fields.COMPLETED_AT],
    )
    for f in time_fields:
        if text[f].null_count < len(text[f]) and (seconds[f] == dates.NAT).all():
            notes.append(f"Column '{columns[f]}' has no readable dates.")
    return seconds, formats, notes


def _rows_to_keep(
    raw: RawTable,
    text: Mapping[str, pa.ChunkedArray],
    seconds: Mapping[str, np.ndarray],
    present: Mapping[str, np.ndarray],
    *,
    cancelled: np.ndarray,
) -> np.ndarray:
    """Return the rows left after removing cancelled exams, then duplicates."""
    n = raw.table.num_rows
    filled = np.zeros(n, dtype=np.int64)
    for f in text:
        filled += (seconds[f] != dates.NAT) if f in seconds else present[f]

    def identity(positions: np.ndarray) -> pd.DataFrame:
        # "Identical" means the whole line, unmapped columns included.
        return raw.table.take(pa.array(positions)).to_pandas()

    return clean.rows_to_keep(
        accession=text.get(fields.ACCESSION, pa.nulls(n, pa.string())),
        filled=filled,
        finalized=seconds.get(fields.FINALIZED_AT, np.full(n, dates.NAT)),
        identity=identity,
        exclude=cancelled,
    )


def read_export(
    source: bytes | os.PathLike | BinaryIO,
    *,
    filename: str,
    mapping: Mapping[str, str] | None = None,
    date_order: str = "auto",
    cancelled_statuses: Iterable[str] = fields.DEFAULT_CANCELLED_STATUSES,
) -> IngestResult:
    """Return the export as the canonical frame with its quality report.

    Raise `IngestError` for a file that cannot be an export, `NeedsMapping`
    when the completion time or both modality and exam name are not found,
    and `AmbiguousDates` when day/month order cannot be told ("mdy"/"dmy"
    in ``date_order`` settles it).
    """
    if date_order not in dates.DATE_ORDERS:
        raise IngestError(
            f"date_order '{date_order}' is not one of: {', '.join(dates.DATE_ORDERS)}."
        )
    raw = _read_raw(read_source(source))
    if raw.table.num_rows == 0:
        raise IngestError(
            "This file has a header but no exam rows. Check the export's date "
            "range and filters in the RIS and export again; each exam should be "
            "one row under the header."
        )
    columns = resolve_mapping(headers=raw.headers, mapping=mapping)
    require_fields(headers=raw.headers, columns=columns)
    cleaned = {h: _clean_text(raw.table.column(h)) for h in set(columns.values())}
    text = {f: cleaned[h] for f, h in columns.items()}
    seconds, formats, notes = _read_times(text, columns, date_order=date_order)
    notes = [*raw.notes, *notes]
    cancelled, cancelled_values = clean.find_cancelled(
        text.get(fields.STATUS), cancelled_statuses=cancelled_statuses
    )
    n = raw.table.num_rows
    present = {f: _present(text[f]) for f in text}
    rows = _rows_to_keep(raw, text, seconds, present, cancelled=cancelled)
    frame = _canonical_frame(text, seconds, rows, everything=len(rows) == n)
    unparseable = pd.DataFrame(
        {f: present[f][rows] & (seconds[f][rows] == dates.NAT) for f in seconds}
    )
    frame[fields.MODALITY], modality_notes = fill_modality(
        modality=frame[fields.MODALITY] if fields.MODALITY in columns else None,
        exam_name=frame[fields.EXAM_NAME],
        accession=frame[fields.ACCESSION],
    )
    notes.extend(modality_notes)
    if len(rows) < n:
        frame = clean.drop_unused_categories(frame)
    frame = clean.add_intervals(frame)
    quality = quality_report(
        frame,
        mapped=columns,
        unparseable=unparseable,
        duplicates=n - int(cancelled.sum()) - len(frame),
        cancelled=int(cancelled.sum()),
    )
    return IngestResult(
        frame=frame,
        columns=columns,
        rows_read=raw.table.num_rows,
        quality=quality,
        date_formats={f: dates.describe_formats(v) for f, v in formats.items()},
        cancelled_values=cancelled_values,
        notes=notes,
        headers=list(raw.headers),
        filename=filename,
        unparseable=unparseable,
    )
