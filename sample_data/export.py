"""Write ground-truth exams as a vendor's CSV export and count what it holds.

Cells are formatted per distinct value and gathered with pyarrow, never row
by row, so a million-row file is written in a few seconds.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Cells are bytes already in the file's encoding; 64-bit offsets let a
# multi-million-row file fit in one array.
TEXT = pa.large_binary()
INTERVALS = {
    "order_to_complete": ("ordered_at", "completed_at"),
    "complete_to_final": ("completed_at", "finalized_at"),
    "order_to_final": ("ordered_at", "finalized_at"),
}
TIME_FIELDS = (
    "ordered_at",
    "started_at",
    "completed_at",
    "preliminary_at",
    "finalized_at",
)
# Intervals that need a preliminary report time, counted apart so that the
# keys above stay what an ingest reports for every layout.
PRELIMINARY_INTERVALS = {
    "complete_to_preliminary": ("completed_at", "preliminary_at"),
    "preliminary_to_final": ("preliminary_at", "finalized_at"),
}
SHIFTS = (("day", 7 * 60, 15 * 60), ("evening", 15 * 60, 23 * 60))  # else night


@dataclass(frozen=True)
class Layout:
    """How one RIS report writer spells, formats and encodes an export."""

    columns: tuple[tuple[str, str], ...]  # (header, canonical field)
    date_format: str
    clock_format: str
    delimiter: str = ","
    encoding: str = "utf-8"
    bom: bool = False
    eol: str = "\r\n"
    status_words: tuple[tuple[str, str], ...] = ()  # truth status -> written
    sources: tuple[tuple[str, str], ...] = ()  # canonical field -> truth column

    @property
    def fields(self) -> tuple[str, ...]:
        """Return the canonical fields this layout writes."""
        return tuple(field for _, field in self.columns)

    def source(self, field: str) -> str:
        """Return the truth column a canonical field is written from."""
        return dict(self.sources).get(field, field)


LAYOUTS = {
    # The export the app was designed around: no modality and no status
    # column, so the report writer left cancelled exams out.
    "seed": Layout(
        columns=(
            ("Exam Complete Date/Tm", "completed_at"),
            ("Order Procedure Accession", "accession"),
            ("Exam Order Date/Time", "ordered_at"),
            ("Final Date/Tm", "finalized_at"),
            ("Exam Order Name", "exam_name"),
            ("Priority", "priority"),
            ("Ordering Physician", "ordering_physician"),
            ("Patient Class", "patient_class"),
            # Added after the first eight, so those columns stay as they were.
            ("Prelim Date/Tm", "preliminary_at"),
            ("Reading Radiologist", "reading_radiologist"),
            ("Exam Location", "location"),
        ),
        date_format="%m/%d/%Y",
        clock_format="%H:%M",
    ),
    "epic": Layout(
        columns=(
            ("ACCESSION_NUM", "accession"),
            ("PROC_NAME", "exam_name"),
            ("MODALITY", "modality"),
            ("ORDERING_DTTM", "ordered_at"),
            ("BEGIN_EXAM_DTTM", "started_at"),
            ("END_EXAM_DTTM", "completed_at"),
            ("PRELIM_DTTM", "preliminary_at"),
            ("FINALIZING_DTTM", "finalized_at"),
            ("ORDER_PRIORITY_C", "priority"),
            ("PAT_CLASS_C", "patient_class"),
            ("ORDERING_PROV", "ordering_physician"),
            ("FINALIZING_RAD", "reading_radiologist"),
            ("PERFORMING_DEPT", "location"),
            ("EXAM_STATUS", "status"),
        ),
        date_format="%Y-%m-%d",
        clock_format="%H:%M:%S",
        bom=True,
        # Epic names the attending who finalised, not the resident who read.
        sources=(("reading_radiologist", "signing_radiologist"),),
    ),
    # European Excel: semicolons, Windows-1252, 12-hour clock.
    "cerner": Layout(
        columns=(
            ("ACCESSION", "accession"),
            ("EXAM_DESC", "exam_name"),
            ("MODALITY", "modality"),
            ("ORDER_DT_TM", "ordered_at"),
            ("START_DT_TM", "started_at"),
            ("COMPLETE_DT_TM", "completed_at"),
            ("FINAL_DT_TM", "finalized_at"),
            ("PRIORITY_CD", "priority"),
            ("ORDERING_PHYSICIAN", "ordering_physician"),
            ("PATIENT_TYPE", "patient_class"),
            ("RADIOLOGIST", "reading_radiologist"),
            ("EXAM_STATUS", "status"),
        ),
        date_format="%m/%d/%Y",
        clock_format="%I:%M %p",
        delimiter=";",
        encoding="cp1252",
        status_words=(
            ("Final", "Signed"),
            ("Preliminary", "Dictated"),
            ("Ended", "Completed"),
            ("Canceled", "Cancelled"),
        ),
    ),
}


def write_export(truth: pd.DataFrame, *, layout: str, path: Path) -> dict:
    """Write ``truth`` to ``path`` in ``layout``; return the expected counts."""
    Path(path).write_bytes(render_export(truth, layout=layout))
    return expected_counts(truth, layout=layout)


def written_rows(truth: pd.DataFrame, *, layout: str) -> pd.DataFrame:
    """Return the truth rows a layout's file holds, in file order."""
    if "status" in LAYOUTS[layout].fields:
        return truth
    return truth[~truth["is_cancelled"].to_numpy()]


def render_export(truth: pd.DataFrame, *, layout: str) -> bytes:
    """Return the bytes of the export file, header line included."""
    spec = LAYOUTS[layout]
    rows = written_rows(truth, layout=layout)
    cells = [_cells(rows, field, spec) for field in spec.fields]
    lines = pc.binary_join_element_wise(
        *cells,
        _encoded(spec.delimiter, spec),
        null_handling="replace",
        null_replacement="",
    )
    lines = pc.binary_join_element_wise(
        lines, _encoded("", spec), _encoded(spec.eol, spec)
    )
    header = spec.delimiter.join(h for h, _ in spec.columns) + spec.eol
    bom = b"\xef\xbb\xbf" if spec.bom else b""
    return bom + header.encode(spec.encoding) + _concatenated(lines)


def _cells(rows: pd.DataFrame, field: str, spec: Layout) -> pa.Array:
    # Format each distinct value once (a few thousand at most), encode it in
    # the file's encoding, then gather by index: fast for millions of rows.
    if field in TIME_FIELDS:
        return _time_cells(rows, field, spec)
    series = rows[spec.source(field)]
    if not isinstance(series.dtype, pd.CategoricalDtype):
        return _plain_cells(series, spec)
    names = [str(v) for v in series.cat.categories]
    if field == "status":
        names = [dict(spec.status_words).get(v, v) for v in names]
    codes = series.cat.codes.to_numpy()
    return _gather([_quoted(v, spec.delimiter) for v in names], codes, spec)


def _time_cells(rows: pd.DataFrame, field: str, spec: Layout) -> pa.Array:
    stamps = rows[field].to_numpy(dtype="datetime64[m]")
    valid = ~np.isnat(stamps)
    minutes = np.where(valid, stamps.astype(np.int64), 0)
    days = minutes // 1440
    first = days[valid].min() if valid.any() else 0
    last = days[valid].max() if valid.any() else 0
    day_stamps = np.arange(first, last + 1).astype("datetime64[D]")
    clock_stamps = np.arange(1440).astype("datetime64[m]")
    dates = _gather(_strftime(day_stamps, spec.date_format), days - first, spec)
    clocks = _gather(_strftime(clock_stamps, spec.clock_format), minutes % 1440, spec)
    text = pc.binary_join_element_wise(dates, clocks, _encoded(" ", spec))
    text = pc.if_else(pa.array(valid), text, pa.nulls(len(text), TEXT))
    if field == "finalized_at":
        raw = rows["final_text"].astype("category")
        tokens = _gather(list(raw.cat.categories), raw.cat.codes.to_numpy(), spec)
        text = pc.if_else(pc.is_valid(tokens), tokens, text)
    return text


def _plain_cells(series: pd.Series, spec: Layout) -> pa.Array:
    # Accession numbers are unique per row: convert the column as a whole.
    values = pa.array(series, from_pandas=True).cast(pa.large_string())
    special = pc.match_substring_regex(values, f'[{spec.delimiter}"\r\n]')
    if not pc.all(pc.string_is_ascii(values)).as_py() or pc.any(special).as_py():
        raise ValueError(f"{series.name} needs quoting or encoding: use a category")
    return values.cast(TEXT)


def _strftime(stamps: np.ndarray, fmt: str) -> list[str]:
    # pyarrow formats in the "C" locale: AM/PM whatever the machine's locale.
    array = pa.array(stamps.astype("datetime64[s]"))
    return pc.strftime(array, format=fmt, locale="C").to_pylist()


def _gather(names: list[str], codes: np.ndarray, spec: Layout) -> pa.Array:
    dictionary = pa.array([v.encode(spec.encoding) for v in names], TEXT)
    return dictionary.take(pa.array(codes, mask=codes < 0))


def _encoded(text: str, spec: Layout) -> pa.Scalar:
    return pa.scalar(text.encode(spec.encoding), TEXT)


def _quoted(value: str, delimiter: str) -> str:
    # Quote only what needs it, like Excel's "Save as CSV".
    if any(c in value for c in (delimiter, '"', "\r", "\n")):
        return '"' + value.replace('"', '""') + '"'
    return value


def _concatenated(lines: pa.Array) -> bytes:
    # A binary array stores its values back to back: slice the data buffer
    # instead of building a Python object per row.
    lines = pa.concat_arrays([lines]) if lines.offset else lines
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[: len(lines) + 1]
    start, end = int(offsets[0]), int(offsets[-1])
    return lines.buffers()[2].slice(start, end - start).to_pybytes()


def expected_counts(truth: pd.DataFrame, *, layout: str) -> dict:
    """Return what an ingest of the layout's file must report (docs/API.md).

    Quality counts are over loaded rows (duplicates and cancelled removed).
    ``pending`` = loaded rows with an empty final; an unreadable final text
    is ``unparseable``, not pending.
    """
    spec = LAYOUTS[layout]
    rows = written_rows(truth, layout=layout)
    kept = ~rows["is_duplicate_row"].to_numpy() & ~rows["is_cancelled"].to_numpy()
    loaded = rows[kept]
    unreadable = loaded["final_text"].notna().to_numpy()
    completed = loaded["completed_at"]
    duplicate_kind = rows["duplicate_kind"].value_counts()
    cancelled = rows.loc[rows["is_cancelled"].to_numpy(), "status"]
    if spec.status_words:
        cancelled = cancelled.cat.rename_categories(dict(spec.status_words))
    intervals = {name: _minutes(loaded, *ends) for name, ends in INTERVALS.items()}
    clock = (completed.dt.hour * 60 + completed.dt.minute).to_numpy()
    shift_counts = {
        name: int(((clock >= a) & (clock < b)).sum()) for name, a, b in SHIFTS
    }
    shift_counts["night"] = len(loaded) - sum(shift_counts.values())
    months = completed.dt.strftime("%Y-%m").value_counts().sort_index()
    missing = {f: int(loaded[spec.source(f)].isna().sum()) for f in spec.fields}
    if "finalized_at" in missing:
        missing["finalized_at"] -= int(unreadable.sum())
    stats = {name: _stats(values) for name, values in intervals.items()}
    return {
        "layout": layout,
        "encoding": "utf-8-sig" if spec.bom else spec.encoding,
        "delimiter": spec.delimiter,
        "line_ending": {"\r\n": "CRLF", "\n": "LF"}[spec.eol],
        "columns": {field: header for header, field in spec.columns},
        "rows_read": len(rows),
        "rows_loaded": len(loaded),
        "duplicates": int(rows["is_duplicate_row"].sum()),
        "duplicates_identical": int(duplicate_kind.get("identical", 0)),
        "duplicates_same_accession": int(duplicate_kind.get("addendum", 0)),
        "cancelled": len(cancelled),
        "cancelled_values": _counts(cancelled),
        "pending": int((loaded["finalized_at"].isna().to_numpy() & ~unreadable).sum()),
        "negative": {name: int((v < 0).sum()) for name, v in intervals.items()},
        "unparseable": {
            f: int(unreadable.sum()) if f == "finalized_at" else 0
            for f in spec.fields
            if f in TIME_FIELDS
        },
        "missing": missing,
        "modalities": _counts(loaded["modality"]),
        "priorities": _counts(loaded["priority"]),
        "patient_classes": _counts(loaded["patient_class"]),
        "completed_first": _iso(completed.min()),
        "completed_last": _iso(completed.max()),
        "completed_by_month": {k: int(v) for k, v in months.items()},
        "completed_weekend": int((completed.dt.day_of_week >= 5).sum()),
        "shifts": shift_counts,
        "intervals": stats,
        "median_complete_to_final_minutes": stats["complete_to_final"]["median"],
        **_staff_counts(loaded, spec),
    }


def _staff_counts(loaded: pd.DataFrame, spec: Layout) -> dict:
    # Only what the layout writes: readers, rooms and preliminary reports.
    counts = {}
    if "reading_radiologist" in spec.fields:
        readers = loaded[spec.source("reading_radiologist")]
        counts["radiologists"] = _counts(readers)
        counts["read_by_residents"] = int(
            readers.astype(str).str.endswith("(RESIDENT)").sum()
        )
    if "location" in spec.fields:
        counts["locations"] = _counts(loaded["location"])
    if "preliminary_at" in spec.fields:
        intervals = {
            name: _minutes(loaded, *ends)
            for name, ends in PRELIMINARY_INTERVALS.items()
        }
        counts["preliminary_reports"] = int(loaded["preliminary_at"].notna().sum())
        counts["preliminary_negative"] = {
            name: int((v < 0).sum()) for name, v in intervals.items()
        }
        counts["preliminary_intervals"] = {
            name: _stats(v) for name, v in intervals.items()
        }
    return counts


def _iso(stamp: pd.Timestamp) -> str | None:
    return None if pd.isna(stamp) else stamp.isoformat()


def _minutes(frame: pd.DataFrame, start: str, end: str) -> pd.Series:
    return (frame[end] - frame[start]) / pd.Timedelta(minutes=1)


def _stats(minutes: pd.Series) -> dict:
    valid = minutes.dropna().to_numpy()
    valid = valid[valid >= 0]
    if valid.size == 0:
        return {"n": 0, "median": None, "mean": None, "p90": None}
    return {
        "n": int(valid.size),
        "median": float(np.median(valid)),
        "mean": round(float(valid.mean()), 4),
        "p90": round(float(np.percentile(valid, 90)), 4),
    }


def _counts(values: pd.Series) -> dict:
    counts = values.value_counts()
    pairs = sorted(((str(k), int(v)) for k, v in counts.items() if v), key=_by_size)
    return dict(pairs)


def _by_size(pair: tuple[str, int]) -> tuple[int, str]:
    return -pair[1], pair[0]
