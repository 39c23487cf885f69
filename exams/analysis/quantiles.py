"""Quantiles per group, equal to ``np.quantile`` (linear interpolation) per group.

The selected values are put in ascending order once; a stable radix sort
by group keeps that order inside each group, so every quantile is read by
index: no partition per group, no Python loop over groups. A prepared
frame carries each interval's rank among its valid values, so a request
orders a large selection in O(n) by placing each exam's group at its rank
instead of sorting values.
"""

import numpy as np

# Below this share of the ranked values, sorting the selected values beats
# placing every row at its rank.
_SORT_SHARE = 1 / 16


def rank_values(values: np.ndarray) -> np.ndarray:
    """Return each value's position among the valid values in ascending order.

    Valid means ≥ 0 (not missing, not negative); the rest get -1. Equal
    values rank in any order (a quantile reads values, not rows). int32:
    4 bytes per exam, kept with the prepared frame.
    """
    valid = np.flatnonzero(values >= 0)
    order = valid[_ascending(values[valid])]
    ranks = np.full(len(values), -1, dtype=np.int32)
    ranks[order] = np.arange(len(order), dtype=np.int32)
    return ranks


def _ascending(values: np.ndarray) -> np.ndarray:
    """Return an order of non-negative values, ascending (ties in any order).

    Intervals are usually whole minutes: those are ordered by two 16-bit
    radix passes, O(n), ~10× faster than sorting floats (the ranks of five
    intervals were most of preparing a frame). Values with fractions, or
    too large for 32 bits, are sorted as floats.
    """
    if not len(values) or values.max() >= 1 << 32:
        return np.argsort(values)
    whole = values.astype(np.int64)
    if not np.array_equal(whole, values):
        return np.argsort(values)
    return stable_key_order(whole, size=int(whole.max()) + 1)


def stable_key_order(keys: np.ndarray, *, size: int) -> np.ndarray:
    """Return the stable argsort of integer keys in 0…size-1.

    numpy sorts 8- and 16-bit integers stably by radix; wider keys take two
    16-bit passes (least significant first), still O(n).
    """
    if size <= 1 << 8:
        return np.argsort(keys.astype(np.uint8, copy=False), kind="stable")
    if size <= 1 << 16:
        return np.argsort(keys.astype(np.uint16, copy=False), kind="stable")
    low = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    high = (keys[low] >> 16).astype(np.uint16)
    return low[np.argsort(high, kind="stable")]


def grouped_quantiles(
    *,
    keys: np.ndarray,
    values: np.ndarray,
    size: int,
    qs: list[float],
    ranks: np.ndarray | None = None,
    counts: np.ndarray | None = None,
    total: bool = False,
) -> np.ndarray:
    """Return a (size, len(qs)) array of quantiles per key (NaN for empty keys).

    ``keys``, ``values`` and ``ranks`` (``rank_values`` of these rows or of
    a frame they were selected from) are aligned per row. A row counts when
    its key is below ``size`` (``size`` itself leaves it out) and its value
    is valid (≥ 0); ``counts``, if known, is how many rows count per key.
    ``total`` adds a last row over all keys together.
    """
    if counts is None:
        counts = np.bincount(keys[(keys < size) & (values >= 0)], minlength=size)
    runs = [np.asarray(counts[:size], dtype=np.intp)]
    if ranks is not None and len(ranks):
        top = int(ranks.max()) + 1
        if np.count_nonzero(keys < size) >= top * _SORT_SHARE:
            sequence, overall, value_at = _by_rank(keys, values, ranks, size, top)
            if total:
                runs.append(np.array([len(overall)]))
            return _read([sequence, overall][: len(runs)], runs, qs, value_at)
    rows = np.flatnonzero((keys < size) & (values >= 0))
    overall = rows[np.argsort(values[rows])]
    sequence = overall[stable_key_order(keys[overall], size=size + 1)]
    if total:
        runs.append(np.array([len(overall)]))
    return _read([sequence, overall][: len(runs)], runs, qs, values.__getitem__)


def _by_rank(keys, values, ranks, size, top) -> tuple:
    """Return the selected ranks grouped by key, all of them, and a lookup.

    Each row's key is written at its rank (invalid rows, rank -1, into a
    spare last slot), so reading the slots gives the keys in ascending
    order of value; ranks not in this selection keep the key ``size``.
    """
    dtype = np.uint8 if size < 1 << 8 else np.uint16 if size < 1 << 16 else np.intp
    slots = np.full(top + 1, size, dtype=dtype)
    slots[ranks] = keys.astype(dtype, copy=False)
    overall = np.flatnonzero(slots[:top] < size)
    sequence = overall[stable_key_order(slots[overall], size=size)]
    del slots

    def value_at(wanted: np.ndarray) -> np.ndarray:
        # Only the few ranks a quantile reads are looked up, in one pass.
        needed = np.zeros(top + 1, dtype=bool)
        needed[wanted] = True
        needed[top] = False
        rows = np.flatnonzero(needed.take(ranks))
        found = ranks[rows]
        order = np.argsort(found)
        return values[rows[order][np.searchsorted(found[order], wanted)]]

    return sequence, overall, value_at


def _read(sequences, runs, qs, value_at) -> np.ndarray:
    """Return the quantiles of each run of each sequence, one row per run.

    A sequence holds consecutive runs of ``runs`` entries (one run per key),
    each ascending by value; ``value_at`` turns entries into values. The
    arithmetic is numpy's "linear" method step for step (bit-identical).
    """
    counts = np.concatenate(runs)
    out = np.full((len(counts), len(qs)), np.nan)
    present = np.flatnonzero(counts)
    if not len(present):
        return out
    last = (counts[present] - 1)[:, None]
    virtual = last * np.asarray(qs, dtype=np.float64)[None, :]
    previous = np.floor(virtual)
    above = virtual >= last
    lower = np.where(above, last, previous.astype(np.intp))
    upper = np.where(above, last, lower + 1)
    # Entries at those places, each run read from its own sequence.
    starts = np.concatenate([np.cumsum(run) - run for run in runs])[present, None]
    source = np.repeat(np.arange(len(runs)), [len(run) for run in runs])[present]
    entries = np.empty((2, *virtual.shape), dtype=np.intp)
    for i, sequence in enumerate(sequences):
        mine = source == i
        entries[0, mine] = sequence[(starts + lower)[mine]]
        entries[1, mine] = sequence[(starts + upper)[mine]]
    a, b = value_at(entries)
    # numpy's _lerp: from the lower end below half way, else from the upper.
    gamma = virtual - previous
    diff = b - a
    result = a + diff * gamma
    upper_half = gamma >= 0.5
    result[upper_half] = (b - diff * (1 - gamma))[upper_half]
    result[above] = a[above]
    out[present] = result
    return out
