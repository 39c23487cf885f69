"""Exams still waiting for a final report, oldest first (a VistA-style list).

An exam is pending when it has no ``finalized_at``. Its age is counted from
``completed_at`` to ``as_of``, the latest timestamp anywhere in the data set:
an export is a snapshot, so "now" would make every exam look older than it
was when the file was written.
"""

import numpy as np
import pandas as pd

from exams import fields
from exams.analysis.dashboard.listing import ISO_FORMAT
from exams.analysis.insights.distribution import BUCKETS, bucket_positions
from exams.analysis.stats import clean

_MINUTE = pd.Timedelta(minutes=1)

# The exam, its dimensions as the exam list shows them (fields.DIMENSIONS:
# which site or radiologist a backlog sits with), and the times it has.
ROW_FIELDS = (
    fields.ACCESSION,
    fields.EXAM_NAME,
    *(d.column for d in fields.DIMENSIONS if d.list_column and not d.axis),
    fields.ORDERED_AT,
    fields.COMPLETED_AT,
    fields.PRELIMINARY_AT,
)


def latest_timestamp(frame: pd.DataFrame) -> pd.Timestamp | None:
    """Return the latest time in any time column (None for an empty frame)."""
    latest = [frame[f].max() for f in fields.TIME_FIELDS if f in frame]
    latest = [t for t in latest if pd.notna(t)]
    return max(latest) if latest else None


def pending_exams(
    frame: pd.DataFrame, *, as_of: pd.Timestamp, targets: pd.Series
) -> pd.DataFrame:
    """Return the pending exams with ``age_minutes`` and ``target_minutes``,
    oldest first (ties by accession; no completion time last)."""
    waiting = frame[frame[fields.FINALIZED_AT].isna()]
    ages = (as_of - waiting[fields.COMPLETED_AT]) / _MINUTE
    result = waiting[[c for c in ROW_FIELDS if c in waiting]].assign(
        age_minutes=ages, target_minutes=targets.reindex(waiting.index)
    )
    return result.sort_values(
        ["age_minutes", fields.ACCESSION],
        ascending=[False, True],
        na_position="last",
        kind="stable",
    )


def pending_list(
    frame: pd.DataFrame,
    *,
    as_of: pd.Timestamp | None,
    targets: pd.Series,
    page: int = 1,
    page_size: int = fields.DEFAULT_PAGE_SIZE,
) -> dict:
    """Return one page of the pending list, with totals by age band."""
    if as_of is None:
        return {
            "as_of": None,
            "total": 0,
            "overdue": 0,
            "page": page,
            "page_size": page_size,
            "rows": [],
            "age_buckets": [],
        }
    exams = pending_exams(frame, as_of=as_of, targets=targets)
    ages = exams["age_minutes"]
    overdue = int((ages > exams["target_minutes"]).sum())
    first = (page - 1) * page_size
    return {
        "as_of": iso_or_none(as_of),
        "total": len(exams),
        "overdue": overdue,
        "page": page,
        "page_size": page_size,
        "rows": [
            _row(record)
            for record in exams.iloc[first : first + page_size].to_dict("records")
        ],
        "age_buckets": age_buckets(ages),
    }


def _row(record: dict) -> dict:
    row = {}
    for field in ROW_FIELDS:
        value = record.get(field)
        if field in fields.TIME_FIELDS:
            row[field] = iso_or_none(value)
        else:
            row[field] = None if value is None or pd.isna(value) else str(value)
    age, target = record["age_minutes"], record["target_minutes"]
    row["age_minutes"] = clean(age, 1)
    row["target_minutes"] = clean(target, 1)
    row["overdue"] = bool(pd.notna(age) and pd.notna(target) and age > target)
    return row


def iso_or_none(value) -> str | None:
    """Return a timestamp as ``YYYY-MM-DDTHH:MM:SS`` (None when missing)."""
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).strftime(ISO_FORMAT)


def age_buckets(ages: pd.Series) -> list[dict]:
    """Return pending exams per age band (the distribution's bucket edges)."""
    known = ages.dropna().to_numpy()
    counts = np.bincount(bucket_positions(known), minlength=len(BUCKETS))
    return [
        {"label": label, "count": int(count)}
        for (label, _, _), count in zip(BUCKETS, counts, strict=True)
    ]
