"""Evidence from a column's values, to check what its header suggested.

A header can look right and hold something else: an AI-triage flag named
``ai_status`` (Pre/During/Post) is not the exam status, a site code with one
value for the whole file says nothing about location. Each column is
profiled once over its distinct values (a dictionary-encoded column's
dictionary, never row by row in Python), and each automatic mapping is
checked against that profile; what was decided and why becomes a note.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from exams import fields
from exams.ingest.columns.pairs import time_of_day
from exams.ingest.errors import NeedsMapping
from exams.ingest.values.dates import NAT, detect_formats, parse_dates
from exams.ingest.values.modality import modality_from_name, normalise_code
from exams.ingest.values.spelling import spelling_key
from exams.ingest.vocabulary import MODALITY_ALIASES


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words of an exam's or order's state in RIS exports (Epic, Cerner, HL7 text).
STATUS_WORDS = _words(
    """scheduled sched ordered order requested registered arrived checked
    checkin progress started begun begin performed performing complete
    completed comp done ended end examined final finalized finalised
    signed sign preliminary prelim dictated transcribed read unread reported
    report verified approved pending cancelled canceled cancel discontinued
    show noshow void voided resulted result closed hold addendum addended
    draft waiting incomplete tech"""
)
# HL7 order (ORC-5) and result (OBR-25) status codes.
STATUS_CODES = _words("a ca cm dc er hd ip rp sc c f i o p r s x y z d")
# Epic's *_C columns hold small numbers standing for statuses.
_NUMBER_CODE = re.compile(r"\d{1,3}")
_WORD = re.compile(r"[a-z]+")
# Below these shares of rows, a column does not hold what its header says.
STATUS_SHARE = 0.5
DATE_SHARE = 0.5
_SHOWN = 4


@dataclass(frozen=True)
class ValueProfile:
    """What one column holds: its rows, filled rows and distinct values."""

    rows: int
    present: int
    counts: dict[str, int]  # value → rows, first seen first

    def common(self, n: int = _SHOWN) -> list[str]:
        """Return the ``n`` most common values (a tie: first seen), as first seen."""
        ranked = sorted(self.counts, key=lambda v: -self.counts[v])[:n]
        return [v for v in self.counts if v in set(ranked)]

    def share(self, test: Callable[[str], bool]) -> float:
        """Return the share of filled rows whose value passes ``test``.

        Each distinct value is tested once; an empty column passes.
        """
        if not self.present:
            return 1.0
        return sum(n for v, n in self.counts.items() if test(v)) / self.present

    def values(self) -> int:
        """Return how many values it holds, spellings merged (`spelling`)."""
        return len({spelling_key(v) for v in self.counts})

    def shown(self) -> str:
        """Return the most common values for a sentence: "Pre/During/Post"."""
        more = "/…" if len(self.counts) > _SHOWN else ""
        return "/".join(self.common()) + more


def profile_text(values: pa.ChunkedArray) -> ValueProfile:
    """Return the profile of a text column (dictionary-encoded or not)."""
    if not pa.types.is_dictionary(values.type):
        values = pc.dictionary_encode(values)
    values = pa.chunked_array(values.chunks, values.type).unify_dictionaries()
    words = values.chunk(0).dictionary.to_pylist() if values.num_chunks else []
    sizes = np.zeros(len(words), dtype=np.int64)
    for chunk in values.chunks:
        codes = pc.drop_null(chunk.indices).to_numpy(zero_copy_only=False)
        sizes += np.bincount(codes, minlength=len(words))
    counts = {str(w): int(n) for w, n in zip(words, sizes, strict=True) if n}
    return ValueProfile(
        rows=len(values), present=len(values) - values.null_count, counts=counts
    )


def _status_like(value: str, cancelled: frozenset[str]) -> bool:
    key = spelling_key(value)
    if key in cancelled or key in STATUS_CODES or _NUMBER_CODE.fullmatch(key):
        return True
    return any(w in STATUS_WORDS for w in _WORD.findall(key))


def status_share(profile: ValueProfile, *, cancelled_statuses: Iterable[str]) -> float:
    """Return the share of filled rows whose value reads as an exam status."""
    cancelled = frozenset(spelling_key(s) for s in cancelled_statuses if s)
    return profile.share(lambda v: _status_like(v, cancelled))


def time_of_day_share(profile: ValueProfile) -> float:
    """Return the share of filled rows whose value is a time of day (`pairs`)."""
    if not profile.present:
        return 1.0
    seconds = time_of_day(pa.array(list(profile.counts), pa.string()))
    rows = np.fromiter(profile.counts.values(), dtype=np.int64, count=len(seconds))
    return int(rows[seconds >= 0].sum()) / profile.present


def check_text(
    text: Mapping[str, pa.ChunkedArray],
    *,
    columns: Mapping[str, str],
    automatic: Iterable[str],
    cancelled_statuses: Iterable[str],
) -> tuple[list[str], list[str]]:
    """Return the text fields to drop and the notes on what the values showed.

    An automatic status mapping whose values are mostly not statuses is
    dropped; a location or priority with one value in every row is noted.
    """
    automatic = set(automatic)
    dropped, notes = [], []
    status = text.get(fields.STATUS)
    if status is not None and fields.STATUS in automatic:
        profile = profile_text(status)
        share = status_share(profile, cancelled_statuses=cancelled_statuses)
        if share < STATUS_SHARE:
            dropped.append(fields.STATUS)
            notes.append(
                f"'{columns[fields.STATUS]}' not used as the exam status: its "
                f"values {profile.shown()} are not exam statuses (cancelled "
                "exams are therefore not recognised from it)."
            )
    for name in (fields.LOCATION, fields.PRIORITY):
        if name not in text:
            continue
        profile = profile_text(text[name])
        filled = profile.rows > 1 and profile.present == profile.rows
        # "Stat" and "STAT" are one value (`spelling`).
        if filled and profile.values() == 1:
            notes.append(
                f"'{columns[name]}' ({fields.FIELD_LABELS[name].lower()}) "
                f"has the same value, {profile.shown()}, in every row: "
                "splitting or filtering by it shows one group."
            )
    return dropped, notes


def check_dates(
    seconds: Mapping[str, np.ndarray],
    present: Mapping[str, np.ndarray],
    *,
    columns: Mapping[str, str],
    automatic: Iterable[str],
) -> tuple[list[str], list[str]]:
    """Return the time fields to drop and notes: mostly unreadable as dates.

    The completion time is never dropped here: without it there is no data
    set (`require_readable_completion` asks for another column instead).
    """
    automatic = set(automatic)
    dropped, notes = [], []
    for name, values in seconds.items():
        written = int(present[name].sum())
        readable = int((values != NAT).sum())
        if not written or readable >= DATE_SHARE * written:
            continue
        label = f"'{columns[name]}'"
        phrase = fields.FIELD_LABELS[name].lower()
        if name in automatic and name != fields.COMPLETED_AT:
            dropped.append(name)
            notes.append(
                f"{label} not used as the {phrase} time: only {readable:,} of "
                f"its {written:,} values are dates."
            )
        elif not readable:
            notes.append(f"Column {label} has no readable dates.")
        else:
            notes.append(
                f"{label} ({phrase} time): only {readable:,} of its {written:,} "
                "values are dates; the others are counted as unreadable."
            )
    return dropped, notes


def require_readable_completion(
    seconds: np.ndarray,
    present: np.ndarray,
    *,
    header: str,
    headers: list[str],
    columns: Mapping[str, str],
) -> None:
    """Raise `NeedsMapping` when a guessed completion column is mostly not dates.

    A column someone chose is kept (its unreadable values are counted).
    """
    written = int(present.sum())
    readable = int((seconds != NAT).sum())
    if written and readable < DATE_SHARE * written:
        raise NeedsMapping(
            f"The column '{header}' looked like the exam completion time, but "
            f"only {readable:,} of its {written:,} values are dates. Choose the "
            "column that holds the exam completed date/time.",
            headers=headers,
            guesses={f: h for f, h in columns.items() if h != header},
        )


# What a column's values look like, whatever its header says (`recognise`).
# A kind is decided over a sample of the rows; below these shares it is not.
KIND_SHARE = 0.9
_CODE_VALUES = 40  # a vocabulary column has few distinct values
_DATE_VALUES = 200
PRIORITY_WORDS = _words(
    """stat urgent routine asap emergent elective today timed now expedited
    p1 p2 p3 p4 priority"""
)
PATIENT_CLASS_WORDS = _words(
    """inpatient outpatient emergency ed er ip op observation obs ambulatory
    clinic day surgery same case daycase referred ref cli sdc rcr in out
    patient pt department recurring preadmit preadmission walk ae a&e"""
)
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_./]{3,24}")
# "Smith, John", "SMITH, JOHN A MD", "Dr. Jane Smith", "Jane Smith MD".
_PERSON = re.compile(
    r"(?:[A-Za-z'\-]+,\s*[A-Za-z'\-. ]+|(?:dr\.?|prof\.?)\s+[A-Za-z'\-. ]+|"
    r"[A-Za-z'\-. ]+\s(?:md|do|mbbs|frcr|phd|np|pa))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ValueKind:
    """What a column holds: ``kind`` and the evidence for a person."""

    kind: str  # date, time, number, row_id, modality, priority, ...
    reason: str
    distinct: int = 0


def _rows_share(profile: ValueProfile, test: Callable[[str], bool]) -> float:
    return profile.share(test) if profile.present else 0.0


def _date_share(profile: ValueProfile) -> tuple[float, bool]:
    """Return the share of rows that read as dates, and whether they hold times.

    Judged on the first `_DATE_VALUES` distinct values (each is classified
    in Python by `dates`): enough to tell, and quick on a wide export.
    """
    values = list(profile.counts)[:_DATE_VALUES]
    if sum(any(c.isdigit() for c in v) for v in values) < DATE_SHARE * len(values):
        return 0.0, False
    # Plain numbers are Excel serials only when a header says "date".
    if all(_NUMBER.fullmatch(v) and len(v) < 8 for v in values):
        return 0.0, False
    column = pa.chunked_array([pa.array(values, pa.string())])
    rows = np.fromiter((profile.counts[v] for v in values), dtype=np.int64)
    best, timed = 0.0, False
    for order in ("mdy", "dmy"):
        formats, _ = detect_formats({"x": column}, date_order=order)
        seconds = parse_dates(column, formats["x"])
        readable = seconds != NAT
        share = int(rows[readable].sum()) / int(rows.sum())
        if share > best:
            best = share
            timed = bool((seconds[readable] % 86_400 != 0).any())
        if best >= KIND_SHARE:
            break
    return best, timed


def _row_id(profile: ValueProfile) -> bool:
    """Return True for 1, 2, 3…: a row number, not an exam's identity."""
    if not all(v.isdigit() for v in profile.counts):
        return False
    numbers = np.sort(np.fromiter((int(v) for v in profile.counts), dtype=np.int64))
    return len(numbers) > 2 and bool((np.diff(numbers) == 1).mean() >= 0.9)


def _in_words(vocabulary: frozenset[str]) -> Callable[[str], bool]:
    def test(value: str) -> bool:
        words = _WORD.findall(value.lower().replace("&", ""))
        return bool(words) and all(w in vocabulary or w.isdigit() for w in words)

    return test


def _is_person(value: str) -> bool:
    return bool(_PERSON.fullmatch(value.strip())) and not modality_from_name(value)


def _is_description(value: str) -> bool:
    # A report's text names the exam too, but is longer than any exam name.
    words = value.split()
    return 2 <= len(words) <= 12 and modality_from_name(value) is not None


def _is_modality(value: str) -> bool:
    return normalise_code(value) in MODALITY_ALIASES


def value_kind(profile: ValueProfile) -> ValueKind | None:
    """Return what the column's values look like, or None when they say little."""
    if not profile.present:
        return None
    distinct, whole = len(profile.counts), profile
    few = distinct <= _CODE_VALUES
    shown = profile.shown()
    # Each test looks at the first distinct values (Python per value).
    head = dict(list(profile.counts.items())[:_DATE_VALUES])
    profile = ValueProfile(profile.rows, sum(head.values()), head)
    dated, timed = _date_share(profile)
    if dated >= KIND_SHARE:
        what = "dates with times" if timed else "dates"
        return ValueKind("date" if timed else "day", f"values are {what}", distinct)
    if time_of_day_share(profile) >= KIND_SHARE:
        return ValueKind("time", "values are times of day", distinct)
    if _rows_share(profile, lambda v: bool(_NUMBER.fullmatch(v))) >= KIND_SHARE:
        if _row_id(profile):
            return ValueKind("row_id", "values count the rows 1, 2, 3…", distinct)
        unique = distinct >= 0.95 * whole.present
        if unique and all(len(v) >= 5 for v in profile.counts):
            return ValueKind("identifier", "values are one number per row", distinct)
        return ValueKind("number", f"values are numbers ({shown})", distinct)
    tests = (
        ("modality", _is_modality, "values look like modality codes"),
        ("priority", _in_words(PRIORITY_WORDS), "values look like priorities"),
        (
            "patient_class",
            _in_words(PATIENT_CLASS_WORDS),
            "values look like patient classes",
        ),
    )
    for kind, test, reason in tests:
        if few and _rows_share(profile, test) >= KIND_SHARE:
            return ValueKind(kind, f"{reason} ({shown})", distinct)
    if few and status_share(profile, cancelled_statuses=()) >= KIND_SHARE:
        return ValueKind(
            "status", f"values look like exam statuses ({shown})", distinct
        )
    if _rows_share(profile, _is_description) >= 0.7 and distinct >= 3:
        return ValueKind("description", "values look like exam names", distinct)
    if _rows_share(profile, _is_person) >= 0.8 and distinct >= 2:
        return ValueKind("person", "values look like people's names", distinct)
    identifiers = _rows_share(profile, lambda v: bool(_IDENTIFIER.fullmatch(v)))
    digits = _rows_share(profile, lambda v: any(c.isdigit() for c in v))
    unique = distinct >= 0.95 * whole.present
    if identifiers >= KIND_SHARE and digits >= KIND_SHARE and unique:
        return ValueKind("identifier", "values are one code per row", distinct)
    return ValueKind("text", "values are text", distinct)


def examples(profile: ValueProfile, n: int = 5, *, width: int = 60) -> list[str]:
    """Return up to ``n`` distinct values as first seen, each cut to ``width``."""
    return [v if len(v) <= width else v[: width - 1] + "…" for v in profile.counts][:n]
