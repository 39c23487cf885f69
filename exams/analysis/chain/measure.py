"""The prepared frame measured in working time and with the custom intervals.

Every interval route reads interval columns (and their ranks) from the
prepared frame; ``measured_frame`` returns a frame whose interval columns
hold working minutes instead of clock minutes (``time=working``) and that
carries the user's custom intervals beside the built-in ones, so those
routes need no change to measure either way.
"""

import numpy as np
import pandas as pd

from exams import fields
from exams.analysis.chain.custom_intervals import CustomInterval, interval_minutes
from exams.analysis.frame.prepare import rank_column
from exams.analysis.frame.working_time import WorkingTime, working_minutes
from exams.analysis.quantiles import rank_values

TIMES = ("clock", "working")
__all__ = ["TIMES", "measured_frame", "rank_column"]


def measured_frame(
    frame: pd.DataFrame,
    *,
    working: WorkingTime | None = None,
    custom: tuple[CustomInterval, ...] = (),
) -> pd.DataFrame:
    """Return a prepared frame with intervals in working minutes and custom ones.

    ``working`` None keeps clock minutes. The input frame is not changed;
    the columns not recomputed are shared with it, not copied.
    """
    pairs = dict(fields.BUILT_IN)
    if working is None:
        pairs = {}
    pairs.update({c.name: (c.start, c.end) for c in custom})
    columns = {}
    for name, (start, end) in pairs.items():
        if working is None:
            minutes = interval_minutes(frame, start=start, end=end)
        elif start in frame and end in frame:
            minutes = working_minutes(frame[start], frame[end], working=working)
        else:
            minutes = np.full(len(frame), np.nan)
        columns[name] = minutes
        columns[rank_column(name)] = rank_values(minutes)
    if not columns:
        return frame
    out = frame.assign(**columns)
    if working is not None:
        # Targets in working days read it (exams.analysis.frame.targets).
        out.attrs = {**frame.attrs, "time": "working"}
    return out
