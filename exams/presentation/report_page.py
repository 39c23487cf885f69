"""The report's page: one dashboard view's numbers put into words and figures.

``views/report.py`` parses the query and sends the file; this module words
the numbers of ``analysis.report.gather_report`` for the template.
"""

import datetime as dt

from exams import fields
from exams.analysis import report as report_numbers
from exams.analysis.frame.targets import Targets
from exams.analysis.insights.build import data_days
from exams.charts.distribution import distribution_figure
from exams.charts.heatmap import heatmap_figure
from exams.charts.series import series_figure
from exams.presentation import list_presenters, presenters, quality_text, report
from exams.presentation.formats import format_minutes
from exams.query.filters import FilterSpec

# The slowest-exams table, in the order the dashboard's exam list has them.
_EXAM_COLUMNS = (
    "accession",
    "exam_name",
    "modality",
    "priority",
    "patient_class",
    "ordering_physician",
    "completed_at",
    "finalized_at",
)


def report_context(
    dataset, frame, *, spec: FilterSpec, anonymize: bool, shifts, targets: Targets
) -> dict:
    """Return what ``templates/exams/report.html`` shows for one dashboard view."""
    by = presenters.summary_by(spec)
    interval = presenters.headline_interval(spec)
    numbers = report_numbers.gather_report(
        frame,
        spec=spec,
        by=by,
        interval=interval,
        targets=targets,
        anonymize=anonymize,
    )
    shown = (
        report_numbers.pseudonymize_spec(spec, numbers.pseudonyms)
        if anonymize
        else spec
    )
    days = data_days(frame)
    period = report.report_period(spec, data_range=days)
    empty = numbers.summary["total"]["exams"] == 0
    figures = {
        "chart": series_figure(numbers.series, target=spec.target),
        "distribution": distribution_figure(numbers.distribution),
        "heatmap": heatmap_figure(numbers.heatmap),
    }
    return {
        "dataset_name": dataset.name,
        "rows_loaded": presenters.number(dataset.summary.get("rows_loaded")),
        "data_range": days,
        "generated": dt.datetime.now(),
        "period": period,
        "filename": report.report_filename(period),
        "anonymized": anonymize,
        "empty": empty,
        "filter_summary": presenters.describe_filters(shown),
        "choices": _choices(spec),
        "headline": presenters.headline(numbers.summary["total"], spec=spec),
        "chart_title": presenters.chart_title(spec),
        "notes": [
            presenters.excluded_note(numbers.series),
            presenters.series_note(numbers.series, spec=spec),
        ],
        "summary": presenters.summary_table(numbers.summary, spec=spec, by=by),
        "table": presenters.chart_table(numbers.series, spec=spec),
        "distribution": _distribution(numbers.distribution),
        "heatmap_title": _heatmap_title(numbers.heatmap),
        "slowest": _slowest(numbers.slowest, interval=interval, anonymize=anonymize),
        "quality": _quality(dataset.summary, days),
        "definitions": report.definitions(
            shifts=shifts, targets=targets, target=spec.target
        ),
        "figures": {}
        if empty
        else {k: report.figure_json(f) for k, f in figures.items()},
        "plotly_js": report.plotly_js(),
        "init_js": report.INIT_JS,
        "csp": report.content_security_policy(meta=True),
    }


def _choices(spec: FilterSpec) -> list[tuple[str, str]]:
    rows = [("Metric", fields.METRIC_LABELS[spec.metric])]
    if spec.metric in fields.INTERVALS:
        rows.append(("Statistic", fields.STAT_LABELS[spec.stat]))
    rows += [
        ("Per", presenters.PERIOD_LABELS[spec.period]),
        ("Split by", presenters.SPLIT_LABELS[spec.split]),
        (
            "Target",
            f"{spec.target:g} minutes" if spec.target else "each exam's own target",
        ),
    ]
    return rows


def _distribution(result: dict) -> dict:
    rows = [
        {
            "label": b["label"],
            "count": presenters.number(b["count"]),
            "share": "—" if b["share"] is None else f"{b['share'] * 100:.1f}%",
        }
        for b in result["buckets"]
    ]
    label = fields.INTERVAL_LABELS[result["metric"]]
    return {"title": f"How long exams take: {label}", "rows": rows}


def _heatmap_title(result: dict) -> str:
    if result["metric"] == "volume":
        return "When exams are completed: exams per weekday and hour"
    label = fields.INTERVAL_LABELS[result["metric"]]
    stat = fields.STAT_LABELS[result["stat"]]
    return f"{stat} {label[0].lower()}{label[1:]} by weekday and hour of completion"


def _slowest(rows: list[dict], *, interval: str, anonymize: bool) -> dict:
    columns = [c for c in _EXAM_COLUMNS if not (anonymize and c == "accession")]
    labels = [fields.FIELD_LABELS[c] for c in columns]
    label = fields.INTERVAL_LABELS[interval]
    return {
        "title": f"The slowest exams: {label}",
        "headers": [*labels, label],
        "rows": [
            [
                *(_cell(row.get(c), c) for c in columns),
                format_minutes(row[interval]),
            ]
            for row in rows
        ],
    }


def _cell(value, column: str) -> str:
    if value is None:
        return "—"
    if column in fields.TIME_FIELDS:
        return str(value).replace("T", " ")[:16]
    return str(value)


def _quality(summary: dict, days) -> dict:
    # The template shows no links: the file has no app behind it.
    items = quality_text.quality_items(summary)
    return list_presenters.quality_report(summary, items, date_range=days)
