"""CSV downloads of the insight views (``?format=csv``).

Like the dashboard's downloads: UTF-8 with a byte-order mark, text cells that
a spreadsheet would run as a formula (= + - @, tab, CR) get a leading ``'``,
numbers stay numbers. Shares are written as fractions (0–1), as in JSON.
"""

import pandas as pd

from exams import fields
from exams.analysis.export import write_csv
from exams.insights.compare import headline_rows
from exams.insights.pending import ROW_FIELDS as PENDING_FIELDS

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


def distribution_csv(result: dict) -> str:
    """Return one row per bucket (``pending`` last)."""
    header = ["bucket", "lower_minutes", "upper_minutes", "exams", "share"]
    rows = [
        [b["label"], b["lower_minutes"], b["upper_minutes"], b["count"], b["share"]]
        for b in result["buckets"]
    ]
    return write_csv(header, rows)


def boxes_csv(result: dict) -> str:
    """Return one row per interval and group with its box-plot numbers."""
    return write_csv(
        list(BOX_COLUMNS), [[b[c] for c in BOX_COLUMNS] for b in result["boxes"]]
    )


def heatmap_csv(result: dict) -> str:
    """Return one row per weekday and hour: the cell's value and its n."""
    value = "exams" if result["metric"] == "volume" else result["stat"]
    rows = [
        [day, hour, result["z"][d][h], result["n"][d][h]]
        for d, day in enumerate(result["weekdays"])
        for h, hour in enumerate(result["hours"])
    ]
    return write_csv(["weekday", "hour", value, "n"], rows)


def compare_csv(result: dict) -> str:
    """Return the headline numbers of both ranges and their change."""
    header = ["measure", "current", "comparison", "change", "change_percent"]
    return write_csv(header, headline_rows(result))


def overview_csv(result: dict) -> str:
    """Return the headline rows of each window, the window first."""
    header = ["window", "measure", "current", "previous", "change", "change_percent"]
    rows = [
        [f"last {window['days']} days", *row]
        for window in result["windows"]
        for row in headline_rows(window)
    ]
    return write_csv(header, rows)


def pareto_csv(result: dict) -> str:
    """Return the Pareto rows, largest first."""
    header = [result["by"], "exams", "share", "cumulative_share"]
    rows = [
        [r["group"], r["exams"], r["share"], r["cumulative_share"]]
        for r in result["rows"]
    ]
    return write_csv(header, rows)


def top_exams_csv(result: dict) -> str:
    """Return one row per period, one column per exam name."""
    header = [result["period"], *[one["name"] for one in result["series"]]]
    rows = [
        [label, *[one["y"][i] for one in result["series"]]]
        for i, label in enumerate(result["x"])
    ]
    return write_csv(header, rows)


def pending_csv(exams: pd.DataFrame) -> str:
    """Return every pending exam, oldest first, with its age and target."""
    header = [*PENDING_FIELDS, "age_minutes", "target_minutes"]
    rows = []
    for record in exams[header].itertuples(index=False):
        rows.append(
            [_cell(name, value) for name, value in zip(header, record, strict=True)]
        )
    return write_csv(header, rows)


def _cell(name: str, value):
    if value is None or pd.isna(value):
        return None
    if name in fields.TIME_FIELDS:
        return pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, float):
        return round(value, 1)
    return str(value)


def forecast_csv(result: dict) -> str:
    """Return one row per series and forecast date with its interval."""
    header = ["series", result["period"], "forecast", "lower", "upper"]
    rows = [
        [one["name"], x, y, low, high]
        for one in result["series"]
        for x, y, low, high in zip(
            one["x"], one["y"], one["lower"], one["upper"], strict=True
        )
    ]
    return write_csv(header, rows)
