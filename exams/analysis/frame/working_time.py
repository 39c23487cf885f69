"""Working time: minutes between two times that fall in working hours.

A working day is a weekday named in the settings that is not a holiday;
its working hours are one clock window ``start``–``end`` (not crossing
midnight). The working minutes from ``a`` to ``b`` are counted without a
per-row loop as

    whole working days in [day(a), day(b)) × minutes per working day
    + the part of day(b) worked before b − the part of day(a) worked before a

where "the part worked before t" is t's clock time clipped to the working
hours (minus the start), and 0 on a day that is not a working day. The
whole days come from ``np.busday_count`` with the week mask and holidays.
"""

import csv
import datetime as dt
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from exams.analysis.frame.shifts import SettingsError, format_clock, parse_clock

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DEFAULT_WORKING_TIME = {
    "days": ["Mon", "Tue", "Wed", "Thu", "Fri"],
    "start": "08:00",
    "end": "17:00",
    "holidays": [],
}
MAX_HOLIDAYS = 5000
_DAY_SECONDS = 24 * 60 * 60
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class WorkingTime:
    """Working weekdays, daily hours (minutes of the day) and holidays."""

    days: tuple[str, ...]
    start: int
    end: int
    holidays: tuple[dt.date, ...] = ()

    @property
    def minutes_per_day(self) -> int:
        """Return the working minutes of one working day."""
        return self.end - self.start

    def calendar(self) -> np.busdaycalendar:
        """Return numpy's calendar of working days."""
        mask = "".join("1" if d in self.days else "0" for d in WEEKDAYS)
        return np.busdaycalendar(
            weekmask=mask, holidays=np.array(self.holidays, dtype="datetime64[D]")
        )

    def as_json(self) -> dict:
        """Return the ``{"days", "start", "end", "holidays"}`` settings form."""
        return {
            "days": list(self.days),
            "start": format_clock(self.start),
            "end": "24:00" if self.end == 24 * 60 else format_clock(self.end),
            "holidays": [d.isoformat() for d in self.holidays],
        }


def validate_working_time(raw) -> WorkingTime:
    """Return working time from its settings form; raise SettingsError saying why."""
    if not isinstance(raw, Mapping):
        raise SettingsError(
            'Working time must be an object: {"days": ["Mon", …], '
            '"start": "08:00", "end": "17:00", "holidays": ["YYYY-MM-DD", …]}.'
        )
    unknown = sorted(set(raw) - set(DEFAULT_WORKING_TIME))
    if unknown:
        raise SettingsError(
            f"Unknown working time setting {unknown[0]!r}: "
            "use days, start, end and holidays."
        )
    merged = {**DEFAULT_WORKING_TIME, **raw}
    days = merged["days"]
    if not isinstance(days, list | tuple) or not all(isinstance(d, str) for d in days):
        raise SettingsError("Working days must be a list such as ['Mon', 'Tue'].")
    by_key = {d.casefold(): d for d in WEEKDAYS}
    bad = [d for d in days if d.strip().casefold()[:3] not in by_key]
    if bad:
        raise SettingsError(
            f"Unknown working day {bad[0]!r}: use {', '.join(WEEKDAYS)}."
        )
    named = {by_key[d.strip().casefold()[:3]] for d in days}
    if not named:
        raise SettingsError("Name at least one working day, e.g. ['Mon'].")
    start = parse_clock(merged["start"], what="The start of working hours")
    end = _end_clock(merged["end"])
    if end <= start:
        raise SettingsError(
            "Working hours must end after they start on the same day "
            f"(got {format_clock(start)}–{merged['end']}); "
            "use 00:00–24:00 for the whole day."
        )
    return WorkingTime(
        days=tuple(d for d in WEEKDAYS if d in named),
        start=start,
        end=end,
        holidays=validate_holidays(merged["holidays"]),
    )


def default_working_time() -> WorkingTime:
    """Return Mon–Fri 08:00–17:00 with no holidays."""
    return validate_working_time(DEFAULT_WORKING_TIME)


def validate_holidays(raw) -> tuple[dt.date, ...]:
    """Return sorted distinct dates from ``["YYYY-MM-DD", …]``; raise if unusable."""
    if not isinstance(raw, list | tuple):
        raise SettingsError("Holidays must be a list of dates as YYYY-MM-DD.")
    if len(raw) > MAX_HOLIDAYS:
        raise SettingsError(f"List at most {MAX_HOLIDAYS} holidays.")
    dates = set()
    for value in raw:
        text = value.strip() if isinstance(value, str) else value
        try:
            if not isinstance(text, str) or not _DATE.match(text):
                raise ValueError(text)
            dates.add(dt.date.fromisoformat(text))
        except ValueError:
            raise SettingsError(
                f"Holiday {value!r} is not a date as YYYY-MM-DD (e.g. 2024-12-25)."
            ) from None
    return tuple(sorted(dates))


def holidays_from_csv(text: str) -> list[str]:
    """Return the dates of a simple CSV of holidays (first column, header optional).

    Each row's first cell is a date as ``YYYY-MM-DD``; a first row that is
    not a date is taken as a header; blank rows are skipped. Raise
    SettingsError naming the first row that is not a date.
    """
    rows = [r for r in csv.reader(io.StringIO(text.lstrip("\ufeff"))) if any(r)]
    dates = []
    for number, row in enumerate(rows, start=1):
        cell = row[0].strip()
        if _DATE.match(cell):
            dates.append(cell)
        elif number > 1 or not rows[1:]:
            raise SettingsError(
                f"Row {number} of the holiday CSV is not a date as YYYY-MM-DD: "
                f"{cell[:20]!r}."
            )
    validate_holidays(dates)
    return dates


def working_minutes(
    start: pd.Series, end: pd.Series, *, working: WorkingTime
) -> np.ndarray:
    """Return working minutes from each start to its end (NaN if one is missing).

    An end before its start gives a negative value (minus the working
    minutes from end to start, or the clock minutes when none are working),
    so it is still counted as negative and excluded, as in clock time.
    """
    a = _seconds(start)
    b = _seconds(end)
    missing = (a == _NAT) | (b == _NAT)
    if missing.all():
        return np.full(len(a), np.nan)
    # A stand-in time for the missing ones keeps the day span short.
    stand_in = a[~missing][0]
    a = np.where(missing, stand_in, a)
    b = np.where(missing, stand_in, b)
    day_a, day_b = a // _DAY_SECONDS, b // _DAY_SECONDS
    # One business-day count per calendar day of the span, then a lookup
    # per exam: ~10x faster than counting each exam's pair of days.
    first = min(day_a.min(), day_b.min())
    last = max(day_a.max(), day_b.max())
    days = np.arange(first, last + 2).astype("datetime64[D]")
    calendar = working.calendar()
    before = np.busday_count(days[0], days, busdaycal=calendar)
    open_day = np.is_busday(days, busdaycal=calendar)
    whole = before[day_b - first] - before[day_a - first]
    seconds = whole * (working.minutes_per_day * 60)
    seconds += _worked_before(
        b, day_b, working=working, open_day=open_day[day_b - first]
    )
    seconds -= _worked_before(
        a, day_a, working=working, open_day=open_day[day_a - first]
    )
    minutes = seconds / 60.0
    backwards = (b < a) & (minutes >= 0)
    minutes = np.where(backwards, (b - a) / 60.0, minutes)
    minutes[missing] = np.nan
    return minutes


_NAT = np.iinfo(np.int64).min


def working_deadline(
    start: pd.Series, *, allowed: float, working: WorkingTime
) -> np.ndarray:
    """Return clock minutes from each start to its deadline (NaN if it is missing).

    The deadline is the last moment at most ``allowed`` working minutes
    after the start, so an end is within it exactly when the working
    minutes from start to end are ≤ ``allowed``: ``allowed`` reached at
    17:00 on a Friday gives Monday 08:00. Counted without a per-row loop:
    what is left of the start's own working day, then whole working days
    (``np.busday_offset``) and the rest from the next one's start.
    """
    s = _seconds(start)
    missing = s == _NAT
    s = np.where(missing, 0, s)
    day = s // _DAY_SECONDS
    clock = s - day * _DAY_SECONDS
    first, last = working.start * 60, working.end * 60
    calendar = working.calendar()
    dates = day.astype("datetime64[D]")
    open_day = np.is_busday(dates, busdaycal=calendar)
    at = np.clip(clock, first, last)
    left_today = np.where(open_day, last - at, 0)
    allowed_seconds = allowed * 60.0
    today = open_day & (allowed_seconds < left_today)
    rest = np.maximum(allowed_seconds - left_today, 0)
    whole = np.floor(rest / (last - first))
    extra = rest - whole * (last - first)
    # Rolling a closed start day back to the working day before it counts
    # the working days after the start day itself.
    later = np.busday_offset(
        dates, whole.astype(np.int64) + 1, roll="backward", busdaycal=calendar
    )
    later_end = later.astype(np.int64) * _DAY_SECONDS + first + extra
    deadline = np.where(today, day * _DAY_SECONDS + at + allowed_seconds, later_end)
    minutes = (deadline - s) / 60.0
    minutes[missing] = np.nan
    return minutes


def _seconds(times: pd.Series) -> np.ndarray:
    """Return seconds since 1970 (int64 min where missing), any resolution."""
    values = pd.to_datetime(pd.Series(times)).to_numpy()
    return values.astype("datetime64[s]").view(np.int64)


def _worked_before(
    seconds: np.ndarray, days: np.ndarray, *, working: WorkingTime, open_day
) -> np.ndarray:
    """Return the working seconds of each time's own day that lie before it."""
    clock = seconds - days * _DAY_SECONDS
    worked = np.clip(clock, working.start * 60, working.end * 60) - working.start * 60
    return np.where(open_day, worked, 0)


def _end_clock(value) -> int:
    """Return the minute of the day the hours end; ``24:00`` is the day's end."""
    if isinstance(value, str) and value.strip() == "24:00":
        return 24 * 60
    return parse_clock(value, what="The end of working hours")
