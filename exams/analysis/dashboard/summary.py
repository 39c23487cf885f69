"""The summary table: exams and interval statistics per group (``/api/summary``)."""

import numpy as np
import pandas as pd

from exams import fields
from exams.analysis import parallel, stats
from exams.analysis.frame import memo
from exams.analysis.frame.filtering import selection_mask
from exams.analysis.frame.groups import (
    cross_codes,
    display_order,
    group_codes,
    group_column,
)
from exams.analysis.frame.prepare import available_intervals, rank_column
from exams.analysis.frame.targets import (
    Targets,
    default_targets,
    exam_targets,
    target_columns,
)
from exams.query.filters import FilterSpec

_STAT_KEYS = ("n", "median", "mean", "p75", "p90", "within", "negative", "missing")
# Below this share of the exams, a copy of the selected rows is cheaper to
# summarise than every exam with the others marked out.
_COPY_SHARE = 1 / 2


def build_summary(
    frame: pd.DataFrame, *, spec: FilterSpec, targets: Targets | None = None
) -> dict:
    """Filter a prepared frame by ``spec`` and summarise it by ``spec.by``."""
    intervals = available_intervals(frame)
    selected = selection_mask(frame, spec=spec)
    if np.count_nonzero(selected) < len(frame) * _COPY_SHARE:
        columns = [
            *(group_column(key) for key in spec.by_keys),
            *intervals,
            *(rank_column(m) for m in intervals),
            *target_columns(targets, intervals),
        ]
        frame, selected = frame.loc[selected, frame.columns.intersection(columns)], None
    return summarize(
        frame,
        by=spec.by,
        target=spec.target,
        targets=targets,
        rows=selected,
        intervals=intervals,
        # The data set's own frame, every exam selected: kept between requests.
        reuse=selected is not None,
    )


def summarize(
    frame: pd.DataFrame,
    *,
    by: str = "modality",
    target: float | None = None,
    targets: Targets | None = None,
    rows: np.ndarray | None = None,
    intervals: tuple[str, ...] | None = None,
    reuse: bool = False,
) -> dict:
    """Return ``{"by", "target", "rows", "total"}`` for a filtered frame.

    ``rows`` hold one entry per group present (shifts in configured order,
    others by name, ``(blank)`` last); ``total`` is the same entry over all
    exams, named ``All``. Each interval carries n, median, mean, p75, p90,
    within (% ≤ ``target``, or each exam's own target when none is given),
    negative and missing counts. ``rows`` (a mask over the frame) limits
    it to those exams; the others count nowhere. ``by`` naming two
    dimensions (``modality,shift``) makes a cross table: each row's group
    is the list of its values, every combination present has a row.
    ``intervals`` are those the data set offers (``available_intervals``
    of this frame when omitted); only they have an entry. ``reuse``: the
    frame is a data set's prepared frame, whose exams' kinds (within, over,
    missing, negative) and tables over every exam are kept for the next
    request (``exams.analysis.frame.memo``).
    """
    if intervals is None:
        intervals = available_intervals(frame)
    keys = by.split(",")
    if len(keys) == 1:
        column = group_column(by)
        groups = group_codes(frame, column=column)
        size, codes, name_of = len(groups.names), groups.codes, groups.names.__getitem__
    else:
        cross = cross_codes(frame, columns=[group_column(k) for k in keys])
        size, codes, name_of = cross.size, cross.codes, cross.group
    if rows is not None:
        codes = np.where(rows, codes, size)
    exams = stats.counts(codes, size=size)
    if len(keys) == 1:
        order = display_order(groups.names, exams > 0, column=column)
    else:
        order = cross.order[exams[cross.order] > 0]
    judge = (target, targets or default_targets())
    tables = _tables(
        frame,
        codes=codes,
        size=size,
        intervals=intervals,
        judge=judge,
        by=by,
        reuse=reuse,
        # Every exam of the frame: the same tables as the last request that
        # grouped them so (exams.analysis.frame.memo), not 10M exams again.
        whole=reuse and (rows is None or bool(rows.all())),
    )
    rows = [
        {
            "group": name_of(code),
            "exams": int(exams[code]),
            **{metric: _entry(table, code) for metric, table in tables.items()},
        }
        for code in order
    ]
    return {
        "by": by,
        "target": target,
        "rows": rows,
        "total": {
            "group": fields.ALL_GROUP,
            "exams": int(exams.sum()),
            # The tables' last entry is the total over all groups.
            **{metric: _entry(table, size) for metric, table in tables.items()},
        },
    }


def _tables(
    frame: pd.DataFrame, *, codes, size: int, intervals, judge, by: str, reuse, whole
) -> dict[str, dict[str, list]]:
    """Return each interval's table (``_interval_table``), kept or worked out.

    The intervals not kept are worked out two at a time (``parallel``):
    their inputs are read here first, then their statistics on the pool.
    """
    tables = {}
    if whole:
        for metric in intervals:
            found = memo.answers.peek(frame, ("summary", by, metric, judge))
            if found is not None:
                tables[metric] = found
    todo = [metric for metric in intervals if metric not in tables]
    # Every input first: judging the exams is pandas work, which the
    # pool's threads would slow down (measured: 4× at 10M exams).
    inputs = [
        _interval_inputs(frame, metric=metric, judge=judge, reuse=reuse)
        for metric in todo
    ]
    worked = parallel.each(
        lambda found: _interval_table(codes=codes, size=size, **found),
        inputs,
        rows=len(frame),
    )
    for metric, table in zip(todo, worked, strict=True):
        if whole:
            memo.answers.put(frame, ("summary", by, metric, judge), table)
        tables[metric] = table
    return {metric: tables[metric] for metric in intervals}


def _interval_inputs(frame: pd.DataFrame, *, metric: str, judge, reuse: bool) -> dict:
    """Return one interval's minutes, ranks and exams' kinds (pandas: this thread)."""
    values = frame[metric].to_numpy(dtype=np.float64, na_value=np.nan)
    ranks = None
    if rank_column(metric) in frame:
        ranks = frame[rank_column(metric)].to_numpy()
    kinds = exam_kinds_of(frame, metric=metric, judge=judge, values=values)
    if reuse:
        # Every grouping and selection of the data set's frame judges its
        # exams alike: judged once.
        kinds = memo.arrays.get(frame, ("kinds", metric, judge), kinds)
    else:
        kinds = kinds()
    return {"values": values, "ranks": ranks, "kinds": kinds}


def _interval_table(*, codes, size: int, values, ranks, kinds) -> dict[str, list]:
    """Return one interval's statistics per group code, then in total (JSON lists)."""
    table = stats.interval_stats(
        keys=codes, values=values, size=size, ranks=ranks, kinds=kinds
    )
    return {k: stats.to_json_list(a) for k, a in table.items()}


def exam_kinds_of(frame: pd.DataFrame, *, metric: str, judge, values: np.ndarray):
    """Return a function giving ``stats.exam_kinds`` of the frame's exams."""
    target, targets = judge

    def kinds() -> np.ndarray:
        limits = target
        if target is None:
            limits = exam_targets(frame, targets, metric=metric).to_numpy()
        return stats.exam_kinds(values, limits)

    return kinds


def _entry(table: dict[str, list], code: int) -> dict:
    return {key: table[key][code] for key in _STAT_KEYS}
