"""`read_export`: one RIS export's bytes → the canonical frame and its report."""

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from exams import fields, progress
from exams.ingest.columns import pairs, profile, recognise
from exams.ingest.columns.headers import require_fields, resolve_mapping
from exams.ingest.columns.pairs import Pair
from exams.ingest.errors import IngestError, NeedsMapping
from exams.ingest.files.body import BLOCK_SIZE, NotUtf8, read_batches
from exams.ingest.files.collect import Collector
from exams.ingest.files.reading import (
    RawTable,
    open_not_utf8,
    open_text,
    read_source,
    refuse_binary,
)
from exams.ingest.files.text import TextExport
from exams.ingest.files.xlsx import read_xlsx
from exams.ingest.quality import quality_report
from exams.ingest.values import clean, dates
from exams.ingest.values.chain import leave_out_date_only
from exams.ingest.values.modality import fill_modality
from exams.ingest.values.spelling import SPELLING_FIELDS, merge_spellings

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
    # Fields whose file gave dates without times (`chain`), and field →
    # spelling → rows before spellings were merged (`spelling`).
    date_only: tuple[str, ...] = ()
    spellings: dict = field(default_factory=dict, repr=False, compare=False)


def _open(source: bytes | Path) -> RawTable | TextExport:
    """Return a workbook as a string table, a text export as where its rows are.

    The content decides, not the file name: some RIS write CSV text under an
    .xls/.xlsx name, and a renamed workbook is still a workbook.
    """
    if isinstance(source, Path):
        with source.open("rb") as file:
            head = file.read(16)
    else:
        head = source[:16]
    if head.startswith(_ZIP_MAGIC):
        return read_xlsx(source.read_bytes() if isinstance(source, Path) else source)
    refuse_binary(head)  # by its first bytes
    return open_text(source)


def _no_rows() -> IngestError:
    return IngestError(
        "This file has a header but no exam rows. Check the export's date "
        "range and filters in the RIS and export again; each exam should be "
        "one row under the header."
    )


def _refuse_all_cancelled(n: int, matched: Mapping[str, int]) -> None:
    """Refuse a file whose every exam is cancelled, as one with no rows."""
    statuses = ", ".join(f"'{v}'" for v in matched)
    raise IngestError(
        f"All {n:,} exams in this file are cancelled (status {statuses}), so "
        "there is no exam to analyse. Check the export's status filter in the "
        "RIS and export the completed exams; if one of these statuses does "
        "not mean cancelled, remove it from the cancelled statuses in Settings."
    )


def _count_rows(export: TextExport, block_size: int) -> int:
    counted = Collector({})
    read_batches(export, consume=counted.add, block_size=block_size)
    return counted.rows


def _collect(
    found: RawTable | TextExport, *, mapping: Mapping[str, str] | None, block_size: int
) -> tuple[Collector, dict[str, str], list[Pair], list[str]]:
    """Read the rows; return them collected, the mapping, date/time pairs, notes.

    The checks come in the order a person should hear them: a file that
    cannot be read or has no rows, then columns that are not recognised.
    """
    if isinstance(found, RawTable) and found.table.num_rows == 0:
        raise _no_rows()
    sample = recognise.sample_rows(found)
    recognised = recognise.recognise(headers=found.headers, sample=sample)
    try:
        columns = resolve_mapping(
            headers=found.headers, mapping=mapping, guesses=recognised.columns
        )
        require_fields(headers=found.headers, columns=columns)
    except NeedsMapping as needs:
        if isinstance(found, TextExport) and not _count_rows(found, block_size):
            raise _no_rows() from None
        # What each column holds, for the person answering (never logged).
        needs.samples = recognised.samples
        needs.evidence = recognised.evidence
        needs.guesses = {**recognised.suggestions, **needs.guesses}
        if recognised.suggestions and not mapping:
            dated = " and ".join(f"'{h}'" for h in recognised.suggestions.values())
            needs.message = (
                f"{dated} both hold dates and times, and nothing tells which one "
                "is when each exam was completed. The best guess is chosen "
                "below: check it, then load."
            )
            needs.args = (needs.message,)
        raise
    except IngestError:
        if isinstance(found, TextExport) and not _count_rows(found, block_size):
            raise _no_rows() from None
        raise
    columns, found_pairs = pairs.find_pairs(headers=found.headers, columns=columns)
    collected = Collector(
        {**columns, **{p.time_key: p.time_header for p in found_pairs}},
        strings=[p.time_key for p in found_pairs],
    )
    notes = list(found.notes) + recognise.notes(recognised, columns)
    if isinstance(found, RawTable):
        collected.add_table(found.table)
    else:
        malformed, joined = read_batches(
            found, consume=collected.add, block_size=block_size
        )
        if malformed:
            notes.append(
                f"{malformed} line(s) without {len(found.headers)} fields skipped "
                "(not counted as rows)."
                + (
                    ' An unmatched quote (") joined lines into one row: each '
                    "of those lines is an exam not loaded."
                    if joined
                    else ""
                )
            )
    if collected.rows == 0:
        raise _no_rows()
    return collected, columns, found_pairs, notes


def _time_series(seconds: np.ndarray | None, rows: np.ndarray) -> pd.Series:
    if seconds is None:
        return pd.Series(np.full(len(rows), np.datetime64("NaT", "ns")))
    picked = seconds[rows]
    # In place: no second and third copy of the column at the ingest's peak.
    np.multiply(picked, 1_000_000_000, out=picked, where=picked != dates.NAT)
    return pd.Series(picked.view("datetime64[ns]"))


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
    text: dict[str, pa.ChunkedArray],
    seconds: dict[str, np.ndarray],
    rows: np.ndarray,
    *,
    everything: bool,
) -> pd.DataFrame:
    """Return the canonical columns of ``rows`` (modality not yet derived).

    Each column is taken out of ``text`` / ``seconds`` as it is converted,
    so its source is freed at once, and the frame is made of the converted
    columns as they are (no copy): at 10M exams the sources and a copy of
    the frame were ~1 GB at the ingest's peak.
    """
    taken = None if everything else pa.array(rows)
    data = {}
    for name in fields.CANONICAL_FIELDS:
        if name in fields.TIME_FIELDS:
            data[name] = _time_series(seconds.pop(name, None), rows)
        elif name == fields.ACCESSION:
            data[name] = _accession_series(text.pop(name, None), taken, len(rows))
        else:
            data[name] = _text_series(text.pop(name, None), taken, len(rows))
    return pd.DataFrame(data, copy=False)


def empty_frame() -> pd.DataFrame:
    """Return a canonical frame with no rows."""
    rows = np.arange(0)
    return clean.add_intervals(_canonical_frame({}, {}, rows, everything=True))


def _present(column: pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.is_valid(column).to_numpy(zero_copy_only=False))


def _refuse_unreadable(header: str, empty: bool):
    problem = "is empty in every row" if empty else "has no date TATviz can read"
    raise IngestError(
        f"The column '{header}' (exam completed date/time) {problem}. Dates "
        f"are expected like {_EXAMPLE_DATES}. Map the column that holds the "
        "exam completion time, or export the dates in one of these forms."
    )


def _read_times(
    text: dict[str, pa.ChunkedArray],
    columns: dict[str, str],
    *,
    date_order: str,
    found_pairs: list[Pair],
    automatic: set[str],
) -> tuple[dict, dict, dict, set[str], list[str]]:
    """Return field → seconds, → present, → formats, date-only fields, notes.

    The time fields' strings are taken out of ``text``, each column freed as
    soon as it is read (the strings of three time columns are the biggest
    thing an ingest holds); date/time pairs are joined (`pairs`) and mostly
    unreadable columns dropped from ``columns`` (`profile`). Raise
    `IngestError` when the completion column holds no readable date.
    """
    time_fields = [f for f in fields.TIME_FIELDS if f in text]
    formats, notes = dates.detect_formats(
        {f: text[f] for f in time_fields}, date_order=date_order, labels=columns
    )
    seconds, present, empty, offsets = {}, {}, {}, {}
    for f in time_fields:
        values = text.pop(f)
        seconds[f] = dates.parse_dates(values, formats[f])
        found = dates.utc_offsets(values, formats[f])
        if found is not None:
            offsets[f] = found
        present[f] = _present(values)
        empty[f] = values.null_count == len(values)
    date_only, pair_notes = pairs.join_pairs(
        found_pairs,
        text=text,
        seconds=seconds,
        present=present,
        formats=formats,
        columns=columns,
    )
    notes.extend(pair_notes)
    converted, common = dates.one_clock(seconds, offsets)
    if converted:
        notes.append(
            f"{converted:,} time(s) written with another UTC offset converted "
            f"to the file's usual {dates.describe_offset(common)}, so every "
            "interval is on one clock."
        )
    if (seconds[fields.COMPLETED_AT] == dates.NAT).all():
        _refuse_unreadable(columns[fields.COMPLETED_AT], empty[fields.COMPLETED_AT])
    dropped, date_notes = profile.check_dates(
        seconds, present, columns=columns, automatic=automatic
    )
    notes.extend(date_notes)
    for f in dropped:
        del seconds[f], present[f], formats[f], columns[f]
        date_only.discard(f)
    return seconds, present, formats, date_only, notes


def _rows_to_keep(
    collected: Collector,
    accession: pa.ChunkedArray | None,
    seconds: Mapping[str, np.ndarray],
    present: Mapping[str, np.ndarray],
    *,
    cancelled: np.ndarray,
) -> np.ndarray:
    """Return the rows left after removing cancelled exams, then duplicates."""
    n = collected.rows
    filled = np.zeros(n, dtype=np.int64)
    for f in present:
        filled += (seconds[f] != dates.NAT) if f in seconds else present[f]
    return clean.rows_to_keep(
        accession=accession if accession is not None else pa.nulls(n, pa.string()),
        filled=filled,
        finalized=seconds.get(fields.FINALIZED_AT, np.full(n, dates.NAT)),
        # "Identical" means the whole line, unmapped columns included.
        identity=collected.identity,
        exclude=cancelled,
    )


def _source(source: bytes | os.PathLike | BinaryIO) -> bytes | Path:
    if isinstance(source, str | os.PathLike):
        return Path(source)
    return read_source(source)


def read_export(
    source: bytes | os.PathLike | BinaryIO,
    *,
    filename: str,
    mapping: Mapping[str, str] | None = None,
    date_order: str = "auto",
    cancelled_statuses: Iterable[str] = fields.DEFAULT_CANCELLED_STATUSES,
    block_size: int = BLOCK_SIZE,
) -> IngestResult:
    """Return the export as the canonical frame with its quality report.

    Raise `IngestError` for a file that cannot be an export, `NeedsMapping`
    when the completion time or both modality and exam name are not found,
    and `AmbiguousDates` when day/month order cannot be told ("mdy"/"dmy"
    in ``date_order`` settles it). A text export is read ``block_size``
    bytes at a time.
    """
    if date_order not in dates.DATE_ORDERS:
        raise IngestError(
            f"date_order '{date_order}' is not one of: {', '.join(dates.DATE_ORDERS)}."
        )
    source = _source(source)
    found = _open(source)
    try:
        collected, columns, found_pairs, notes = _collect(
            found, mapping=mapping, block_size=block_size
        )
    except NotUtf8:
        found = open_not_utf8(source)
        collected, columns, found_pairs, notes = _collect(
            found, mapping=mapping, block_size=block_size
        )
    headers, n = found.headers, collected.rows
    progress.stage("checking")
    undecodable = getattr(found, "undecodable", 0)
    del found  # a workbook's string table
    text = collected.columns()
    # What the user chose is taken as chosen; the guesses must show evidence.
    automatic = {f for f in columns if f not in (mapping or {})}
    seconds, present, formats, date_only, date_notes = _read_times(
        text,
        columns,
        date_order=date_order,
        found_pairs=found_pairs,
        automatic=automatic,
    )
    notes.extend(date_notes)
    if fields.COMPLETED_AT in automatic:
        profile.require_readable_completion(
            seconds[fields.COMPLETED_AT],
            present[fields.COMPLETED_AT],
            header=columns[fields.COMPLETED_AT],
            headers=list(headers),
            columns=columns,
        )
    dropped, text_notes = profile.check_text(
        text,
        columns=columns,
        automatic=automatic,
        cancelled_statuses=cancelled_statuses,
    )
    notes.extend(text_notes)
    for f in dropped:
        del text[f], columns[f]
    present.update({f: _present(text[f]) for f in text})
    cancelled, cancelled_values = clean.find_cancelled(
        text.get(fields.STATUS), cancelled_statuses=cancelled_statuses
    )
    if cancelled.size and cancelled.all():
        _refuse_all_cancelled(n, cancelled_values)
    rows = _rows_to_keep(
        collected,
        text.get(fields.ACCESSION),
        seconds,
        present,
        cancelled=cancelled,
    )
    del collected
    unparseable = pd.DataFrame(
        {f: present[f][rows] & (seconds[f][rows] == dates.NAT) for f in seconds}
    )
    frame = _canonical_frame(text, seconds, rows, everything=len(rows) == n)
    frame[fields.MODALITY], modality_notes = fill_modality(
        modality=frame[fields.MODALITY] if fields.MODALITY in columns else None,
        exam_name=frame[fields.EXAM_NAME],
        accession=frame[fields.ACCESSION],
    )
    notes.extend(modality_notes)
    if len(rows) < n:
        frame = clean.drop_unused_categories(frame)
    frame, merged, spellings = merge_spellings(
        frame, names=[f for f in SPELLING_FIELDS if f in columns]
    )
    frame = clean.add_intervals(frame)
    leave_out_date_only(frame, date_only=date_only)
    quality = quality_report(
        frame,
        mapped=columns,
        unparseable=unparseable,
        duplicates=n - int(cancelled.sum()) - len(frame),
        cancelled=int(cancelled.sum()),
        date_only=date_only,
        merged=merged,
        undecodable_bytes=undecodable,
    )
    return IngestResult(
        frame=frame,
        columns=columns,
        rows_read=n,
        quality=quality,
        date_formats={f: dates.describe_formats(v) for f, v in formats.items()},
        cancelled_values=cancelled_values,
        notes=notes,
        headers=list(headers),
        filename=filename,
        unparseable=unparseable,
        date_only=tuple(f for f in fields.TIME_FIELDS if f in date_only),
        spellings=spellings,
    )
