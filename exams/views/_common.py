"""Helpers shared by the views: JSON errors and the current data set."""

from django.http import JsonResponse


def json_error(message: str, *, status: int = 400, **extra) -> JsonResponse:
    """Return the contract's error shape: ``{"error": message, ...}``."""
    return JsonResponse({"error": message, **extra}, status=status)
