"""Select the exams a quality finding talks about (``/exams?quality=…``).

The upload report says "212 exams have no final report yet"; its link lists
them. The filter spec has no such parameter, so the exam list page applies
this on top of the usual filters. ``quality=out_of_order&pair=a>b`` lists the
exams whose time ``a`` is after ``b`` (e.g. ``started_at>completed_at``),
compared as the quality report counts them (`exams.ingest.values.chain`).
"""

from collections.abc import Iterable

import numpy as np
import pandas as pd

from exams import fields
from exams.ingest.values.chain import out_of_order_rows, parse_pair

QUALITY_KINDS = ("pending", "negative", "out_of_order", "unreadable")


def select_quality(
    frame: pd.DataFrame,
    *,
    kind: str,
    metric: str,
    pair: str = "",
    date_only: Iterable[str] = (),
    field: str = "",
) -> pd.DataFrame:
    """Return the exams of one quality finding (``kind``, see below).

    For ``negative``, ``metric`` names the interval; any other metric means
    "any interval is negative". For ``out_of_order``, ``pair`` names the two
    times (a pair that is not one raises ValueError); ``date_only`` lists
    the fields whose file gave dates without times. For ``unreadable``,
    ``field`` names the column: its exams with no readable value (empty, or
    a date that could not be read: both are missing once loaded).
    """
    if kind == "pending":
        mask = frame[fields.FINALIZED_AT].isna().to_numpy()
    elif kind == "negative":
        # "Any interval": those the quality report counts (the built-in ones).
        names = [metric] if metric in fields.INTERVALS else list(fields.BUILT_IN)
        values = frame[names].to_numpy(dtype=np.float64, na_value=np.nan)
        mask = (values < 0).any(axis=1)
    elif kind == "out_of_order":
        ends = parse_pair(pair)
        if ends is None:
            raise ValueError(f"Unknown pair of times {pair!r}")
        mask = out_of_order_rows(
            frame, earlier=ends[0], later=ends[1], date_only=date_only
        )
    elif kind == "unreadable":
        # A field the file did not have is missing for every exam.
        if field in frame.columns:
            mask = frame[field].isna().to_numpy()
        else:
            mask = np.ones(len(frame), dtype=bool)
    else:
        raise ValueError(f"Unknown quality finding {kind!r}")
    return frame[mask]
