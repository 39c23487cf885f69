"""Columns recognised by what they hold as well as by their names.

The header rules (`headers`) make the first guess; then a sample of the rows
is profiled (`profile.value_kind`) and the values have their say:

- a guess the values contradict is dropped (a "Modality" column holding
  exam names is the exam name, not the modality);
- a department, section or resource column, or one whose name says
  nothing, whose values are modality codes gives the modality; a column of
  exam names gives the exam name; priorities, patient classes, accession
  numbers are found the same way;
- a row number (1, 2, 3…) is not the accession when another column holds
  one identifier per row;
- date columns whose names say nothing are told apart by their order in
  each row (ordered ≤ completed ≤ final): one such column is the completion
  time, three are order, completion and final report; two are only a
  suggestion, and the user is asked.

Every decision the values made comes with its reason, for the quality
report and for the mapping form.
"""

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from exams import fields
from exams.ingest.columns.headers import PLAIN_NAMES, guess_mapping, header_tokens
from exams.ingest.columns.profile import ValueKind, examples, profile_text, value_kind
from exams.ingest.files.body import read_batches
from exams.ingest.files.collect import clean_text
from exams.ingest.files.reading import RawTable
from exams.ingest.files.text import TextExport
from exams.ingest.values.dates import NAT, detect_formats, parse_dates

SAMPLE_ROWS = 2000
# Kinds of value each field cannot hold (a header guess holding one is dropped).
_CONTRADICTS: dict[str, frozenset[str]] = {
    fields.MODALITY: frozenset(
        {"description", "date", "day", "number", "row_id", "person", "identifier"}
    ),
    fields.EXAM_NAME: frozenset({"date", "day", "time", "number", "row_id"}),
    fields.ACCESSION: frozenset(
        {"date", "day", "person", "description", "modality", "priority"}
    ),
    fields.PRIORITY: frozenset(
        {"date", "day", "number", "row_id", "description", "person", "identifier"}
    ),
    fields.PATIENT_CLASS: frozenset(
        {"date", "day", "number", "row_id", "description", "person", "identifier"}
    ),
    fields.ORDERING_PHYSICIAN: frozenset(
        {"date", "day", "number", "row_id", "modality", "description", "identifier"}
    ),
    fields.READING_RADIOLOGIST: frozenset(
        {"date", "day", "number", "row_id", "modality", "description", "identifier"}
    ),
}
_NOT_A_TIME = frozenset(
    {"row_id", "modality", "description", "person", "priority", "patient_class"}
)
_CONTRADICTS.update(dict.fromkeys(fields.TIME_FIELDS, _NOT_A_TIME))
# Kind → the field it gives when no header claims that field.
_FILLS = {
    "modality": fields.MODALITY,
    "description": fields.EXAM_NAME,
    "priority": fields.PRIORITY,
    "patient_class": fields.PATIENT_CLASS,
    "identifier": fields.ACCESSION,
}
# Where a modality code column usually hides (Cerner's SECTION, a department).
_MODALITY_HOMES = frozenset(
    {"department", "section", "subsection", "activity", "subtype", "resource"}
    | {"type", "category", "service", "unit"}
)
# Header words of a patient's, visit's or account's number (MRN, CSN, FIN…).
_A_PERSONS_ID = frozenset(
    {"patient", "mrn", "encounter", "visit", "account", "acct", "person", "unit"}
    | {"medical", "record", "csn", "fin", "member", "nhs", "ssn", "episode"}
    | {"admission", "insurance", "har", "empi", "mpi", "dob", "birth"}
)
_THREE_DATES = (fields.ORDERED_AT, fields.COMPLETED_AT, fields.FINALIZED_AT)
_IN_ORDER = 0.9


@dataclass(frozen=True)
class Recognition:
    """The mapping guessed, what the values said, and suggestions to ask with."""

    columns: dict[str, str]
    reasons: dict[str, str] = field(default_factory=dict)  # field → why
    suggestions: dict[str, str] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)  # header → kind said
    samples: dict[str, list[str]] = field(default_factory=dict)


class _Enough(Exception):
    """The sample is full: stop reading."""


def sample_rows(found: RawTable | TextExport) -> dict[str, pa.Array]:
    """Return header → its first `SAMPLE_ROWS` values (trimmed, blanks as nulls)."""
    if isinstance(found, RawTable):
        table = found.table.slice(0, SAMPLE_ROWS)
    else:
        batches: list[pa.RecordBatch] = []

        def keep(batch: pa.RecordBatch) -> None:
            batches.append(batch)
            if sum(b.num_rows for b in batches) >= SAMPLE_ROWS:
                raise _Enough

        with contextlib.suppress(_Enough):
            read_batches(found, consume=keep, block_size=1 << 18)
        table = pa.Table.from_batches(batches) if batches else None
    out = {}
    for header in found.headers:
        if table is None:
            out[header] = pa.array([], pa.string())
            continue
        column = table.column(header).combine_chunks().slice(0, SAMPLE_ROWS)
        out[header] = clean_text(column.cast(pa.string()))
    return out


def _label(name: str) -> str:
    return PLAIN_NAMES[name]


def _seconds(values: pa.Array) -> np.ndarray:
    column = pa.chunked_array([values])
    best = None
    for order in ("mdy", "dmy"):
        formats, _ = detect_formats({"x": column}, date_order=order)
        seconds = parse_dates(column, formats["x"])
        if best is None or (seconds != NAT).sum() > (best != NAT).sum():
            best = seconds
    return best


def _in_row_order(sample: Mapping[str, pa.Array], headers: list[str]) -> list[str]:
    """Return ``headers`` earliest first, if their dates keep that order per row."""
    seconds = np.stack([_seconds(sample[h]) for h in headers])
    filled = (seconds != NAT).all(axis=0)
    if filled.sum() < 3:
        return []
    seconds = seconds[:, filled].astype(np.float64)
    ranked = [headers[i] for i in np.argsort(np.median(seconds, axis=1))]
    ordered = np.stack([seconds[headers.index(h)] for h in ranked])
    keeps = (np.diff(ordered, axis=0) >= 0).all(axis=0).mean()
    return ranked if keeps >= _IN_ORDER else []


def _place_dates(
    sample: Mapping[str, pa.Array],
    free: list[str],
    recognised: Recognition,
) -> None:
    """Give date columns whose names say nothing a time field, by row order."""
    columns, reasons = recognised.columns, recognised.reasons
    if fields.COMPLETED_AT in columns or not free:
        return
    named = [f for f in fields.TIME_FIELDS if f in columns]
    if len(free) == 1:
        columns[fields.COMPLETED_AT] = free[0]
        reasons[fields.COMPLETED_AT] = "its values are the only other dates"
        return
    if named:
        return
    ranked = _in_row_order(sample, free)
    if len(free) == 3 and ranked:
        for name, header in zip(_THREE_DATES, ranked, strict=True):
            columns[name] = header
        why = "dates, in each row {} the other two"
        reasons[fields.ORDERED_AT] = why.format("before")
        reasons[fields.COMPLETED_AT] = why.format("between")
        reasons[fields.FINALIZED_AT] = why.format("after")
    elif len(free) == 2:
        # Which two events they are cannot be told from the dates: ask.
        ranked = ranked or free
        recognised.suggestions[fields.COMPLETED_AT] = ranked[0]
        recognised.suggestions[fields.FINALIZED_AT] = ranked[1]


def _better_accession(
    columns: dict[str, str], kinds: Mapping[str, ValueKind], free: list[str]
) -> str | None:
    """Return a column of one identifier per row, if the accession has none."""
    current = columns.get(fields.ACCESSION)
    if current is not None and current in kinds and kinds[current].kind != "row_id":
        return None
    found = [h for h in free if _may_be_accession(h, kinds[h])]
    return found[0] if found else None


def _may_be_accession(header: str, kind: ValueKind) -> bool:
    # A patient's number is one per row in a sample too: never the exam's.
    return kind.kind == "identifier" and not set(header_tokens(header)) & _A_PERSONS_ID


def recognise(*, headers: Sequence[str], sample: Mapping[str, pa.Array]) -> Recognition:
    """Return the mapping the headers and the sampled values agree on."""
    profiles = {h: profile_text(pa.chunked_array([sample[h]])) for h in headers}
    kinds = {h: k for h, p in profiles.items() if (k := value_kind(p)) is not None}
    by_name = guess_mapping(headers)
    recognised = Recognition(
        columns=dict(by_name),
        evidence={h: k.reason for h, k in kinds.items()},
        samples={h: examples(p) for h, p in profiles.items()},
    )
    columns, reasons = recognised.columns, recognised.reasons
    for name, header in list(columns.items()):
        kind = kinds.get(header)
        if kind is not None and kind.kind in _CONTRADICTS.get(name, ()):
            del columns[name]
            reasons[f"-{name}"] = (
                f"'{header}' not used as {_label(name)}: its {kind.reason}"
            )
    location = columns.get(fields.LOCATION)
    if (
        fields.MODALITY not in columns
        and location is not None
        and kinds.get(location, ValueKind("", "")).kind == "modality"
    ):
        # A department or section column of CT/MR/US is the modality.
        columns[fields.MODALITY] = columns.pop(fields.LOCATION)
    taken = set(columns.values())
    free = [h for h in headers if h not in taken and h in kinds]
    accession = _better_accession(columns, kinds, free)
    if accession is not None:
        old = columns.get(fields.ACCESSION)
        columns[fields.ACCESSION] = accession
        reasons[fields.ACCESSION] = kinds[accession].reason + (
            f" ('{old}' only numbers the rows)" if old else ""
        )
        free.remove(accession)
    for kind, name in _FILLS.items():
        if name in columns:
            continue
        found = [h for h in free if kinds[h].kind == kind]
        if name == fields.ACCESSION:
            found = [h for h in found if _may_be_accession(h, kinds[h])]
        if name == fields.MODALITY:
            homes = [h for h in found if set(header_tokens(h)) & _MODALITY_HOMES]
            found = homes or found
        if name == fields.EXAM_NAME:
            found.sort(key=lambda h: -kinds[h].distinct)
        if found:
            columns[name] = found[0]
            free.remove(found[0])
    _place_dates(sample, [h for h in free if kinds[h].kind == "date"], recognised)
    for name, header in columns.items():
        if name not in reasons and by_name.get(name) != header:
            reasons[name] = kinds[header].reason
    ordered = {f: columns[f] for f in fields.CANONICAL_FIELDS if f in columns}
    columns.clear()
    columns.update(ordered)
    return recognised


def notes(recognised: Recognition, columns: Mapping[str, str]) -> list[str]:
    """Return, for the quality report, the columns the values decided and why."""
    out = []
    for name, reason in recognised.reasons.items():
        if name.startswith("-"):
            out.append(reason + ".")
        elif columns.get(name) == recognised.columns.get(name):
            out.append(f"'{columns[name]}' read as {_label(name)}: {reason}.")
    return out
