"""Top-level URLs: the exams app serves everything."""

from django.urls import include, path

urlpatterns = [
    path("", include("exams.urls")),
]

handler400 = "exams.views.errors.bad_request"
handler404 = "exams.views.errors.not_found"
handler500 = "exams.views.errors.server_error"
