from django.http import HttpResponse

from exams.views.errors import require_GET


@require_GET
def healthz(request):
    """Answer ``ok`` once the app can serve requests (the launcher waits on it)."""
    return HttpResponse("ok", content_type="text/plain")
