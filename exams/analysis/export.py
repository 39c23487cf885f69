"""CSV downloads of every answer (``?format=csv``).

The series, summary and exam list; the analysis views write their answers
as one row per bucket, cell, group or date, shares as fractions (0–1) as in
JSON. Text cells that a spreadsheet would run as a formula (starting with
= + - @, tab or carriage return) get a leading ``'``; numbers stay numbers.
The file starts with a UTF-8 byte-order mark so Excel on Windows reads
accented names correctly.

Two forms (docs/API.md, "CSV downloads"): by default a table for people,
with headers such as ``Accession`` or ``Report TAT (min)`` and date-times
``2025-01-02 09:30`` that a spreadsheet reads as dates; with ``raw=True`` the
machine-readable form for scripts (field names, ISO ``2025-01-02T09:30:00``).
Every function below defaults to the raw form; the views pass ``raw``.
"""

import csv
import io

import pandas as pd

from exams import fields
from exams.analysis.dashboard.listing import (
    ISO_FORMAT,
    ROW_FIELDS,
    SORT_OTHERS,
    row_fields,
    sort_exams,
)
from exams.analysis.frame.dimensions import require_interval
from exams.analysis.frame.filtering import apply_filters
from exams.analysis.insights.compare import headline_rows
from exams.analysis.insights.pending import ROW_FIELDS as PENDING_FIELDS
from exams.query.filters import FilterSpec

BOM = "\ufeff"
# Date-times as spreadsheets read them (Excel, LibreOffice: a date cell).
SHEET_FORMAT = "%Y-%m-%d %H:%M"
_STAT_HEADS = {
    "n": "n",
    "median": "median (min)",
    "mean": "mean (min)",
    "p75": "75th percentile (min)",
    "p90": "90th percentile (min)",
    "within": "% within target",
    "negative": "negative",
    "missing": "missing",
}
# Raw header → the header people read (intervals: ``human_header``).
HEADERS = {
    **fields.FIELD_LABELS,
    fields.SHIFT: "Shift",
    "period": "Period",
    "day": "Day",
    "week": "Week (Monday)",
    "month": "Month",
    "quarter": "Quarter",
    "year": "Year",
    "exams": "Exams",
    "share": "Share",
    "cumulative_share": "Cumulative share",
    "bucket": "Bucket",
    "lower_minutes": "From (min)",
    "upper_minutes": "To (min)",
    "weekday": "Weekday",
    "hour": "Hour",
    "measure": "Measure",
    "current": "This range",
    "comparison": "Compared with",
    "previous": "Days before",
    "change": "Change",
    "change_percent": "Change %",
    "window": "Window",
    "series": "Series",
    "forecast": "Forecast",
    "lower": "Lower (80%)",
    "upper": "Upper (80%)",
    "age_minutes": "Age (min)",
    "target_minutes": "Target (min)",
    "metric": "Interval",
    "group": "Group",
    "ordering_physician": "Ordering physician",
    "exam_name": "Exam",
    "patient_class": "Patient class",
    "q1": "Q1 (min)",
    "q3": "Q3 (min)",
    "min": "Min (min)",
    "max": "Max (min)",
    "lower_whisker": "Lower whisker (min)",
    "upper_whisker": "Upper whisker (min)",
    "outliers": "Outliers",
    **{stat: label for stat, label in fields.STAT_LABELS.items()},
}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_STAT_COLUMNS = ("n", "median", "mean", "p75", "p90", "within", "negative", "missing")


def neutralize(value):
    """Return a cell value a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def neutralize_text(values: pd.Series) -> pd.Series:
    """Return a text column with formula-like cells neutralised (vectorised)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        labels = values.cat.categories.astype(str)
        if not labels.str.startswith(_FORMULA_STARTS).any():
            return values
        return values.cat.rename_categories(
            labels.where(~labels.str.startswith(_FORMULA_STARTS), "'" + labels)
        )
    text = values.astype("string")
    risky = text.str.startswith(_FORMULA_STARTS).fillna(False)
    return text.where(~risky, "'" + text)


def human_header(name: str) -> str:
    """Return the header people read for a raw header (itself when unknown)."""
    if name in fields.INTERVALS:
        return f"{_interval_name(name)} (min)"
    return HEADERS.get(name, name)


def _interval_name(metric: str) -> str:
    """Return "Report TAT": the interval's short name (the user's own too)."""
    short = fields.INTERVAL_SHORT_LABELS.get(metric, metric)
    return short[:1].upper() + short[1:]


def write_csv(header: list, rows, *, raw: bool = True) -> str:
    """Return header and rows as CSV text, formula-like text neutralised.

    ``raw=False`` names the columns for people (``HEADERS``).
    """
    if not raw:
        header = [human_header(h) for h in header]
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralize(h) for h in header])
    writer.writerows([neutralize(cell) for cell in row] for row in rows)
    return out.getvalue()


def series_csv(series: dict, *, raw: bool = True) -> str:
    """Return a series answer as a wide table: one row per period.

    Columns: ``period``, then for each series its value and its n
    (``<name>`` and ``<name> (n)``); empty cells where a value is null. For
    people: the period named (``Month``), each value column named by what it
    holds (``All: Median report TAT (min)``) and a last column ``Covered in
    part`` (``yes`` for a period the export covers only in part).
    """
    header = ["period"]
    what = _series_value(series)
    for one in series["series"]:
        if raw:
            header += [one["name"], f"{one['name']} (n)"]
        else:
            header += [f"{one['name']}: {what}", f"{one['name']}: n"]
    partial = series.get("partial") or [False] * len(series["x"])
    rows = []
    for i, label in enumerate(series["x"]):
        row = [label]
        for one in series["series"]:
            row += [one["y"][i], one["n"][i]]
        rows.append(row if raw else [*row, "yes" if partial[i] else ""])
    if raw:
        return write_csv(header, rows)
    header = [human_header(series.get("period", "period")), *header[1:]]
    return write_csv([*header, "Covered in part"], rows)


def _series_value(series: dict) -> str:
    metric = series.get("metric", "volume")
    if metric in fields.INTERVALS:
        stat = series.get("stat", "median")
        name = _interval_name(metric)
        if stat == "within":
            return f"% within target, {name}"
        label = fields.STAT_LABELS.get(stat, stat)
        # "Median report TAT": only the first word's capital goes.
        return f"{label} {name[0].lower()}{name[1:]} (min)"
    return fields.METRIC_LABELS.get(metric, metric)


def summary_csv(summary: dict, *, raw: bool = True) -> str:
    """Return a summary as one row per group, then the ``All`` total row.

    A cross table (``by=modality,shift``) has one column per dimension; the
    total row reads ``All`` in each. Only the intervals present have columns.
    """
    keys = summary.get("by", "group").split(",")
    metrics = [m for m in fields.INTERVALS if m in summary["total"]]
    heads = keys if raw else [_by_header(key) for key in keys]
    header = [*heads, "exams" if raw else "Exams"]
    for metric in metrics:
        if raw:
            header += [f"{metric} {key}" for key in _STAT_COLUMNS]
        else:
            name = _interval_name(metric)
            header += [f"{name} {_STAT_HEADS[key]}" for key in _STAT_COLUMNS]
    rows = []
    for entry in [*summary["rows"], summary["total"]]:
        group = entry["group"]
        if not isinstance(group, list):
            group = [group] * len(keys)
        row = [*group, entry["exams"]]
        for metric in metrics:
            row += [entry[metric][key] for key in _STAT_COLUMNS]
        rows.append(row)
    return write_csv(header, rows)


def _by_header(by: str) -> str:
    if by in HEADERS:
        return HEADERS[by]
    return by.replace("_", " ").capitalize()


def build_exams_csv(frame: pd.DataFrame, *, spec: FilterSpec, raw: bool = True) -> str:
    """Filter a prepared frame by ``spec`` and return every exam as CSV."""
    require_interval(frame, name=spec.sort_field, param="sort", allowed=SORT_OTHERS)
    selected = apply_filters(frame, spec=spec)
    return exams_csv(selected, sort=spec.sort, columns=row_fields(frame), raw=raw)


def exams_csv(
    frame: pd.DataFrame,
    *,
    sort: str = fields.DEFAULT_SORT,
    columns: tuple[str, ...] = ROW_FIELDS,
    raw: bool = True,
) -> str:
    """Return every exam of a filtered frame, sorted.

    ``columns`` are the list's columns (``listing.row_fields`` of the data
    set, so intervals it lacks are left out). Raw: field names, ISO
    timestamps, minutes as computed. For people: ``HEADERS``,
    ``2025-01-02 09:30`` and minutes to one decimal.
    """
    table = sort_exams(frame, sort=sort)
    columns = [c for c in columns if c in table]
    table = table[columns].copy()
    for name in columns:
        if not pd.api.types.is_numeric_dtype(
            table[name].dtype
        ) and not pd.api.types.is_datetime64_any_dtype(table[name].dtype):
            table[name] = neutralize_text(table[name])
        elif not raw and name in fields.INTERVALS:
            table[name] = table[name].round(1)
    if not raw:
        table = table.rename(columns=human_header)
    out = io.StringIO()
    out.write(BOM)
    table.to_csv(
        out,
        index=False,
        date_format=ISO_FORMAT if raw else SHEET_FORMAT,
        lineterminator="\r\n",
    )
    return out.getvalue()


BOX_COLUMNS = (
    "metric",
    "group",
    "n",
    "min",
    "q1",
    "median",
    "q3",
    "max",
    "mean",
    "lower_whisker",
    "upper_whisker",
    "outliers",
)


def distribution_csv(result: dict, *, raw: bool = True) -> str:
    """Return one row per bucket (``pending`` last)."""
    header = ["bucket", "lower_minutes", "upper_minutes", "exams", "share"]
    rows = [
        [b["label"], b["lower_minutes"], b["upper_minutes"], b["count"], b["share"]]
        for b in result["buckets"]
    ]
    return write_csv(header, rows, raw=raw)


def boxes_csv(result: dict, *, raw: bool = True) -> str:
    """Return one row per interval and group with its box-plot numbers."""
    return write_csv(
        list(BOX_COLUMNS),
        [[b[c] for c in BOX_COLUMNS] for b in result["boxes"]],
        raw=raw,
    )


def heatmap_csv(result: dict, *, raw: bool = True) -> str:
    """Return one row per weekday and hour: the cell's value and its n."""
    value = "exams" if result["metric"] == "volume" else result["stat"]
    rows = [
        [day, hour, result["z"][d][h], result["n"][d][h]]
        for d, day in enumerate(result["weekdays"])
        for h, hour in enumerate(result["hours"])
    ]
    return write_csv(["weekday", "hour", value, "n"], rows, raw=raw)


def compare_csv(result: dict, *, raw: bool = True) -> str:
    """Return the headline numbers of both ranges and their change."""
    header = ["measure", "current", "comparison", "change", "change_percent"]
    return write_csv(header, headline_rows(result), raw=raw)


def overview_csv(result: dict, *, raw: bool = True) -> str:
    """Return the headline rows of each window, the window first."""
    header = ["window", "measure", "current", "previous", "change", "change_percent"]
    rows = [
        [f"last {window['days']} days", *row]
        for window in result["windows"]
        for row in headline_rows(window)
    ]
    return write_csv(header, rows, raw=raw)


def pareto_csv(result: dict, *, raw: bool = True) -> str:
    """Return the Pareto rows, largest first."""
    header = [result["by"], "exams", "share", "cumulative_share"]
    rows = [
        [r["group"], r["exams"], r["share"], r["cumulative_share"]]
        for r in result["rows"]
    ]
    return write_csv(header, rows, raw=raw)


def top_exams_csv(result: dict, *, raw: bool = True) -> str:
    """Return one row per period, one column per exam name."""
    header = [result["period"], *[one["name"] for one in result["series"]]]
    rows = [
        [label, *[one["y"][i] for one in result["series"]]]
        for i, label in enumerate(result["x"])
    ]
    if not raw:
        # Exam names stay as they are: only the period column is renamed.
        header[0] = human_header(header[0])
    return write_csv(header, rows)


def pending_csv(exams: pd.DataFrame, *, raw: bool = True) -> str:
    """Return every pending exam, oldest first, with its age and target."""
    listed = [c for c in PENDING_FIELDS if c in exams]
    header = [*listed, "age_minutes", "target_minutes"]
    stamp = ISO_FORMAT if raw else SHEET_FORMAT
    rows = []
    for record in exams[header].itertuples(index=False):
        rows.append(
            [
                _cell(name, value, stamp=stamp)
                for name, value in zip(header, record, strict=True)
            ]
        )
    return write_csv(header, rows, raw=raw)


def _cell(name: str, value, *, stamp: str = ISO_FORMAT):
    if value is None or pd.isna(value):
        return None
    if name in fields.TIME_FIELDS:
        return pd.Timestamp(value).strftime(stamp)
    if isinstance(value, float):
        return round(value, 1)
    return str(value)


def forecast_csv(result: dict, *, raw: bool = True) -> str:
    """Return one row per series and forecast date with its interval."""
    header = ["series", result["period"], "forecast", "lower", "upper"]
    rows = [
        [one["name"], x, y, low, high]
        for one in result["series"]
        for x, y, low, high in zip(
            one["x"], one["y"], one["lower"], one["upper"], strict=True
        )
    ]
    return write_csv(header, rows, raw=raw)
