"""CSV downloads of the series, summary and exam list (``?format=csv``).

Text cells that a spreadsheet would run as a formula (starting with
= + - @, tab or carriage return) get a leading ``'``; numbers stay numbers.
The file starts with a UTF-8 byte-order mark so Excel on Windows reads
accented names correctly.
"""

import csv
import io

import pandas as pd

from exams import fields
from exams.analysis.dimensions import require_interval
from exams.analysis.filtering import apply_filters
from exams.analysis.listing import (
    ISO_FORMAT,
    ROW_FIELDS,
    SORT_OTHERS,
    row_fields,
    sort_exams,
)
from exams.query.filters import FilterSpec

BOM = "\ufeff"
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


def write_csv(header: list, rows) -> str:
    """Return header and rows as CSV text, formula-like text neutralised."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralize(h) for h in header])
    writer.writerows([neutralize(cell) for cell in row] for row in rows)
    return out.getvalue()


def series_csv(series: dict) -> str:
    """Return a series answer as a wide table: one row per period.

    Columns: ``period``, then for each series its value and its n
    (``<name>`` and ``<name> (n)``); empty cells where a value is null.
    """
    header = ["period"]
    for one in series["series"]:
        header += [one["name"], f"{one['name']} (n)"]
    rows = []
    for i, label in enumerate(series["x"]):
        row = [label]
        for one in series["series"]:
            row += [one["y"][i], one["n"][i]]
        rows.append(row)
    return write_csv(header, rows)


def summary_csv(summary: dict) -> str:
    """Return a summary as one row per group, then the ``All`` total row.

    A cross table (``by=modality,shift``) has one column per dimension; the
    total row reads ``All`` in each. Only the intervals present have columns.
    """
    keys = summary.get("by", "group").split(",")
    metrics = [m for m in fields.INTERVALS if m in summary["total"]]
    header = [*keys, "exams"]
    for metric in metrics:
        header += [f"{metric} {key}" for key in _STAT_COLUMNS]
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


def build_exams_csv(frame: pd.DataFrame, *, spec: FilterSpec) -> str:
    """Filter a prepared frame by ``spec`` and return every exam as CSV."""
    require_interval(frame, name=spec.sort_field, param="sort", allowed=SORT_OTHERS)
    selected = apply_filters(frame, spec=spec)
    return exams_csv(selected, sort=spec.sort, columns=row_fields(frame))


def exams_csv(
    frame: pd.DataFrame,
    *,
    sort: str = fields.DEFAULT_SORT,
    columns: tuple[str, ...] = ROW_FIELDS,
) -> str:
    """Return every exam of a filtered frame, sorted, with ISO timestamps.

    ``columns`` are the list's columns (``listing.row_fields`` of the data
    set, so intervals it lacks are left out).
    """
    table = sort_exams(frame, sort=sort)
    columns = [c for c in columns if c in table]
    table = table[columns].copy()
    for name in columns:
        if not pd.api.types.is_numeric_dtype(
            table[name].dtype
        ) and not pd.api.types.is_datetime64_any_dtype(table[name].dtype):
            table[name] = neutralize_text(table[name])
    out = io.StringIO()
    out.write(BOM)
    table.to_csv(out, index=False, date_format=ISO_FORMAT, lineterminator="\r\n")
    return out.getvalue()
