"""Error pages: JSON under /api/, a plain page elsewhere; never a traceback."""

from django.http import JsonResponse
from django.shortcuts import render


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    """Answer 404 with a message a person can act on."""
    message = (
        f"Nothing at {request.path}. Check the address or go back to the start page."
    )
    if _wants_json(request):
        return JsonResponse({"error": message}, status=404)
    return render(
        request,
        "exams/error.html",
        {"title": "Not found", "message": message},
        status=404,
    )


def server_error(request):
    """Answer 500 without details (they are in the log file in the data dir)."""
    message = (
        "Something went wrong inside TATviz. "
        "The details are in the log file in the data folder."
    )
    if _wants_json(request):
        return JsonResponse({"error": message}, status=500)
    return render(
        request, "exams/error.html", {"title": "Error", "message": message}, status=500
    )


def bad_request(request, exception=None):
    """Answer 400 for requests Django refuses (e.g. a host that is not loopback)."""
    message = "This request was refused: TATviz only answers on 127.0.0.1 / localhost."
    if _wants_json(request):
        return JsonResponse({"error": message}, status=400)
    return render(
        request,
        "exams/error.html",
        {"title": "Bad request", "message": message},
        status=400,
    )


def csrf_failure(request, reason=""):
    """Answer 403 when a POST lacks the CSRF token."""
    message = (
        "This request was refused because it lacked the CSRF token. Reload the page "
        "and try again; scripts send the csrftoken cookie as the X-CSRFToken header."
    )
    if _wants_json(request):
        return JsonResponse({"error": message}, status=403)
    return render(
        request,
        "exams/error.html",
        {"title": "Refused", "message": message},
        status=403,
    )
