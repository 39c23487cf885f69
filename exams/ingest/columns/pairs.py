"""Dates and times of day: split columns joined, dates without a time found.

PACS/DICOM extracts and many report writers give a date and its time of day
in two columns (``StudyDate`` + ``StudyTime``, ``Exam Date`` + ``Exam
Time``, ``study date`` + ``time``). Read alone, the date column would put
every exam at midnight. A pair is found by name (the same words but
"date"/"time", or a bare "Time" right next to the date column) and then
confirmed by values: the date column holds dates without times and the
other column times of day. The two become one timestamp, for the field
either was mapped to (the completion time first, as it is required).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from exams import fields
from exams.ingest.columns.headers import header_tokens
from exams.ingest.values.dates import NAT, DateFormat, detect_formats, parse_dates

_DAY = 86_400
_PARTS = frozenset({"date", "time"})
# 09:30, 9:30:07, 09:30:07.123, 9:30 PM; DICOM TM 0930, 093007, 093007.123;
# Excel's time-only cells written on its day zero (1899-12-30 09:30:00).
# Read by Arrow (RE2) over the whole column: no Python per value.
_CLOCK = (
    r"^(?:(?:1899-12-3[01]|1900-01-0[01])[ T])?"
    r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:[.,]\d+)?"
    r"\s*(?P<ampm>[AaPp][Mm])?$"
)
_DICOM = r"^(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?(?:\.\d+)?(?P<ampm>)$"
# Longer columns are read over their distinct values.
_DISTINCT_FIRST = 1000
# Below this share of readable times of day, the column is not a time column.
TIME_SHARE = 0.8
# Fewer values than this at midnight can be chance, not a date-only column.
_MIDNIGHT_EVIDENCE = 3


@dataclass(frozen=True)
class Pair:
    """A date column and a time-of-day column read as one field's timestamp."""

    field: str
    date_header: str
    time_header: str

    @property
    def time_key(self) -> str:
        """Return the name the time column is collected under."""
        return f"{self.field}~time"


def _split(header: str) -> tuple[str | None, tuple[str, ...]]:
    tokens = header_tokens(header)
    parts = sorted(_PARTS & set(tokens))
    if len(parts) != 1:
        return None, tokens
    return parts[0], tuple(t for t in tokens if t not in _PARTS)


def _partner(headers: Sequence[str], position: int) -> int | None:
    """Return the position of the time column that goes with a date column."""
    _, stem = _split(headers[position])
    times = [i for i, h in enumerate(headers) if _split(h)[0] == "time"]
    same = [i for i in times if _split(headers[i])[1] == stem]
    if len(same) == 1:
        return same[0]
    if same:
        return None
    # "study date", "time": a bare Time next to it.
    bare = [i for i in times if not _split(headers[i])[1] and abs(i - position) == 1]
    return bare[0] if len(bare) == 1 else None


def find_pairs(
    *, headers: Sequence[str], columns: Mapping[str, str]
) -> tuple[dict[str, str], list[Pair]]:
    """Return the mapping with each date/time pair as one field, and the pairs.

    A pair counts when the date or the time column is mapped to a time
    field; the date column then stands for that field (the completion
    time if either was mapped to it) and the other field is freed.
    """
    headers = list(headers)
    field_of = {h: f for f, h in columns.items() if f in fields.TIME_FIELDS}
    out = dict(columns)
    pairs = []
    for position, header in enumerate(headers):
        if _split(header)[0] != "date":
            continue
        partner = _partner(headers, position)
        if partner is None:
            continue
        time_header = headers[partner]
        mapped = [field_of[h] for h in (header, time_header) if h in field_of]
        if not mapped:
            continue
        field = fields.COMPLETED_AT if fields.COMPLETED_AT in mapped else mapped[0]
        for name in mapped:
            out.pop(name, None)
        out[field] = header
        pairs.append(Pair(field, header, time_header))
    ordered = {f: out[f] for f in fields.CANONICAL_FIELDS if f in out}
    return ordered, pairs


def _number(found: pa.Array, name: str) -> np.ndarray:
    """Return a group of ``found`` as integers; 0 where it is empty or missing."""
    text = pc.struct_field(found, name)
    text = pc.if_else(pc.equal(text, ""), "0", text)
    return np.asarray(
        pc.fill_null(pc.cast(text, pa.int64()), 0).to_numpy(zero_copy_only=False)
    )


def _clock_seconds(values: pa.Array, pattern: str) -> np.ndarray:
    """Return seconds after midnight where ``pattern`` reads a valid time, else -1."""
    found = pc.extract_regex(values, pattern)
    matched = np.asarray(pc.is_valid(found).to_numpy(zero_copy_only=False))
    hour, minute, second = (_number(found, p) for p in ("H", "M", "S"))
    ampm = pc.fill_null(pc.utf8_upper(pc.struct_field(found, "ampm")), "")
    pm = np.asarray(pc.equal(ampm, "PM").to_numpy(zero_copy_only=False))
    twelve = pm | np.asarray(pc.equal(ampm, "AM").to_numpy(zero_copy_only=False))
    valid = matched & (minute <= 59) & (second <= 59)
    valid &= np.where(twelve, (hour >= 1) & (hour <= 12), hour <= 23)
    hour = np.where(twelve, hour % 12 + np.where(pm, 12, 0), hour)
    return np.where(valid, hour * 3600 + minute * 60 + second, -1)


def time_of_day(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Return seconds after midnight per row; -1 where empty or not a time."""
    if isinstance(values, pa.ChunkedArray):
        values = (
            values.combine_chunks() if values.num_chunks else pa.array([], pa.string())
        )
    if not pa.types.is_dictionary(values.type) and len(values) > _DISTINCT_FIRST:
        # A day has at most 86,400 times: read each distinct text once.
        values = pc.dictionary_encode(values)
    if pa.types.is_dictionary(values.type):
        words = _read_clock(values.dictionary)
        codes = pc.fill_null(values.indices, -1).to_numpy(zero_copy_only=False)
        codes = np.asarray(codes, dtype=np.int64)
        return np.where(codes >= 0, words[np.maximum(codes, 0)], -1)
    return _read_clock(values)


def _read_clock(values: pa.Array) -> np.ndarray:
    clock = _clock_seconds(values, _CLOCK)
    dicom = _clock_seconds(values, _DICOM)
    return np.where(clock >= 0, clock, dicom).astype(np.int64)


def is_date_only(
    seconds: np.ndarray,
    formats: Sequence[DateFormat],
    *,
    evidence: int = _MIDNIGHT_EVIDENCE,
) -> bool:
    """Return whether a column's dates carry no time of day.

    Either a format it was read with has no time (``2024-01-02``), or every
    date is at midnight (``2024-01-02 00:00``, as spreadsheets write dates)
    and there are at least ``evidence`` of them.
    """
    valid = seconds[seconds != NAT]
    if not valid.size:
        return False
    if any(f.family != "serial" and "%H" not in f.strptime for f in formats):
        return True
    return valid.size >= evidence and not (valid % _DAY).any()


def combine(
    pair: Pair, *, date_seconds: np.ndarray, clock: np.ndarray, present: np.ndarray
) -> tuple[np.ndarray | None, str]:
    """Return the pair's timestamps (None: the values deny the pair) and a note.

    ``present`` marks rows with any text in the time column. A row whose
    date has no readable time of day keeps its date alone.
    """
    date_label, time_label = f"'{pair.date_header}'", f"'{pair.time_header}'"
    written = int(present.sum())
    readable = int((clock >= 0).sum())
    if not written or readable < TIME_SHARE * written:
        return None, (
            f"{time_label} was not combined with {date_label}: only "
            f"{readable:,} of its {written:,} values are times of day."
        )
    dated = date_seconds != NAT
    both = dated & (clock >= 0)
    out = date_seconds.copy()
    out[both] += clock[both]
    alone = int((dated & ~both).sum())
    note = (
        f"{date_label} (date) and {time_label} (time of day) were combined "
        f"into one timestamp: {fields.FIELD_LABELS[pair.field]} ({pair.field})."
    )
    if alone:
        note += f" {alone:,} exam(s) have a date there but no time of day."
    return out, note


def _full_timestamps(
    values: pa.ChunkedArray, *, like: Sequence[DateFormat], present: np.ndarray
) -> tuple[np.ndarray, tuple[DateFormat, ...]] | None:
    """Return the column read as dates with times (Epic's ``ORDER_TIME``), or None.

    Read in the day/month order of its date column; None unless most values
    are dates and they carry times.
    """
    order = "dmy" if any(f.day_first for f in like) else "mdy"
    plain = values.cast(pa.string())
    found, _ = detect_formats({"time": plain}, date_order=order)
    read = parse_dates(plain, found["time"])
    if (read != NAT).sum() < TIME_SHARE * present.sum():
        return None
    if is_date_only(read, found["time"], evidence=1):
        return None
    return read, found["time"]


def join_pairs(
    pairs: Sequence[Pair],
    *,
    text: dict[str, pa.ChunkedArray],
    seconds: dict[str, np.ndarray],
    present: dict[str, np.ndarray],
    formats: dict[str, tuple[DateFormat, ...]],
    columns: dict[str, str],
) -> tuple[set[str], list[str]]:
    """Join each confirmed pair in ``seconds``; return the date-only fields and notes.

    The time columns are taken out of ``text``. A "time" column that holds
    whole timestamps replaces its date column (``columns``, ``seconds``,
    ``present`` and ``formats`` follow). A field is date-only when its
    column has dates without times and no time column completes them all.
    """
    date_only, notes, paired = set(), [], set()
    for pair in pairs:
        clock_text = text.pop(pair.time_key, None)
        if clock_text is None or pair.field not in seconds:
            continue
        paired.add(pair.field)
        dated = seconds[pair.field]
        # The names already pair it with a time column: one midnight will do.
        if not is_date_only(dated, formats[pair.field], evidence=1):
            notes.append(
                f"'{pair.time_header}' was not combined with "
                f"'{pair.date_header}': that column already has times of day."
            )
            continue
        written = np.asarray(pc.is_valid(clock_text).to_numpy(zero_copy_only=False))
        clock = time_of_day(clock_text)
        joined, note = combine(pair, date_seconds=dated, clock=clock, present=written)
        if joined is None:
            whole = _full_timestamps(
                clock_text, like=formats[pair.field], present=written
            )
            if whole is not None:
                seconds[pair.field], formats[pair.field] = whole
                present[pair.field], columns[pair.field] = written, pair.time_header
                notes.append(
                    f"'{pair.time_header}' holds dates with times of day: used "
                    f"for {fields.FIELD_LABELS[pair.field]} ({pair.field}) "
                    f"instead of '{pair.date_header}'."
                )
                continue
        notes.append(note)
        if joined is not None:
            seconds[pair.field] = joined
        if joined is None or ((dated != NAT) & (clock < 0)).any():
            date_only.add(pair.field)
    for name, values in seconds.items():
        if name not in paired and is_date_only(values, formats.get(name, ())):
            date_only.add(name)
    return date_only, notes
