"""Reduce an export's string batches, as they are read, to what ingest keeps.

The whole export never exists as one string table (at 1M rows it was
~150 MB at the ingest's peak): each batch is trimmed, its text fields become
dictionary codes, and only the accession and time strings are kept (the
dates are read once the whole column is known, because the date format and
the day/month order are decided per file). Whole raw rows are kept only
where there is no accession: de-duplication compares those by the whole
line, unmapped columns included.
"""

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from exams import fields


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


def clean_text(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Return the column trimmed, with blank cells as nulls."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    if all(_is_clean(chunk) for chunk in chunks):
        # The usual case: no copy of the column (time and memory).
        return column
    trimmed = pc.utf8_trim_whitespace(column)
    if pc.any(pc.equal(trimmed, "")).as_py():
        trimmed = pc.if_else(
            pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed
        )
    return trimmed


class Collector:
    """Keep, batch by batch, the mapped columns of an export's rows."""

    def __init__(self, columns: Mapping[str, str], *, strings: Iterable[str] = ()):
        self._columns = dict(columns)
        # Kept as text like the time fields (a time of day joined to a date).
        self._strings = {fields.ACCESSION, *fields.TIME_FIELDS, *strings}
        self._parts: dict[str, list[pa.Array]] = {f: [] for f in columns}
        self._loose: list[pa.RecordBatch] = []
        self._loose_at: list[np.ndarray] = []
        self.rows = 0

    def add(self, batch: pa.RecordBatch) -> None:
        """Keep what ingest needs of one batch of string columns."""
        cleaned = {h: clean_text(batch.column(h)) for h in set(self._columns.values())}
        for name, header in self._columns.items():
            values = cleaned[header]
            if name not in self._strings:
                # Codes into a small dictionary instead of a string per row.
                values = pc.dictionary_encode(values)
            self._parts[name].append(values)
        if fields.ACCESSION in self._columns:
            loose = pc.is_null(cleaned[self._columns[fields.ACCESSION]])
            at = np.flatnonzero(loose.to_numpy(zero_copy_only=False))
            if at.size:
                self._loose.append(batch.filter(loose))
                self._loose_at.append(at + self.rows)
        else:
            self._loose.append(batch)
            self._loose_at.append(np.arange(batch.num_rows) + self.rows)
        self.rows += batch.num_rows

    def add_table(self, table: pa.Table) -> None:
        """Keep what ingest needs of a whole string table (a workbook's)."""
        for batch in table.to_batches():
            if batch.num_rows:
                self.add(batch)

    def columns(self) -> dict[str, pa.ChunkedArray]:
        """Return field → its column over every row; forget the batches.

        Accession and time fields are (trimmed) strings; the other text
        fields dictionary-encoded, with one dictionary in order of first
        appearance (as `pyarrow.compute.dictionary_encode` of the whole
        column would make it).
        """
        out = {}
        for name in self._columns:
            parts = self._parts.pop(name)
            if name in self._strings:
                out[name] = pa.chunked_array(parts, pa.string())
            else:
                out[name] = _one_dictionary(parts)
        return out

    def identity(self, positions: np.ndarray) -> pd.DataFrame:
        """Return the raw rows at ``positions`` (rows without an accession)."""
        at = np.concatenate(self._loose_at) if self._loose_at else np.arange(0)
        table = pa.Table.from_batches(self._loose)
        return table.take(pa.array(np.searchsorted(at, positions))).to_pandas()


def _one_dictionary(parts: list[pa.Array]) -> pa.ChunkedArray:
    if not parts:
        return pc.dictionary_encode(pa.chunked_array([], pa.string()))
    return pa.chunked_array(parts).unify_dictionaries()
