"""How long exams take: turnaround buckets, box plots, pending age bands."""

import plotly.graph_objects as go

from exams import fields
from exams.charts.base import (
    OKABE_ITO,
    PENDING_COLOUR,
    colour,
    escape_label,
    layout,
)
from exams.presentation.formats import share

MAX_BOX_GROUPS = 20


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
        customdata=[[share(b["share"])] for b in buckets],
        hovertemplate="%{x}: %{y:,} exams (%{customdata[0]})<extra></extra>",
        name="exams",
    )
    metric = fields.INTERVAL_LABELS[result["metric"]]
    return _bars(bar, f"{metric} (closed on the left: 60 min is in 1–4 h)", "Exams")


def _bars(bar: go.Bar, x_title: str, y_title: str) -> go.Figure:
    return go.Figure(
        data=[bar], layout=layout(x_title=x_title, y_title=y_title, bargap=0.15)
    )


def box_figure(boxes: list[dict], *, by_label: str) -> go.Figure:
    """Return grouped box plots of each interval for the largest groups.

    The boxes are precomputed (quartiles, Tukey whiskers, mean), so the
    figure carries no raw points.
    """
    groups = list(dict.fromkeys(b["group"] for b in boxes))[:MAX_BOX_GROUPS]
    traces = []
    for i, metric in enumerate(fields.INTERVALS):
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
                marker={"color": colour(i)},
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
        layout=layout(x_title=title, y_title="Minutes", legend=True, boxmode="group"),
    )


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
    as_of = _as_of(result["as_of"])
    return _bars(bar, f"Waiting since completion (as of {as_of})", "Pending exams")


def _as_of(value: str | None) -> str:
    return "—" if value is None else value.replace("T", " ")[:16]
