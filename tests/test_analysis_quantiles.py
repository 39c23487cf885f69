"""Grouped quantiles and interval statistics against plain numpy, group by group.

The expected numbers come from ``np.quantile`` (linear interpolation) and
plain sums over each group's values, never from the code under test;
quantiles must be equal to the bit, not merely close.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exams.analysis import quantiles
from exams.analysis.quantiles import grouped_quantiles, rank_values, stable_key_order
from exams.analysis.stats import QUANTILES, interval_stats

QS = list(QUANTILES.values())


def _intervals(rng, n: int) -> np.ndarray:
    """Return minutes with ties, NaNs (missing) and negatives, as exports have."""
    values = np.round(rng.gamma(1.5, 90.0, n), rng.integers(0, 3))
    values[rng.random(n) < 0.1] = np.nan
    values[rng.random(n) < 0.05] *= -1
    return values


def _expected(keys, values, size, qs):
    out = np.full((size + 1, len(qs)), np.nan)
    valid = (keys < size) & (values >= 0)
    for key in range(size):
        mine = values[valid & (keys == key)]
        if len(mine):
            out[key] = np.quantile(mine, qs)
    if valid.any():
        out[size] = np.quantile(values[valid], qs)
    return out


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("size", [1, 3, 40, 300])
@pytest.mark.parametrize("share", [1.0, 0.5, 0.02])
@pytest.mark.parametrize("ranked", [False, True])
def test_grouped_quantiles_equal_numpy_per_group(seed, size, share, ranked):
    rng = np.random.default_rng(seed)
    n = 5_000
    values = _intervals(rng, n)
    # Skewed keys leave some groups empty and some with a single value.
    keys = np.minimum(rng.geometric(0.3, n) - 1, size - 1)
    ranks = rank_values(values)
    # Rows outside the selection carry the key ``size``.
    keys[rng.random(n) >= share] = size
    got = grouped_quantiles(
        keys=keys,
        values=values,
        size=size,
        qs=QS,
        ranks=ranks if ranked else None,
        total=True,
    )
    np.testing.assert_array_equal(got, _expected(keys, values, size, QS))


@pytest.mark.parametrize("ranked", [False, True])
def test_ranks_of_a_superset_order_a_copied_selection(ranked):
    rng = np.random.default_rng(7)
    values = _intervals(rng, 20_000)
    ranks = rank_values(values)
    for share in (0.9, 0.3, 0.01):
        rows = np.flatnonzero(rng.random(len(values)) < share)
        keys = rng.integers(0, 5, len(rows))
        got = grouped_quantiles(
            keys=keys,
            values=values[rows],
            size=5,
            qs=QS,
            ranks=ranks[rows] if ranked else None,
            total=True,
        )
        np.testing.assert_array_equal(got, _expected(keys, values[rows], 5, QS))


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], [np.nan] * 3),
        ([np.nan, -5.0], [np.nan] * 3),
        ([42.0], [42.0] * 3),
        ([0.0, 10.0], [5.0, 7.5, 9.0]),
        ([3.0, 1.0, 2.0, 4.0], [2.5, 3.25, 3.7]),
    ],
)
def test_grouped_quantiles_hand_worked(values, expected):
    values = np.array(values, dtype=np.float64)
    keys = np.zeros(len(values), dtype=np.intp)
    for ranks in (None, rank_values(values)):
        got = grouped_quantiles(keys=keys, values=values, size=1, qs=QS, ranks=ranks)
        np.testing.assert_allclose(got[0], expected)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 4),
            st.one_of(
                st.floats(-100, 1e6, allow_nan=False),
                st.just(float("nan")),
                st.sampled_from([0.0, 1.5, 60.0]),
            ),
        ),
        max_size=60,
    ),
    st.lists(st.floats(0, 1), min_size=1, max_size=4),
)
def test_grouped_quantiles_property(rows, qs):
    keys = np.array([k for k, _ in rows], dtype=np.intp)
    values = np.array([v for _, v in rows], dtype=np.float64)
    expected = _expected(keys, values, 4, qs)
    for ranks in (None, rank_values(values)):
        got = grouped_quantiles(
            keys=keys, values=values, size=4, qs=qs, ranks=ranks, total=True
        )
        np.testing.assert_array_equal(got, expected)


def test_rank_values_orders_the_valid_values():
    values = np.array([5.0, np.nan, -1.0, 0.0, 5.0, 2.5])
    ranks = rank_values(values)
    assert ranks.dtype == np.int32
    assert ranks[[1, 2]].tolist() == [-1, -1]
    order = np.argsort(ranks[ranks >= 0])
    assert sorted(ranks[ranks >= 0].tolist()) == [0, 1, 2, 3]
    assert values[ranks >= 0][order].tolist() == [0.0, 2.5, 5.0, 5.0]


@pytest.mark.parametrize("size", [2, 256, 257, 65_536, 65_537, 3_000_000])
def test_stable_key_order_is_numpys_stable_argsort(size):
    keys = np.random.default_rng(size).integers(0, size, 50_000)
    np.testing.assert_array_equal(
        stable_key_order(keys, size=size), np.argsort(keys, kind="stable")
    )


@pytest.mark.parametrize("target", [60.0, None])
def test_interval_stats_equal_plain_numpy(target):
    rng = np.random.default_rng(3)
    n, size = 8_000, 6
    values = _intervals(rng, n)
    keys = rng.integers(0, size + 1, n)  # key ``size``: not selected
    limits = target if target else rng.choice([60.0, 240.0, 1440.0], n)
    got = interval_stats(
        keys=keys, values=values, size=size, limits=limits, ranks=rank_values(values)
    )
    per_exam = np.broadcast_to(limits, values.shape)
    for key in [*range(size), "total"]:
        chosen = keys < size if key == "total" else keys == key
        index = size if key == "total" else key
        mine, limit = values[chosen], per_exam[chosen]
        valid = mine >= 0
        assert got["n"][index] == valid.sum()
        assert got["missing"][index] == np.isnan(mine).sum()
        assert got["negative"][index] == (mine < 0).sum()
        assert got["within"][index] == pytest.approx(
            100 * (mine[valid] <= limit[valid]).mean()
        )
        assert got["mean"][index] == pytest.approx(mine[valid].mean(), rel=1e-12)
        quantiles = np.quantile(mine[valid], QS)
        for name, expected in zip(QUANTILES, quantiles, strict=True):
            assert got[name][index] == expected


def test_interval_stats_empty_group_is_nan_not_zero():
    values = np.array([10.0, np.nan, 20.0])
    keys = np.array([0, 1, 0])
    got = interval_stats(keys=keys, values=values, size=2, limits=15.0)
    assert got["n"].tolist() == [2, 0, 2]
    assert got["missing"].tolist() == [0, 1, 1]
    assert np.isnan([got[s][1] for s in ("median", "mean", "p90", "within")]).all()
    assert got["within"][0] == 50.0


@pytest.mark.parametrize(
    "high, decimals",
    [(1_000, 0), (600_000, 0), (2.0**40, 0), (600_000, 1)],
    ids=["whole minutes", "over 16 bits", "over 32 bits", "fractions"],
)
def test_rank_values_put_every_valid_value_at_its_sorted_place(high, decimals):
    # Whole minutes take the radix path, the others a float sort: both must
    # put the values in ascending order (ties in any order).
    rng = np.random.default_rng(7)
    values = np.round(rng.uniform(0, high, 20_000), decimals)
    values[rng.random(20_000) < 0.1] = np.nan
    values[rng.random(20_000) < 0.05] *= -1
    ranks = rank_values(values)
    valid = values >= 0
    assert (ranks[~valid] == -1).all()
    placed = np.empty(int(valid.sum()))
    placed[ranks[valid]] = values[valid]
    np.testing.assert_array_equal(placed, np.sort(values[valid]))


@pytest.mark.parametrize("cells", [1 << 20, 4096, 64])
@pytest.mark.parametrize("size", [1, 7, 60])
@pytest.mark.parametrize("share", [1.0, 0.3])
def test_bands_of_ranks_read_the_same_places_as_numpy(monkeypatch, cells, size, share):
    # Few cells make wide bands of ranks (many rows per band, keys sharing
    # bands), the case a 10M-exam summary meets; still equal to the bit.
    monkeypatch.setattr(quantiles, "_CELLS", cells)
    monkeypatch.setattr(quantiles, "_MIN_BANDS", 1)
    rng = np.random.default_rng(size)
    n = 20_000
    values = _intervals(rng, n)
    ranks = rank_values(values)
    keys = np.minimum(rng.geometric(0.2, n) - 1, size - 1)
    keys[rng.random(n) >= share] = size
    got = grouped_quantiles(
        keys=keys, values=values, size=size, qs=QS, ranks=ranks, total=True
    )
    np.testing.assert_array_equal(got, _expected(keys, values, size, QS))
    # A copied selection: ranks with gaps, the largest below the frame's.
    rows = np.flatnonzero(values < np.nanquantile(values, 0.8))
    got = grouped_quantiles(
        keys=keys[rows], values=values[rows], size=size, qs=QS, ranks=ranks[rows]
    )
    np.testing.assert_array_equal(
        got, _expected(keys[rows], values[rows], size, QS)[:size]
    )


def test_many_keys_still_order_by_rank():
    # More keys than the bands allow: every row placed at its rank instead.
    rng = np.random.default_rng(3)
    values = _intervals(rng, 50_000)
    keys = rng.integers(0, 20_000, len(values))
    got = grouped_quantiles(
        keys=keys, values=values, size=20_000, qs=QS, ranks=rank_values(values)
    )
    np.testing.assert_array_equal(got, _expected(keys, values, 20_000, QS)[:20_000])
