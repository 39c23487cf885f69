"""The canonical vocabulary: field names, metrics, statistics and periods.

Every export is mapped onto these names once, at ingest; every later module
uses them and nothing else (docs/API.md, "Fields" and "Intervals").
"""

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

ACCESSION = "accession"
EXAM_NAME = "exam_name"
MODALITY = "modality"
ORDERED_AT = "ordered_at"
STARTED_AT = "started_at"
COMPLETED_AT = "completed_at"
PRELIMINARY_AT = "preliminary_at"
FINALIZED_AT = "finalized_at"
PRIORITY = "priority"
ORDERING_PHYSICIAN = "ordering_physician"
PATIENT_CLASS = "patient_class"
READING_RADIOLOGIST = "reading_radiologist"
LOCATION = "location"
STATUS = "status"

# Order matters: it is the column order of the exam list and CSV downloads.
CANONICAL_FIELDS = (
    ACCESSION,
    EXAM_NAME,
    MODALITY,
    ORDERED_AT,
    STARTED_AT,
    COMPLETED_AT,
    PRELIMINARY_AT,
    FINALIZED_AT,
    PRIORITY,
    ORDERING_PHYSICIAN,
    PATIENT_CLASS,
    READING_RADIOLOGIST,
    LOCATION,
    STATUS,
)
TIME_FIELDS = (ORDERED_AT, STARTED_AT, COMPLETED_AT, PRELIMINARY_AT, FINALIZED_AT)
# The exam's chain of times, in the order they happen: the segments' links,
# the custom intervals' ends and the pairs checked for order all follow it.
CHAIN = (ORDERED_AT, STARTED_AT, COMPLETED_AT, PRELIMINARY_AT, FINALIZED_AT)
TEXT_FIELDS = tuple(f for f in CANONICAL_FIELDS if f not in TIME_FIELDS)
# Low-cardinality text fields kept as pandas categoricals.
CATEGORY_FIELDS = (
    MODALITY,
    PRIORITY,
    ORDERING_PHYSICIAN,
    PATIENT_CLASS,
    READING_RADIOLOGIST,
    LOCATION,
    STATUS,
    EXAM_NAME,
)

FIELD_LABELS = {
    ACCESSION: "Accession",
    EXAM_NAME: "Exam",
    MODALITY: "Modality",
    ORDERED_AT: "Ordered",
    STARTED_AT: "Started",
    COMPLETED_AT: "Completed",
    PRELIMINARY_AT: "Preliminary",
    FINALIZED_AT: "Final",
    PRIORITY: "Priority",
    ORDERING_PHYSICIAN: "Ordering physician",
    PATIENT_CLASS: "Patient class",
    READING_RADIOLOGIST: "Reading radiologist",
    LOCATION: "Location",
    STATUS: "Status",
}


@dataclass(frozen=True)
class Interval:
    """One interval in minutes: ``end`` − ``start`` of each exam."""

    name: str
    start: str
    end: str
    label: str
    short: str  # fits a table heading or an axis beside a chart
    # Offered only when the data set has both times (see
    # exams.analysis.frame.dimensions.available_intervals); the others always are.
    optional: bool = False


# The one declaration of the built-in intervals: every page, API parameter,
# table, CSV column and ingest step takes its intervals from here.
BUILT_IN_INTERVALS = (
    Interval(
        "order_to_complete",
        ORDERED_AT,
        COMPLETED_AT,
        "Order → complete",
        "order → complete",
    ),
    Interval(
        "complete_to_final",
        COMPLETED_AT,
        FINALIZED_AT,
        "Complete → final (report TAT)",
        "report TAT",
    ),
    Interval(
        "order_to_final",
        ORDERED_AT,
        FINALIZED_AT,
        "Order → final (total TAT)",
        "total TAT",
    ),
    Interval(
        "complete_to_preliminary",
        COMPLETED_AT,
        PRELIMINARY_AT,
        "Complete → preliminary (prelim TAT)",
        "prelim TAT",
        optional=True,
    ),
    Interval(
        "preliminary_to_final",
        PRELIMINARY_AT,
        FINALIZED_AT,
        "Preliminary → final",
        "prelim → final",
        optional=True,
    ),
)
# The user's own intervals (settings "custom_intervals") join the built-in
# ones for the request being answered (exams.middleware sets them): every
# name, label and pair of ends below is read through ``intervals_in_use``,
# so a custom interval is a metric of every view with no view knowing it.
# A context variable, not a global: each request (thread) sees its own.
# It may hold a loader, called when an interval is first read, so a request
# that reads none (/healthz) never loads the settings.
_CUSTOM: ContextVar = ContextVar("custom_intervals", default=())


def intervals_in_use() -> tuple[Interval, ...]:
    """Return the built-in intervals, then the custom ones of this request."""
    custom = _CUSTOM.get()
    if callable(custom):
        custom = tuple(custom())
        _CUSTOM.set(custom)  # undone with the rest when the block ends
    return (*BUILT_IN_INTERVALS, *custom)


@contextmanager
def custom_intervals_in_use(custom: Sequence[Interval] | Callable[[], Sequence]):
    """Make ``custom`` (``Interval``s, or a loader of them) join the declared ones."""
    token = _CUSTOM.set(custom if callable(custom) else tuple(custom))
    try:
        yield
    finally:
        _CUSTOM.reset(token)


class Live(Sequence):
    """A tuple computed anew from the intervals in use each time it is read."""

    def __init__(self, make: Callable[[], tuple]):
        self._make = make

    def __getitem__(self, index):
        return self._make()[index]

    def __len__(self) -> int:
        return len(self._make())

    def __iter__(self) -> Iterator:
        return iter(self._make())

    def __contains__(self, value) -> bool:
        return value in self._make()

    def __repr__(self) -> str:
        return repr(self._make())


class LiveMap(Mapping):
    """A dict computed anew from the intervals in use each time it is read."""

    def __init__(self, make: Callable[[], dict]):
        self._make = make

    def __getitem__(self, key):
        return self._make()[key]

    def __len__(self) -> int:
        return len(self._make())

    def __iter__(self) -> Iterator:
        return iter(self._make())

    def __contains__(self, key) -> bool:
        return key in self._make()

    def __repr__(self) -> str:
        return repr(self._make())


INTERVAL_LIST = Live(intervals_in_use)
# Intervals in minutes: name -> (start field, end field).
INTERVALS = LiveMap(lambda: {i.name: (i.start, i.end) for i in intervals_in_use()})
INTERVAL_LABELS = LiveMap(lambda: {i.name: i.label for i in intervals_in_use()})
INTERVAL_SHORT_LABELS = LiveMap(lambda: {i.name: i.short for i in intervals_in_use()})
# The built-in intervals alone: what ingest computes and checks, whatever
# the settings (a data set's quality report does not change with them).
BUILT_IN = {i.name: (i.start, i.end) for i in BUILT_IN_INTERVALS}

COUNT_METRICS = ("volume", "ordered", "complete_ratio")
METRICS = Live(lambda: (*COUNT_METRICS, *INTERVALS))
METRIC_LABELS = LiveMap(
    lambda: {
        "volume": "Exams completed",
        "ordered": "Exams ordered",
        "complete_ratio": "Completed ÷ ordered",
        **INTERVAL_LABELS,
    }
)

STATS = ("median", "mean", "p75", "p90", "within")
STAT_LABELS = {
    "median": "Median",
    "mean": "Mean",
    "p75": "75th percentile",
    "p90": "90th percentile",
    "within": "% within target",
}

PERIODS = ("day", "week", "month", "quarter", "year")
DAYS = ("all", "weekday", "weekend")
DAY_TYPES = ("weekday", "weekend")

# Default shift windows by completion clock time (may cross midnight).
DEFAULT_SHIFTS = (
    {"name": "day", "start": "07:00", "end": "15:00"},
    {"name": "evening", "start": "15:00", "end": "23:00"},
    {"name": "night", "start": "23:00", "end": "07:00"},
)

# Status values that mean the exam did not happen (a setting; these are the
# defaults, matched case-insensitively against the whole trimmed value).
DEFAULT_CANCELLED_STATUSES = (
    "cancelled",
    "canceled",
    "cancel",
    "cx",
    "can",
    "discontinued",
    "dc",
    "no show",
    "no-show",
    "noshow",
    "voided",
    "void",
)

# Columns prepare_frame adds once per load (exams.analysis.frame.prepare). Day and
# month numbers count from 1970-01-01 / 1970-01 so every period is arithmetic
# on integers; NO_DAY marks a missing time.
SHIFT = "shift"
ORDERED_SHIFT = "ordered_shift"
WEEKDAY = "weekday"  # 0 = Monday … 6 = Sunday, -1 when completed_at is missing
IS_WEEKEND = "is_weekend"
HOUR = "hour"  # 0–23, -1 when completed_at is missing
COMPLETED_DAY = "completed_day"
COMPLETED_MONTH = "completed_month"
ORDERED_DAY = "ordered_day"
ORDERED_MONTH = "ordered_month"
DAY_TYPE = "day_type"  # "weekday" / "weekend" of completed_at, as a group
ORDERED_DAY_TYPE = "ordered_day_type"
NO_DAY = -(2**31)
# Which shift and day columns belong to each time axis (docs/API.md: the
# ordered side of ``ordered`` and ``complete_ratio`` uses ordered_at).
TIME_AXES = {
    COMPLETED_AT: {
        "shift": SHIFT,
        "day": COMPLETED_DAY,
        "month": COMPLETED_MONTH,
        "day_type": DAY_TYPE,
    },
    ORDERED_AT: {
        "shift": ORDERED_SHIFT,
        "day": ORDERED_DAY,
        "month": ORDERED_MONTH,
        "day_type": ORDERED_DAY_TYPE,
    },
}


@dataclass(frozen=True)
class Dimension:
    """One way to select and group exams (see ``DIMENSIONS``)."""

    key: str  # query parameter, split and ``by`` name
    column: str  # the column it reads (on completed_at's axis)
    label: str
    plural: str
    # Key of its value list in /api/options (None: not offered there).
    options_key: str | None
    # ``values``: any value of the data, repeatable; ``configured``: one of
    # the configured names (shifts), repeatable; ``choice``: one of
    # ``choices`` (``all`` = no filter).
    kind: str = "values"
    choices: tuple[str, ...] = ()
    # TIME_AXES key when the column depends on the time axis (CONTRACT §3:
    # the ordered side of ``complete_ratio`` uses ordered_at's shift).
    axis: str | None = None
    # Its name as a Pareto ``by`` (the column name where that differs).
    pareto_by: str = ""
    # A column of the exam list page.
    list_column: bool = True

    @property
    def pareto_name(self) -> str:
        """Return its name among the Pareto view's ``by`` values."""
        return self.pareto_by or self.key


# The one declaration of the dimensions. Each is, from this line alone, a
# filter (query/filters.py), a split and a ``by`` of the summary table and
# of Pareto, a drill-down target, a column of the exam list, a part of the
# filter description, a value list in /api/options and a control of the
# filter bar. Adding one means adding a line here (and, for a derived
# column, computing it in analysis/frame/prepare.py).
DIMENSIONS = (
    Dimension("modality", MODALITY, "Modality", "Modalities", "modalities"),
    Dimension(
        "shift", SHIFT, "Shift", "Shifts", "shifts", kind="configured", axis="shift"
    ),
    Dimension("priority", PRIORITY, "Priority", "Priorities", "priorities"),
    Dimension(
        "patient_class",
        PATIENT_CLASS,
        "Patient class",
        "Patient classes",
        "patient_classes",
    ),
    Dimension(
        "physician",
        ORDERING_PHYSICIAN,
        "Ordering physician",
        "Ordering physicians",
        "physicians",
        pareto_by=ORDERING_PHYSICIAN,
    ),
    Dimension(
        "radiologist",
        READING_RADIOLOGIST,
        "Reading radiologist",
        "Reading radiologists",
        "radiologists",
    ),
    Dimension("location", LOCATION, "Location", "Locations", "locations"),
    Dimension(
        "days",
        DAY_TYPE,
        "Weekday or weekend",
        "Weekdays and weekends",
        None,
        kind="choice",
        choices=DAY_TYPES,
        axis="day_type",
        list_column=False,
    ),
)
DIMENSION_BY_KEY = {d.key: d for d in DIMENSIONS}
SPLITS = ("none", *DIMENSION_BY_KEY)
# Split and "by" name -> the column it groups on.
SPLIT_FIELDS = {d.key: d.column for d in DIMENSIONS}
# Repeatable query parameters that filter exams, and the column each reads.
FILTER_FIELDS = {d.key: d.column for d in DIMENSIONS if d.kind != "choice"}
BY_CHOICES = tuple(DIMENSION_BY_KEY)
# At most this many dimensions in one ``by`` (a cross table: by=a,b).
MAX_BY = 2
FORMATS = ("json", "csv")
# The exam list can be sorted by any of these (``-`` prefix for descending).
SORT_FIELDS = Live(lambda: (*CANONICAL_FIELDS, *INTERVALS, SHIFT))
DEFAULT_SORT = COMPLETED_AT
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
# Group name for exams whose split or "by" value is empty in the export.
BLANK_GROUP = "(blank)"
ALL_GROUP = "All"

# Default per-exam targets: exams/analysis/frame/targets.py (DEFAULT_TARGETS).
