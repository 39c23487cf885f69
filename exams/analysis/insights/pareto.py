"""Which exam types, ordering physicians or modalities make up the volume.

Pareto rows come largest first (ties by name); ``share`` and
``cumulative_share`` are fractions (0–1) of all exams in the filter, exams
with no value counted under ``(blank)`` so the shares add up to 1.
"""

import numpy as np
import pandas as pd

from exams import fields
from exams.analysis.frame.buckets import bucket_keys
from exams.analysis.frame.groups import group_codes, largest_first
from exams.analysis.frame.periods import period_labels
from exams.analysis.stats import counts

# Exam type, then every dimension (fields.DIMENSIONS) by its Pareto name.
PARETO_BY = {
    "exam_name": fields.EXAM_NAME,
    **{d.pareto_name: d.column for d in fields.DIMENSIONS},
}
OTHER_GROUP = "(other)"
MAX_LIMIT = 25


def pareto(frame: pd.DataFrame, *, by: str) -> dict:
    """Return ``{"by", "total", "rows": [{"group", "exams", "share",
    "cumulative_share"}]}``."""
    groups = group_codes(frame, column=PARETO_BY[by])
    sizes = counts(groups.codes, size=len(groups.names))
    total = int(sizes.sum())
    rows = []
    running = 0
    for code in largest_first(groups):
        exams = int(sizes[code])
        running += exams
        rows.append(
            {
                "group": groups.names[code],
                "exams": exams,
                "share": exams / total,
                "cumulative_share": running / total,
            }
        )
    return {"by": by, "total": total, "rows": rows}


def top_exams(frame: pd.DataFrame, *, period: str, limit: int) -> dict:
    """Return exams per period of the ``limit`` most frequent exam names.

    The top names are chosen over the whole filtered range; every other exam
    is summed in one ``(other)`` series. Every period between the first and
    the last present appears (0 when none).
    """
    keys, known = bucket_keys(frame, period=period)
    if not known.any():
        return {"period": period, "limit": limit, "x": [], "series": []}
    groups = group_codes(frame[known], column=fields.EXAM_NAME)
    top = largest_first(groups)[:limit]
    # Series index of each exam: its rank among the top, else "(other)".
    series_of = np.full(len(groups.names), len(top))
    series_of[top] = np.arange(len(top))
    series = series_of[groups.codes]
    keys = keys[known].astype(np.int64)
    first, last = int(keys.min()), int(keys.max())
    slot = keys - first
    width = len(top) + 1
    periods = last - first + 1
    table = np.bincount(slot * width + series, minlength=periods * width)
    table = table.reshape(periods, width)
    names = [groups.names[code] for code in top]
    if table[:, -1].any():
        names.append(OTHER_GROUP)
    return {
        "period": period,
        "limit": limit,
        "x": period_labels(period=period, first=first, last=last),
        "series": [
            {"name": name, "y": table[:, i].tolist()} for i, name in enumerate(names)
        ],
    }
