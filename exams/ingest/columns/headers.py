"""Recognise export headers by meaning and settle the column mapping."""

import re
from collections.abc import Mapping, Sequence

from exams import fields
from exams.ingest.errors import IngestError, NeedsMapping
from exams.ingest.vocabulary import (
    HEADER_RULES,
    NEUTRAL_TOKENS,
    TIME,
    TOKEN_ALIASES,
    HeaderRule,
)

# "ProcedureCompleteDateTime" → "Procedure Complete Date Time", "ExamDTTM" →
# "Exam DTTM"; all-capital database names are left for the underscores.
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^a-z0-9]+")
# Words that do not make a one-word rule ("Procedure Name") any less exact.
_FILLER = frozenset({"the", "of", "a", "an", "and", "for", "name"})
_MAX_LISTED = 40
# Each field as a manager would say it (messages and the mapping form).
PLAIN_NAMES = {
    fields.ACCESSION: "the accession number",
    fields.EXAM_NAME: "the exam name",
    fields.MODALITY: "the modality",
    fields.ORDERED_AT: "the order time",
    fields.STARTED_AT: "the exam start time",
    fields.COMPLETED_AT: "the exam completion time",
    fields.PRELIMINARY_AT: "the preliminary report time",
    fields.FINALIZED_AT: "the final report time",
    fields.PRIORITY: "the priority",
    fields.ORDERING_PHYSICIAN: "the ordering physician",
    fields.PATIENT_CLASS: "the patient class",
    fields.READING_RADIOLOGIST: "the reading radiologist",
    fields.LOCATION: "the location",
    fields.STATUS: "the exam status",
}


def header_tokens(header: str) -> tuple[str, ...]:
    """Return the header's canonical tokens ("Pt Class" → patient, class)."""
    words = _NON_WORD.split(_CAMEL.sub(" ", str(header)).lower())
    tokens: list[str] = []
    for word in words:
        if word:
            tokens.extend(TOKEN_ALIASES.get(word, word).split())
    return tuple(tokens)


def normalise_header(header: str) -> str:
    """Return the header as canonical words ("Date/Tm", "DTTM" → "date time")."""
    return " ".join(header_tokens(header))


def _rule_score(rule: HeaderRule, tokens: tuple[str, ...]) -> int:
    present = set(tokens)
    if present & rule.forbids or not all(group & present for group in rule.needs):
        return 0
    wanted = set().union(*rule.needs)
    if rule.only:
        return 0 if present - wanted - _FILLER else rule.score
    neutral = NEUTRAL_TOKENS
    if rule.field in fields.TIME_FIELDS:
        neutral = neutral | TIME
    extras = len(present - wanted - neutral)
    # A tighter header wins a tie, but never climbs a tier (tiers are 10 apart).
    return rule.score - 2 * min(extras, 4)


def score_header(header: str) -> dict[str, int]:
    """Return canonical field → how strongly the header means it (0–100)."""
    tokens = header_tokens(header)
    scores: dict[str, int] = {}
    for rule in HEADER_RULES:
        score = _rule_score(rule, tokens)
        if score > scores.get(rule.field, 0):
            scores[rule.field] = score
    return scores


def guess_mapping(headers: Sequence[str]) -> dict[str, str]:
    """Return canonical field → header, each header used at most once.

    The strongest (header, field) pairs are taken first; on a tie the header
    further left wins. If nothing says "complete", the best weaker candidate
    for `completed_at` (e.g. a lone "Exam Date") is moved there, because the
    completion time is the one column a data set cannot do without.
    """
    pairs = []
    for position, header in enumerate(headers):
        for field, score in score_header(header).items():
            rank = fields.CANONICAL_FIELDS.index(field)
            pairs.append((-score, position, rank, field, header))
    pairs.sort()
    mapping: dict[str, str] = {}
    taken: set[int] = set()
    for _, position, _, field, header in pairs:
        if field not in mapping and position not in taken:
            mapping[field] = header
            taken.add(position)
    if fields.COMPLETED_AT not in mapping:
        candidates = [p for p in pairs if p[3] == fields.COMPLETED_AT]
        if candidates:
            header = candidates[0][4]
            mapping = {f: h for f, h in mapping.items() if h != header}
            mapping[fields.COMPLETED_AT] = header
    return {f: mapping[f] for f in fields.CANONICAL_FIELDS if f in mapping}


def _find_header(headers: Sequence[str], wanted: str) -> str | None:
    """Return the header the user meant: exact, else same words."""
    if wanted in headers:
        return wanted
    words = normalise_header(wanted)
    matches = [h for h in headers if normalise_header(h) == words]
    return matches[0] if len(matches) == 1 else None


def _listed(headers: Sequence[str]) -> str:
    shown = ", ".join(f"'{h}'" for h in headers[:_MAX_LISTED])
    more = len(headers) - _MAX_LISTED
    return shown + (f" and {more} more" if more > 0 else "")


def resolve_mapping(
    *,
    headers: Sequence[str],
    mapping: Mapping[str, str] | None = None,
    guesses: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Return the guesses overridden by the user's ``mapping`` (canonical → header).

    ``guesses`` are the automatic mapping (default: by the headers alone).

    A user-chosen header is taken away from any field it was guessed for; an
    empty value says the file has no such column. Raise `IngestError` for an
    unknown field and `NeedsMapping` for a header the file does not have.
    """
    columns = dict(guesses) if guesses is not None else guess_mapping(headers)
    if not mapping:
        return columns
    unknown = sorted(set(mapping) - set(fields.CANONICAL_FIELDS))
    if unknown:
        raise IngestError(
            f"Unknown field(s) in the column mapping: {', '.join(unknown)}. "
            f"Fields are: {', '.join(fields.CANONICAL_FIELDS)}."
        )
    chosen: dict[str, str | None] = {}
    for field, wanted in mapping.items():
        if wanted is None or not str(wanted).strip():
            chosen[field] = None
            continue
        header = _find_header(headers, str(wanted))
        if header is None:
            raise NeedsMapping(
                f"The column '{wanted}' chosen for {PLAIN_NAMES[field]} "
                f"is not in this file. Its columns are: {_listed(headers)}.",
                headers=headers,
                guesses=columns,
            )
        chosen[field] = header
    picked = {h for h in chosen.values() if h is not None}
    columns = {f: h for f, h in columns.items() if h not in picked}
    columns.update({f: h for f, h in chosen.items() if h is not None})
    for field, header in chosen.items():
        if header is None:
            columns.pop(field, None)
    return {f: columns[f] for f in fields.CANONICAL_FIELDS if f in columns}


def require_fields(*, headers: Sequence[str], columns: Mapping[str, str]) -> None:
    """Raise `NeedsMapping` unless completion time and modality or exam are mapped."""
    needed = []
    if fields.COMPLETED_AT not in columns:
        needed.append("the exam completed date/time")
    if fields.MODALITY not in columns and fields.EXAM_NAME not in columns:
        needed.append("the modality or the exam name")
    if needed:
        raise NeedsMapping(
            f"Could not recognise {' and '.join(needed)} among this file's "
            f"columns: {_listed(headers)}. Choose the column that holds each.",
            headers=headers,
            guesses=columns,
        )
