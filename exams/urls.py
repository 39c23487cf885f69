"""URLs of the exams app (docs/API.md). Names are prefixed ``exams-``."""

from django.urls import path

from exams.views import analysis, api, datasets, health, pages, report, saved, system
from exams.views import chain as chain_views

urlpatterns = [
    path("healthz", health.healthz, name="exams-healthz"),
    path("api/quit", system.quit_app, name="exams-quit"),
    path("api/datasets", datasets.datasets_collection, name="exams-datasets"),
    path(
        "api/datasets/current",
        datasets.current_dataset,
        name="exams-dataset-current",
    ),
    path(
        "api/datasets/current/files",
        datasets.add_files,
        name="exams-dataset-add-files",
    ),
    path(
        "api/datasets/<uuid:dataset_id>/mapping",
        datasets.apply_mapping,
        name="exams-dataset-mapping",
    ),
    path(
        "api/datasets/<uuid:dataset_id>/select",
        datasets.select_dataset,
        name="exams-dataset-select",
    ),
    path(
        "api/datasets/<uuid:dataset_id>/name",
        datasets.rename_dataset,
        name="exams-dataset-rename",
    ),
    path(
        "api/datasets/<uuid:dataset_id>",
        datasets.delete_dataset,
        name="exams-dataset-delete",
    ),
    path(
        "api/uploads/<path:upload_id>/progress",
        datasets.upload_progress,
        name="exams-upload-progress",
    ),
    path("api/views", saved.saved_views, name="exams-saved-views"),
    path(
        "api/views/<int:view_id>",
        saved.delete_saved_view,
        name="exams-saved-view-delete",
    ),
    path("api/options", api.options, name="exams-options"),
    path("api/series", api.series, name="exams-series"),
    path("api/summary", api.summary, name="exams-summary"),
    path("api/exams", api.exam_list, name="exams-exam-list"),
    # <path:…>: some RIS accession numbers hold a "/" (CT/2025/001); clients
    # percent-encode it, and the server sees the decoded path.
    path("api/exams/<path:accession>", api.exam_detail, name="exams-exam-detail"),
    path("api/settings", api.app_settings, name="exams-settings"),
    # Pages (HTML) for people; the API above is for scripts and the pages' JS.
    path("", pages.home, name="exams-home"),
    path("upload", pages.upload, name="exams-upload"),
    path("sample", pages.load_sample, name="exams-sample"),
    path("dashboard", pages.dashboard, name="exams-dashboard"),
    path("dashboard/data", pages.dashboard_data, name="exams-dashboard-data"),
    path("report", report.download_report, name="exams-report"),
    path("exams", pages.exam_list, name="exams-list"),
    path("exams/drill", pages.drill, name="exams-drill"),
    path("data", pages.data_page, name="exams-data"),
    path(
        "data/<uuid:dataset_id>/reload",
        datasets.reload_dataset,
        name="exams-dataset-reload",
    ),
    path("settings", pages.settings_page, name="exams-settings-page"),
]

# Analysis views beyond the bar chart (docs/API.md, "Analysis views").
urlpatterns += [
    path("api/distribution", analysis.distribution_api, name="exams-api-distribution"),
    path("api/heatmap", analysis.heatmap_api, name="exams-api-heatmap"),
    path("api/compare", analysis.compare_api, name="exams-api-compare"),
    path("api/overview", analysis.overview_api, name="exams-api-overview"),
    path("api/pareto", analysis.pareto_api, name="exams-api-pareto"),
    path("api/top_exams", analysis.top_exams_api, name="exams-api-top_exams"),
    path("api/pending", analysis.pending_api, name="exams-api-pending"),
    path("api/forecast", analysis.forecast_api, name="exams-api-forecast"),
    path("overview", analysis.overview_page, name="exams-overview"),
    path(
        "insights/distribution",
        analysis.distribution_page,
        name="exams-insights-distribution",
    ),
    path("insights/heatmap", analysis.heatmap_page, name="exams-insights-heatmap"),
    path("insights/compare", analysis.compare_page, name="exams-insights-compare"),
    path("insights/pareto", analysis.pareto_page, name="exams-insights-pareto"),
    path("insights/pending", analysis.pending_page, name="exams-insights-pending"),
    path("insights/forecast", analysis.forecast_page, name="exams-insights-forecast"),
]

# Where the time goes: segments and control charts; holidays from a CSV.
urlpatterns += [
    path("api/segments", chain_views.segments_api, name="exams-api-segments"),
    path("api/control", chain_views.control_api, name="exams-api-control"),
    path("api/settings/holidays", chain_views.holidays_api, name="exams-holidays"),
    path(
        "insights/segments",
        chain_views.segments_page,
        name="exams-insights-segments",
    ),
    path("insights/control", chain_views.control_page, name="exams-insights-control"),
]
