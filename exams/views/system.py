"""System views: stopping the desktop app from the browser."""

from django.http import JsonResponse

from exams import lifecycle
from exams.views._common import json_error
from exams.views.errors import require_POST


@require_POST
def quit_app(request):
    """Stop the launcher's server shortly after answering ``202``."""
    if not lifecycle.request_shutdown():
        return json_error(
            "This server was not started by the TATviz launcher; "
            "stop it where it was started.",
            status=409,
        )
    return JsonResponse({"status": "stopping"}, status=202)
