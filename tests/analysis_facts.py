"""The hand-worked export of 13 exams (docs/API.md) and its worked facts.

Every interval, shift, weekday and week below was worked out on paper from
the times in ``EXAMS``; the expected numbers in the tests come from those
facts, not from the code under test. Default shifts: day 07–15, evening
15–23, night 23–07. Default targets: ED or STAT 60, inpatient 240,
outpatient 1440, otherwise 1440.
"""

import math

import pandas as pd
import pytest

from exams.analysis import build_series, prepare_frame
from exams.analysis.frame.shifts import default_shifts
from exams.query.filters import FilterSpec

SMITH, DOE = "SMITH, JOHN MD", "DOE, JANE"
NAN = math.nan

# accession, modality, priority, patient class, physician,
# ordered_at, completed_at, finalized_at,
# order→complete, complete→final, order→final (minutes, worked by hand),
# completed shift, ordered shift, Monday of the completed week, of the
# ordered week, weekday of completion.
EXAMS = [
    # Ordered on Monday 30 Sep (night), completed in October: order and
    # completion fall in different months, same night shift.
    ("E13", "XR", "STAT", "Inpatient", DOE,
     "2024-09-30 23:50", "2024-10-01 00:10", "2024-10-01 00:40",
     20, 30, 50, "night", "night", "2024-09-30", "2024-09-30", "Tue"),
    ("E01", "CT", "STAT", "ED", SMITH,
     "2024-10-15 09:00", "2024-10-15 09:30", "2024-10-15 10:30",
     30, 60, 90, "day", "day", "2024-10-14", "2024-10-14", "Tue"),
    # Saturday, read on Monday: 40 h report TAT.
    ("E02", "XR", "Routine", "Outpatient", DOE,
     "2024-10-19 14:00", "2024-10-19 16:00", "2024-10-21 08:00",
     120, 2400, 2520, "evening", "day", "2024-10-14", "2024-10-14", "Sat"),
    # 23:00 exactly is night; ordered 22:00 in the evening.
    ("E03", "CT", "Routine", "Inpatient", SMITH,
     "2024-12-30 22:00", "2024-12-30 23:00", "2024-12-31 01:00",
     60, 120, 180, "night", "evening", "2024-12-30", "2024-12-30", "Mon"),
    # 06:59 is still night; report TAT exactly the inpatient target (240).
    ("E04", "MR", "Urgent", "Inpatient", DOE,
     "2024-12-31 06:00", "2024-12-31 06:59", "2024-12-31 10:59",
     59, 240, 299, "night", "night", "2024-12-30", "2024-12-30", "Tue"),
    # New Year: completed 2025-01-01 (week of Monday 2024-12-30, 2025-Q1),
    # ordered 2024-12-31 (2024-Q4).
    ("E05", "CT", "STAT", "ED", SMITH,
     "2024-12-31 23:30", "2025-01-01 00:30", "2025-01-01 01:30",
     60, 60, 120, "night", "night", "2024-12-30", "2024-12-30", "Wed"),
    # 07:00 exactly is day; no final report yet (pending); no physician.
    ("E06", "US", "Routine", "Outpatient", None,
     "2025-01-01 07:00", "2025-01-01 07:00", None,
     0, NAN, NAN, "day", "day", "2024-12-30", "2024-12-30", "Wed"),
    # No order time; signed an hour before completion (negative).
    ("E07", "XR", "STAT", "ED", DOE,
     None, "2025-01-04 12:00", "2025-01-04 11:00",
     NAN, -60, NAN, "day", None, "2024-12-30", None, "Sat"),
    # Ordered Sunday evening (week of 2024-12-30), completed Monday 08:00.
    ("E08", "XR", "Routine", None, SMITH,
     "2025-01-05 20:00", "2025-01-06 08:00", "2025-01-06 09:00",
     720, 60, 780, "day", "evening", "2025-01-06", "2024-12-30", "Mon"),
    # 15:00 exactly is evening; report TAT 61 just misses the ED target.
    ("E09", "CT", "Urgent", "ED", SMITH,
     "2025-01-06 14:50", "2025-01-06 15:00", "2025-01-06 16:01",
     10, 61, 71, "evening", "day", "2025-01-06", "2025-01-06", "Mon"),
    # 14:59 is day; report TAT exactly the outpatient target (1440).
    ("E10", "MR", "Routine", "Outpatient", DOE,
     "2025-01-07 10:00", "2025-01-07 14:59", "2025-01-08 14:59",
     299, 1440, 1739, "day", "day", "2025-01-06", "2025-01-06", "Tue"),
    # Ordered 22:59 (evening), completed 02:00 (night), signed 01:00.
    ("E11", "CT", "Routine", "Inpatient", DOE,
     "2025-01-07 22:59", "2025-01-08 02:00", "2025-01-08 01:00",
     181, -60, 121, "night", "evening", "2025-01-06", "2025-01-06", "Wed"),
    # March, after an empty February.
    ("E12", "US", "Routine", "Outpatient", SMITH,
     "2025-03-10 09:00", "2025-03-10 10:00", "2025-03-10 11:00",
     60, 60, 120, "day", "day", "2025-03-10", "2025-03-10", "Mon"),
]  # fmt: skip
COLUMNS = [
    "accession", "modality", "priority", "patient_class", "ordering_physician",
    "ordered_at", "completed_at", "finalized_at",
    "order_to_complete", "complete_to_final", "order_to_final",
    "c_shift", "o_shift", "c_week", "o_week", "c_weekday",
]  # fmt: skip
FACTS = pd.DataFrame(EXAMS, columns=COLUMNS)
FACT_ROWS = FACTS.to_dict("records")
INTERVALS = ("order_to_complete", "complete_to_final", "order_to_final")


def canonical_frame(rows: pd.DataFrame = FACTS) -> pd.DataFrame:
    """Return the facts as ingest would: times, categoricals, intervals."""
    frame = pd.DataFrame({"accession": rows["accession"].astype("string")})
    for name in ("ordered_at", "completed_at", "finalized_at"):
        frame[name] = pd.to_datetime(rows[name])
    for name in ("modality", "priority", "patient_class", "ordering_physician"):
        frame[name] = pd.Categorical(rows[name])
    for name in INTERVALS:
        frame[name] = rows[name].astype(float)
    return frame


def prepare_facts() -> pd.DataFrame:
    """Fixture body (module scope): the facts prepared with the default shifts."""
    return prepare_frame(canonical_frame(), shifts=default_shifts())


def assert_values(actual: list, expected: list) -> None:
    """Compare series values: None exactly, numbers to 12 significant digits."""
    assert [v is None for v in actual] == [v is None for v in expected]
    numbers = [(a, e) for a, e in zip(actual, expected, strict=True) if e is not None]
    assert [a for a, _ in numbers] == pytest.approx([e for _, e in numbers], rel=1e-12)


def series(frame, **kwargs):
    return build_series(frame, spec=FilterSpec(**kwargs))


def by_name(result) -> dict:
    return {s["name"]: s for s in result["series"]}
