"""The report to send: one dashboard view as a self-contained HTML file.

Pure helpers, no request: the numbers of the view (``gather_report``), the
physician pseudonyms of an anonymised report, the file name from the dates
shown, the view and the metrics in words, Plotly's library inlined once and
the Content-Security-Policy that lets the file run exactly its own two
scripts and fetch nothing. ``exams/views/report.py`` words the numbers with
the dashboard's presenters and renders ``templates/exams/report.html``.
"""

import base64
import datetime as dt
import functools
import hashlib
import json
from collections.abc import Sequence

import plotly.io as pio

from exams import fields, staticfinders
from exams.analysis.frame.periods import period_name
from exams.analysis.frame.shifts import Shift, format_clock
from exams.analysis.frame.target_words import describe_rule
from exams.analysis.frame.targets import Targets
from exams.query.filters import FilterSpec

# Draws every figure of the report and wires the PNG buttons. Kept constant
# (no template values inside) so its hash in the CSP is fixed.
INIT_JS = """
(function () {
  "use strict";
  var figures = JSON.parse(document.getElementById("report-figures").textContent);
  Object.keys(figures).forEach(function (id) {
    var node = document.getElementById(id);
    if (!node || !figures[id]) return;
    window.Plotly.newPlot(node, figures[id].data, figures[id].layout, {
      responsive: true,
      displaylogo: false,
      // Plotly 4's "Share chart" sends the figure to Plotly Cloud: never here.
      // The same settings as TATviz.plotConfig in static/exams/js/common.js.
      showSendToCloud: false,
      plotlyServerURL: "",
      modeBarButtonsToRemove: [
        "lasso2d", "select2d", "sendDataToCloud", "sendChartToCloud"
      ],
      toImageButtonOptions: { filename: "tatviz-" + id, scale: 2 },
    });
  });
  document.querySelectorAll("button[data-png]").forEach(function (button) {
    var node = document.getElementById(button.getAttribute("data-png"));
    if (!node || !figures[node.id]) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      window.Plotly.downloadImage(node, {
        format: "png", filename: "tatviz-" + node.id, scale: 2,
        width: node.offsetWidth, height: node.offsetHeight,
      });
    });
  });
})();
"""


def report_period(
    spec: FilterSpec, *, data_range: tuple[dt.date, dt.date] | None
) -> str:
    """Return the name of the dates a report covers (the data's when unfiltered)."""
    first, last = data_range or (None, None)
    start, end = spec.start or first, spec.end or last
    if start is None or end is None:
        return ""
    return period_name(start, end)


def report_filename(period: str) -> str:
    """Return the download's name, e.g. ``tatviz-report-2025-Q3.html``."""
    return f"tatviz-report-{period}.html" if period else "tatviz-report.html"


def figure_json(figure) -> dict:
    """Return a figure as plain JSON data (Plotly's encoder handles numpy)."""
    return json.loads(pio.to_json(figure, validate=False))


def definitions(
    *, shifts: Sequence[Shift], targets: Targets, target: float | None
) -> list[tuple[str, str]]:
    """Return each term the report uses with its meaning in words."""
    shift_words = "; ".join(
        f"{s.name} {format_clock(s.start)}–{format_clock(s.end)}" for s in shifts
    )
    return [
        (
            "Order → complete",
            "Exam completion time minus order time: how long until the exam is "
            "done (department operations).",
        ),
        (
            "Complete → final (report TAT)",
            "Final report signature time minus exam completion time: how long "
            "the report takes (the ACR registry's definition).",
        ),
        (
            "Order → final (total TAT)",
            "Final report signature time minus order time (ORM → ORU): what the "
            "referring physician waits.",
        ),
        *_own_intervals(),
        (
            "Median, mean, percentiles",
            "The median is the middle exam; the 75th and 90th percentiles are "
            "the times 75% and 90% of exams stay within (linear interpolation), "
            "showing the slow tail the median hides. Times are in minutes, shown "
            "as minutes, hours and days.",
        ),
        ("% within target", _target_words(targets, target)),
        (
            "n",
            "The number of exams behind a number: those with both times of the "
            "interval readable and in order. For counts, the count itself.",
        ),
        (
            "Left out of statistics",
            "An exam with no final report yet is pending, not late: it has no "
            "report interval. An interval whose end is before its start (e.g. "
            "signed before the exam was completed in the RIS) is left out and "
            "counted. Cancelled exams and duplicate rows were removed at loading.",
        ),
        (
            "Periods, shifts and weekends",
            "Exams are counted in the period of their completion time; weeks "
            "start on Monday. Shifts by completion clock time: "
            f"{shift_words}. Weekend is Saturday and Sunday.",
        ),
        (
            "Exams completed, exams ordered, completed ÷ ordered",
            "Exams completed in the period; exams ordered in it (by order time); "
            "and the first divided by the second (below 1, work is left behind).",
        ),
    ]


def _own_intervals() -> list[tuple[str, str]]:
    """Return the user's named intervals in use, each defined by its two times."""
    return [
        (
            i.label,
            f"{fields.FIELD_LABELS[i.end]} time minus "
            f"{fields.FIELD_LABELS[i.start].lower()} time: an interval of your "
            "own (Settings).",
        )
        for i in fields.INTERVAL_LIST
        if i.name not in fields.BUILT_IN
    ]


def _target_words(targets: Targets, target: float | None) -> str:
    head = "The share of exams (0–100%) with a valid interval at or under the target: "
    if target is not None:
        return head + f"{target:g} minutes for every exam in this report."
    listed = "; ".join(describe_rule(rule) for rule in targets.rules)
    words = (
        head
        + "each exam's own target for that interval, the first rule that fits"
        + (f" ({listed})" if listed else "")
        + f", otherwise {_default_words(targets)}."
    )
    in_days = [r.days for r in targets.rules] + [targets.default_days]
    if targets.working and any(d is not None for d in in_days):
        words += " " + _working_day_words(targets.working)
    return words


def _default_words(targets: Targets) -> str:
    """Return the default target in words: ``1440 min`` or ``1 working day``."""
    days = targets.default_days
    if days is None:
        return f"{targets.default:g} min"
    return f"{days:g} working day{'' if days == 1 else 's'}"


def _working_day_words(working) -> str:
    """Return what a target in working days counts, in words."""
    hours = working.as_json()
    holidays = len(hours["holidays"])
    return (
        "A target in working days counts only working time: "
        f"{', '.join(hours['days'])} {hours['start']}–{hours['end']}"
        + (
            f", {holidays} holiday{'' if holidays == 1 else 's'} left out"
            if holidays
            else ""
        )
        + f"; 1 working day = {working.minutes_per_day:g} working minutes."
    )


@functools.cache
def plotly_js() -> str:
    """Return the pages' Plotly bundle (only the trace types TATviz draws)."""
    return staticfinders.plotly_js_path().read_text(encoding="utf-8")


def script_hash(text: str) -> str:
    """Return the CSP source that allows exactly this inline script."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@functools.cache
def content_security_policy(*, meta: bool = False) -> str:
    """Return the report's policy: its own two scripts, no request anywhere.

    Plotly draws with inline styles and data:/blob: images (the modebar
    icons, the PNG export). ``meta`` leaves out what a ``<meta>`` policy
    cannot carry.
    """
    sources = [
        "default-src 'none'",
        f"script-src {script_hash(plotly_js())} {script_hash(INIT_JS)}",
        "style-src 'unsafe-inline'",
        "img-src data: blob:",
        "base-uri 'none'",
        "form-action 'none'",
    ]
    if not meta:
        sources.append("frame-ancestors 'none'")
    return "; ".join(sources)
