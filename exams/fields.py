"""The canonical vocabulary: field names, metrics, statistics and periods.

Every export is mapped onto these names once, at ingest; every later module
uses them and nothing else (docs/API.md, "Fields" and "Intervals").
"""

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

# Intervals in minutes: name -> (start field, end field).
INTERVALS = {
    "order_to_complete": (ORDERED_AT, COMPLETED_AT),
    "complete_to_final": (COMPLETED_AT, FINALIZED_AT),
    "order_to_final": (ORDERED_AT, FINALIZED_AT),
}
INTERVAL_LABELS = {
    "order_to_complete": "Order → complete",
    "complete_to_final": "Complete → final (report TAT)",
    "order_to_final": "Order → final (total TAT)",
}

COUNT_METRICS = ("volume", "ordered", "complete_ratio")
METRICS = (*COUNT_METRICS, *INTERVALS)
METRIC_LABELS = {
    "volume": "Exams completed",
    "ordered": "Exams ordered",
    "complete_ratio": "Completed ÷ ordered",
    **INTERVAL_LABELS,
}

STATS = ("median", "mean", "p75", "p90", "within")
STAT_LABELS = {
    "median": "Median",
    "mean": "Mean",
    "p75": "75th percentile",
    "p90": "90th percentile",
    "within": "% within target",
}

PERIODS = ("day", "week", "month", "quarter", "year")
SPLITS = ("none", "modality", "shift", "priority", "patient_class", "physician")
# Split and "by" names that differ from the field they group on.
SPLIT_FIELDS = {
    "modality": MODALITY,
    "shift": "shift",
    "priority": PRIORITY,
    "patient_class": PATIENT_CLASS,
    "physician": ORDERING_PHYSICIAN,
}
DAYS = ("all", "weekday", "weekend")

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

# Columns prepare_frame adds once per load (exams.analysis.prepare). Day and
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
NO_DAY = -(2**31)
# Which shift and day columns belong to each time axis (docs/API.md: the
# ordered side of ``ordered`` and ``complete_ratio`` uses ordered_at).
TIME_AXES = {
    COMPLETED_AT: {"shift": SHIFT, "day": COMPLETED_DAY, "month": COMPLETED_MONTH},
    ORDERED_AT: {"shift": ORDERED_SHIFT, "day": ORDERED_DAY, "month": ORDERED_MONTH},
}

# Query parameters that filter exams, and the column each one reads.
FILTER_FIELDS = {
    "modality": MODALITY,
    "priority": PRIORITY,
    "physician": ORDERING_PHYSICIAN,
    "patient_class": PATIENT_CLASS,
    "shift": SHIFT,
}
BY_CHOICES = tuple(s for s in SPLITS if s != "none")
FORMATS = ("json", "csv")
# The exam list can be sorted by any of these (``-`` prefix for descending).
SORT_FIELDS = (*CANONICAL_FIELDS, *INTERVALS, SHIFT)
DEFAULT_SORT = COMPLETED_AT
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
# Group name for exams whose split or "by" value is empty in the export.
BLANK_GROUP = "(blank)"
ALL_GROUP = "All"

# Default per-exam targets: exams/analysis/targets.py (DEFAULT_TARGETS).
