"""Plotly figures of the insight views, built from their JSON answers.

Builders are pure: an answer dict in, a ``plotly.graph_objects.Figure`` out;
the view serialises it once. Hover texts always carry n.
"""

import plotly.graph_objects as go

from exams import fields
from exams.charts.dashboard import OKABE_ITO, escape_label
from exams.insights.common import INTERVAL_METRICS
from exams.insights.pareto import OTHER_GROUP

PENDING_COLOUR = "#9aa5b1"
HISTORY_COLOUR = "#52606d"
MAX_BOX_GROUPS = 20
MAX_PARETO_BARS = 30
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


def _layout(*, x_title: str, y_title: str, legend: bool = False, **extra) -> dict:
    return {
        "template": None,
        "font": {"family": _FONT, "size": 13, "color": "#1f2933"},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 64, "r": 24, "t": 32, "b": 56},
        "hovermode": "closest",
        "showlegend": legend,
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        "xaxis": {"title": {"text": x_title}, "showgrid": False, "ticks": "outside"},
        "yaxis": {
            "title": {"text": y_title},
            "gridcolor": "#e4e7eb",
            "rangemode": "tozero",
        },
        **extra,
    }


def _colour(i: int) -> str:
    return OKABE_ITO[i % len(OKABE_ITO)]


def distribution_figure(result: dict) -> go.Figure:
    """Return bars of exams per turnaround bucket, pending in grey."""
    buckets = result["buckets"]
    labels = [b["label"] for b in buckets]
    colours = [
        PENDING_COLOUR if b["label"] == "pending" else OKABE_ITO[0] for b in buckets
    ]
    bar = go.Bar(
        x=labels,
        y=[b["count"] for b in buckets],
        marker={"color": colours},
        customdata=[[_share(b["share"])] for b in buckets],
        hovertemplate="%{x}: %{y:,} exams (%{customdata[0]})<extra></extra>",
        name="exams",
    )
    metric = fields.INTERVAL_LABELS[result["metric"]]
    return go.Figure(
        data=[bar],
        layout=_layout(
            x_title=f"{metric} (closed on the left: 60 min is in 1–4 h)",
            y_title="Exams",
            bargap=0.15,
        ),
    )


def _share(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def box_figure(boxes: list[dict], *, by_label: str) -> go.Figure:
    """Return grouped box plots of each interval for the largest groups.

    The boxes are precomputed (quartiles, Tukey whiskers, mean), so the
    figure carries no raw points.
    """
    groups = list(dict.fromkeys(b["group"] for b in boxes))[:MAX_BOX_GROUPS]
    traces = []
    for i, metric in enumerate(INTERVAL_METRICS):
        rows = {b["group"]: b for b in boxes if b["metric"] == metric}
        shown = [g for g in groups if g in rows]
        if not shown:
            continue
        stats = [rows[g] for g in shown]
        traces.append(
            go.Box(
                name=fields.INTERVAL_LABELS[metric],
                x=[escape_label(g) for g in shown],
                q1=[s["q1"] for s in stats],
                median=[s["median"] for s in stats],
                q3=[s["q3"] for s in stats],
                lowerfence=[s["lower_whisker"] for s in stats],
                upperfence=[s["upper_whisker"] for s in stats],
                mean=[s["mean"] for s in stats],
                boxpoints=False,
                marker={"color": _colour(i)},
                meta=shown,
                customdata=[[s["n"], s["outliers"]] for s in stats],
                hovertemplate=(
                    "%{x}<br>n = %{customdata[0]:,}; "
                    "%{customdata[1]:,} beyond the whiskers<extra>%{fullData.name}"
                    "</extra>"
                ),
            )
        )
    title = (
        by_label
        if len(groups) == len({b["group"] for b in boxes})
        else (f"{by_label} ({MAX_BOX_GROUPS} largest)")
    )
    return go.Figure(
        data=traces,
        layout=_layout(x_title=title, y_title="Minutes", legend=True, boxmode="group"),
    )


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
        reversescale=stat == "within",
        colorbar={"title": {"text": colour_title}},
        hoverongaps=False,
        xgap=1,
        ygap=1,
        hovertemplate="%{y} %{x}:00–%{x}:59<br>" + value + "<extra></extra>",
    )
    layout = _layout(x_title="Hour completed", y_title="")
    layout["yaxis"] = {"autorange": "reversed", "title": {"text": ""}}
    layout["xaxis"]["type"] = "category"
    return go.Figure(data=[cell], layout=layout)


def compare_figure(result: dict) -> go.Figure:
    """Return exams per day of both ranges, aligned on the day of the range."""
    traces = []
    for i, key in enumerate(("current", "comparison")):
        span, series = result[key], result["series"][key]
        name = f"{span['start']} – {span['end']}"
        traces.append(
            go.Scatter(
                x=list(range(1, len(series["y"]) + 1)),
                y=series["y"],
                mode="lines+markers",
                name=name,
                line={"color": _colour(i), "width": 2, "dash": "dot" if i else "solid"},
                customdata=series["x"],
                hovertemplate="%{customdata}: %{y:,} exams<extra></extra>",
            )
        )
    return go.Figure(
        data=traces,
        layout=_layout(
            x_title="Day of the range", y_title="Exams completed", legend=True
        ),
    )


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
    layout = _layout(x_title=x_title, y_title="Exams", legend=True)
    layout["xaxis"]["type"] = "category"
    layout["yaxis2"] = {
        "title": {"text": "Cumulative share (%)"},
        "overlaying": "y",
        "side": "right",
        "range": [0, 105],
        "tickvals": [0, 20, 40, 60, 80, 100],
        "ticksuffix": "%",
        "showgrid": False,
    }
    layout["margin"]["r"] = 64
    return go.Figure(data=[bars, line], layout=layout)


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
            line={
                "color": HISTORY_COLOUR if one["name"] == OTHER_GROUP else _colour(i)
            },
            visible="legendonly" if one["name"] == OTHER_GROUP else True,
            hovertemplate="%{fullData.name}<br>%{x}: %{y:,} exams<extra></extra>",
        )
        for i, one in enumerate(result["series"])
    ]
    layout = _layout(
        x_title=f"{result['period'].capitalize()} completed",
        y_title="Exams",
        legend=True,
    )
    layout["xaxis"]["type"] = "category"
    return go.Figure(data=traces, layout=layout)


def pending_figure(result: dict) -> go.Figure:
    """Return pending exams per age band (time since completion)."""
    buckets = result["age_buckets"]
    bar = go.Bar(
        x=[b["label"] for b in buckets],
        y=[b["count"] for b in buckets],
        marker={"color": OKABE_ITO[3]},
        name="pending",
        hovertemplate="waiting %{x}: %{y:,} exams<extra></extra>",
    )
    return go.Figure(
        data=[bar],
        layout=_layout(
            x_title=f"Waiting since completion (as of {_as_of(result['as_of'])})",
            y_title="Pending exams",
            bargap=0.15,
        ),
    )


def forecast_figure(result: dict) -> go.Figure:
    """Return recent actual counts, the forecast and its prediction band."""
    traces = []
    unit = "week" if result["period"] == "week" else "day"
    for i, (one, past) in enumerate(
        zip(result["series"], result["history"], strict=True)
    ):
        colour = _colour(i)
        name = escape_label(one["name"])
        traces.append(
            go.Scatter(
                x=past["x"],
                y=past["y"],
                name=f"{name} (actual)",
                mode="lines",
                line={"color": colour, "width": 1},
                hovertemplate=f"%{{x}}: %{{y:,}} exams per {unit}<extra>{name}</extra>",
            )
        )
        traces.append(
            go.Scatter(
                x=one["x"] + one["x"][::-1],
                y=one["upper"] + one["lower"][::-1],
                fill="toself",
                fillcolor=_rgba(colour, 0.18),
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
                line={"color": colour, "width": 2, "dash": "dash"},
                customdata=list(zip(one["lower"], one["upper"], strict=True)),
                hovertemplate=(
                    f"%{{x}}: %{{y:,.0f}} exams per {unit} "
                    "(%{customdata[0]:,.0f}–%{customdata[1]:,.0f})"
                    f"<extra>{name}</extra>"
                ),
            )
        )
    layout = _layout(
        x_title="Day" if unit == "day" else "Week (starting Monday)",
        y_title=f"Exams per {unit}",
        legend=True,
    )
    layout["xaxis"]["type"] = "date"
    return go.Figure(data=traces, layout=layout)


def _as_of(value: str | None) -> str:
    return "—" if value is None else value.replace("T", " ")[:16]


def _rgba(colour: str, alpha: float) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"
