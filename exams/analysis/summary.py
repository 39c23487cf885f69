"""The summary table: exams and interval statistics per group (``/api/summary``)."""

import numpy as np
import pandas as pd

from exams import fields
from exams.analysis import stats
from exams.analysis.filtering import apply_filters
from exams.analysis.groups import display_order, group_codes, group_column
from exams.filters import FilterSpec
from exams.shifts import TARGET_FIELDS, Targets, default_targets, exam_targets

_STAT_KEYS = ("n", "median", "mean", "p75", "p90", "within", "negative", "missing")


def build_summary(
    frame: pd.DataFrame, *, spec: FilterSpec, targets: Targets | None = None
) -> dict:
    """Filter a prepared frame by ``spec`` and summarise it by ``spec.by``."""
    columns = [group_column(spec.by), *fields.INTERVALS, *TARGET_FIELDS]
    selected = apply_filters(frame, spec=spec, columns=columns)
    return summarize(selected, by=spec.by, target=spec.target, targets=targets)


def summarize(
    frame: pd.DataFrame,
    *,
    by: str = "modality",
    target: float | None = None,
    targets: Targets | None = None,
) -> dict:
    """Return ``{"by", "target", "rows", "total"}`` for a filtered frame.

    ``rows`` hold one entry per group present (shifts in configured order,
    others by name, ``(blank)`` last); ``total`` is the same entry over all
    exams, named ``All``. Each interval carries n, median, mean, p75, p90,
    within (% ≤ ``target``, or each exam's own target when none is given),
    negative and missing counts.
    """
    column = group_column(by)
    groups = group_codes(frame, column=column)
    size = len(groups.names)
    exams = stats.counts(groups.codes, size=size)
    order = display_order(groups.names, exams > 0, column=column)
    limits = target
    if target is None:
        limits = exam_targets(frame, targets or default_targets()).to_numpy()
    tables = {}
    for metric in fields.INTERVALS:
        values = frame[metric].to_numpy(dtype=np.float64, na_value=np.nan)
        tables[metric] = _interval_table(values, groups.codes, size, limits)
    rows = [
        {
            "group": groups.names[code],
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
            "exams": len(frame),
            # The tables' last entry is the total over all groups.
            **{metric: _entry(table, size) for metric, table in tables.items()},
        },
    }


def _interval_table(values, codes, size, limits) -> dict[str, list]:
    valid, missing, negative = stats.split_intervals(values)
    if isinstance(limits, np.ndarray):
        limits = limits[valid]
    table = stats.interval_stats(
        keys=codes[valid], values=values[valid], size=size, limits=limits
    )
    for name, rows in (("negative", negative), ("missing", missing)):
        per_group = stats.counts(codes[rows], size=size)
        table[name] = np.append(per_group, per_group.sum())
    return {key: stats.to_json_list(array) for key, array in table.items()}


def _entry(table: dict[str, list], code: int) -> dict:
    return {key: table[key][code] for key in _STAT_KEYS}
