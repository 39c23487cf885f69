"""Row-level cleaning: cancelled exams, duplicates, intervals.

Order in `read_export`: cancelled rows are removed first, then duplicates.
The other way round, a cancelled order and its re-order under the same
accession could be collapsed onto the cancelled row, and then both would
be gone.
"""

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from exams import fields
from exams.ingest.values.spelling import spelling_key

_NS_PER_MINUTE = 60_000_000_000
_NAT = np.iinfo(np.int64).min
_MAX_FILLED = 63  # more fields than any row can fill
# No exam takes a year from order to final report: a longer interval is a
# typed year (1900, 2100) and would swamp every mean. It is left out of the
# statistics like a negative one and counted (`quality.implausible`).
IMPLAUSIBLE_MINUTES = 366 * 24 * 60


def find_cancelled(
    status: pa.ChunkedArray | None, *, cancelled_statuses: Iterable[str]
) -> tuple[np.ndarray, dict[str, int]]:
    """Return a row mask of cancelled exams and status value → rows matched.

    A status matches when the whole value equals one of
    ``cancelled_statuses``, ignoring case and spaces (`spelling_key`:
    "No  Show " is "no show").
    """
    if status is None:
        return np.zeros(0, dtype=bool), {}
    wanted = {spelling_key(s) for s in cancelled_statuses if s and s.strip()}
    counts = pc.value_counts(status)
    matched = {
        value: int(count)
        for value, count in zip(
            counts.field("values").to_pylist(),
            counts.field("counts").to_pylist(),
            strict=True,
        )
        if value is not None and spelling_key(value) in wanted
    }
    if not matched:
        return np.zeros(len(status), dtype=bool), {}
    mask = pc.is_in(status, value_set=pa.array(list(matched), pa.string()))
    mask = pc.fill_null(mask, False).to_numpy(zero_copy_only=False)
    return np.asarray(mask, dtype=bool), dict(sorted(matched.items()))


def completeness(frame: pd.DataFrame) -> np.ndarray:
    """Return how many canonical fields each row has a value for."""
    present = [f for f in fields.CANONICAL_FIELDS if f in frame.columns]
    return frame[present].notna().sum(axis=1).to_numpy()


def _repeat_groups(accession: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Return a group number per row whose accession repeats, else -1.

    Hashing (Arrow's dictionary encoding) is about twice as fast as sorting
    a million distinct accessions, and pandas' factorize is slower still.
    """
    if isinstance(accession, pa.ChunkedArray):
        # One array, so one dictionary: the codes of every row agree.
        accession = accession.combine_chunks()
    encoded = pc.dictionary_encode(accession)
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    codes = codes.astype(np.int64)
    valid = codes >= 0
    # At least one slot, so an all-null column still indexes.
    sizes = np.bincount(codes[valid], minlength=max(len(encoded.dictionary), 1))
    return np.where(valid & (sizes[np.maximum(codes, 0)] > 1), codes, -1)


def rows_to_keep(
    *,
    accession: pa.ChunkedArray | pa.Array,
    filled: np.ndarray,
    finalized: np.ndarray,
    identity: Callable[[np.ndarray], pd.DataFrame],
    exclude: np.ndarray | None = None,
) -> np.ndarray:
    """Return the positions of the rows that survive de-duplication, in order.

    Rows sharing an accession keep one: the most complete (most fields
    filled, ``filled``); on a tie the one with the earliest final time
    (``finalized``, int64 with `_NAT` for none), because an addendum re-signs
    a report and the first signature ends the TAT; then the first in order.
    Rows are kept whole, never merged. Rows without an accession are only
    dropped as exact repeats of an earlier row, compared on
    ``identity(positions)``. Rows masked by ``exclude`` (cancelled) are
    dropped and take no part.
    """
    keep = np.ones(len(accession), dtype=bool)
    if exclude is not None and exclude.any():
        keep = ~exclude
        accession = pc.if_else(
            pa.array(keep), accession, pa.scalar(None, accession.type)
        )
    if len(accession) == 0:
        return np.flatnonzero(keep)
    keys = _repeat_groups(accession)
    rows = np.flatnonzero(keys >= 0)
    if rows.size:
        final = finalized[rows].astype(np.int64)
        final[final == _NAT] = np.iinfo(np.int64).max  # missing sorts last
        # One key for (accession group, most filled first); lexsort is stable,
        # so rows already in file order stay so within a tie.
        emptier = _MAX_FILLED - np.minimum(filled[rows], _MAX_FILLED)
        order = np.lexsort((final, keys[rows] * (_MAX_FILLED + 1) + emptier))
        sorted_keys = keys[rows][order]
        first = np.ones(rows.size, dtype=bool)
        first[1:] = sorted_keys[1:] != sorted_keys[:-1]
        keep[rows] = False
        keep[rows[order[first]]] = True
    has_key = np.asarray(pc.is_valid(accession).to_numpy(zero_copy_only=False))
    loose = np.flatnonzero(keep & ~has_key)
    if loose.size > 1:
        keep[loose[identity(loose).duplicated().to_numpy()]] = False
    return np.flatnonzero(keep)


def add_intervals(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the frame with the intervals in minutes.

    NaN when an end is missing or the interval is implausibly long.
    """
    out = frame.copy(deep=False)
    for metric, (start, end) in fields.BUILT_IN.items():
        begin = frame[start].to_numpy(dtype="datetime64[ns]").view(np.int64)
        finish = frame[end].to_numpy(dtype="datetime64[ns]").view(np.int64)
        both = (begin != _NAT) & (finish != _NAT)
        minutes = np.full(len(frame), np.nan)
        minutes[both] = (finish[both] - begin[both]) / _NS_PER_MINUTE
        minutes[minutes > IMPLAUSIBLE_MINUTES] = np.nan
        out[metric] = minutes
    return out


def drop_unused_categories(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the frame with categories no row uses removed (cheap, by codes)."""
    out = frame.copy(deep=False)
    for name in frame.columns:
        column = frame[name]
        if not isinstance(column.dtype, pd.CategoricalDtype):
            continue
        codes = column.cat.codes.to_numpy()
        size = len(column.cat.categories)
        used = np.bincount(codes[codes >= 0], minlength=size) > 0
        if used.all():
            continue
        renumber = np.cumsum(used) - 1
        new_codes = np.where(codes >= 0, renumber[np.maximum(codes, 0)], -1)
        out[name] = pd.Categorical.from_codes(
            new_codes, categories=column.cat.categories[used]
        )
    return out
