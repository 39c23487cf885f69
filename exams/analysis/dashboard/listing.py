"""The exam list and one exam's detail (``/api/exams``)."""

import numpy as np
import pandas as pd

from exams import fields
from exams.analysis.frame.dimensions import require_interval
from exams.analysis.frame.filtering import apply_filters, is_ascending
from exams.analysis.frame.prepare import available_intervals
from exams.analysis.frame.targets import Targets, exam_targets
from exams.query.filters import FilterSpec

# Canonical fields, then intervals, then the shift (docs/API.md: "canonical
# fields + intervals"; the shift is an addition).
# Live: the user's named intervals in use join them (exams.fields).
ROW_FIELDS = fields.Live(
    lambda: (*fields.CANONICAL_FIELDS, *fields.INTERVALS, fields.SHIFT)
)
DETAIL_FIELDS = fields.Live(lambda: (*ROW_FIELDS, fields.ORDERED_SHIFT))
ISO_FORMAT = "%Y-%m-%dT%H:%M:%S"
_SHIFT_COLUMNS = (fields.SHIFT, fields.ORDERED_SHIFT)
# The sort fields that are not intervals (no live list read at import).
SORT_OTHERS = (*fields.CANONICAL_FIELDS, fields.SHIFT)


def build_exam_list(frame: pd.DataFrame, *, spec: FilterSpec) -> dict:
    """Filter a prepared frame by ``spec`` and return the requested page.

    Only the sort column of the selected exams is copied; whole rows are
    fetched for the page alone (copying every column of 200,000 selected
    exams cost more than sorting them). Rows carry the intervals the data
    set offers; sorting by one it lacks is a FilterError.
    """
    require_interval(frame, name=spec.sort_field, param="sort", allowed=SORT_OTHERS)
    keys = apply_filters(frame, spec=spec, columns=[spec.sort_field])
    start = (spec.page - 1) * spec.page_size
    positions = sort_positions(keys, sort=spec.sort, stop=start + spec.page_size)
    return {
        "total": len(keys),
        "page": spec.page,
        "page_size": spec.page_size,
        "sort": spec.sort,
        "rows": exam_rows(
            frame.loc[keys.index[positions[start:]]], columns=row_fields(frame)
        ),
    }


def page_columns(frame: pd.DataFrame) -> tuple[str, ...]:
    """Return the exam list page's columns, in the order a manager scans them.

    The exam, its dimensions (fields.DIMENSIONS), its times, the intervals
    the data set has, then the shift; the preliminary time only when the
    data set has one.
    """
    intervals = available_intervals(frame)
    listed = [d for d in fields.DIMENSIONS if d.list_column]
    times = [fields.ORDERED_AT, fields.COMPLETED_AT, fields.FINALIZED_AT]
    if any(fields.PRELIMINARY_AT in fields.INTERVALS[i] for i in intervals):
        times.insert(2, fields.PRELIMINARY_AT)
    return (
        fields.ACCESSION,
        fields.EXAM_NAME,
        *(d.column for d in listed if not d.axis),
        *times,
        *intervals,
        *(d.column for d in listed if d.axis),
    )


def row_fields(frame: pd.DataFrame) -> tuple[str, ...]:
    """Return the exam list's columns for a data set: only intervals it has."""
    intervals = available_intervals(frame)
    return tuple(c for c in ROW_FIELDS if c not in fields.INTERVALS or c in intervals)


def list_exams(
    frame: pd.DataFrame,
    *,
    page: int = 1,
    page_size: int = fields.DEFAULT_PAGE_SIZE,
    sort: str = fields.DEFAULT_SORT,
    columns: tuple[str, ...] | None = None,
) -> dict:
    """Return ``{"total", "page", "page_size", "sort", "rows"}`` for one page.

    Missing values sort last in either direction; ties keep file order.
    ``columns`` of each row: ``row_fields`` of this frame when omitted
    (pass the data set's when ``frame`` is a selection).
    """
    start = (page - 1) * page_size
    positions = sort_positions(frame, sort=sort, stop=start + page_size)
    return {
        "total": len(frame),
        "page": page,
        "page_size": page_size,
        "sort": sort,
        "rows": exam_rows(
            frame.iloc[positions[start:]],
            columns=row_fields(frame) if columns is None else columns,
        ),
    }


def sort_exams(frame: pd.DataFrame, *, sort: str = fields.DEFAULT_SORT) -> pd.DataFrame:
    """Return the whole frame sorted as the exam list sorts it."""
    return frame.iloc[sort_positions(frame, sort=sort, stop=len(frame))]


def sort_positions(frame: pd.DataFrame, *, sort: str, stop: int) -> np.ndarray:
    """Return the positions of the first ``stop`` rows in ``sort`` order.

    Only those rows are ordered (a partition finds them), so the first pages
    of a large list cost far less than a full sort.
    """
    column = sort.removeprefix("-")
    keys, missing = _sort_keys(frame[column], column=column)
    descending = sort.startswith("-")
    if not descending and stop < len(keys) and not missing.any() and is_ascending(keys):
        # Exports arrive in completion order: the default sort is then the
        # file order, and the first rows are the page (ties stay in order).
        return np.arange(stop)
    present = np.flatnonzero(~missing)
    keys = keys[present]
    if descending:
        keys = -keys
    if stop < len(keys):
        threshold = np.partition(keys, stop - 1)[stop - 1]
        # Every key equal to the threshold competes, so ties resolve by file
        # order exactly as a full stable sort would.
        candidates = np.flatnonzero(keys <= threshold)
        chosen = candidates[np.argsort(keys[candidates], kind="stable")][:stop]
    else:
        chosen = np.argsort(keys, kind="stable")
    order = present[chosen]
    if len(order) < stop:
        order = np.concatenate([order, np.flatnonzero(missing)[: stop - len(order)]])
    return order


def _sort_keys(values: pd.Series, *, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Return numeric sort keys and where the value is missing."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        keys = values.to_numpy().view(np.int64)
        return keys, keys == np.iinfo(np.int64).min
    if pd.api.types.is_numeric_dtype(values.dtype) and not isinstance(
        values.dtype, pd.CategoricalDtype
    ):
        keys = values.to_numpy(dtype=np.float64, na_value=np.nan)
        return keys, np.isnan(keys)
    if not isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype("category")
    labels = values.cat.categories.astype(str)
    if column in _SHIFT_COLUMNS:
        rank = np.arange(len(labels))
    else:
        rank = np.empty(len(labels), dtype=np.int64)
        rank[np.argsort(labels.str.casefold().to_numpy(), kind="stable")] = np.arange(
            len(labels)
        )
    codes = values.cat.codes.to_numpy()
    missing = codes < 0
    return np.where(missing, 0, rank[codes]).astype(np.int64), missing


def exam_rows(frame: pd.DataFrame, *, columns=ROW_FIELDS) -> list[dict]:
    """Return JSON-ready rows: ISO times, None for anything missing."""
    data = {name: _json_column(frame, name) for name in columns}
    rows = zip(*data.values(), strict=True)
    return [dict(zip(data, row, strict=True)) for row in rows]


def _json_column(frame: pd.DataFrame, name: str) -> list:
    if name not in frame:
        return [None] * len(frame)
    values = frame[name]
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        # numpy writes ISO_FORMAT itself, far faster than strftime.
        times = values.to_numpy().astype("datetime64[s]")
        result = np.datetime_as_string(times).astype(object)
        result[np.isnat(times)] = None
        return result.tolist()
    result = values.to_numpy(dtype=object, copy=True)
    result[pd.isna(result)] = None
    return result.tolist()


def exam_detail(
    frame: pd.DataFrame, *, accession: str, targets: Targets | None = None
) -> dict | None:
    """Return one exam by accession (with its shifts and targets), or None.

    ``targets`` holds the exam's target per interval; ``target`` repeats
    the report-turnaround one (complete -> final).
    """
    found = (frame[fields.ACCESSION] == accession).to_numpy(dtype=bool, na_value=False)
    positions = np.flatnonzero(found)
    if not len(positions):
        return None
    exam = frame.iloc[positions[:1]]
    row = exam_rows(exam, columns=DETAIL_FIELDS)[0]
    if targets is not None:
        row["targets"] = {
            metric: exam_targets(exam, targets, metric=metric).iloc[0].item()
            for metric in available_intervals(frame)
        }
        row["target"] = row["targets"]["complete_to_final"]
    return row
