"""What the segments and control-chart pages say and link to.

Pure functions over the JSON answers and the query (no request, no
pandas); paths come from the view. Each control-chart point links to the
exam list for its day or week with the page's filters.
"""

import csv
import datetime as dt
import io

from exams import fields
from exams.analysis.chain.control import RULES
from exams.analysis.export import BOM
from exams.charts import chain as charts
from exams.presentation.formats import format_minutes as minutes
from exams.presentation.formats import share
from exams.presentation.insight_pages import (
    BY_LABELS,
    chart,
    exams_link,
)
from exams.query.views import SEGMENT_BY, ViewQuery

TIME_CHOICES = [("clock", "Clock time"), ("working", "Working time")]
PERIOD_CHOICES = [("day", "Day"), ("week", "Week")]
# ``by`` values that are also exam-list filters (a bar links to its exams).
_FILTERABLE = set(fields.FILTER_FIELDS)
_DEFAULTS = {"by": "none", "time": "clock", "period": "day"}


def own_segments(query: ViewQuery) -> dict:
    """Return the segments view's own parameters, kept in its links."""
    return _chosen({"by": query.by, "time": query.time})


def own_control(query: ViewQuery) -> dict:
    """Return the control view's own parameters, kept in its links."""
    return _chosen(
        {
            "metric": query.metric,
            "period": query.period,
            "baseline_start": _iso(query.baseline_start),
            "baseline_end": _iso(query.baseline_end),
            "time": query.time,
        }
    )


def _chosen(own: dict) -> dict:
    """Return ``own`` without the values that are the defaults (shorter links)."""
    return {k: v for k, v in own.items() if _DEFAULTS.get(k) != v}


def segments_context(result: dict, query: ViewQuery, *, paths: dict) -> dict:
    """Return the segments page: the chart, the links table and group rows."""
    urls = {}
    if query.by in _FILTERABLE:
        for group in result["groups"]:
            if group["group"] != fields.BLANK_GROUP:
                urls[str(group["group"])] = _in_time(
                    exams_link(paths, query.spec, **{query.by: (group["group"],)}),
                    query,
                )
    rows = [{"group": fields.ALL_GROUP, **result}, *result["groups"]]
    return {
        "time_choices": TIME_CHOICES,
        "by_choices": [(b, BY_LABELS.get(b, b)) for b in SEGMENT_BY],
        "result": result,
        "exams_text": f"{result['exams']:,}",
        "link_names": [charts.link_label(link) for link in result["links"]],
        "rows": [
            {
                "group": row["group"],
                "url": urls.get(str(row["group"])),
                "cells": [_cell(link) for link in row["links"]],
            }
            for row in rows
        ],
        # Exams without some time: each goes on to its next one (a skip).
        "skip_names": [charts.link_label(s) for s in result.get("skips", ())],
        "skip_rows": [
            {
                "group": row["group"],
                "url": urls.get(str(row["group"])),
                "cells": [_cell(s) for s in row.get("skips", ())],
            }
            for row in rows
        ],
        "too_few": [
            charts.link_label(link) for link in result["links"] if link["too_few"]
        ],
        "charts": [
            chart(
                "chart-segments",
                charts.segments_figure(result),
                urls,
            )
        ],
    }


def _cell(link: dict) -> dict:
    if link["too_few"]:
        return {"text": f"too few exams (n = {link['n']})", "share": ""}
    text = f"{minutes(link['median'])} (n = {link['n']:,})"
    return {"text": text, "share": share(link.get("share"))}


def point_urls(result: dict, query: ViewQuery, *, paths: dict) -> dict:
    """Return the exam-list URL of every point with exams, keyed by its label."""
    urls = {}
    for label, (first, last), n in zip(
        result["x"], result["ranges"], result["n"], strict=True
    ):
        if n:
            url = exams_link(paths, query.spec, start=_date(first), end=_date(last))
            urls[label] = _in_time(url, query)
    return urls


def link_signals(result: dict, query: ViewQuery, *, paths: dict) -> dict:
    """Return the answer with each signal's rule text and its exams' URL."""
    urls = point_urls(result, query, paths=paths)
    signals = [
        {**s, "text": RULES[s["rule"]], "exams": urls.get(result["x"][s["index"]])}
        for s in result["signals"]
    ]
    return {**result, "signals": signals}


def control_context(
    result: dict, query: ViewQuery, *, paths: dict, metrics: dict
) -> dict:
    """Return the control page: chart, limits, formulas and signalled points."""
    urls = point_urls(result, query, paths=paths)
    result = link_signals(result, query, paths=paths)
    return {
        "time_choices": TIME_CHOICES,
        "metric_choices": list(metrics.items()),
        "stat_choices": list(fields.STAT_LABELS.items()),
        "period_choices": PERIOD_CHOICES,
        "metric_label": metrics.get(query.metric, query.metric),
        "result": result,
        "rules": list(RULES.values()),
        "signal_rows": [
            {
                "x": result["x"][s["index"]],
                "y": result["y"][s["index"]],
                "n": result["n"][s["index"]],
                "text": s["text"],
                "url": s["exams"],
            }
            for s in result["signals"]
        ],
        "charts": [chart("chart-control", charts.control_figure(result), urls)],
    }


def _in_time(url: str, query: ViewQuery) -> str:
    """Return an exam-list URL that shows the intervals in the query's time."""
    if query.time == "clock":
        return url
    return f"{url}{'&' if '?' in url else '?'}time={query.time}"


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


CONTROL_HEADS = ("x", "y", "n", "centre", "lower", "upper", "signals")
# The same columns for people (the default download).
CONTROL_HUMAN_HEADS = (
    "Period",
    "Value",
    "n",
    "Centre line",
    "Lower limit",
    "Upper limit",
    "Signals",
)


def control_csv(result: dict, *, raw: bool = True) -> str:
    """Return the control chart as CSV: one row per point, signals by rule."""
    rules = {}
    for signal in result["signals"]:
        rules.setdefault(signal["index"], []).append(signal["rule"])
    lower, upper = result["lower"], result["upper"]
    if not isinstance(lower, list):
        lower, upper = [lower] * len(result["x"]), [upper] * len(result["x"])
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CONTROL_HEADS if raw else CONTROL_HUMAN_HEADS)
    for i, x in enumerate(result["x"]):
        writer.writerow(
            [
                x,
                _blank(result["y"][i]),
                result["n"][i],
                result["centre"],
                _blank(lower[i]),
                _blank(upper[i]),
                " ".join(rules.get(i, [])),
            ]
        )
    return out.getvalue()


def _blank(value):
    return "" if value is None else value


def report_context(segments: dict, control: dict, *, metric: str) -> dict:
    """Return the report's two sections and their figures (no links: offline)."""
    label = fields.INTERVAL_LABELS.get(metric, metric)
    links = segments["links"]
    figures = {"segments": charts.segments_figure(segments)}
    section = {
        "segments": {
            "title": "Where the time goes: median of each link",
            "names": [charts.link_label(link) for link in links],
            "cells": [_cell(link) for link in links],
            "share_of": segments["share_of"],
            "skip_names": [charts.link_label(s) for s in segments.get("skips", ())],
            "skip_cells": [_cell(s) for s in segments.get("skips", ())],
        },
        "control": {"title": f"Real change or noise? {label}, per week"},
    }
    if "problem" in control:
        section["control"]["problem"] = control["problem"]
    else:
        figures["control"] = charts.control_figure(control)
        section["control"]["signals"] = [
            f"{control['x'][s['index']]}: {RULES[s['rule']].lower()}"
            for s in control["signals"]
        ]
        section["control"]["limits"] = _limits_words(control)
    return {"chain_report": section, "chain_figures": figures}


def _limits_words(control: dict) -> str:
    if control["chart"] == "p":
        return (
            f"p-chart: centre {control['centre']:.1f}% within target; limits "
            "p̄ ± 3·√(p̄(1−p̄)/n) per week."
        )
    return (
        f"XmR chart of the {fields.STAT_LABELS[control['stat']].lower()}: centre "
        f"{control['centre']:.1f} min, limits {control['lower']:.1f}–"
        f"{control['upper']:.1f} min (centre ± 2.66 × MR-bar "
        f"{control['mr_bar']:.1f})."
    )
