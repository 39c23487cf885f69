"""Select the exams a quality finding talks about (``/exams?quality=…``).

The upload report says "212 exams have no final report yet"; its link lists
them. The filter spec has no such parameter, so the exam list page applies
this on top of the usual filters.
"""

import numpy as np
import pandas as pd

from exams import fields

QUALITY_KINDS = ("pending", "negative")


def select_quality(frame: pd.DataFrame, *, kind: str, metric: str) -> pd.DataFrame:
    """Return the exams of a finding: no final report, or a negative interval.

    For ``negative``, ``metric`` names the interval; any other metric means
    "any interval is negative".
    """
    if kind == "pending":
        mask = frame[fields.FINALIZED_AT].isna().to_numpy()
    elif kind == "negative":
        names = [metric] if metric in fields.INTERVALS else list(fields.INTERVALS)
        values = frame[names].to_numpy(dtype=np.float64, na_value=np.nan)
        mask = (values < 0).any(axis=1)
    else:
        raise ValueError(f"Unknown quality finding {kind!r}")
    return frame[mask]
