"""Expected exams: recent counts, the forecast and its prediction band."""

import plotly.graph_objects as go

from exams.charts.base import colour, escape_label, layout, mark_partial, rgba


def forecast_figure(result: dict) -> go.Figure:
    """Return recent actual counts, the forecast and its prediction band."""
    traces = []
    unit = "week" if result["period"] == "week" else "day"
    for i, (one, past) in enumerate(
        zip(result["series"], result["history"], strict=True)
    ):
        hue = colour(i)
        name = escape_label(one["name"])
        actual = go.Scatter(
            x=past["x"],
            y=past["y"],
            name=f"{name} (actual)",
            mode="lines",
            line={"color": hue, "width": 1},
            hovertemplate=f"%{{x}}: %{{y:,}} exams per {unit}<extra>{name}</extra>",
        )
        if any(past.get("partial") or []):
            # A line alone cannot fade one point: show markers to fade.
            actual.mode = "lines+markers"
            actual.marker = {"size": 4, "color": hue}
            mark_partial(actual, past["partial"])
        traces.append(actual)
        traces.append(
            go.Scatter(
                x=one["x"] + one["x"][::-1],
                y=one["upper"] + one["lower"][::-1],
                fill="toself",
                fillcolor=rgba(hue, 0.18),
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                name=f"{name} ({result['interval']:.0%} interval)",
            )
        )
        traces.append(
            go.Scatter(
                x=one["x"],
                y=one["y"],
                name=f"{name} (forecast)",
                mode="lines+markers",
                line={"color": hue, "width": 2, "dash": "dash"},
                customdata=list(zip(one["lower"], one["upper"], strict=True)),
                hovertemplate=(
                    f"%{{x}}: %{{y:,.0f}} exams per {unit} "
                    "(%{customdata[0]:,.0f}–%{customdata[1]:,.0f})"
                    f"<extra>{name}</extra>"
                ),
            )
        )
    lines_layout = layout(
        x_title="Day" if unit == "day" else "Week (starting Monday)",
        y_title=f"Exams per {unit}",
        legend=True,
        xaxis={"type": "date"},
    )
    return go.Figure(data=traces, layout=lines_layout)
