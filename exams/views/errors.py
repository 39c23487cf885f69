"""Error pages: JSON under /api/, a plain page elsewhere; never a traceback."""

import errno
import functools
import sys

from django.conf import settings
from django.core.exceptions import (
    DisallowedHost,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import OperationalError
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.log import log_response

from exams.storage import uploads

DISK_FULL = (
    "The disk is full: TATviz could not save what it was given. Free some space "
    "on the drive that holds the TATviz data folder, then try again. Nothing was "
    "changed; the data set that was current is still current."
)


UNWRITABLE = (
    "TATviz cannot write in its data folder {folder}: check that the folder "
    "(and uploads, cache and tmp in it) may be written by you, then try again. "
    "Nothing was changed; the data set that was current is still current."
)
UNWRITABLE_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS}


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


def _disk_full(exc: BaseException | None) -> bool:
    if isinstance(exc, OperationalError):
        # SQLite says "database or disk is full".
        return "full" in str(exc).lower()
    return exc is not None and uploads.is_disk_full(exc)


def _unwritable(exc: BaseException | None) -> bool:
    if isinstance(exc, OperationalError):
        return "readonly" in str(exc).lower()  # "attempt to write a readonly database"
    return isinstance(exc, OSError) and exc.errno in UNWRITABLE_ERRNOS


def server_error(request):
    """Answer 500 without details (they are in the log file in the data dir).

    A full disk is not a bug: it gets 507 and a message saying what to do;
    so does a data folder TATviz may no longer write in, named.
    """
    # Django calls this while handling the exception.
    exc = sys.exc_info()[1]
    if _disk_full(exc):
        return _answer(request, "Disk full", DISK_FULL, status=507)
    if _unwritable(exc):
        message = UNWRITABLE.format(folder=settings.DATA_DIR)
        return _answer(request, "Data folder not writable", message, status=507)
    message = (
        "Something went wrong inside TATviz. "
        "The details are in the log file in the data folder."
    )
    return _answer(request, "Error", message, status=500)


def _answer(request, title: str, message: str, *, status: int):
    if _wants_json(request):
        return JsonResponse({"error": message}, status=status)
    context = {"title": title, "message": message}
    return render(request, "exams/error.html", context, status=status)


def _refusal(exception) -> tuple[str, int]:
    """Return the message and status for a request Django refused."""
    if isinstance(exception, TooManyFilesSent):
        return (
            "Too many files in one upload: at most "
            f"{settings.DATA_UPLOAD_MAX_NUMBER_FILES}. Upload them in several "
            "goes (add the rest to the current data set).",
            400,
        )
    if isinstance(exception, TooManyFieldsSent):
        return (
            "Too many form fields in one request: at most "
            f"{settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}.",
            400,
        )
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1048576
        return (
            f"This request's form or JSON body is over {limit:.1f} MB. Send "
            "exports as a file in the multipart field 'file'.",
            413,
        )
    if exception is None or isinstance(exception, DisallowedHost):
        return (
            "This request was refused: TATviz only answers on 127.0.0.1 / localhost.",
            400,
        )
    return "This request was malformed and was refused.", 400


def bad_request(request, exception=None):
    """Answer 400 (413 for a too-large body) for requests Django refuses."""
    message, status = _refusal(exception)
    return _answer(request, "Bad request", message, status=status)


def csrf_failure(request, reason=""):
    """Answer 403 when a POST lacks the CSRF token."""
    message = (
        "This request was refused because it lacked the CSRF token. Reload the page "
        "and try again; scripts send the csrftoken cookie as the X-CSRFToken header."
    )
    return _answer(request, "Refused", message, status=403)


def require_http_methods(methods: list[str]):
    """Decorate a view to answer other methods with 405 and a message.

    Django's own decorator sends an empty body; this one says which methods
    are allowed (JSON under /api/, the error page elsewhere) and keeps the
    ``Allow`` header.
    """

    def decorator(view):
        @functools.wraps(view)
        def inner(request, *args, **kwargs):
            if request.method == "HEAD" and "GET" in methods:
                return _head(view, request, *args, **kwargs)
            if request.method not in methods:
                return method_not_allowed(request, methods)
            return view(request, *args, **kwargs)

        return inner

    return decorator


def _head(view, request, *args, **kwargs):
    """Answer HEAD as GET would, headers only (RFC 9110: HEAD goes with GET)."""
    # The views branch on the method; they see GET and never write for HEAD.
    request.method = "GET"
    try:
        response = view(request, *args, **kwargs)
    finally:
        request.method = "HEAD"
    if not response.streaming:
        length = len(response.content)
        response.content = b""
        response["Content-Length"] = str(length)
    return response


def method_not_allowed(request, methods: list[str]):
    """Answer 405 naming the allowed methods, with the ``Allow`` header."""
    message = f"{request.method} is not allowed here; allowed: {', '.join(methods)}."
    response = _answer(request, "Method not allowed", message, status=405)
    response["Allow"] = ", ".join(methods)
    # As Django's decorator does; the log filter writes the route, not the path.
    log_response(
        "Method Not Allowed (%s): %s",
        request.method,
        request.path,
        response=response,
        request=request,
    )
    return response


require_GET = require_http_methods(["GET"])
require_POST = require_http_methods(["POST"])
