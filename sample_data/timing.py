"""When exams happen: arrivals, order lead times and report turnaround.

Times are int64 minutes since 1970-01-01 (naive local wall-clock), so the
arithmetic stays exact and every generated time is a whole minute.
"""

from dataclasses import dataclass
from datetime import date

import numpy as np

from sample_data import vocab

DAY = 1440
PAD_DAYS = 400  # calendar room after the period for late reads and addenda


@dataclass(frozen=True)
class Calendar:
    """Day-level facts for the generated period (index 0 = start day)."""

    start_minute: int
    days: int
    weekday: np.ndarray  # Mon=0, over days + PAD_DAYS
    holiday: np.ndarray
    next_workday: np.ndarray  # first working day strictly after each day

    @property
    def end_minute(self) -> int:
        """Return the export time: midnight after the last day."""
        return self.start_minute + self.days * DAY


def build_calendar(*, start: date, days: int) -> Calendar:
    """Return weekdays, holidays and next working days from ``start``."""
    first = np.datetime64(start, "D")
    dates = first + np.arange(days + PAD_DAYS)
    epoch_days = dates.astype(np.int64)
    weekday = (epoch_days + 3) % 7  # 1970-01-01 was a Thursday
    years = dates.astype("datetime64[Y]").astype(int) + 1970
    holidays = vocab.us_holidays(first_year=int(years[0]), last_year=int(years[-1]))
    holiday = np.isin(dates, np.array(sorted(holidays), dtype="datetime64[D]"))
    workday = (weekday < 5) & ~holiday
    # Walk backwards once over the days (not the exams) to find the next one.
    next_workday = np.empty(len(dates), dtype=np.int64)
    upcoming = len(dates) + 2  # beyond the padding: far enough for any read
    for day in range(len(dates) - 1, -1, -1):
        next_workday[day] = upcoming
        if workday[day]:
            upcoming = day
    return Calendar(
        start_minute=int(epoch_days[0]) * DAY,
        days=days,
        weekday=weekday,
        holiday=holiday,
        next_workday=next_workday,
    )


def lognormal(rng: np.random.Generator, median: np.ndarray, sigma: float):
    """Return lognormal draws around ``median`` (the usual TAT long tail)."""
    median = np.asarray(median, dtype=np.float64)
    return median * np.exp(sigma * rng.standard_normal(median.shape))


def sample_completions(
    *, rng: np.random.Generator, cal: Calendar, patient_class: np.ndarray
) -> np.ndarray:
    """Return a completion minute per exam following its class's arrival pattern."""
    day_index = np.arange(cal.days)
    weekday = cal.weekday[: cal.days]
    holiday = cal.holiday[: cal.days]
    dates = np.datetime64(cal.start_minute // DAY, "D") + day_index
    day_of_year = (dates - dates.astype("datetime64[Y]")).astype(np.int64)
    trend = 1 + vocab.TREND_PER_YEAR * day_index / 365.25
    winter = 1 + vocab.WINTER_SURGE * np.cos(2 * np.pi * (day_of_year - 20) / 365.25)
    completed = np.empty(len(patient_class), dtype=np.int64)
    for code, name in enumerate(vocab.CLASSES):
        members = np.flatnonzero(patient_class == code)
        day_factor = trend * np.asarray(vocab.WEEKDAY_FACTORS[name])[weekday]
        day_factor *= np.where(holiday, vocab.HOLIDAY_FACTORS[name], 1.0)
        if name == "Outpatient":
            day_factor *= np.where(day_of_year >= 357, 0.75, 1.0)  # Christmas week
        else:
            day_factor *= winter
        weights = np.outer(day_factor, vocab.HOUR_PROFILES[name]).ravel()
        hours = rng.choice(weights.size, size=members.size, p=weights / weights.sum())
        completed[members] = hours * 60 + rng.integers(0, 60, size=members.size)
    return cal.start_minute + completed


def sample_order_leads(
    *,
    rng: np.random.Generator,
    completed: np.ndarray,
    patient_class: np.ndarray,
    priority: np.ndarray,
    modality: np.ndarray,
) -> np.ndarray:
    """Return order times: minutes before completion, or days for scheduled exams."""
    modality_factor = _by_modality(vocab.ORDER_MODALITY_FACTORS)[modality]
    median = np.asarray(vocab.ORDER_MEDIANS)[patient_class, priority] * modality_factor
    ordered = completed - np.ceil(lognormal(rng, median, 0.6)).astype(np.int64)
    walk_in = _by_modality(vocab.WALK_IN_SHARES, default=0.03)[modality]
    routine_outpatient = (patient_class == 2) & (priority == 2)
    scheduled = routine_outpatient & (rng.random(len(completed)) >= walk_in)
    lead_median = _by_modality(vocab.SCHEDULE_LEAD_DAYS, default=5)[modality]
    lead_days = np.clip(np.rint(lognormal(rng, lead_median, 0.8)), 1, 120)
    # Scheduled orders are placed during clinic hours on an earlier day.
    clock = rng.integers(8 * 60, 17 * 60 + 30, size=len(completed))
    booked = (completed // DAY - lead_days.astype(np.int64)) * DAY + clock
    return np.where(scheduled, booked, ordered)


def sample_report_times(
    *,
    rng: np.random.Generator,
    cal: Calendar,
    completed: np.ndarray,
    patient_class: np.ndarray,
    priority: np.ndarray,
    modality: np.ndarray,
) -> np.ndarray:
    """Return final-report times after completion (coverage hours, backlogs)."""
    n = len(completed)
    minute_of_day = completed % DAY
    day = (completed - cal.start_minute) // DAY
    off_day = (cal.weekday[day] >= 5) | cal.holiday[day]
    night = (minute_of_day < 7 * 60) | (minute_of_day >= 23 * 60)
    median = np.asarray(vocab.REPORT_MEDIANS, dtype=np.float64)[priority]
    median *= _by_modality(vocab.REPORT_MODALITY_FACTORS)[modality]
    # Overnight and weekend coverage is thinner, and worse for non-STAT work.
    median *= np.where(night, np.where(priority == 0, 1.3, 1.8), 1.0)
    median *= np.where(off_day, np.where(priority == 0, 1.2, 1.6), 1.0)
    mammo = modality == vocab.MODALITIES.index("MG")
    median = np.where(mammo, 900.0, median)  # screening mammograms are batch-read
    median = np.where((patient_class == 0) & (priority == 2), 60.0, median)
    service = np.ceil(lognormal(rng, median, 0.7)).astype(np.int64)
    # Routine outpatient work waits for the next weekday reading session.
    opens, closes = vocab.READING_DAY
    open_today = ~off_day & (minute_of_day < closes)
    next_open = np.where(
        open_today,
        np.maximum(completed, completed - minute_of_day + opens),
        cal.start_minute + cal.next_workday[day] * DAY + opens,
    )
    queued = ((priority == 2) & (patient_class == 2)) | mammo
    start = np.where(queued, next_open, completed)
    # A few reads stall for days (over-reads, a lost worklist item).
    stalled = (priority != 0) & (rng.random(n) < 0.02)
    stall = np.where(stalled, rng.integers(DAY, 5 * DAY, size=n), 0)
    return start + np.maximum(service, 1) + stall


def _by_modality(values: dict, *, default: float = 1.0) -> np.ndarray:
    return np.array([values.get(m, default) for m in vocab.MODALITIES], dtype=float)
