"""URLs of the exams app (CONTRACT §4). Names are prefixed ``exams-``."""

from django.urls import path

from exams.views import datasets, health, system

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
]
