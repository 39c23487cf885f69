"""Find each time column's date format from its values and parse it in Arrow.

A sample of each column is classified in Python (a few thousand values);
the whole column is then parsed by `pyarrow.compute.strptime`, which is
about 20× faster than pandas with a format. Two portability facts shape it:

- Arrow uses the C library's strptime on Linux/macOS but a vendored musl
  copy on Windows, which has no ``%p``. AM/PM is therefore cut off the text
  and applied to the hour afterwards.
- Neither strptime checks the day against the month ("02/30/2024" becomes
  1 March), so days that rolled over are checked against the text.

Two-digit years follow POSIX: 69–99 → 1900s, 00–68 → 2000s. Times are kept
as written (local wall-clock). A UTC offset suffix is cut off to parse; the
file's times are then put on one clock (`utc_offsets`, `one_clock`): those
written with the file's most common offset stay as written, the others are
converted to it, so "10:30+05:00" → "11:00+01:00" is 270 minutes, not 30.
"""

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from exams.ingest.errors import AmbiguousDates

NAT = np.iinfo(np.int64).min
# Outside these years a "date" is a placeholder (01/01/1900, 12/31/9999) or
# a typo, and could not be held in nanoseconds anyway.
_EARLIEST = int(np.datetime64("1900-01-01", "s").astype(np.int64))
_LATEST = int(np.datetime64("2200-01-01", "s").astype(np.int64))
_EXCEL_EPOCH_DAYS = 25569  # 1970-01-01 as an Excel (1900 system) serial
SAMPLE_SIZE = 2000
DATE_ORDERS = ("auto", "mdy", "dmy")

_TIME = (
    r"(?:(?P<tsep>[ T]+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?"
    r"(?P<frac>[.,]\d+)?(?:\s*(?P<ampm>[AaPp][Mm]))?)?"
)
_ZONE = r"(?P<zone>\s*(?:Z|[+-]\d{2}:?\d{2}))?"
_PATTERNS = {
    "numeric": re.compile(
        r"(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
        + _TIME
        + "$"
    ),
    "ymd": re.compile(
        r"(?P<y>\d{4})(?P<sep>[/.-])\d{1,2}(?P=sep)\d{1,2}" + _TIME + _ZONE + "$"
    ),
    "mon": re.compile(
        r"\d{1,2}(?P<sep>[- ])(?P<mon>[A-Za-z]{3})(?P=sep)(?P<y>\d{4}|\d{2})"
        + _TIME
        + "$"
    ),
    "hl7": re.compile(
        r"(?P<digits>\d{14}|\d{12}|\d{8})(?P<frac>\.\d+)?(?P<zone>[+-]\d{4})?$"
    ),
    "serial": re.compile(r"(?P<days>\d{5})(?:\.\d+)?$"),
}
_MONTHS = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
           "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}  # fmt: skip
_SERIAL_DAYS = (10_000, 109_574)  # 1927-05-18 .. 2199-12-31
# Applied to the whole column only when the sample shows them.
# pyarrow's regex engine (RE2) has no look-ahead: keep the AM/PM in a group.
_FRACTION = r"[.,]\d+(\s*(?:[AaPp][Mm])?)$"
_ZONE_SUFFIX = r"\s*(?:Z|[+-]\d{2}:?\d{2})$"
_OFFSET = r"(?:(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2})|(?P<z>Z))\s*$"
NO_OFFSET = np.iinfo(np.int64).min
_DAY_PATTERNS = {
    ("numeric", False): r"^(?:\d{1,2})[/.-](?P<d>\d{1,2})",
    ("numeric", True): r"^(?P<d>\d{1,2})",
    ("ymd", None): r"^\d{4}[/.-]\d{1,2}[/.-](?P<d>\d{1,2})",
    ("mon", None): r"^(?P<d>\d{1,2})",
    ("hl7", None): r"^\d{6}(?P<d>\d{2})",
}
# Months that follow a month shorter than 31 days (index 0: no date).
_AFTER_SHORT_MONTH = np.isin(np.arange(13), (3, 5, 7, 10, 12))
_DESCRIBE = {"%Y": "YYYY", "%y": "YY", "%m": "MM", "%d": "DD", "%b": "MON",
             "%H": "HH", "%M": "MM", "%S": "SS"}  # fmt: skip


@dataclass(frozen=True)
class DateFormat:
    """One way a column writes its dates, as a strptime format and extras."""

    family: str
    strptime: str = ""
    ampm: bool = False
    strip_fraction: bool = False
    strip_zone: bool = False
    day_first: bool | None = None

    def describe(self) -> str:
        """Return the format for a person, e.g. "MM/DD/YYYY HH:MM AM/PM"."""
        if self.family == "serial":
            return "Excel serial number"
        text = re.sub(r"%[YymdbHMS]", lambda m: _DESCRIBE[m.group()], self.strptime)
        if self.ampm:
            text += " AM/PM"
        return text + (" (HL7)" if self.family == "hl7" else "")


class _Signature(NamedTuple):
    family: str
    sep: str = ""
    year_digits: int = 4
    time: str = ""  # "", "HM", "HMS", or the HL7 digit count
    tsep: str = " "
    frac: bool = False
    ampm: bool = False
    zone: bool = False


def _classify(value: str) -> tuple[_Signature, tuple[int, int] | None] | None:
    """Return the value's format signature and, if d/m-ambiguous, its two numbers."""
    for family, pattern in _PATTERNS.items():
        match = pattern.match(value)
        if match is None:
            continue
        parts = match.groupdict()
        if family == "serial":
            days = int(parts["days"])
            if _SERIAL_DAYS[0] <= days <= _SERIAL_DAYS[1]:
                return _Signature("serial"), None
            return None
        if family == "mon" and parts["mon"].upper() not in _MONTHS:
            return None
        if family == "hl7":
            return _Signature(
                "hl7",
                time=str(len(parts["digits"])),
                frac=bool(parts["frac"]),
                zone=bool(parts["zone"]),
            ), None
        time = "HMS" if parts["S"] else "HM" if parts["H"] else ""
        sig = _Signature(
            family,
            sep=parts["sep"],
            year_digits=len(parts["y"]),
            time=time,
            tsep="T" if "T" in (parts["tsep"] or "") else " ",
            frac=bool(parts["frac"]),
            ampm=bool(parts["ampm"]),
            zone=bool(parts.get("zone")),
        )
        numbers = (int(parts["a"]), int(parts["b"])) if family == "numeric" else None
        return sig, numbers
    return None


def _to_format(sig: _Signature, *, day_first: bool) -> DateFormat:
    if sig.family == "serial":
        return DateFormat("serial")
    if sig.family == "hl7":
        pattern = {"8": "%Y%m%d", "12": "%Y%m%d%H%M", "14": "%Y%m%d%H%M%S"}[sig.time]
        return DateFormat("hl7", pattern, strip_fraction=sig.frac, strip_zone=sig.zone)
    year, sep = ("%Y" if sig.year_digits == 4 else "%y"), sig.sep
    date = {
        "numeric": f"%d{sep}%m{sep}{year}" if day_first else f"%m{sep}%d{sep}{year}",
        "ymd": f"%Y{sep}%m{sep}%d",
        "mon": f"%d{sep}%b{sep}{year}",
    }[sig.family]
    time = {"": "", "HM": "%H:%M", "HMS": "%H:%M:%S"}[sig.time]
    pattern = f"{date}{sig.tsep if sig.tsep == 'T' else ' '}{time}" if time else date
    return DateFormat(
        sig.family,
        pattern,
        ampm=sig.ampm,
        strip_fraction=sig.frac,
        strip_zone=sig.zone,
        day_first=day_first if sig.family == "numeric" else None,
    )


def _sample(values: pa.ChunkedArray) -> list[str]:
    """Return up to `SAMPLE_SIZE` present values, evenly spread, in order."""
    count = len(values) - values.null_count
    if count <= SAMPLE_SIZE:
        return pc.drop_null(values).to_pylist()
    picks = np.linspace(0, count - 1, SAMPLE_SIZE).astype(np.int64)
    if values.null_count:
        # Positions among the present values → rows, without copying the
        # column's strings to drop its nulls.
        picks = np.flatnonzero(_valid_numpy(pc.is_valid(values)))[picks]
    return values.take(pa.array(picks)).to_pylist()


@dataclass
class _Survey:
    signatures: Counter
    day_first_votes: int = 0  # first number > 12: 16/12/2024
    month_first_votes: int = 0  # second number > 12: 12/16/2024
    sampled_all: bool = True


def _survey(values: pa.ChunkedArray) -> _Survey:
    sample = _sample(values)
    survey = _Survey(
        Counter(), sampled_all=len(sample) == values.length() - values.null_count
    )
    for value in sample:
        found = _classify(value)
        if found is None:
            continue
        sig, numbers = found
        survey.signatures[sig] += 1
        if numbers:
            survey.day_first_votes += numbers[0] > 12 >= numbers[1]
            survey.month_first_votes += numbers[1] > 12 >= numbers[0]
    return survey


def _whole_column_votes(values: pa.ChunkedArray, survey: _Survey) -> tuple[int, int]:
    """Count values readable only month-first and only day-first (whole column)."""
    sig = next(s for s, _ in survey.signatures.most_common() if s.family == "numeric")
    month_first = parse_dates(values, (_to_format(sig, day_first=False),)) != NAT
    day_first = parse_dates(values, (_to_format(sig, day_first=True),)) != NAT
    return int((day_first & ~month_first).sum()), int((month_first & ~day_first).sum())


def detect_formats(
    columns: Mapping[str, pa.ChunkedArray],
    *,
    date_order: str = "auto",
    labels: Mapping[str, str] | None = None,
) -> tuple[dict[str, tuple[DateFormat, ...]], list[str]]:
    """Return field → formats to try in order, and notes on the day/month order.

    Day-first or month-first is decided once per file, from values whose
    first or second number is above 12 in any date column. When every value
    fits both, raise `AmbiguousDates` unless ``date_order`` says "mdy"/"dmy".
    """
    labels = labels or {}
    surveys = {field: _survey(values) for field, values in columns.items()}
    numeric = [
        f
        for f, s in surveys.items()
        if any(x.family == "numeric" for x in s.signatures)
    ]
    notes: list[str] = []
    day_first = date_order == "dmy"
    if numeric and date_order == "auto":
        day_votes = sum(surveys[f].day_first_votes for f in numeric)
        month_votes = sum(surveys[f].month_first_votes for f in numeric)
        if not day_votes and not month_votes:
            for f in numeric:
                if not surveys[f].sampled_all:
                    d, m = _whole_column_votes(columns[f], surveys[f])
                    day_votes, month_votes = day_votes + d, month_votes + m
        if not day_votes and not month_votes:
            names = ", ".join(f"'{labels.get(f, f)}'" for f in numeric)
            raise AmbiguousDates(
                f"The dates in {names} read the same month-first (MM/DD/YYYY) "
                "and day-first (DD/MM/YYYY): no day in the file is above 12. "
                "Choose the order: 'mdy' (month first) or 'dmy' (day first).",
                columns=numeric,
            )
        day_first = day_votes > month_votes
        order = "day first (DD/MM)" if day_first else "month first (MM/DD)"
        if day_votes and month_votes:
            notes.append(
                f"Dates read {order}; some dates only fit the other order and "
                "are counted as unreadable."
            )
        else:
            notes.append(f"Dates read {order}: some values only fit that order.")
    formats = {
        field: tuple(
            _to_format(sig, day_first=day_first)
            for sig, _ in survey.signatures.most_common(4)
        )
        for field, survey in surveys.items()
    }
    return formats, notes


def describe_formats(formats: tuple[DateFormat, ...]) -> str:
    """Return the formats for a person, most common first."""
    if not formats:
        return "no readable dates"
    return " or ".join(dict.fromkeys(f.describe() for f in formats))


def _valid_numpy(mask: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False))


def _parse_serial(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    numeric = pc.match_substring_regex(values, r"^\d{5}(?:\.\d+)?$")
    text = pc.if_else(numeric, values, pa.scalar(None, pa.string()))
    days = pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
    low, high = _SERIAL_DAYS
    days = np.where((days >= low) & (days < high + 1), days, np.nan)
    seconds = np.rint((days - _EXCEL_EPOCH_DAYS) * 86400.0)
    return np.where(np.isnan(seconds), NAT, seconds).astype(np.int64)


def _parse_one(values: pa.ChunkedArray | pa.Array, fmt: DateFormat) -> np.ndarray:
    """Return seconds since 1970 (local wall-clock), `NAT` where unreadable."""
    if fmt.family == "serial":
        return _parse_serial(values)
    text = values
    # The zone goes first: the fraction sits before it ("…:00.250Z").
    if fmt.strip_zone:
        text = pc.replace_substring_regex(text, _ZONE_SUFFIX, "")
    if fmt.strip_fraction:
        text = pc.replace_substring_regex(text, _FRACTION, r"\1")
    pattern = fmt.strptime
    if fmt.ampm:
        pm = pc.ends_with(text, "PM", ignore_case=True)
        am = pc.ends_with(text, "AM", ignore_case=True)
        text = pc.if_else(pc.or_(pm, am), pc.utf8_slice_codeunits(text, 0, -2), text)
        pattern += " "  # matches the space left before "PM", or none
    parsed = pc.strptime(text, format=pattern, unit="s", error_is_null=True)
    seconds = np.array(
        pc.fill_null(parsed.cast(pa.int64()), NAT).to_numpy(zero_copy_only=False),
        dtype=np.int64,
    )
    valid = seconds != NAT
    if fmt.ampm:
        hour = (seconds // 3600) % 24
        shift = np.where(_valid_numpy(pm) & (hour < 12), 43200, 0)
        shift -= np.where(_valid_numpy(am) & (hour == 12), 43200, 0)
        seconds = np.where(valid, seconds + shift, NAT)
    return _reject_rolled_over(values, parsed, seconds, fmt)


def _reject_rolled_over(
    values: pa.ChunkedArray | pa.Array,
    parsed: pa.ChunkedArray | pa.Array,
    seconds: np.ndarray,
    fmt: DateFormat,
) -> np.ndarray:
    """Set to `NAT` the dates strptime rolled over (Feb 30 → Mar 1, Apr 31 → May 1)."""
    pattern = _DAY_PATTERNS.get((fmt.family, fmt.day_first))
    if pattern is None:
        return seconds
    day = pc.fill_null(pc.day(parsed), 0).to_numpy(zero_copy_only=False)
    # A day past the month's end lands on day 1–3 of the month after.
    early = np.flatnonzero((day >= 1) & (day <= 3))
    month = pc.month(parsed.take(pa.array(early))).to_numpy(zero_copy_only=False)
    limit = np.where(month == 3, 3, 1)
    rows = early[_AFTER_SHORT_MONTH[month] & (day[early] <= limit)]
    if rows.size:
        found = pc.extract_regex(values.take(pa.array(rows)), pattern)
        written = pc.struct_field(found, "d")
        written = pc.cast(written, pa.int64()).to_numpy(zero_copy_only=False)
        seconds = seconds.copy()
        seconds[rows[written != day[rows]]] = NAT
    return seconds


def parse_dates(values: pa.ChunkedArray, formats: tuple[DateFormat, ...]) -> np.ndarray:
    """Return int64 seconds (wall-clock) per value; `NAT` where none of the formats fit.

    The first format is tried on the whole column, each next one only on the
    values still unread.
    """
    seconds = np.full(len(values), NAT, dtype=np.int64)
    present = _valid_numpy(pc.is_valid(values))
    for number, fmt in enumerate(formats):
        if number == 0:
            seconds = _parse_one(values, fmt)
            continue
        rows = np.flatnonzero(present & (seconds == NAT))
        if not rows.size:
            break
        seconds[rows] = _parse_one(values.take(pa.array(rows)), fmt)
    outside = (seconds != NAT) & ((seconds < _EARLIEST) | (seconds >= _LATEST))
    seconds[outside] = NAT
    return seconds


def _number(part: pa.ChunkedArray | pa.Array) -> np.ndarray:
    blank = pc.equal(part, "")
    part = pc.if_else(blank, pa.scalar(None, pa.string()), part)
    return np.asarray(
        pc.fill_null(pc.cast(part, pa.int64()), 0).to_numpy(zero_copy_only=False)
    )


def utc_offsets(
    values: pa.ChunkedArray, formats: tuple[DateFormat, ...]
) -> np.ndarray | None:
    """Return each value's UTC offset in seconds, `NO_OFFSET` where none is written.

    None when no format of the column carries a zone (the usual export).
    """
    if not any(f.strip_zone for f in formats):
        return None
    found = pc.extract_regex(values, _OFFSET)
    written = _valid_numpy(pc.is_valid(found))
    sign = np.where(_valid_numpy(pc.equal(pc.struct_field(found, "sign"), "-")), -1, 1)
    minutes = _number(pc.struct_field(found, "h")) * 60 + _number(
        pc.struct_field(found, "m")
    )
    return np.where(written, sign * minutes * 60, NO_OFFSET)


def one_clock(
    seconds: Mapping[str, np.ndarray], offsets: Mapping[str, np.ndarray]
) -> tuple[int, int]:
    """Put times written with other UTC offsets on the file's most common one.

    Change ``seconds`` in place; return how many times were converted and
    the offset (seconds) they were converted to.
    """
    written = [o[(o != NO_OFFSET) & (seconds[f] != NAT)] for f, o in offsets.items()]
    written = np.concatenate(written) if written else np.zeros(0, np.int64)
    if not written.size:
        return 0, 0
    values, counts = np.unique(written, return_counts=True)
    common = int(values[np.argmax(counts)])
    converted = 0
    for field, offset in offsets.items():
        other = (offset != NO_OFFSET) & (offset != common) & (seconds[field] != NAT)
        seconds[field][other] += common - offset[other]
        converted += int(other.sum())
    return converted, common


def describe_offset(seconds: int) -> str:
    """Return an offset as "+05:00" / "-04:30"."""
    sign = "-" if seconds < 0 else "+"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}"
