"""Error answers of exams/views/errors.py through Django's stack: 405."""

import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, reverse
from django.urls.converters import IntConverter, UUIDConverter

from tests.urlconf import url_patterns


def concrete_url(pattern: URLPattern) -> str:
    kwargs = {}
    for name, converter in pattern.pattern.converters.items():
        if isinstance(converter, UUIDConverter):
            kwargs[name] = uuid.uuid4()
        elif isinstance(converter, IntConverter):
            kwargs[name] = 1
        else:
            kwargs[name] = "CT/2025/001"
    return reverse(pattern.name, kwargs=kwargs)


def test_every_405_says_which_methods_are_allowed(db):
    # No view accepts PUT, so every route answers it with 405.
    client = Client()
    api = 0
    for pattern in url_patterns():
        url = concrete_url(pattern)
        response = client.put(url, b"{}", content_type="application/json")
        assert response.status_code == 405, url
        allowed = response["Allow"]
        assert allowed, url
        if url.startswith("/api/"):
            api += 1
            assert response["Content-Type"] == "application/json", url
            assert response.json() == {
                "error": f"PUT is not allowed here; allowed: {allowed}."
            }, url
        else:
            assert f"allowed: {allowed}." in response.content.decode(), url
    assert api >= 20


@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [
        ("get", "/api/quit", "POST"),
        ("post", "/api/series", "GET"),
        ("delete", "/api/exams/CT%2F2025%2F001", "GET"),
        ("get", "/api/datasets/current/files", "POST"),
        ("put", "/api/settings", "GET, POST"),
        ("get", f"/api/datasets/{uuid.uuid4()}", "DELETE, POST"),
    ],
)
def test_api_405_is_json_with_the_allow_header(db, method, url, allowed):
    response = getattr(Client(), method)(url)
    assert response.status_code == 405
    assert response["Allow"] == allowed
    assert response.json()["error"].endswith(f"allowed: {allowed}.")
    # The security headers ride on it like on every other answer.
    assert response["X-Content-Type-Options"] == "nosniff"
