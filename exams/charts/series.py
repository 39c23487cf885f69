"""The dashboard's chart: one ``/api/series`` answer as bars or lines.

Drawn on the one chart base (``exams.charts.base``); the weekend bands and
the target line are this chart's own.
"""

import datetime as dt
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from exams import fields
from exams.charts.base import (
    AXIS_COLOUR,
    OKABE_ITO,
    escape_label,
    layout,
    mark_partial,
)
from exams.presentation.formats import format_minutes

WEEKEND_FILL = "rgba(120, 120, 120, 0.12)"
TARGET_COLOUR = "#D55E00"
_BAR_METRICS = ("volume", "ordered")
_DATE_PERIODS = ("day", "week")
_HOVER_DATES = {"day": "%a %d %b %Y", "week": "%d %b %Y"}
# More series than this cannot be told apart (and would bloat the page): a
# split by physician keeps the busiest; stacked counts merge the rest into
# "Other" so each bar's height stays the true total.
MAX_SERIES = 12
OTHER = "Other"


def series_figure(
    series: Mapping,
    *,
    target: float | None = None,
    goal_percent: float | None = None,
) -> go.Figure:
    """Return the dashboard chart for one ``/api/series`` answer.

    Counts are bars (stacked when split), statistics are lines with markers.
    ``target`` (minutes) is drawn as a horizontal line on a minutes axis;
    ``goal_percent`` likewise on a "% within target" axis. Without a
    ``target``, the series' ``common_target`` is drawn when one target applies
    to all its exams; when they differ, the chart says so instead.
    """
    metric = series["metric"]
    stat = series.get("stat", "median")
    x = list(series.get("x", []))
    partial = list(series.get("partial") or [False] * len(x))
    traces = [
        _trace(metric, stat, series.get("period", "month"), x, one, index=i)
        for i, one in enumerate(shown_series(series))
    ]
    if any(partial):
        for trace in traces:
            mark_partial(trace, partial)
    fig = go.Figure(data=traces)
    fig.update_layout(**_base_layout(series))
    if metric in _BAR_METRICS and len(traces) > 1:
        fig.update_layout(barmode="stack")
    # Shapes and annotations are set in one assignment each: add_shape and
    # add_hline re-validate every earlier shape, which made a year of
    # weekend bands take ~0.5 s.
    shapes = weekend_shapes(x) if series.get("period") == "day" else []
    own_targets = False
    if target is None and "common_target" in series:
        # Without a target in the query each exam has its own: one line only
        # when a single target applies to every exam of the chart.
        target = series["common_target"]
        own_targets = target is None and stat != "within"
    line = _reference_line(metric, stat, target=target, goal_percent=goal_percent)
    if own_targets:
        fig.update_layout(annotations=[_note("Each exam's own target (Settings)")])
    if line is not None:
        value, label = line
        shapes.append(
            {
                "type": "line",
                "xref": "x domain",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": value,
                "y1": value,
                "line": {"color": TARGET_COLOUR, "width": 2, "dash": "dash"},
                "name": "target",
            }
        )
        fig.update_layout(
            annotations=[
                {
                    "text": label,
                    "font": {"color": TARGET_COLOUR},
                    "showarrow": False,
                    "x": 0,
                    "xanchor": "left",
                    "xref": "x domain",
                    "y": value,
                    "yanchor": "bottom",
                    "yref": "y",
                }
            ]
        )
    if shapes:
        fig.update_layout(shapes=shapes)
    return fig


def shown_series(series: Mapping) -> list[Mapping]:
    """Return the series the chart draws: all, or the MAX_SERIES busiest.

    The analysis order (e.g. shifts as configured) is kept.
    """
    every = list(series.get("series", []))
    if len(every) <= MAX_SERIES:
        return every
    totals = [sum(v or 0 for v in one.get("n", [])) for one in every]
    ranked = sorted(range(len(every)), key=lambda i: -totals[i])
    if series.get("metric") not in _BAR_METRICS:
        return [every[i] for i in sorted(ranked[:MAX_SERIES])]
    kept = [every[i] for i in sorted(ranked[: MAX_SERIES - 1])]
    rest = [every[i] for i in ranked[MAX_SERIES - 1 :]]
    summed = [
        sum(v or 0 for v in values)
        for values in zip(*(r["y"] for r in rest), strict=True)
    ]
    # meta "" tells the click-through to add no split filter for "Other".
    other = {"name": f"{OTHER} ({len(rest)})", "y": summed, "n": summed, "meta": ""}
    return [*kept, other]


def _trace(metric: str, stat: str, period: str, x: list, one: Mapping, *, index: int):
    """Return one series as a bar or a line, with ``n`` in every hover."""
    raw_name = str(one.get("name", ""))
    y = list(one.get("y", []))
    n = list(one.get("n", [None] * len(y)))
    colour = OKABE_ITO[index % len(OKABE_ITO)]
    # Past the eight colours, a second look (hatched bars, dotted lines).
    second_round = index >= len(OKABE_ITO)
    common = {
        "x": x,
        # Plotly renders a subset of HTML in names; escape so a name is text.
        "name": escape_label(raw_name),
        # The raw value, for the click-through to the exam list.
        "meta": one.get("meta", raw_name),
        "hovertemplate": _hovertemplate(metric, stat, period),
    }
    if metric in _BAR_METRICS:
        # A count is its own n: no customdata needed.
        marker = {"color": colour}
        if second_round:
            marker["pattern"] = {"shape": "/", "fgcolor": "#ffffff"}
        return go.Bar(y=y, marker=marker, **common)
    if metric == "complete_ratio":
        y = [None if v is None else round(v, 3) for v in y]
        customdata = [[count] for count in n]
    else:
        # One decimal is finer than any RIS clock; it keeps the page small.
        y = [None if v is None else round(v, 1) for v in y]
        customdata = [
            [count, _readable(v, stat)] for count, v in zip(n, y, strict=True)
        ]
    return go.Scatter(
        y=y,
        customdata=customdata,
        mode="lines+markers",
        line={"color": colour, "width": 2, "dash": "dot" if second_round else "solid"},
        marker={"color": colour, "size": 6},
        connectgaps=False,
        **common,
    )


def _hovertemplate(metric: str, stat: str, period: str) -> str:
    when = "Week of %{x}" if period == "week" else "%{x}"
    head = f"<b>%{{fullData.name}}</b><br>{when}<br>"
    if metric in _BAR_METRICS:
        return head + "n = %{y:,} exams<extra></extra>"
    if metric == "complete_ratio":
        return (
            head + "Completed ÷ ordered: %{y:.3f}<br>n = %{customdata[0]:,}"
            "<extra></extra>"
        )
    label = fields.STAT_LABELS.get(stat, stat)
    return (
        head + f"{label}: %{{customdata[1]}}<br>n = %{{customdata[0]:,}} exams"
        "<extra></extra>"
    )


def _readable(value, stat: str) -> str:
    """Return a point's value as a person reads it (``1 h 05 min``, ``87%``)."""
    if value is None:
        return ""
    if stat == "within":
        return f"{value:.0f}%"
    return format_minutes(value)


def _note(text: str) -> dict:
    return {
        "text": text,
        "font": {"color": TARGET_COLOUR},
        "showarrow": False,
        "x": 0,
        "xanchor": "left",
        "xref": "x domain",
        "y": 1,
        "yanchor": "bottom",
        "yref": "y domain",
    }


def _reference_line(
    metric: str, stat: str, *, target: float | None, goal_percent: float | None
) -> tuple[float, str] | None:
    if metric not in fields.INTERVALS:
        return (1.0, "Completed = ordered") if metric == "complete_ratio" else None
    if stat == "within":
        if goal_percent is None:
            return None
        return float(goal_percent), f"Goal {goal_percent:g}%"
    if target is None:
        return None
    return float(target), f"Target {target:g} min"


def _base_layout(series: Mapping) -> dict:
    metric = series["metric"]
    stat = series.get("stat", "median")
    period = series.get("period", "month")
    legend = len(series.get("series", [])) > 1
    return layout(
        x_title=_period_title(period),
        y_title=axis_title(metric, stat),
        legend=legend,
        # Room above the plot only for the legend of a split.
        margin={"r": 16, "t": 40 if legend else 12, "b": 48},
        xaxis={
            "type": "date" if period in _DATE_PERIODS else "category",
            # The weekday matters on a day axis (weekends read differently).
            **({"hoverformat": _HOVER_DATES[period]} if period in _HOVER_DATES else {}),
            "linecolor": AXIS_COLOUR,
        },
        yaxis={
            "zerolinecolor": AXIS_COLOUR,
            **(
                {"range": [0, 100]} if stat == "within" and _is_interval(metric) else {}
            ),
        },
        hoverlabel={"align": "left"},
        bargap=0.15,
    )


def _is_interval(metric: str) -> bool:
    return metric in fields.INTERVALS


def _period_title(period: str) -> str:
    if period not in fields.PERIODS:
        return period
    monday = " (starting Monday)" if period == "week" else ""
    return f"{period.capitalize()} completed{monday}"


# Short enough to fit beside a chart 320 px tall.
_AXIS_INTERVALS = fields.INTERVAL_SHORT_LABELS


def axis_title(metric: str, stat: str) -> str:
    """Return the y-axis title, e.g. ``Median report TAT (minutes)``."""
    if metric in _BAR_METRICS:
        return fields.METRIC_LABELS[metric]
    if metric == "complete_ratio":
        return "Completed ÷ ordered"
    interval = _AXIS_INTERVALS.get(metric, metric)
    if stat == "within":
        return f"% within target, {interval}"
    return f"{fields.STAT_LABELS.get(stat, stat)} {interval} (minutes)"


def weekend_shapes(labels: Sequence[str]) -> list[dict]:
    """Return shaded rectangles behind each Saturday–Sunday on a day axis.

    A bar for day D is centred on D 00:00, so a weekend band runs from
    Friday noon to Sunday noon.
    """
    shapes = []
    days = [_parse_day(label) for label in labels]
    weekend = sorted({d for d in days if d is not None and d.weekday() >= 5})
    runs: list[list[dt.date]] = []
    for day in weekend:
        if runs and (day - runs[-1][-1]).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    half = dt.timedelta(hours=12)
    for run in runs:
        start = dt.datetime.combine(run[0], dt.time()) - half
        end = dt.datetime.combine(run[-1], dt.time()) + half
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": start.isoformat(sep=" "),
                "x1": end.isoformat(sep=" "),
                "y0": 0,
                "y1": 1,
                "fillcolor": WEEKEND_FILL,
                "line": {"width": 0},
                "layer": "below",
                "name": "weekend",
            }
        )
    return shapes


def _parse_day(label: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(label))
    except ValueError:
        return None
