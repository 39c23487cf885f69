"""What every figure shares: palette, fonts, layout and how text is escaped.

Figure builders are pure: an analysis answer (dict) in, a
``plotly.graph_objects.Figure`` out; the view serialises it once and tests
assert on ``fig.data`` and ``fig.layout``. Hover texts always carry n.
"""

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
# Yellow is last because it is hard to read on white.
OKABE_ITO = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#000000",
    "#F0E442",
)
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
TEXT_COLOUR = "#1f2933"
GRID_COLOUR = "#e4e7eb"
AXIS_COLOUR = "#9aa5b1"
PENDING_COLOUR = "#9aa5b1"
HISTORY_COLOUR = "#52606d"


def layout(
    *,
    x_title: str,
    y_title: str,
    legend: bool = False,
    margin: dict | None = None,
    xaxis: dict | None = None,
    yaxis: dict | None = None,
    **extra,
) -> dict:
    """Return a figure layout: white, readable, the legend above the plot.

    ``margin``, ``xaxis`` and ``yaxis`` add to (or override) the defaults;
    ``extra`` adds layout keys.
    """
    return {
        # No theme template: it would add ~6 KB of JSON to every answer.
        "template": None,
        "font": {"family": FONT, "size": 13, "color": TEXT_COLOUR},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 64, "r": 24, "t": 32, "b": 56, **(margin or {})},
        "hovermode": "closest",
        "showlegend": legend,
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        "xaxis": {
            "title": {"text": x_title},
            "showgrid": False,
            "ticks": "outside",
            **(xaxis or {}),
        },
        "yaxis": {
            "title": {"text": y_title},
            "gridcolor": GRID_COLOUR,
            "rangemode": "tozero",
            **(yaxis or {}),
        },
        **extra,
    }


def colour(index: int) -> str:
    """Return the palette's colour for the index-th series (cycling)."""
    return OKABE_ITO[index % len(OKABE_ITO)]


_DASHES = ("solid", "dot", "dash", "dashdot")


def line_style(index: int) -> dict:
    """Return a distinct line for the index-th series: colour, then dash.

    Eight colours, then each again dotted, dashed, dash-dotted: 32 series
    before any two lines look alike.
    """
    rounds = index // len(OKABE_ITO)
    return {"color": colour(index), "dash": _DASHES[rounds % len(_DASHES)]}


def rgba(hex_colour: str, alpha: float) -> str:
    """Return ``#rrggbb`` as ``rgba(r, g, b, alpha)``."""
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def escape_label(text: str) -> str:
    """Return text Plotly shows literally (it reads a subset of HTML tags)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# A period the export covers only in part (``partial`` in an answer).
PARTIAL_OPACITY = 0.4
PARTIAL_HOVER = "<br><i>Covered only in part by the export</i>"


def mark_partial(trace, partial: list[bool]) -> None:
    """Draw the points of partial periods lighter, with a note in their hover.

    Bars and markers fade to ``PARTIAL_OPACITY``; the note is appended to
    each point's ``customdata`` and shown before the hover's ``<extra>``.
    """
    if not any(partial):
        return
    trace.marker.opacity = [PARTIAL_OPACITY if p else 1.0 for p in partial]
    notes = [PARTIAL_HOVER if p else "" for p in partial]
    template = trace.hovertemplate or ""
    if trace.customdata is None:
        # A count is its own n: customdata[0] stays n, as on every trace.
        rows = [[count] for count in trace.y] if trace.type == "bar" else []
        rows = rows or [[] for _ in notes]
    elif template.count("%{customdata}"):
        # One value per point: read it by index once the note joins it.
        rows = [[row] for row in trace.customdata]
        template = template.replace("%{customdata}", "%{customdata[0]}")
    else:
        rows = [list(row) for row in trace.customdata]
    column = len(rows[0]) if rows else 0
    trace.customdata = [[*row, note] for row, note in zip(rows, notes, strict=True)]
    trace.hovertemplate = template.replace(
        "<extra>", f"%{{customdata[{column}]}}<extra>", 1
    )
