"""Every metric × stat × period × split on the hand-worked export, in plain Python."""

import datetime as dt
import itertools

import numpy as np
import pytest

from exams import fields
from exams.analysis import prepare_frame
from exams.analysis.frame.shifts import default_shifts
from tests.analysis_facts import (
    FACT_ROWS,
    FACTS,
    INTERVALS,
    assert_values,
    canonical_frame,
    series,
)

# What the hand-worked export has (no preliminary times, radiologists or
# locations: those are checked against DuckDB in test_analysis_reference).
METRICS = ("volume", "ordered", "complete_ratio", *INTERVALS)
SPLITS = ("none", "modality", "shift", "priority", "patient_class", "physician")

# ---- series: every metric × stat × period × split against the facts --------


def _label(date, period: str, week) -> str | None:
    if not isinstance(date, str):
        return None
    if period == "day":
        return date[:10]
    if period == "week":
        return week
    if period == "month":
        return date[:7]
    if period == "quarter":
        return f"{date[:4]}-Q{(int(date[5:7]) - 1) // 3 + 1}"
    return date[:4]


def _all_labels(period: str, first: str, last: str) -> list[str]:
    """Every label from first to last, by calendar arithmetic."""
    if period in ("day", "week"):
        step = 1 if period == "day" else 7
        start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
        days = (end - start).days
        return [str(start + dt.timedelta(d)) for d in range(0, days + 1, step)]
    if period == "year":
        return [str(y) for y in range(int(first), int(last) + 1)]
    if period == "quarter":
        a = int(first[:4]) * 4 + int(first[-1]) - 1
        b = int(last[:4]) * 4 + int(last[-1]) - 1
        return [f"{q // 4}-Q{q % 4 + 1}" for q in range(a, b + 1)]
    a = int(first[:4]) * 12 + int(first[5:7]) - 1
    b = int(last[:4]) * 12 + int(last[5:7]) - 1
    return [f"{m // 12}-{m % 12 + 1:02d}" for m in range(a, b + 1)]


def _group(row, split: str, side: str):
    column = {
        "modality": "modality",
        "priority": "priority",
        "patient_class": "patient_class",
        "physician": "ordering_physician",
    }.get(split)
    if split == "none":
        return "All"
    if split == "shift":
        value = row["c_shift" if side == "c" else "o_shift"]
    else:
        value = row[column]
    return value if isinstance(value, str) else "(blank)"


def _statistic(values: list[float], stat: str, limits: list[float]):
    if not values:
        return None
    if stat == "mean":
        return sum(values) / len(values)
    if stat == "within":
        return (
            100 * sum(v <= t for v, t in zip(values, limits, strict=True)) / len(values)
        )
    q = {"median": 0.5, "p75": 0.75, "p90": 0.9}[stat]
    return float(np.quantile(values, q))


def _own_target(row, metric) -> float:
    # The default rules judge report TAT; other intervals get the 24 h default.
    if metric != "complete_to_final":
        return 1440
    if row["patient_class"] == "ED" or row["priority"] == "STAT":
        return 60
    return {"Inpatient": 240, "Outpatient": 1440}.get(row["patient_class"], 1440)


def reference_series(metric, stat, period, split, target):
    """Compute a series from the worked facts with plain Python."""
    cells: dict = {}
    labels = set()
    for row in FACT_ROWS:
        sides = {"c": (row["completed_at"], row["c_week"])}
        if metric in ("ordered", "complete_ratio"):
            sides["o"] = (row["ordered_at"], row["o_week"])
        if metric == "ordered":
            del sides["c"]
        for side, (time, week) in sides.items():
            label = _label(time, period, week)
            if label is None:
                continue
            labels.add(label)
            cell = cells.setdefault((_group(row, split, side), label), {})
            cell.setdefault(side, []).append(row)
    if not labels:
        return [], {}
    x = _all_labels(period, min(labels), max(labels))
    groups = {g for g, _ in cells}
    if split == "shift":
        order = [g for g in ("day", "evening", "night", "(blank)") if g in groups]
    else:
        order = sorted(groups, key=lambda g: (g == "(blank)", g.casefold()))
    result = {}
    for group in order:
        ys, ns = [], []
        for label in x:
            cell = cells.get((group, label), {})
            done, ordered = len(cell.get("c", [])), len(cell.get("o", []))
            if metric == "volume":
                ys.append(done), ns.append(done)
            elif metric == "ordered":
                ys.append(ordered), ns.append(ordered)
            elif metric == "complete_ratio":
                ys.append(done / ordered if ordered else None), ns.append(ordered)
            else:
                rows = [r for r in cell.get("c", []) if r[metric] >= 0]
                limits = [target or _own_target(r, metric) for r in rows]
                ys.append(_statistic([r[metric] for r in rows], stat, limits))
                ns.append(len(rows))
        result[group] = (ys, ns)
    return x, result


@pytest.mark.parametrize(
    ("metric", "stat", "period", "split", "target"),
    [
        combo
        for combo in itertools.product(
            METRICS, fields.STATS, fields.PERIODS, SPLITS, (None, 60)
        )
        # A count ignores stat and target: one stat is enough for those.
        if (combo[4] is None or combo[1] == "within")
        and (combo[0] in INTERVALS or (combo[1], combo[4]) == ("median", None))
    ],
)
def test_every_combination_matches_the_facts(
    facts, metric, stat, period, split, target
):
    result = series(
        facts, metric=metric, stat=stat, period=period, split=split, target=target
    )
    x, expected = reference_series(metric, stat, period, split, target)
    assert result["x"] == x
    assert [s["name"] for s in result["series"]] == list(expected)
    for one in result["series"]:
        ys, ns = expected[one["name"]]
        assert one["n"] == ns
        assert_values(one["y"], ys)


@pytest.mark.parametrize("metric", ["volume", "ordered", "complete_ratio"])
def test_counts_span_dates_before_1970(metric):
    # A mistyped year (1969) must still count, in its own month, with the
    # empty months between filled: Dec 1969 and Jan 1970 hold one exam each.
    rows = FACTS.iloc[:2].copy()
    rows["ordered_at"] = ["1969-12-31 23:00", "1970-01-01 08:00"]
    rows["completed_at"] = ["1969-12-31 23:30", "1970-01-01 09:00"]
    prepared = prepare_frame(canonical_frame(rows), shifts=default_shifts())
    result = series(prepared, metric=metric, period="month")
    assert result["x"] == ["1969-12", "1970-01"]
    expected = [1.0, 1.0] if metric == "complete_ratio" else [1, 1]
    assert result["series"][0]["y"] == expected
