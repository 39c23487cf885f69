"""One spelling per value: ``routine``, ``Routine`` and ``ROUTINE `` are one.

Values of the fields below are compared after trimming, collapsing inner
whitespace and case-folding; each group of spellings becomes its most
common spelling (on a tie, the one seen first in the file). The work is on
a categorical's categories, never per row.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from exams import fields

SPELLING_FIELDS = (
    fields.MODALITY,
    fields.PRIORITY,
    fields.PATIENT_CLASS,
    fields.STATUS,
    fields.ORDERING_PHYSICIAN,
    fields.READING_RADIOLOGIST,
)


def spelling_key(value: str) -> str:
    """Return the value as compared: trimmed, one space between words, casefolded."""
    return " ".join(str(value).split()).casefold()


def _representatives(counts: Mapping[str, int]) -> dict[str, str]:
    """Return spelling → the group's spelling (most common; tie: first seen)."""
    best: dict[str, tuple[int, str]] = {}
    for spelling, count in counts.items():
        key = spelling_key(spelling)
        # Strictly greater: on a tie the spelling seen first stays.
        if key not in best or count > best[key][0]:
            best[key] = (count, spelling)
    return {s: best[spelling_key(s)][1] for s in counts}


def category_counts(column: pd.Series) -> dict[str, int]:
    """Return category → rows, in category order (first seen for ingest's)."""
    codes = column.cat.codes.to_numpy()
    sizes = np.bincount(codes[codes >= 0], minlength=len(column.cat.categories))
    return {
        str(c): int(n) for c, n in zip(column.cat.categories, sizes, strict=True) if n
    }


def _recode(column: pd.Series, chosen: Mapping[str, str]) -> pd.Series:
    """Return the categorical with each category replaced by ``chosen[category]``."""
    categories = [str(c) for c in column.cat.categories]
    targets = [chosen.get(c, c) for c in categories]
    merged = list(dict.fromkeys(targets))
    position = {value: i for i, value in enumerate(merged)}
    lookup = np.array([position[t] for t in targets] + [-1], dtype=np.int64)
    codes = column.cat.codes.to_numpy().astype(np.int64)
    # Code -1 (missing) indexes the trailing -1.
    new_codes = lookup[np.where(codes >= 0, codes, len(categories))]
    return pd.Series(
        pd.Categorical.from_codes(new_codes, categories=pd.Index(merged, dtype=str)),
        index=column.index,
    )


def merge_spellings(
    frame: pd.DataFrame,
    *,
    names: Sequence[str] = SPELLING_FIELDS,
    counts: Mapping[str, Mapping[str, int]] | None = None,
) -> tuple[pd.DataFrame, dict[str, int], dict[str, dict[str, int]]]:
    """Return the frame with one spelling per value, merges and spelling counts.

    ``counts`` (field → spelling → rows) chooses the spellings when the
    frame's own categories are not the files' spellings (files combined:
    each category is then one file's choice, itself one of the spellings);
    by default the frame's rows are counted. Merged counts the spellings
    that became another one: {STAT, Stat, stat} is 2.
    """
    out = frame.copy(deep=False)
    merged, spellings = {}, {}
    for name in names:
        if name not in frame.columns:
            continue
        column = frame[name]
        seen = dict(counts[name]) if counts and name in counts else None
        if seen is None:
            seen = category_counts(column)
        chosen = _representatives(seen)
        merged[name] = len(seen) - len(set(chosen.values()))
        spellings[name] = seen
        if any(chosen.get(str(c), str(c)) != str(c) for c in column.cat.categories):
            out[name] = _recode(column, chosen)
    return out, merged, spellings


def add_counts(parts: Iterable[Mapping[str, Mapping[str, int]]]) -> dict:
    """Return field → spelling → rows summed over files, first seen first."""
    total: dict[str, Counter] = {}
    for part in parts:
        for name, counts in part.items():
            total.setdefault(name, Counter()).update(counts)
    return {name: dict(counts) for name, counts in total.items()}
