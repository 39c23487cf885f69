"""Saved views: a named dashboard query string the user can reopen."""

import json
from urllib.parse import parse_qsl, urlencode

from django.http import JsonResponse
from django.urls import reverse

from exams.models import SavedView
from exams.views._common import json_error
from exams.views.errors import require_http_methods

MAX_NAME = 120


def _as_json(view: SavedView) -> dict:
    path = reverse("exams-dashboard")
    return {
        "id": view.pk,
        "name": view.name,
        "query": view.query,
        "url": f"{path}?{view.query}" if view.query else path,
    }


def _clean_query(raw: str) -> str:
    """Return the query string re-encoded, without a leading '?' or paging."""
    pairs = parse_qsl(raw.lstrip("?"), keep_blank_values=False)
    return urlencode([(k, v) for k, v in pairs if k not in {"page", "format"}])


def _read_body(request) -> tuple[str, str]:
    try:
        body = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        raise ValueError('Send a JSON object: {"name": "…", "query": "modality=CT&…"}.')
    name = str(body.get("name", "")).strip()
    if not name or len(name) > MAX_NAME:
        raise ValueError(f"Give the view a name of 1 to {MAX_NAME} characters.")
    return name, _clean_query(str(body.get("query", "")))


@require_http_methods(["GET", "POST"])
def saved_views(request):
    """``GET`` lists saved views; ``POST`` saves (or replaces) one by name."""
    if request.method == "GET":
        return JsonResponse({"views": [_as_json(v) for v in SavedView.objects.all()]})
    try:
        name, query = _read_body(request)
    except ValueError as exc:
        return json_error(str(exc))
    view, created = SavedView.objects.update_or_create(
        name=name, defaults={"query": query}
    )
    return JsonResponse(_as_json(view), status=201 if created else 200)


@require_http_methods(["DELETE", "POST"])
def delete_saved_view(request, view_id: int):
    """Delete a saved view."""
    deleted, _ = SavedView.objects.filter(pk=view_id).delete()
    if not deleted:
        return json_error(f"No saved view with id {view_id}.", status=404)
    return JsonResponse({"deleted": view_id})
