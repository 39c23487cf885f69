"""Pages: upload, dashboard, exam list, data sets and settings (HTML).

Each view parses the query once (``exams.query``), asks ``exams.analysis``
for the numbers and lets ``presenters`` word them. A bad link shows the
FilterError's message with status 400; with no data set yet, pages send the
user to the upload page.
"""

import dataclasses
import datetime as dt
import functools
import json

import plotly.io as pio
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie

from exams import analysis, fields
from exams.analysis.quality import select_quality
from exams.charts.series import series_figure
from exams.ingest.values.chain import CHAIN, parse_pair
from exams.presentation import (
    cross_table,
    filter_bar,
    list_presenters,
    presenters,
    quality_text,
    settings_presenters,
)
from exams.presentation.downloads import download_name
from exams.presentation.links import url_for
from exams.query import filters
from exams.query.views import ViewQuery
from exams.staticfinders import PLOTLY_JS
from exams.storage import housekeeping, inventory, preferences, store
from exams.storage.measured import frame_in_time
from exams.views import datasets
from exams.views._common import api_errors, csv_response, parse_page, parse_request
from exams.views.errors import require_GET, require_http_methods, require_POST


def page_errors(view):
    """Send users without data to the upload page; show a bad link's message."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except store.Damaged:
            # The Data page says what is wrong with it and offers to delete it.
            return redirect("exams-data")
        except store.NoDataset:
            return redirect("exams-upload")
        except filters.FilterError as exc:
            context = {
                **_base(request, ""),
                "title": "This link asks for something TATviz cannot show",
                "message": str(exc),
                "help_url": request.path,
                "help_label": "Open it without filters",
            }
            return render(request, "exams/error.html", context, status=400)

    return wrapper


def _current(request):
    try:
        return store.current_dataset(request)
    except store.NoDataset:
        return None


def _base(request, active: str) -> dict:
    dataset = _current(request)
    rows = dataset.summary.get("rows_loaded") if dataset is not None else None
    return {
        "active": active,
        "current_dataset": dataset,
        "current_rows": presenters.number(rows) if rows is not None else "",
    }


def _date_range(options: dict) -> tuple[dt.date, dt.date] | None:
    span = options.get("date_range") or {}
    if not span.get("start"):
        return None
    return dt.date.fromisoformat(span["start"]), dt.date.fromisoformat(span["end"])


def _report(request, dataset, *, just_loaded: bool) -> dict:
    summary = dataset.summary
    options = analysis.options(
        store.current_frame(request), shifts=preferences.get_shifts()
    )
    report = list_presenters.quality_report(
        summary, quality_text.quality_items(summary), date_range=_date_range(options)
    )
    return {**report, "just_loaded": just_loaded}


@require_GET
@ensure_csrf_cookie
@page_errors
def home(request):
    """Show the dashboard once a data set is loaded, else the upload page."""
    try:
        store.current_dataset(request)
    except store.Damaged:
        return redirect("exams-data")
    except store.NoDataset:
        return _upload_page(request)
    return redirect("exams-dashboard")


@require_http_methods(["GET", "POST"])
@ensure_csrf_cookie
@page_errors
def upload(request):
    """Load exports: drag and drop with progress (JS), or a plain form post."""
    if request.method == "POST":
        return _upload_without_js(request)
    return _upload_page(request)


def _upload_page(request):
    context = _upload_context(request)
    dataset = context["current_dataset"]
    loaded = parse_request(request, "upload").loaded
    if dataset is not None and loaded is not None:
        context["report"] = _report(request, dataset, just_loaded=True)
        # The same files again: the data set that holds them was opened.
        context["already_loaded"] = loaded == "existing"
    return render(request, "exams/upload.html", context)


def _upload_without_js(request):
    """Hand the form to the upload API; show its error, or the report."""
    adding = request.POST.get("mode") == "add"
    received = datasets.receive_upload(request, adding=adding)
    if received.status in (200, 201):
        loaded = "existing" if received.body.get("existing") else "1"
        return redirect(f"{reverse('exams-upload')}?loaded={loaded}")
    error = received.body.get("error", "The export could not be read.")
    if received.status == 422:
        error += " Answering this question needs JavaScript turned on in the browser."
    context = _upload_context(request, error=error)
    return render(request, "exams/upload.html", context, status=received.status)


def _upload_context(request, **extra) -> dict:
    # upload.js checks each file against the limit before sending it.
    return {
        **_base(request, "data"),
        "field_labels": list_presenters.MAPPING_LABELS,
        "max_upload_mb": settings.TATVIZ_MAX_UPLOAD_MB,
        **extra,
    }


@require_POST
def load_sample(request):
    """Make the bundled sample export current and open the dashboard."""
    store.set_current(request, store.load_sample())
    return redirect("exams-dashboard")


@require_GET
@ensure_csrf_cookie
@page_errors
def dashboard(request):
    """Render the filters, chart and tables for the query string."""
    spec = parse_page(request, "dashboard").spec
    results, figure = _results(request, spec)
    options = analysis.options(
        store.current_frame(request), shifts=preferences.get_shifts()
    )
    date_range = _date_range(options)
    context = {
        **_base(request, "dashboard"),
        **_choices(options["metrics"]),
        "PLOTLY_JS": PLOTLY_JS,
        "spec": spec,
        "options": options,
        "shift_names": options["shifts"],
        "date_range": date_range,
        "presets": presenters.date_presets(date_range and date_range[1], spec=spec),
        # No count in the bar: the headline's "Exams" follows each change.
        "bar": filter_bar.filter_bar(spec, options),
        "target_value": f"{spec.target:g}" if spec.target else "",
        "results": results,
        "figure": figure,
    }
    return render(request, "exams/dashboard.html", context)


@require_GET
@api_errors
def dashboard_data(request):
    """Return the chart and the tables of a query as JSON, for the page's JS."""
    spec = parse_request(request, "dashboard").spec
    results, figure = _results(request, spec)
    context = {"results": results}
    return JsonResponse(
        {
            "figure": figure,
            "empty": results["empty"],
            "chart_title": results["chart_title"],
            "top": render_to_string("exams/_dashboard_top.html", context, request),
            "bottom": render_to_string(
                "exams/_dashboard_bottom.html", context, request
            ),
        }
    )


def _results(request, spec: filters.FilterSpec) -> tuple[dict, dict | None]:
    """Return what the dashboard shows for ``spec``, and the figure's JSON."""
    frame = frame_in_time(request)
    targets = preferences.get_targets()
    by = presenters.summary_by(spec)
    series = analysis.build_series(frame, spec=spec, targets=targets)
    summary = analysis.build_summary(
        frame, spec=dataclasses.replace(spec, by=by), targets=targets
    )
    results = presenters.dashboard_results(series, summary, spec=spec, by=by)
    cross = None
    if spec.cross_rows and spec.cross_cols and spec.cross_rows != spec.cross_cols:
        pivot = dataclasses.replace(spec, by=f"{spec.cross_rows},{spec.cross_cols}")
        cross = cross_table.cross_table(
            analysis.build_summary(frame, spec=pivot, targets=targets), spec=spec
        )
    results.update(
        cross=cross,
        cross_choices=[("", "—"), *list(presenters.SPLIT_LABELS.items())[1:]],
        spec=spec,
    )
    if results["empty"]:
        return results, None
    figure = series_figure(series, target=spec.target)
    # Plotly's encoder handles numpy values; json_script then escapes < > &.
    return results, json.loads(pio.to_json(figure, validate=False))


@require_GET
@page_errors
def drill(request):
    """Redirect a clicked bar or point to the exam list of its bucket."""
    query = parse_page(request, "drill")
    chosen = presenters.drill_spec(query.spec, bucket=query.bucket, series=query.series)
    return redirect(url_for("exams-list", chosen))


@require_GET
@page_errors
def exam_list(request):
    """List the filtered exams: sortable columns, pages, CSV download."""
    query = parse_page(request, "exam_list")
    spec, quality = query.spec, query.quality
    frame = frame_in_time(request)
    analysis.require_interval(
        frame, name=spec.sort_field, param="sort", allowed=analysis.SORT_OTHERS
    )
    selected = analysis.apply_filters(frame, spec=spec)
    if quality:
        selected = _select_quality(request, selected, query=query)
    if spec.format == "csv":
        columns = analysis.row_fields(frame)
        text = analysis.exams_csv(
            selected, sort=spec.sort, columns=columns, raw=query.raw
        )
        kind = f"exams-{quality}" if quality else "exams"
        return csv_response(text, filename=download_name(kind, spec))
    page = analysis.list_exams(
        selected,
        page=spec.page,
        page_size=spec.page_size,
        sort=spec.sort,
        columns=analysis.row_fields(frame),
    )
    context = {
        **_base(request, "exams"),
        **list_presenters.exam_page(
            page,
            spec=spec,
            quality=quality,
            columns=_list_columns(analysis.page_columns(frame), query.pair),
            pair=query.pair or "",
            field=query.field or "",
        ),
        "bar": filter_bar.filter_bar(
            spec,
            analysis.options(frame, shifts=preferences.get_shifts()),
            keep=filter_bar.keep_pairs(request.GET),
            count=analysis.count_exams(frame, spec=spec),
        ),
    }
    return render(request, "exams/exam_list.html", context)


def _list_columns(columns: tuple[str, ...], pair: str | None) -> tuple[str, ...]:
    """Return the list's columns, with both times of an out-of-order pair."""
    ends = parse_pair(pair or "") or ()
    if all(f in columns for f in ends):
        return columns
    times = [f for f in CHAIN if f in columns or f in ends]
    # The list's times are one run, ordered → completed → final.
    first = columns.index(fields.ORDERED_AT)
    last = columns.index(fields.FINALIZED_AT)
    return (*columns[:first], *times, *columns[last + 1 :])


def _select_quality(request, selected, *, query: ViewQuery):
    """Return the exams of one quality finding (its pair and field checked)."""
    quality = store.current_dataset(request).summary.get("quality", {})
    return select_quality(
        selected,
        kind=query.quality,
        metric=query.spec.metric,
        pair=query.pair or "",
        date_only=quality.get("date_only", {}),
        field=query.field or "",
    )


@require_GET
@ensure_csrf_cookie
def data_page(request):
    """List the loaded data sets: switch, delete, add files."""
    context = _base(request, "data")
    dataset = context["current_dataset"]
    loaded = store.list_datasets()
    context["datasets"] = [
        list_presenters.with_facts(row, inventory.facts(one))
        for row, one in zip(
            list_presenters.dataset_rows(loaded, current=dataset),
            loaded,
            strict=True,
        )
    ]
    if dataset is not None:
        try:
            context["report"] = _report(request, dataset, just_loaded=False)
        except store.Damaged:
            dataset = context["current_dataset"] = None
    # A data set whose files are gone is marked, with what to do about it.
    for row, loaded_dataset in zip(context["datasets"], loaded, strict=True):
        row["damaged"] = store.damage(loaded_dataset)
        row["reloadable"] = bool(row["damaged"]) and store.reloadable(loaded_dataset)
    # Uploads still waiting for a column or date-order answer hold files too:
    # the user must see them to delete them.
    context["held"] = list_presenters.dataset_rows(
        store.list_datasets(held=True), current=None
    )
    for row in context["held"]:
        row["expires"] = row["created"] + dt.timedelta(days=housekeeping.HELD_DAYS)
    context["held_days"] = housekeeping.HELD_DAYS
    return render(request, "exams/data.html", context)


@require_GET
@ensure_csrf_cookie
def settings_page(request):
    """Edit shifts and targets (saved through ``POST /api/settings``)."""
    context = {**_base(request, "settings"), "settings": preferences.get_settings()}
    targets = preferences.get_targets()
    try:
        frame = store.current_frame(request)
    except store.NoDataset:
        frame = None
    values = None
    if frame is not None:
        values = analysis.options(frame, shifts=preferences.get_shifts())
    context["targets"] = settings_presenters.target_table(targets, options=values)
    metrics = (
        analysis.available_intervals(frame)
        if frame is not None
        else tuple(i.name for i in fields.INTERVAL_LIST if not i.optional)
    )
    context["interval_headings"] = settings_presenters.interval_headings(metrics)
    if frame is not None:
        context["examples"] = settings_presenters.example_rows(
            frame, targets, metrics=metrics
        )
    return render(request, "exams/settings.html", context)


def _choices(metrics: list[str]) -> dict:
    return {
        "metric_choices": [(m, fields.METRIC_LABELS[m]) for m in metrics],
        "stat_choices": list(fields.STAT_LABELS.items()),
        "period_choices": list(presenters.PERIOD_LABELS.items()),
        "split_choices": list(presenters.SPLIT_LABELS.items()),
        "day_choices": list(presenters.DAY_LABELS.items()),
    }
