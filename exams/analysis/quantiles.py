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
# Counts per key and band of ranks (``_by_bands``): at most this many cells,
# and at least this many bands per key (fewer keys than CELLS // MIN_BANDS).
_CELLS = 1 << 20
_MIN_BANDS = 64


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
    runs = None if counts is None else [np.asarray(counts[:size], dtype=np.intp)]
    if ranks is not None and len(ranks):
        top = int(ranks.max()) + 1
        # Rows selected (every path reads the same values; this only picks
        # the cheaper one).
        selected = np.count_nonzero(keys < size) if runs is None else runs[0].sum()
        if size == 1 and runs is not None and runs[0][0] == top:
            # Every valid row in the one key: its k-th value is rank k.
            return _by_rank_alone(values, ranks, top, qs, runs, total)
        if selected >= top * _SORT_SHARE:
            if size * _MIN_BANDS <= _CELLS:
                bands = _Bands(keys, ranks, size, top)
                if runs is None:
                    # The valid rows per key: the count per band has them.
                    runs = [bands.grid().sum(axis=1)]
                return _by_bands(bands, values, ranks, size, qs, runs, total)
            if runs is None:
                runs = [_valid_counts(keys, values, size)]
            sequence, overall, value_at = _by_rank(keys, values, ranks, size, top)
            if total:
                runs.append(np.array([len(overall)]))
            return _read([sequence, overall][: len(runs)], runs, qs, value_at)
    if size == 1 and not total:
        return _alone(values[(keys < 1) & (values >= 0)], qs)
    if runs is None:
        runs = [_valid_counts(keys, values, size)]
    rows = np.flatnonzero((keys < size) & (values >= 0))
    overall = rows[_ascending(values[rows])]
    sequence = overall[stable_key_order(keys[overall], size=size + 1)]
    if total:
        runs.append(np.array([len(overall)]))
    return _read([sequence, overall][: len(runs)], runs, qs, values.__getitem__)


def _by_rank_alone(values, ranks, top: int, qs, runs, total: bool) -> np.ndarray:
    """Return the quantiles of one key that holds every ranked row (and the total).

    Its k-th value is the row of rank k: one pass finds the few rows read.
    """
    if total:
        runs = [*runs, np.array([top])]
    places = _Places(np.concatenate(runs), qs)
    if not len(places.present):
        return places.out
    wanted = np.stack([places.lower, places.upper])
    lower, upper = _values_at_ranks(values, ranks, top, wanted)
    return places.interpolate(lower, upper)


def _alone(chosen: np.ndarray, qs) -> np.ndarray:
    """Return the quantiles of one key's valid values, a (1, len(qs)) array.

    Only the few places read are put in order (``np.partition``, O(n), as
    ``np.quantile`` does), not the whole selection.
    """
    places = _Places(np.array([len(chosen)]), qs)
    if not len(places.present):
        return places.out
    wanted = np.stack([places.lower, places.upper])
    ordered = np.partition(chosen, np.unique(wanted))
    return places.interpolate(*ordered[wanted])


def _values_at_ranks(values, ranks, top: int, wanted: np.ndarray) -> np.ndarray:
    """Return the values of the rows at the ``wanted`` ranks, in one pass."""
    needed = np.zeros(top + 1, dtype=bool)
    needed[wanted] = True
    # Invalid rows (rank -1) read the spare last slot: never needed.
    needed[top] = False
    rows = np.flatnonzero(needed.take(ranks))
    found = ranks[rows]
    order = np.argsort(found)
    return values[rows[order][np.searchsorted(found[order], wanted)]]


def _valid_counts(keys, values, size: int) -> np.ndarray:
    """Return the valid rows (value ≥ 0) per key below ``size``."""
    counts = np.bincount(keys[(keys < size) & (values >= 0)], minlength=size)
    return np.asarray(counts[:size], dtype=np.intp)


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
        return _values_at_ranks(values, ranks, top, wanted)

    return sequence, overall, value_at


def tallied_quantiles(
    *,
    keys: np.ndarray,
    values: np.ndarray,
    size: int,
    qs: list[float],
    ranks: np.ndarray | None,
    kinds: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``grouped_quantiles`` with ``total``, and the rows per key and kind.

    ``kinds`` (0 within, 1 over, 2 missing, 3 negative: ``stats.exam_kinds``)
    are counted per key in the same pass as the bands of ranks when those
    are used (one count of every row instead of two); the tally is a
    (size, 4) array of counts.
    """
    tally = None
    if ranks is not None and len(ranks) and size * _MIN_BANDS * 2 <= _CELLS:
        top = int(ranks.max()) + 1
        bands = _Bands(keys, ranks, size, top, kinds=kinds)
        tally = bands.tally()
        counts = tally[:, 0] + tally[:, 1]
        if counts.sum() >= top * _SORT_SHARE:
            quantiles = _by_bands(bands, values, ranks, size, qs, [counts], True)
            return quantiles, tally
        del bands
    if tally is None:
        cells = np.bincount(keys * 4 + kinds, minlength=4 * (size + 1))
        tally = cells[: 4 * size].reshape(size, 4)
    quantiles = grouped_quantiles(
        keys=keys,
        values=values,
        size=size,
        qs=qs,
        ranks=ranks,
        counts=tally[:, 0] + tally[:, 1],
        total=True,
    )
    return quantiles, tally


class _Bands:
    """Each row's cell (its key and band of ranks) and how many rows each cell has.

    Each key has one cell for its invalid rows (rank -1), then one per band
    of ``2 ** shift`` ranks; keys ≥ size (not selected) fall past the
    table. With ``kinds``, every cell is split in two by the row's kind
    (invalid: missing or negative; valid: within or over), so the same
    count also tallies the kinds; ``cell >> 1`` is then the plain cell.
    """

    def __init__(self, keys, ranks, size: int, top: int, kinds=None):
        cells = _CELLS if kinds is None else _CELLS // 2
        shift = max(0, (top * size - 1).bit_length() - cells.bit_length() + 1)
        self.shift, self.size = shift, size
        self.bands = ((top - 1) >> shift) + 1
        self.split = kinds is not None
        # Each row's place inside its key's cells, in 32 bits (half the
        # memory to go through), then added to its key's first cell: one
        # intp array, which numpy counts and indexes with no copy.
        stride = (self.bands + 1) * (2 if self.split else 1)
        inside = ranks >> np.int32(shift)
        if self.split:
            # Invalid (rank -1): 2 * -1 + 2 + (kind & 1) is 0 missing, 1
            # negative; valid: 2 + 2 * band + 0 within or 1 over.
            inside <<= np.int32(1)
            kind = kinds & np.uint8(1)
            kind += np.uint8(2)
            inside += kind
            del kind
        else:
            inside += np.int32(1)
        cell = keys * np.intp(stride)
        cell += inside
        del inside
        self.cell = cell
        self.counted = np.bincount(cell, minlength=(size + 1) * stride)

    def tally(self) -> np.ndarray:
        """Return the rows per key and kind (within, over, missing, negative)."""
        stride = 2 * (self.bands + 1)
        grid = self.counted[: self.size * stride].reshape(self.size, stride)
        return np.column_stack(
            [grid[:, 2::2].sum(1), grid[:, 3::2].sum(1), grid[:, 0], grid[:, 1]]
        )

    def grid(self) -> np.ndarray:
        """Return the valid rows per key and band, (size, bands)."""
        stride = (self.bands + 1) * (2 if self.split else 1)
        grid = self.counted[: self.size * stride].reshape(self.size, stride)
        if self.split:
            return grid[:, 2::2] + grid[:, 3::2]
        return grid[:, 1:]

    def rows_in(self, needed: np.ndarray) -> np.ndarray:
        """Return the rows whose plain cell is marked in ``needed`` (in row order)."""
        if self.split:
            needed = np.repeat(needed, 2)
        return np.flatnonzero(needed.take(self.cell, mode="clip"))

    def plain(self, rows: np.ndarray) -> np.ndarray:
        """Return the plain cells (key, band) of some rows."""
        return self.cell[rows] >> 1 if self.split else self.cell[rows]


def _by_bands(bands: _Bands, values, ranks, size, qs, runs, total) -> np.ndarray:
    """Return the quantiles per key (and overall) from counts per band of ranks.

    The ranks are cut into bands; counting each key's rows per band tells in
    which band, and at which place inside it, a key's k-th value lies. Only
    the rows of those few bands are then sorted: two sequential passes over
    the rows instead of scattering every row to its rank (random access,
    most of a summary's time at 10M exams). The rows read are those
    ``_by_rank`` reads: the k-th of the key in ascending rank.
    """
    shift, stride = bands.shift, bands.bands + 1
    grid = bands.grid()
    if total:
        runs = [*runs, np.array([grid.sum()])]
    places = _Places(np.concatenate(runs), qs)
    if not len(places.present):
        return places.out
    cumulative = np.vstack([grid, grid.sum(axis=0)]).cumsum(axis=1)
    # Every place read: its run (a key, or ``size`` for the total) and its
    # position in that run; flat, lower ends then upper ends.
    wanted = np.concatenate([places.lower.ravel(), places.upper.ravel()])
    run = np.tile(np.repeat(places.present, len(qs)), 2)
    band = np.empty(len(wanted), dtype=np.intp)
    for one in np.unique(run):
        mine = run == one
        band[mine] = np.searchsorted(cumulative[one], wanted[mine], side="right")
    before = np.where(band > 0, cumulative[run, np.maximum(band - 1, 0)], 0)
    offset = wanted - before
    overall = run == size
    # The cells those places lie in; a band the total reads, in every key.
    needed = np.zeros((size + 1) * stride, dtype=bool)
    needed[(run * stride + band + 1)[~overall]] = True
    needed[: size * stride].reshape(size, stride)[:, band[overall] + 1] = True
    # Past the table (a key above size) reads its last cell: not needed.
    rows = bands.rows_in(needed)
    rows = rows[np.argsort(ranks[rows])]
    at = np.empty(len(wanted), dtype=np.intp)
    # The total's k-th: the rows of its band in rank order, all keys.
    row_bands = ranks[rows] >> shift
    at[overall] = rows[np.searchsorted(row_bands, band[overall]) + offset[overall]]
    # A key's k-th: its rows of the band, still in rank order (stable).
    plain = bands.plain(rows)
    order = np.argsort(plain, kind="stable")
    rows, plain = rows[order], plain[order]
    cells_of = (run * stride + band + 1)[~overall]
    at[~overall] = rows[np.searchsorted(plain, cells_of) + offset[~overall]]
    lower, upper = values[at].reshape(2, *places.lower.shape)
    return places.interpolate(lower, upper)


def _read(sequences, runs, qs, value_at) -> np.ndarray:
    """Return the quantiles of each run of each sequence, one row per run.

    A sequence holds consecutive runs of ``runs`` entries (one run per key),
    each ascending by value; ``value_at`` turns entries into values.
    """
    counts = np.concatenate(runs)
    places = _Places(counts, qs)
    if not len(places.present):
        return places.out

    def entries_at(positions: np.ndarray) -> np.ndarray:
        # Entries at those places, each run read from its own sequence.
        starts = np.concatenate([np.cumsum(run) - run for run in runs])
        starts = starts[places.present, None]
        source = np.repeat(np.arange(len(runs)), [len(run) for run in runs])
        source = source[places.present]
        entries = np.empty(positions.shape, dtype=np.intp)
        for i, sequence in enumerate(sequences):
            mine = source == i
            entries[mine] = sequence[(starts + positions)[mine]]
        return entries

    lower, upper = entries_at(places.lower), entries_at(places.upper)
    a, b = value_at(np.stack([lower, upper]))
    return places.interpolate(a, b)


class _Places:
    """Where each quantile of each run lies, and the value between them.

    The arithmetic is numpy's "linear" method step for step (bit-identical).
    """

    def __init__(self, counts: np.ndarray, qs):
        self.out = np.full((len(counts), len(qs)), np.nan)
        self.present = np.flatnonzero(counts)
        last = (counts[self.present] - 1)[:, None]
        self.virtual = last * np.asarray(qs, dtype=np.float64)[None, :]
        self.previous = np.floor(self.virtual)
        self.above = self.virtual >= last
        # Positions within each run of the two values a quantile reads.
        self.lower = np.where(self.above, last, self.previous.astype(np.intp))
        self.upper = np.where(self.above, last, self.lower + 1)

    def interpolate(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Return ``out`` with each present run's quantiles from its two values."""
        # numpy's _lerp: from the lower end below half way, else from the upper.
        gamma = self.virtual - self.previous
        diff = b - a
        result = a + diff * gamma
        upper_half = gamma >= 0.5
        result[upper_half] = (b - diff * (1 - gamma))[upper_half]
        result[self.above] = a[self.above]
        self.out[self.present] = result
        return self.out
