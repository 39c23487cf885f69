"""URLs of the exams app (CONTRACT §4). Names are prefixed ``exams-``."""

from django.urls import path

from exams.views import api, datasets, health, insights, pages, report, saved, system

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
        "api/datasets/<uuid:dataset_id>",
        datasets.delete_dataset,
        name="exams-dataset-delete",
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

# Analysis views beyond the bar chart (CONTRACT §4 "Analysis views").
urlpatterns += [
    path("api/distribution", insights.distribution_api, name="exams-api-distribution"),
    path("api/heatmap", insights.heatmap_api, name="exams-api-heatmap"),
    path("api/compare", insights.compare_api, name="exams-api-compare"),
    path("api/overview", insights.overview_api, name="exams-api-overview"),
    path("api/pareto", insights.pareto_api, name="exams-api-pareto"),
    path("api/top_exams", insights.top_exams_api, name="exams-api-top_exams"),
    path("api/pending", insights.pending_api, name="exams-api-pending"),
    path("api/forecast", insights.forecast_api, name="exams-api-forecast"),
    path("overview", insights.overview_page, name="exams-overview"),
    path(
        "insights/distribution",
        insights.distribution_page,
        name="exams-insights-distribution",
    ),
    path("insights/heatmap", insights.heatmap_page, name="exams-insights-heatmap"),
    path("insights/compare", insights.compare_page, name="exams-insights-compare"),
    path("insights/pareto", insights.pareto_page, name="exams-insights-pareto"),
    path("insights/pending", insights.pending_page, name="exams-insights-pending"),
    path("insights/forecast", insights.forecast_page, name="exams-insights-forecast"),
]
