"""Plotly figures of the segments and control-chart views.

Pure builders: the view's JSON answer in, a ``go.Figure`` out. Hover texts
carry n; a link with too few exams is left out of the bars and named in
the chart's note instead of being drawn as zero.
"""

import plotly.graph_objects as go

from exams import fields
from exams.charts.base import OKABE_ITO, escape_label
from exams.presentation.formats import format_minutes

SIGNAL_COLOUR = "#D55E00"
# Skips (exams without some times) are another path: grey, hatched.
SKIP_COLOUR = "#9aa5b1"
SKIP_PATTERN = {"shape": "/", "fgcolor": "#52606d", "solidity": 0.3}
SKIP_NAME = "Path of exams without some times"
LIMIT_COLOUR = "#52606d"
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


def link_label(link: dict) -> str:
    """Return ``Ordered → started`` for a link (``(no preliminary)`` for a skip)."""
    start = fields.FIELD_LABELS[link["from"]]
    label = f"{start} → {fields.FIELD_LABELS[link['to']].lower()}"
    skipped = [fields.FIELD_LABELS[t].lower() for t in link.get("skipped", ())]
    return f"{label} (no {' or '.join(skipped)})" if skipped else label


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


def segments_figure(result: dict) -> go.Figure:
    """Return a waterfall of the link medians, or stacked bars per group.

    The waterfall is drawn as floating bars (each starts where the one
    before ended) so it needs only Plotly's bar trace. Each skip is drawn
    beside the links, hatched, starting where the link from its first time
    starts: the other path of the exams without the times it skips.
    """
    if result["groups"]:
        return _stacked(result)
    drawn = [link for link in result["links"] if link["median"] is not None]
    medians = [link["median"] for link in drawn]
    total = sum(medians)
    starts = [sum(medians[:i]) for i in range(len(medians))]
    figure = go.Figure(
        go.Bar(
            x=[*(link_label(link) for link in drawn), "Sum of the medians"],
            y=[*medians, total],
            base=[*starts, 0],
            marker={"color": [OKABE_ITO[0]] * len(drawn) + ["#52606d"]},
            customdata=[
                [format_minutes(link["median"]), link["n"], _pct(link["share"])]
                for link in drawn
            ]
            + [[format_minutes(total), result["exams"], _pct(1.0 if drawn else None)]],
            hovertemplate=(
                "%{x}<br>median %{customdata[0]} (%{customdata[2]} of the sum)"
                "<br>n = %{customdata[1]:,}<extra></extra>"
            ),
        )
    )
    skips = [s for s in result.get("skips", ()) if s["median"] is not None]
    if skips:
        labels = [link_label(s) for s in skips]
        figure.add_trace(
            go.Bar(
                name=SKIP_NAME,
                x=labels,
                y=[s["median"] for s in skips],
                base=[_start_of(result["links"], s["from"]) for s in skips],
                marker={"color": SKIP_COLOUR, "pattern": SKIP_PATTERN},
                customdata=[[format_minutes(s["median"]), s["n"]] for s in skips],
                hovertemplate=(
                    "%{x}<br>median %{customdata[0]} (another path, not in the sum)"
                    "<br>n = %{customdata[1]:,}<extra></extra>"
                ),
            )
        )
        order = [*figure.data[0].x[:-1], *labels, figure.data[0].x[-1]]
        figure.data[0].name = "Link of the full chain"
    figure.update_layout(
        _layout(x_title="Link", y_title="Median minutes (stacked)", legend=bool(skips))
    )
    # Long link names turn on a narrow page (the report): keep them whole.
    figure.update_xaxes(automargin=True)
    if skips:
        figure.update_xaxes(categoryorder="array", categoryarray=order)
    return figure


def _start_of(links: list[dict], time: str) -> float:
    """Return where a bar from ``time`` starts: the drawn medians before it."""
    before = []
    for link in links:
        if link["from"] == time:
            break
        before.append(link["median"] or 0)
    else:
        return 0
    return sum(before)


def _stacked(result: dict) -> go.Figure:
    groups = result["groups"]
    names = [escape_label(str(g["group"])) for g in groups]
    figure = go.Figure()
    for i, link in enumerate(result["links"]):
        medians = [g["links"][i]["median"] for g in groups]
        figure.add_trace(
            go.Bar(
                name=escape_label(link_label(link)),
                y=names,
                x=medians,
                orientation="h",
                meta=[str(g["group"]) for g in groups],
                marker={"color": OKABE_ITO[i % len(OKABE_ITO)]},
                customdata=[
                    [format_minutes(g["links"][i]["median"]), g["links"][i]["n"]]
                    for g in groups
                ],
                hovertemplate=(
                    "%{y}: %{customdata[0]}<br>n = %{customdata[1]:,}"
                    "<extra>%{fullData.name}</extra>"
                ),
            )
        )
    rows = _stacked_skips(figure, result, names=names)
    figure.update_layout(
        _layout(
            x_title="Median minutes per link (stacked)",
            y_title="",
            legend=True,
            barmode="stack",
            height=max(320, 60 + 28 * len(rows)),
            yaxis={"autorange": "reversed", "automargin": True},
        )
    )
    if len(rows) > len(names):
        figure.update_yaxes(categoryorder="array", categoryarray=rows)
    return figure


def _stacked_skips(figure: go.Figure, result: dict, *, names: list[str]) -> list:
    """Add a hatched row under each group per skip its exams take; return the rows.

    The skip's bar starts where the group's link from its first time starts
    (an invisible spacer bar carries it there), so it lies under the links
    it replaces.
    """
    groups = result["groups"]
    rows, spacer = [], {"y": [], "x": []}
    per_skip: dict[int, dict] = {}
    for name, group in zip(names, groups, strict=True):
        rows.append(name)
        for j, skip in enumerate(group.get("skips", ())):
            if skip["median"] is None:
                continue
            row = f"{name} · {_without(skip)}"
            rows.append(row)
            spacer["y"].append(row)
            spacer["x"].append(_start_of(group["links"], skip["from"]))
            bars = per_skip.setdefault(j, {"y": [], "x": [], "meta": [], "data": []})
            bars["y"].append(row)
            bars["x"].append(skip["median"])
            bars["meta"].append(str(group["group"]))
            bars["data"].append([format_minutes(skip["median"]), skip["n"]])
    if not spacer["y"]:
        return rows
    figure.add_trace(
        go.Bar(
            name="",
            orientation="h",
            showlegend=False,
            hoverinfo="skip",
            marker={"color": "rgba(0,0,0,0)"},
            **spacer,
        )
    )
    for j, bars in sorted(per_skip.items()):
        figure.add_trace(
            go.Bar(
                name=escape_label(link_label(result["skips"][j])),
                y=bars["y"],
                x=bars["x"],
                orientation="h",
                meta=bars["meta"],
                marker={"color": SKIP_COLOUR, "pattern": SKIP_PATTERN},
                customdata=bars["data"],
                hovertemplate=(
                    "%{y}: %{customdata[0]}<br>n = %{customdata[1]:,}"
                    "<extra>%{fullData.name}</extra>"
                ),
            )
        )
    return rows


def _without(skip: dict) -> str:
    """Return ``no preliminary`` for a skip: the times its exams lack."""
    skipped = [fields.FIELD_LABELS[t].lower() for t in skip.get("skipped", ())]
    return f"no {' or '.join(skipped)}"


def control_figure(result: dict) -> go.Figure:
    """Return the points, centre line, limits and signalled points."""
    x = result["x"]
    unit = "%" if result["chart"] == "p" else "min"
    lower, upper = result["lower"], result["upper"]
    if result["chart"] == "xmr":
        lower, upper = [lower] * len(x), [upper] * len(x)
    signalled = sorted({s["index"] for s in result["signals"]})
    rules = {}
    for signal in result["signals"]:
        rules.setdefault(signal["index"], []).append(signal["rule"])
    figure = go.Figure()
    for name, values, dash in (
        ("Upper limit", upper, "dash"),
        ("Lower limit", lower, "dash"),
    ):
        figure.add_trace(
            go.Scatter(
                x=x,
                y=values,
                name=name,
                mode="lines",
                line_shape="hv",
                line={"color": LIMIT_COLOUR, "dash": dash, "width": 1},
                hoverinfo="skip",
            )
        )
    figure.add_trace(
        go.Scatter(
            x=x,
            y=[result["centre"]] * len(x),
            name="Centre",
            mode="lines",
            line={"color": LIMIT_COLOUR, "width": 1},
            hoverinfo="skip",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=x,
            y=result["y"],
            name=fields.STAT_LABELS[result["stat"]],
            mode="lines+markers",
            connectgaps=False,
            meta=x,
            marker={"color": OKABE_ITO[0], "size": 6},
            line={"color": OKABE_ITO[0]},
            customdata=result["n"],
            hovertemplate=f"%{{x}}: %{{y:.1f}} {unit}<br>n = %{{customdata:,}}"
            "<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=[x[i] for i in signalled],
            y=[result["y"][i] for i in signalled],
            name="Special cause",
            mode="markers",
            meta=[x[i] for i in signalled],
            marker={"color": SIGNAL_COLOUR, "size": 11, "symbol": "circle-open-dot"},
            customdata=[", ".join(rules[i]) for i in signalled],
            hovertemplate="%{x}: %{customdata}<extra>special cause</extra>",
        )
    )
    _shade_baseline(figure, result)
    y_title = (
        "% within target"
        if unit == "%"
        else f"{fields.STAT_LABELS[result['stat']]} (minutes)"
    )
    figure.update_layout(
        _layout(x_title=result["period"].capitalize(), y_title=y_title, legend=True)
    )
    return figure


def _shade_baseline(figure: go.Figure, result: dict) -> None:
    """Shade the baseline's points when it is not the whole chart."""
    inside = result.get("in_baseline") or []
    if not inside or all(inside):
        return
    first = inside.index(True) if True in inside else None
    if first is None:
        return
    last = len(inside) - 1 - inside[::-1].index(True)
    figure.add_vrect(
        x0=result["x"][first],
        x1=result["x"][last],
        fillcolor="#cbd2d9",
        opacity=0.35,
        line_width=0,
        layer="below",
        annotation_text="baseline",
        annotation_position="top left",
    )


def _pct(value) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"
