"""The dashboard's cross table: a summary by two dimensions as a pivot."""

from collections.abc import Mapping

from exams import fields
from exams.presentation.formats import format_minutes
from exams.presentation.presenters import (
    SHORT_INTERVALS,
    SPLIT_LABELS,
    STAT_SHORT,
    headline_interval,
    number,
    percent,
    url_for,
)
from exams.query import filters
from exams.query.filters import FilterSpec


def cross_table(summary: Mapping, *, spec: FilterSpec) -> dict:
    """Return a pivot of a two-dimension summary: rows × columns of one number.

    Each cell is the chosen statistic of the headline's interval (exams for
    a count metric) and links to its exams; an absent combination is empty.
    """
    interval = headline_interval(spec)
    counts = spec.metric in fields.COUNT_METRICS and spec.metric != "complete_ratio"
    row_names: dict = {}
    col_names: dict = {}
    cells = {}
    for row in summary.get("rows", []):
        down, across = row["group"]
        row_names.setdefault(down, None)
        col_names.setdefault(across, None)
        entry = row.get(interval) or {}
        if counts:
            value = number(row["exams"])
        elif spec.stat == "within":
            value = percent(entry.get("within"))
        else:
            value = format_minutes(entry.get(spec.stat))
        changes = {
            **filters.select_group(spec.cross_rows, down),
            **filters.select_group(spec.cross_cols, across),
        }
        cells[(down, across)] = {
            "value": value,
            "n": number(row["exams"] if counts else entry.get("n")),
            "url": url_for("exams-list", spec, page=1, **changes),
        }
    what = "Exams" if counts else f"{STAT_SHORT[spec.stat]} {SHORT_INTERVALS[interval]}"
    return {
        "title": (
            f"{what} by {SPLIT_LABELS[spec.cross_rows].lower()} "
            f"and {SPLIT_LABELS[spec.cross_cols].lower()}"
        ),
        "rows_label": SPLIT_LABELS[spec.cross_rows],
        "columns": list(col_names),
        "rows": [
            {"name": down, "cells": [cells.get((down, a)) for a in col_names]}
            for down in row_names
        ],
        "csv_url": url_for(
            "exams-summary",
            spec,
            by=f"{spec.cross_rows},{spec.cross_cols}",
            format="csv",
            cross_rows="",
            cross_cols="",
            page=1,
        ),
    }
