"""Modality codes: normalise a modality column, or derive one from exam names.

Everything is decided per distinct value (exam names and modality codes
repeat), so a million rows cost a few thousand lookups. An exam whose name
says nothing recognisable is "OT" (DICOM's "other"); a row with neither a
name nor a telling accession prefix stays empty.
"""

import re

import numpy as np
import pandas as pd

from exams.ingest.vocabulary import (
    ACCESSION_PREFIXES,
    EXAM_NAME_WORDS,
    MODALITY_ALIASES,
    OTHER_MODALITY,
)

_WORD = re.compile(r"[A-Z0-9]+")
_ALIASES = {
    alias: code for code, aliases in MODALITY_ALIASES.items() for alias in aliases
}
_ACCESSION_PREFIX = r"^([A-Za-z]{2,3})[-_ ]?\d"


def _words(text: str) -> list[str]:
    return _WORD.findall(str(text).upper())


def modality_from_name(name: str) -> str | None:
    """Return the modality an exam name implies ("CTA CHEST" → CT), or None."""
    words = _words(name)
    present, joined = set(words), f" {' '.join(words)} "
    for code, singles, phrases in EXAM_NAME_WORDS:
        if present & singles or any(f" {p} " in joined for p in phrases):
            return code
    return None


def modality_from_accession(accession: str) -> str | None:
    """Return the modality an accession prefix implies ("CT123456" → CT), or None."""
    match = re.match(_ACCESSION_PREFIX, str(accession).strip())
    return ACCESSION_PREFIXES.get(match.group(1).upper()) if match else None


def normalise_code(value: str) -> str:
    """Return the canonical code for a modality as written ("MRI" → MR).

    Values that are not a known spelling are kept as written.
    """
    return _ALIASES.get(" ".join(_words(value)), str(value).strip())


class _Labels:
    """Category labels being collected, and their codes."""

    def __init__(self) -> None:
        self.labels: dict[str, int] = {}

    def code(self, label: str | None) -> int:
        if label is None:
            return -1
        return self.labels.setdefault(label, len(self.labels))

    def codes_for(self, series: pd.Series, rule) -> np.ndarray:
        """Return per-row codes of ``rule`` applied to each distinct value."""
        categorical = series.astype("category")
        lookup = [self.code(rule(c)) for c in categorical.cat.categories]
        # A missing value has code -1, which picks the trailing -1.
        return np.array([*lookup, -1], dtype=np.int64)[categorical.cat.codes.to_numpy()]

    def categorical(self, codes: np.ndarray, index: pd.Index) -> pd.Series:
        used = np.zeros(len(self.labels) + 1, dtype=bool)
        used[codes] = True  # -1 marks the spare last slot
        keep = [label for label, code in self.labels.items() if used[code]]
        renumber = np.full(len(self.labels) + 1, -1, dtype=np.int64)
        renumber[[self.labels[label] for label in keep]] = np.arange(len(keep))
        categories = pd.Index(keep, dtype=str)
        return pd.Series(
            pd.Categorical.from_codes(renumber[codes], categories=categories),
            index=index,
        )


def fill_modality(
    *, modality: pd.Series | None, exam_name: pd.Series, accession: pd.Series
) -> tuple[pd.Series, list[str]]:
    """Return the modality column (categorical) and notes on what was derived.

    A modality column is normalised ("CR", "DX" → XR); its empty cells, or all
    rows when there is no such column, take the modality of the exam name,
    else of the accession prefix, else "OT" when an exam name is present.
    """
    notes: list[str] = []
    labels = _Labels()
    if modality is None:
        codes = np.full(len(exam_name), -1, dtype=np.int64)
    else:
        codes = labels.codes_for(modality, normalise_code)
        renamed = sorted(
            {
                str(c).strip()
                for c in modality.astype("category").cat.categories
                if normalise_code(c) != str(c).strip()
            }
        )
        if renamed:
            shown = ", ".join(f"{c} → {normalise_code(c)}" for c in renamed[:10])
            notes.append(f"Modality codes normalised: {shown}.")
    missing = codes < 0
    if missing.any():
        derived = labels.codes_for(exam_name, modality_from_name)
        need = np.flatnonzero(missing & (derived < 0))
        if need.size:
            prefixes = (
                accession.iloc[need]
                .astype("string")
                .str.extract(_ACCESSION_PREFIX, expand=False)
                .str.upper()
            )
            lookup = {
                p: labels.code(ACCESSION_PREFIXES.get(p))
                for p in prefixes.dropna().unique()
            }
            derived[need] = prefixes.map(lookup).fillna(-1).to_numpy(dtype=np.int64)
        other = labels.code(OTHER_MODALITY)
        derived = np.where((derived < 0) & exam_name.notna().to_numpy(), other, derived)
        filled = int((missing & (derived >= 0)).sum())
        codes = np.where(missing, derived, codes)
        if modality is None:
            notes.append("Modality derived from the exam name (no modality column).")
        elif filled:
            notes.append(
                f"Modality derived from the exam name for {filled} exam(s) without one."
            )
    return labels.categorical(codes, exam_name.index), notes
