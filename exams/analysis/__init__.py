"""Pure pandas analysis: a prepared frame and a filter spec in, dicts out.

Nothing here reads a request, the settings or the file system (STYLE §2).

Where docs/API.md is silent, these choices hold:

- An empty split / ``by`` value forms the group ``(blank)``, listed last;
  shifts keep their configured order, other groups are sorted by name
  (case ignored). Every physician gets a series (no "top N + Other").
- ``n`` of ``complete_ratio`` is the number ordered (the denominator);
  ``excluded.missing`` counts exams that cannot be placed (no time on the
  axis used, or, for an interval, no interval); ``negative`` counts
  negative intervals. ``target`` echoes the query's target (null: each
  exam is judged against its own target from the settings).
- The summary's groups are in ``rows``; the total over all exams is the
  separate ``total`` entry (group ``All``). Each interval also carries
  its ``negative`` and ``missing`` counts.
- The exam list sorts missing values last in either direction and keeps
  file order for ties. ``format=csv`` downloads every matching exam.
- Filter values match case-insensitively (``modality=ct`` is CT).
"""

from exams.analysis.dashboard.listing import (
    SORT_OTHERS,
    build_exam_list,
    exam_detail,
    exam_rows,
    list_exams,
    page_columns,
    row_fields,
    sort_exams,
)
from exams.analysis.dashboard.options import options
from exams.analysis.dashboard.series import build_series, compute_series
from exams.analysis.dashboard.summary import build_summary, summarize
from exams.analysis.export import build_exams_csv, exams_csv, series_csv, summary_csv
from exams.analysis.frame.dimensions import (
    available_intervals,
    available_metrics,
    require_interval,
)
from exams.analysis.frame.filtering import apply_filters, count_exams, filter_mask
from exams.analysis.frame.prepare import prepare_frame

__all__ = [
    "count_exams",
    "SORT_OTHERS",
    "page_columns",
    "available_intervals",
    "available_metrics",
    "build_exams_csv",
    "require_interval",
    "row_fields",
    "apply_filters",
    "build_exam_list",
    "build_series",
    "build_summary",
    "compute_series",
    "exam_detail",
    "exam_rows",
    "exams_csv",
    "filter_mask",
    "list_exams",
    "options",
    "prepare_frame",
    "series_csv",
    "sort_exams",
    "summarize",
    "summary_csv",
]
