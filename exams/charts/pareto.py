"""What makes up the volume: Pareto bars and the top exam types over time."""

import plotly.graph_objects as go

from exams.analysis.insights.pareto import OTHER_GROUP
from exams.charts.base import (
    HISTORY_COLOUR,
    OKABE_ITO,
    escape_label,
    layout,
    line_style,
    mark_partial,
)

MAX_PARETO_BARS = 30


def pareto_figure(result: dict) -> go.Figure:
    """Return exams per group (bars) and their cumulative share (line, %)."""
    rows = result["rows"][:MAX_PARETO_BARS]
    groups = [escape_label(r["group"]) for r in rows]
    bars = go.Bar(
        x=groups,
        y=[r["exams"] for r in rows],
        name="Exams",
        marker={"color": OKABE_ITO[0]},
        meta=[r["group"] for r in rows],
        customdata=[[r["share"] * 100] for r in rows],
        hovertemplate="%{x}<br>%{y:,} exams (%{customdata[0]:.1f}%)<extra></extra>",
    )
    line = go.Scatter(
        x=groups,
        y=[r["cumulative_share"] * 100 for r in rows],
        name="Cumulative %",
        yaxis="y2",
        mode="lines+markers",
        line={"color": OKABE_ITO[3], "width": 2},
        hovertemplate="%{x}<br>cumulative %{y:.1f}%<extra></extra>",
    )
    more = len(result["rows"]) - len(rows)
    x_title = result["by"].replace("_", " ").capitalize()
    if more > 0:
        x_title += f" ({len(rows)} largest; {more} more in the table)"
    bars_layout = layout(
        x_title=x_title,
        y_title="Exams",
        legend=True,
        margin={"r": 64},
        xaxis={"type": "category"},
    )
    bars_layout["yaxis2"] = {
        "title": {"text": "Cumulative share (%)"},
        "overlaying": "y",
        "side": "right",
        "range": [0, 105],
        "tickvals": [0, 20, 40, 60, 80, 100],
        "ticksuffix": "%",
        "showgrid": False,
    }
    return go.Figure(data=[bars, line], layout=bars_layout)


def top_exams_figure(result: dict) -> go.Figure:
    """Return the most frequent exam types per period, one line each.

    ``(other)`` starts hidden (legend only): it would flatten the top types.
    """
    traces = [
        go.Scatter(
            x=result["x"],
            y=one["y"],
            name=escape_label(one["name"]),
            meta=one["name"],
            mode="lines+markers",
            line=(
                {"color": HISTORY_COLOUR}
                if one["name"] == OTHER_GROUP
                else line_style(i)
            ),
            visible="legendonly" if one["name"] == OTHER_GROUP else True,
            hovertemplate="%{fullData.name}<br>%{x}: %{y:,} exams<extra></extra>",
        )
        for i, one in enumerate(result["series"])
    ]
    for trace in traces:
        mark_partial(trace, result.get("partial") or [])
    lines_layout = layout(
        x_title=f"{result['period'].capitalize()} completed",
        y_title="Exams",
        legend=True,
        xaxis={"type": "category"},
    )
    return go.Figure(data=traces, layout=lines_layout)
