"""The report to send: one dashboard view as a self-contained HTML file.

Pure helpers, no request: the numbers of the view (``gather_report``), the
physician pseudonyms of an anonymised report, the file name from the dates
shown, the view and the metrics in words, Plotly's library inlined once and
the Content-Security-Policy that lets the file run exactly its own two
scripts and fetch nothing. ``exams/views/report.py`` words the numbers with
the dashboard's presenters and renders ``templates/exams/report.html``.
"""

import base64
import dataclasses
import datetime as dt
import functools
import hashlib
import json
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.io as pio

from exams import analysis, fields, staticfinders
from exams.filters import FilterSpec
from exams.insights.build import exam_limits
from exams.insights.distribution import bucket_counts
from exams.insights.heatmap import heatmap
from exams.shifts import Shift, Targets, format_clock

SLOWEST_EXAMS = 10
PSEUDONYM = "Physician {}"
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


@dataclasses.dataclass(frozen=True)
class ReportNumbers:
    """What a report shows, before it is put into words."""

    series: dict
    summary: dict
    distribution: dict
    heatmap: dict
    slowest: list[dict]
    pseudonyms: dict[str, str]


def gather_report(
    frame: pd.DataFrame,
    *,
    spec: FilterSpec,
    by: str,
    interval: str,
    targets: Targets,
    anonymize: bool,
) -> ReportNumbers:
    """Return the numbers of the view ``spec`` over a prepared frame.

    ``by`` groups the summary table, ``interval`` is the one the
    distribution and the slowest exams describe. Anonymised, every physician
    name is a pseudonym and the slowest exams carry no accession.
    """
    selected = analysis.apply_filters(frame, spec=spec)
    series = analysis.build_series(frame, spec=spec, targets=targets)
    summary = analysis.build_summary(
        frame, spec=dataclasses.replace(spec, by=by), targets=targets
    )
    heat_metric = spec.metric if spec.metric in fields.INTERVALS else "volume"
    limits = exam_limits(selected, target=spec.target, targets=targets)
    grid = heatmap(selected, metric=heat_metric, stat=spec.stat, targets=limits)
    slowest = analysis.list_exams(
        selected, page=1, page_size=SLOWEST_EXAMS, sort=f"-{interval}"
    )["rows"]
    slowest = [r for r in slowest if r.get(interval) is not None]
    pseudonyms = physician_pseudonyms(frame, also=spec.physician) if anonymize else {}
    if anonymize:
        series = pseudonymize_series(series, pseudonyms, split=spec.split)
        if by == "physician":
            summary = pseudonymize_groups(summary, pseudonyms)
        slowest = [_anonymous_exam(row, pseudonyms) for row in slowest]
    return ReportNumbers(
        series=series,
        summary=summary,
        distribution=bucket_counts(selected, metric=interval),
        heatmap=grid,
        slowest=slowest,
        pseudonyms=pseudonyms,
    )


def physician_pseudonyms(
    frame: pd.DataFrame, *, also: Sequence[str] = ()
) -> dict[str, str]:
    """Return ordering physician → "Physician n", the busiest first.

    Numbered over the whole data set (ties by name), so one physician keeps
    one number in every table and chart, whatever the filters; names in
    ``also`` (a filter value absent from the data) are numbered after.
    """
    counts = frame[fields.ORDERING_PHYSICIAN].value_counts(dropna=True)
    ranked = sorted(
        ((str(name), int(n)) for name, n in counts.items() if n),
        key=lambda item: (-item[1], item[0].casefold()),
    )
    names = [name for name, _ in ranked]
    names += [n for n in dict.fromkeys(also) if n not in set(names)]
    return {name: PSEUDONYM.format(i) for i, name in enumerate(names, start=1)}


def _pseudonym(name, pseudonyms: Mapping[str, str]):
    if name in (None, fields.BLANK_GROUP, fields.ALL_GROUP):
        return name
    return pseudonyms.get(str(name), PSEUDONYM.format("?"))


def _by_number(name) -> tuple[int, int]:
    # Listed by pseudonym number: alphabetical order would hint at the names.
    number = str(name).removeprefix(PSEUDONYM.format(""))
    return (0, int(number)) if number.isdigit() else (1, 0)


def pseudonymize_series(series: Mapping, pseudonyms: Mapping, *, split: str) -> dict:
    """Return a ``/api/series`` answer whose series are named by pseudonym."""
    if split != "physician":
        return dict(series)
    renamed = [
        {**one, "name": _pseudonym(one["name"], pseudonyms)}
        for one in series.get("series", [])
    ]
    return {**series, "series": sorted(renamed, key=lambda s: _by_number(s["name"]))}


def pseudonymize_groups(summary: Mapping, pseudonyms: Mapping) -> dict:
    """Return a ``/api/summary`` answer whose groups are named by pseudonym."""
    rows = [
        {**row, "group": _pseudonym(row["group"], pseudonyms)}
        for row in summary.get("rows", [])
    ]
    return {**summary, "rows": sorted(rows, key=lambda r: _by_number(r["group"]))}


def pseudonymize_spec(spec: FilterSpec, pseudonyms: Mapping) -> FilterSpec:
    """Return the spec with its physician filter values as pseudonyms."""
    chosen = tuple(_pseudonym(name, pseudonyms) for name in spec.physician)
    return dataclasses.replace(spec, physician=chosen)


def _anonymous_exam(row: Mapping, pseudonyms: Mapping) -> dict:
    out = {k: v for k, v in row.items() if k != fields.ACCESSION}
    name = row.get(fields.ORDERING_PHYSICIAN)
    out[fields.ORDERING_PHYSICIAN] = (
        None if name is None else _pseudonym(name, pseudonyms)
    )
    return out


def period_label(start: dt.date, end: dt.date) -> str:
    """Return the dates shown as a name: ``2025``, ``2025-Q3``, ``2025-07``.

    A whole calendar year, quarter or month gets its name; one day its date;
    anything else ``first_to_last``.
    """
    if start == end:
        return start.isoformat()
    next_day = end + dt.timedelta(days=1)
    if start.day == 1 and next_day.day == 1:
        months = (next_day.year - start.year) * 12 + next_day.month - start.month
        if months == 12 and start.month == 1:
            return str(start.year)
        if months == 3 and start.month % 3 == 1:
            return f"{start.year}-Q{(start.month + 2) // 3}"
        if months == 1:
            return f"{start:%Y-%m}"
    return f"{start.isoformat()}_to_{end.isoformat()}"


def report_period(
    spec: FilterSpec, *, data_range: tuple[dt.date, dt.date] | None
) -> str:
    """Return the name of the dates a report covers (the data's when unfiltered)."""
    first, last = data_range or (None, None)
    start, end = spec.start or first, spec.end or last
    if start is None or end is None:
        return ""
    return period_label(start, end)


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


def _target_words(targets: Targets, target: float | None) -> str:
    head = "The share of exams (0–100%) with a valid interval at or under the target: "
    if target is not None:
        return head + f"{target:g} minutes for every exam in this report."
    rules = []
    for rule in targets.rules:
        who = " and ".join(
            part
            for part in (
                "priority " + " / ".join(rule.priorities) if rule.priorities else "",
                "patient class " + " / ".join(rule.patient_classes)
                if rule.patient_classes
                else "",
            )
            if part
        )
        rules.append(f"{who}: {rule.minutes:g} min")
    listed = "; ".join(rules)
    return (
        head
        + "each exam's own target, the first rule that fits"
        + (f" ({listed})" if listed else "")
        + f", otherwise {targets.default:g} min."
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
