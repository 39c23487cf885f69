"""The 10M first answers' shortcuts give what plain numpy and pandas give.

Kinds tallied in the quantiles' count per band, the median of one key
holding every ranked exam read at its rank, one key without ranks
read by partition, box plots' extremes read by
rank and whiskers from one comparison, bucket counts by comparisons, and
pieces of an answer computed two at a time (``exams.analysis.parallel``):
every expected number here comes from numpy or pandas directly.
"""

import threading

import numpy as np
import pandas as pd
import pytest

from exams.analysis import parallel, quantiles
from exams.analysis.chain.segments import _tick_minutes, segments
from exams.analysis.dashboard.summary import summarize
from exams.analysis.frame.prepare import prepare_frame
from exams.analysis.frame.shifts import default_shifts
from exams.analysis.insights import distribution
from exams.analysis.quantiles import grouped_quantiles, rank_values, tallied_quantiles
from exams.analysis.stats import QUANTILES, exam_kinds
from tests.test_analysis_quantiles import _expected, _intervals
from tests.test_segments import random_exams

QS = list(QUANTILES.values())


@pytest.mark.parametrize("cells", [1 << 20, 4096, 256])
@pytest.mark.parametrize("size", [1, 7, 60])
@pytest.mark.parametrize("share", [1.0, 0.3, 0.02])
def test_kinds_tallied_with_the_bands_equal_numpy(monkeypatch, cells, size, share):
    monkeypatch.setattr(quantiles, "_CELLS", cells)
    monkeypatch.setattr(quantiles, "_MIN_BANDS", 1)
    rng = np.random.default_rng(size)
    n = 20_000
    values = _intervals(rng, n)
    limits = rng.choice([60.0, 240.0, 1440.0], n)
    keys = np.minimum(rng.geometric(0.2, n) - 1, size - 1)
    keys[rng.random(n) >= share] = size
    got, tally = tallied_quantiles(
        keys=keys,
        values=values,
        size=size,
        qs=QS,
        ranks=rank_values(values),
        kinds=exam_kinds(values, limits),
    )
    np.testing.assert_array_equal(got, _expected(keys, values, size, QS))
    valid = values >= 0
    for key in range(size):
        mine = keys == key
        assert tally[key].tolist() == [
            np.count_nonzero(mine & valid & (values <= limits)),
            np.count_nonzero(mine & valid & (values > limits)),
            np.count_nonzero(mine & np.isnan(values)),
            np.count_nonzero(mine & (values < 0)),
        ]


def test_one_key_holding_every_ranked_exam_reads_its_ranks():
    rng = np.random.default_rng(11)
    values = _intervals(rng, 30_000)
    ranks = rank_values(values)
    valid = values >= 0
    keys = np.zeros(len(values), dtype=np.intp)
    got = grouped_quantiles(
        keys=keys,
        values=values,
        size=1,
        qs=QS,
        ranks=ranks,
        counts=np.array([np.count_nonzero(valid)]),
        total=True,
    )
    expected = np.quantile(values[valid], QS)
    np.testing.assert_array_equal(got, [expected, expected])
    # A copied selection (ranks with gaps): not every rank, read by bands.
    rows = np.flatnonzero(rng.random(len(values)) < 0.5)
    got = grouped_quantiles(
        keys=keys[rows],
        values=values[rows],
        size=1,
        qs=QS,
        ranks=ranks[rows],
        counts=np.array([np.count_nonzero(valid[rows])]),
    )
    chosen = values[rows]
    np.testing.assert_array_equal(got[0], np.quantile(chosen[chosen >= 0], QS))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 1001, 30_000])
def test_one_key_without_ranks_is_partitioned_like_numpy(n):
    rng = np.random.default_rng(n)
    values = _intervals(rng, n)
    # Exams past the key (not selected), missing and negative ones left out.
    keys = (rng.random(n) < 0.2).astype(np.intp)
    qs = [0.0, *QS, 1.0]
    got = grouped_quantiles(keys=keys, values=values, size=1, qs=qs)
    chosen = values[(keys == 0) & (values >= 0)]
    expected = np.quantile(chosen, qs) if len(chosen) else np.full(len(qs), np.nan)
    np.testing.assert_array_equal(got[0], expected)


def _box_by_hand(values: np.ndarray) -> dict:
    q1, median, q3 = np.quantile(values, [0.25, 0.5, 0.75])
    reach = 1.5 * (q3 - q1)
    inside = values[(values >= q1 - reach) & (values <= q3 + reach)]
    return {
        "n": len(values),
        "min": round(float(values.min()), 4),
        "q1": round(float(q1), 4),
        "median": round(float(median), 4),
        "q3": round(float(q3), 4),
        "max": round(float(values.max()), 4),
        "mean": round(float(values.mean()), 4),
        "lower_whisker": round(float(inside.min()), 4),
        "upper_whisker": round(float(inside.max()), 4),
        "outliers": len(values) - len(inside),
    }


@pytest.mark.parametrize("low_outliers", [False, True])
def test_box_from_extremes_read_by_rank_equals_numpy(low_outliers):
    rng = np.random.default_rng(4)
    values = np.round(rng.gamma(2.0, 60.0, 5_000), 1)
    if low_outliers:
        # Tight around 500 with a few far below: the lower whisker is not the min.
        values = np.concatenate([500 + rng.normal(0, 5, 5_000), [1.0, 2.0, 3.0]])
    spread = np.quantile(values, distribution.SPREAD)
    assert distribution.box_summary(values, quartiles=spread) == _box_by_hand(values)
    assert distribution.box_summary(values) == _box_by_hand(values)


def test_bucket_counts_by_comparison_equal_counting_each_bucket():
    rng = np.random.default_rng(8)
    n = 5_000
    # Every edge itself, and values around, missing and negative.
    minutes = rng.choice([0, 59.9, 60, 239, 240, 720, 1440, 2879.5, 2880, 9000], n)
    minutes = minutes.astype(float)
    minutes[rng.random(n) < 0.1] = -5
    completed = pd.Series(pd.Timestamp("2025-01-01") + pd.to_timedelta(range(n), "s"))
    finalized = completed + pd.to_timedelta(minutes, "min")
    finalized[rng.random(n) < 0.1] = pd.NaT
    minutes[finalized.isna().to_numpy()] = np.nan
    completed[rng.random(n) < 0.05] = pd.NaT
    frame = pd.DataFrame(
        {
            "completed_at": completed,
            "finalized_at": finalized,
            "complete_to_final": np.where(completed.isna(), np.nan, minutes),
        }
    )
    got = distribution.bucket_counts(frame, metric="complete_to_final")
    values = frame["complete_to_final"].to_numpy()
    expected = [
        np.count_nonzero((values >= low) & (values < (high or np.inf)))
        for _, low, high in distribution.BUCKETS
    ]
    expected.append(int(finalized.isna().sum()))
    assert [b["count"] for b in got["buckets"]] == expected
    assert got["excluded"] == {
        "missing": int((completed.isna() & finalized.notna()).sum()),
        "negative": int(np.count_nonzero(values < 0)),
    }


def test_ticks_not_whole_minutes_near_the_exact_limit_equal_pandas():
    start = pd.Series(pd.to_datetime(["2025-01-01"] * 4)).astype("datetime64[ns]")
    # About 100 days (close to 2**53 ns) plus 1 ns, 1 µs, 1 s; and whole.
    spans = [
        pd.Timedelta(days=100, nanoseconds=1),
        pd.Timedelta(days=100, microseconds=1),
        pd.Timedelta(days=100, seconds=1),
        pd.Timedelta(days=100),
    ]
    end = (start + pd.Series(spans)).astype("datetime64[ns]")
    expected = (end - start).dt.total_seconds().to_numpy() / 60
    np.testing.assert_array_equal(_tick_minutes(start, end), expected)


def test_each_keeps_order_and_raises_and_small_work_stays_here(monkeypatch):
    names = parallel.each(lambda i: threading.current_thread().name, range(3), rows=1)
    assert set(names) == {threading.current_thread().name}
    monkeypatch.setattr(parallel, "MIN_ROWS", 0)
    assert parallel.each(lambda i: i * i, iter(range(7)), rows=10) == [
        0,
        1,
        4,
        9,
        16,
        25,
        36,
    ]
    names = parallel.each(lambda i: threading.current_thread().name, range(4), rows=10)
    assert all(name.startswith("tatviz-analysis") for name in names)
    # A piece asking for pieces works them out itself, in order.
    nested = parallel.each(
        lambda i: parallel.each(
            lambda j: (i, j, threading.current_thread().name), range(2), rows=10
        ),
        range(2),
        rows=10,
    )
    for i, inner in enumerate(nested):
        assert [(a, b) for a, b, _ in inner] == [(i, 0), (i, 1)]
        assert inner[0][2] == inner[1][2]

    def fails(i):
        if i == 2:
            raise ValueError("piece 2")
        return i

    with pytest.raises(ValueError, match="piece 2"):
        parallel.each(fails, range(4), rows=10)


def test_once_is_worked_out_once_by_whoever_asks_first(monkeypatch):
    calls = []

    def compute():
        calls.append(threading.current_thread().name)
        return len(calls)

    # Asked between items by the caller while pieces run, and by the pieces.
    monkeypatch.setattr(parallel, "MIN_ROWS", 0)
    shared = parallel.Once(compute)

    def items():
        for i in range(4):
            yield i
            if i == 0:
                shared.get()

    assert parallel.each(lambda i: (i, shared.get()), items(), rows=10) == [
        (0, 1),
        (1, 1),
        (2, 1),
        (3, 1),
    ]
    assert len(calls) == 1
    # On one thread the first piece asks before the caller can: it works it
    # out itself instead of waiting for the caller.
    monkeypatch.setattr(parallel, "MIN_ROWS", 10**12)
    calls.clear()
    alone = parallel.Once(compute)

    def ask_after_first():
        yield 0
        alone.get()
        yield 1

    assert parallel.each(lambda i: alone.get(), ask_after_first(), rows=10) == [1, 1]
    assert calls == [threading.current_thread().name]


def test_answers_worked_out_two_at_a_time_are_the_same(monkeypatch):
    frame = random_exams(size=3_000, seed=9)
    frame["complete_to_final"] = (
        frame["finalized_at"] - frame["completed_at"]
    ).dt.total_seconds() / 60
    prepared = prepare_frame(frame, shifts=default_shifts())
    answers = []
    for rows in (10**12, 0):
        monkeypatch.setattr(parallel, "MIN_ROWS", rows)
        answers.append(
            (
                summarize(prepared, by="modality"),
                distribution.box_stats(prepared, by_column="modality"),
                segments(
                    prepared, chain=["ordered_at", "completed_at", "finalized_at"]
                ),
            )
        )
    assert answers[0] == answers[1]
    # And by hand for one of them: the median of complete → final per modality.
    valid = prepared[prepared["complete_to_final"] >= 0]
    ct = valid.loc[valid["modality"] == "CT", "complete_to_final"]
    row = next(r for r in answers[1][0]["rows"] if r["group"] == "CT")
    assert row["complete_to_final"]["median"] == ct.median()
