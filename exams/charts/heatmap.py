"""When exams are completed: the weekday × hour grid."""

import plotly.graph_objects as go

from exams import fields
from exams.charts.base import layout


def heatmap_figure(result: dict) -> go.Figure:
    """Return the weekday × hour grid, Monday on top."""
    metric, stat = result["metric"], result["stat"]
    if metric == "volume":
        colour_title = "Exams"
        value = "%{z:,} exams"
    elif stat == "within":
        colour_title = "% within target"
        value = "%{z:.0f}% within target<br>n = %{customdata:,}"
    else:
        colour_title = f"{fields.STAT_LABELS[stat]} (min)"
        value = f"{fields.STAT_LABELS[stat]} %{{z:.0f}} min<br>n = %{{customdata:,}}"
    cell = go.Heatmap(
        z=result["z"],
        x=[f"{h:02d}" for h in result["hours"]],
        y=result["weekdays"],
        customdata=result["n"],
        colorscale="Blues" if metric == "volume" else "YlOrRd",
        # Counts start at zero: a scale from the smallest cell makes noise
        # look like a pattern. Statistics span their cells (the page says so).
        zmin=0 if metric == "volume" else None,
        reversescale=stat == "within",
        colorbar={"title": {"text": colour_title}},
        hoverongaps=False,
        xgap=1,
        ygap=1,
        hovertemplate="%{y} %{x}:00–%{x}:59<br>" + value + "<extra></extra>",
    )
    grid = layout(x_title="Hour completed", y_title="", xaxis={"type": "category"})
    grid["yaxis"] = {"autorange": "reversed", "title": {"text": ""}}
    return go.Figure(data=[cell], layout=grid)
