"""Targets in working days: a rule's unit and each exam's target in the frame's unit.

A rule counts working days with ``"unit": "working_days"`` and ``"days"``
(e.g. the RCR's inpatient radiograph verified within 1 working day). An
exam is within it when the working minutes of its interval
(exams.analysis.frame.working_time) are at most ``days`` × the minutes of
one working day. Its target is returned in the frame's own unit: that many
working minutes on a frame measured in working time (``attrs["time"]``, set
by exams.analysis.chain.measure), else the clock minutes from the interval's
start to its working deadline, so every "% within" still compares minutes
with minutes. The default target may count working days too
(``"default": {"unit": "working_days", "days": N}``; ``default_days``).
"""

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from exams.analysis.frame.shifts import SettingsError
from exams.analysis.frame.working_time import WorkingTime, working_deadline

UNITS = ("minutes", "working_days")
MAX_DAYS = 366


def rule_days(raw: Mapping, position: int) -> float | None:
    """Return the working days of a rule in that unit, None for one in minutes."""
    unit = raw.get("unit", "working_days" if "days" in raw else "minutes")
    if unit not in UNITS:
        raise SettingsError(
            f"The unit of target rule {position} must be minutes or working_days, "
            f"got {unit!r}."
        )
    if unit == "minutes":
        if "days" in raw:
            raise SettingsError(
                f"Target rule {position} is in minutes: give minutes, or set "
                '"unit": "working_days" to give days.'
            )
        return None
    if "minutes" in raw:
        raise SettingsError(
            f"Target rule {position} is in working days: give days (e.g. "
            '"days": 1), not minutes.'
        )
    return _days(raw.get("days"), what=f"target rule {position}")


def default_days(raw) -> float | None:
    """Return the default target's working days; None for one in minutes.

    The default is minutes (a number), or ``{"unit": "working_days",
    "days": N}``.
    """
    if not isinstance(raw, Mapping):
        return None
    if raw.get("unit") != "working_days" or set(raw) - {"unit", "days"}:
        raise SettingsError(
            "The default target must be minutes (e.g. 1440) or "
            '{"unit": "working_days", "days": 1}, got '
            f"{dict(raw)!r:.80}."
        )
    return _days(raw.get("days"), what="the default target")


def _days(days, *, what: str) -> float:
    ok = isinstance(days, int | float) and not isinstance(days, bool)
    if not ok or not math.isfinite(days) or not 0 < days <= MAX_DAYS:
        raise SettingsError(
            f"The working days of {what} must be a number above 0 "
            f"and at most {MAX_DAYS}, got {days!r}."
        )
    return int(days) if float(days).is_integer() else float(days)


def working_day_targets(
    frame: pd.DataFrame,
    *,
    rule: np.ndarray,
    minutes: Sequence[float],
    days: Sequence[float | None],
    working: WorkingTime,
    start: str,
) -> np.ndarray:
    """Return each exam's target in the frame's unit.

    ``rule`` is the position of each exam's rule (-1, or the last position
    of ``days`` when the default counts working days: the default, which is
    ``minutes``' last entry); ``days`` each rule's working days (None: in
    minutes); ``start`` the interval's first time.
    """
    targets = np.asarray(minutes, dtype=np.float64)[rule]
    measured_in_working_time = frame.attrs.get("time") == "working"
    for i, amount in enumerate(days):
        mine = rule == i
        if amount is None or not mine.any():
            continue
        allowed = amount * working.minutes_per_day
        if measured_in_working_time:
            targets[mine] = allowed
        else:
            targets[mine] = working_deadline(
                frame[start][mine], allowed=allowed, working=working
            )
    return targets


def clock_time(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` read as clock time: targets in working days in clock minutes.

    For a frame measured in working time whose targets judge clock minutes
    (the pending list's ages). The columns are shared, not copied.
    """
    if frame.attrs.get("time") != "working":
        return frame
    out = frame.copy(deep=False)
    out.attrs = {k: v for k, v in frame.attrs.items() if k != "time"}
    return out
