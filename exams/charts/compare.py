"""This range against another: exams per day of both, aligned."""

import plotly.graph_objects as go

from exams.charts.base import colour, layout, mark_partial


def compare_figure(result: dict) -> go.Figure:
    """Return exams per day of both ranges, aligned on the day of the range."""
    traces = []
    for i, key in enumerate(("current", "comparison")):
        span, series = result[key], result["series"][key]
        name = f"{span['start']} – {span['end']}"
        trace = go.Scatter(
            x=list(range(1, len(series["y"]) + 1)),
            y=series["y"],
            mode="lines+markers",
            name=name,
            line={"color": colour(i), "width": 2, "dash": "dot" if i else "solid"},
            customdata=series["x"],
            hovertemplate="%{customdata}: %{y:,} exams<extra></extra>",
        )
        mark_partial(trace, series.get("partial") or [])
        traces.append(trace)
    return go.Figure(
        data=traces,
        layout=layout(
            x_title="Day of the range", y_title="Exams completed", legend=True
        ),
    )
