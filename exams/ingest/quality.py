"""The quality report of docs/API.md, computed from a canonical frame."""

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from exams import fields
from exams.ingest.values.chain import count_date_only, count_out_of_order
from exams.ingest.values.clean import IMPLAUSIBLE_MINUTES

_NAT = np.iinfo(np.int64).min


def quality_report(
    frame: pd.DataFrame,
    *,
    mapped: Iterable[str],
    unparseable: pd.DataFrame | None = None,
    duplicates: int = 0,
    cancelled: int = 0,
    date_only: Iterable[str] = (),
    merged: Mapping[str, int] | None = None,
    undecodable_bytes: int = 0,
) -> dict:
    """Return the quality report of the loaded rows (keys as in docs/API.md).

    Counts are over the rows of ``frame`` (the loaded exams). Every field in
    ``mapped`` (the file's columns) is reported, zeros included; time fields
    also under ``unparseable``. ``unparseable`` is a boolean frame aligned
    with ``frame`` marking values that were present but not a date; they
    are NaT in the frame but are not counted as missing. ``negative`` always
    lists the three intervals, and an optional one (prelim) when the file
    has both its times. ``out_of_order`` counts every pair of mapped
    times out of chain order (`chain`); ``date_only`` counts, per field whose
    file gave dates without times, the exams with a date alone there;
    ``merged`` is field → spellings merged into another (`spelling`).
    ``implausible`` (metric → intervals over a
    year) and ``undecodable_bytes`` (bytes that were not UTF-8 in a UTF-8
    file) appear only when not zero.
    """
    mapped = set(mapped)
    present = [f for f in fields.CANONICAL_FIELDS if f in mapped]
    unreadable = {
        f: int(unparseable[f].sum())
        if unparseable is not None and f in unparseable.columns
        else 0
        for f in present
        if f in fields.TIME_FIELDS
    }
    missing = {f: int(frame[f].isna().sum()) - unreadable.get(f, 0) for f in present}
    negative = {}
    for interval in fields.BUILT_IN_INTERVALS:
        metric, start, end = interval.name, interval.start, interval.end
        if interval.optional and not {start, end} <= mapped:
            continue  # the file lacks one of its times: no such interval
        if metric in frame.columns:
            values = frame[metric].to_numpy(dtype=float)
        else:
            values = (frame[end] - frame[start]).dt.total_seconds().to_numpy()
        negative[metric] = int(np.sum(values < 0))
    report = {
        "duplicates": int(duplicates),
        "cancelled": int(cancelled),
        "unparseable": unreadable,
        "missing": missing,
        "negative": negative,
        "out_of_order": count_out_of_order(frame, present=present, date_only=date_only),
        "date_only": count_date_only(frame, date_only=date_only),
        "merged": {f: int(n) for f, n in (merged or {}).items()},
    }
    # Only when there are any: a clean file's report stays as it was.
    implausible = _implausible(frame, metrics=negative)
    if any(implausible.values()):
        report["implausible"] = implausible
    if undecodable_bytes:
        report["undecodable_bytes"] = int(undecodable_bytes)
    return report


def _implausible(frame: pd.DataFrame, *, metrics: Iterable[str]) -> dict[str, int]:
    """Return metric → intervals longer than `clean.IMPLAUSIBLE_MINUTES`.

    Counted from the times: the frame's interval is NaN for them.
    """
    out = {}
    for metric in metrics:
        start, end = fields.BUILT_IN[metric]
        begin = frame[start].to_numpy(dtype="datetime64[ns]").view(np.int64)
        finish = frame[end].to_numpy(dtype="datetime64[ns]").view(np.int64)
        both = (begin != _NAT) & (finish != _NAT)
        minutes = (finish[both] - begin[both]) / 60e9
        out[metric] = int(np.sum(minutes > IMPLAUSIBLE_MINUTES))
    return out
