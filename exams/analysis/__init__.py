"""Pure pandas analysis: a prepared frame and a filter spec in, dicts out.

Nothing here reads a request, the settings or the file system (STYLE §2).
"""

from exams.analysis.export import exams_csv, series_csv, summary_csv
from exams.analysis.filtering import apply_filters, filter_mask
from exams.analysis.listing import (
    build_exam_list,
    exam_detail,
    exam_rows,
    list_exams,
    sort_exams,
)
from exams.analysis.options import options
from exams.analysis.prepare import prepare_frame
from exams.analysis.series import build_series, compute_series
from exams.analysis.summary import build_summary, summarize

__all__ = [
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
