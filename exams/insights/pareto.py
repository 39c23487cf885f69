"""Which exam types, ordering physicians or modalities make up the volume.

Pareto rows come largest first (ties by name); ``share`` and
``cumulative_share`` are fractions (0–1) of all exams in the filter, exams
with no value counted under ``(blank)`` so the shares add up to 1.
"""

import numpy as np
import pandas as pd

from exams import fields
from exams.insights.common import (
    groups_of,
    period_label,
    period_sequence,
    period_starts,
)

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
    groups = groups_of(frame, column=PARETO_BY[by])
    counts = groups.counts()
    total = int(counts.sum())
    rows = []
    running = 0
    for code in groups.ranked():
        exams = int(counts[code])
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
    times = frame[fields.COMPLETED_AT]
    known = times.notna().to_numpy()
    if not known.any():
        return {"period": period, "limit": limit, "x": [], "series": []}
    groups = groups_of(frame[known], column=fields.EXAM_NAME)
    top = groups.ranked()[:limit]
    # Series index of each exam: its rank among the top, else "(other)".
    series_of = np.full(len(groups.names), len(top))
    series_of[top] = np.arange(len(top))
    series = series_of[groups.codes]
    starts = period_starts(times[known], period=period)
    sequence = period_sequence(starts.min(), starts.max(), period=period)
    slot = np.searchsorted(sequence, starts)
    width = len(top) + 1
    table = np.bincount(slot * width + series, minlength=len(sequence) * width)
    table = table.reshape(len(sequence), width)
    names = [groups.names[code] for code in top]
    if table[:, -1].any():
        names.append(OTHER_GROUP)
    return {
        "period": period,
        "limit": limit,
        "x": [period_label(start, period=period) for start in sequence],
        "series": [
            {"name": name, "y": table[:, i].tolist()} for i, name in enumerate(names)
        ],
    }
