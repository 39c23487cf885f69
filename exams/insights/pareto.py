"""Which exam types, ordering physicians or modalities make up the volume.

Pareto rows come largest first (ties by name); ``share`` and
``cumulative_share`` are fractions (0–1) of all exams in the filter, exams
with no value counted under ``(blank)`` so the shares add up to 1.
"""

import pandas as pd

from exams import fields
from exams.insights.common import (
    group_labels,
    period_index,
    period_keys,
    period_label,
)

PARETO_BY = {
    "exam_name": fields.EXAM_NAME,
    "ordering_physician": fields.ORDERING_PHYSICIAN,
    "modality": fields.MODALITY,
}
OTHER_GROUP = "(other)"
MAX_LIMIT = 25


def ranked_counts(frame: pd.DataFrame, *, column: str) -> pd.Series:
    """Return exams per value of ``column``, largest first, ties by name."""
    counts = group_labels(frame, column=column).value_counts()
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return pd.Series(
        [count for _, count in ranked],
        index=[name for name, _ in ranked],
        dtype="int64",
    )


def pareto(frame: pd.DataFrame, *, by: str) -> dict:
    """Return ``{"by", "total", "rows": [{"group", "exams", "share",
    "cumulative_share"}]}``."""
    counts = ranked_counts(frame, column=PARETO_BY[by])
    total = int(counts.sum())
    rows = []
    running = 0
    for group, exams in counts.items():
        running += int(exams)
        rows.append(
            {
                "group": group,
                "exams": int(exams),
                "share": exams / total,
                "cumulative_share": running / total,
            }
        )
    return {"by": by, "total": total, "rows": rows}


def top_exams(frame: pd.DataFrame, *, period: str, limit: int) -> dict:
    """Return exams per period of the ``limit`` most frequent exam names.

    The top names are chosen over the whole filtered range; every other exam
    is summed in one ``(other)`` series. Every period between the first and the
    last present appears (0 when none).
    """
    times = frame[fields.COMPLETED_AT]
    known = times.notna()
    if not known.any():
        return {"period": period, "limit": limit, "x": [], "series": []}
    names = group_labels(frame, column=fields.EXAM_NAME)[known]
    keys = period_keys(times[known], period=period)
    top = list(ranked_counts(frame[known], column=fields.EXAM_NAME).index[:limit])
    names = names.where(names.isin(top), OTHER_GROUP)
    table = pd.crosstab(keys, names)
    index = period_index(keys.min(), keys.max())
    table = table.reindex(index=index, fill_value=0)
    series_names = [*top, *([OTHER_GROUP] if OTHER_GROUP in table.columns else [])]
    return {
        "period": period,
        "limit": limit,
        "x": [period_label(p, period=period) for p in index],
        "series": [
            {"name": name, "y": table[name].astype("int64").tolist()}
            for name in series_names
        ],
    }
