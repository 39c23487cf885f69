"""The exam's whole chain of times, and times that are only dates.

An exam is ordered ≤ started ≤ completed ≤ preliminary ≤ final. Every pair
of these, not only the three TAT intervals, is checked; a pair is named
``"started_at>completed_at"`` (the first is after the second).

A field that is "date-only" in its file (no time of day: ``2024-01-02``) is
never used as if it had a time. Its values sit at midnight in the frame (a
date still places an exam on a day), but an interval with a date-only end
is left out (NaN) and counted, and a pair with a date-only side is compared
by day. Which values are dates alone is recorded per field, not per row:
in a date-only field, a value at exactly 00:00 is a date alone. The quality
count, the intervals and the exam-list link all use this one rule.
"""

from collections.abc import Iterable

import numpy as np
import pandas as pd

from exams import fields
from exams.fields import CHAIN

_NAT = np.iinfo(np.int64).min
_NS_PER_DAY = 86_400 * 1_000_000_000


def pair_name(first: str, second: str) -> str:
    """Return the name of "``first`` is after ``second``"."""
    return f"{first}>{second}"


def chain_pairs(present: Iterable[str]) -> list[tuple[str, str]]:
    """Return every (earlier, later) pair of the chain among ``present`` fields."""
    chain = [f for f in CHAIN if f in set(present)]
    return [(a, b) for i, a in enumerate(chain) for b in chain[i + 1 :]]


def parse_pair(name: str) -> tuple[str, str] | None:
    """Return the (earlier, later) fields a pair name stands for, else None."""
    first, _, second = name.partition(">")
    if first in CHAIN and second in CHAIN and CHAIN.index(first) < CHAIN.index(second):
        return first, second
    return None


def _nanoseconds(frame: pd.DataFrame, name: str) -> np.ndarray:
    return frame[name].to_numpy(dtype="datetime64[ns]").view(np.int64)


def date_only_rows(
    frame: pd.DataFrame, *, name: str, date_only: Iterable[str]
) -> np.ndarray:
    """Return a row mask: the field's value is a date without a time."""
    if name not in set(date_only) or name not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    values = _nanoseconds(frame, name)
    return (values != _NAT) & (values % _NS_PER_DAY == 0)


def out_of_order_rows(
    frame: pd.DataFrame, *, earlier: str, later: str, date_only: Iterable[str]
) -> np.ndarray:
    """Return a row mask: ``earlier`` after ``later`` (by day if either is a date)."""
    date_only = set(date_only)
    first, second = _nanoseconds(frame, earlier), _nanoseconds(frame, later)
    both = (first != _NAT) & (second != _NAT)
    by_day = date_only_rows(frame, name=earlier, date_only=date_only)
    by_day |= date_only_rows(frame, name=later, date_only=date_only)
    after = first > second
    # A date alone says only the day: 2 Jan vs 2 Jan 09:30 is in order.
    after[by_day] = (first[by_day] // _NS_PER_DAY) > (second[by_day] // _NS_PER_DAY)
    return both & after


def count_out_of_order(
    frame: pd.DataFrame, *, present: Iterable[str], date_only: Iterable[str]
) -> dict[str, int]:
    """Return pair name → exams out of order, for every pair of ``present`` fields."""
    date_only = set(date_only)
    return {
        pair_name(a, b): int(
            out_of_order_rows(frame, earlier=a, later=b, date_only=date_only).sum()
        )
        for a, b in chain_pairs(present)
    }


def count_date_only(frame: pd.DataFrame, *, date_only: Iterable[str]) -> dict[str, int]:
    """Return date-only field → exams whose value there is a date without a time."""
    date_only = set(date_only)
    return {
        name: int(date_only_rows(frame, name=name, date_only=date_only).sum())
        for name in CHAIN
        if name in date_only
    }


def leave_out_date_only(frame: pd.DataFrame, *, date_only: Iterable[str]) -> None:
    """Set to NaN, in place, each interval with an end that is a date alone."""
    date_only = set(date_only)
    if not date_only:
        return
    for metric, (start, end) in fields.BUILT_IN.items():
        if metric not in frame.columns:
            continue
        mask = date_only_rows(frame, name=start, date_only=date_only)
        mask |= date_only_rows(frame, name=end, date_only=date_only)
        if mask.any():
            values = frame[metric].to_numpy(dtype=np.float64, copy=True)
            values[mask] = np.nan
            frame[metric] = values


def intervals_left_out(date_only: Iterable[str]) -> dict[str, list[str]]:
    """Return date-only field → the intervals that need its time of day."""
    date_only = set(date_only)
    return {
        name: [m for m, ends in fields.BUILT_IN.items() if name in ends]
        for name in CHAIN
        if name in date_only
    }
