"""Request-level limits: files, fields, form and JSON bodies, waitress's limit."""

import http.client

from django.conf import settings as django_settings

from scripts import smoke_exe
from tests.app_sessions import HTTP_LIMIT_MB
from tests.export_files import GOOD_CSV


def test_too_many_files_in_one_upload(session):
    count = django_settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1
    answer = session.upload([(f"f{i}.csv", GOOD_CSV) for i in range(count)])
    assert answer.status == 400
    assert "Too many files" in answer.json()["error"]
    assert str(count - 1) in answer.json()["error"]


def test_too_many_form_fields(session):
    count = django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1
    fields = {f"x{i}": "1" for i in range(count)}
    answer = session.upload([("good.csv", GOOD_CSV)], fields=fields)
    assert answer.status == 400
    assert "Too many form fields" in answer.json()["error"]


def test_json_body_over_the_form_limit_is_413(session):
    big = {"cancelled_statuses": ["x" * 1000] * 3000}
    answer = session.post_json("/api/settings", big)
    assert answer.status == 413
    assert "multipart field 'file'" in answer.json()["error"]


def test_body_over_the_servers_limit_is_413_before_it_is_read(http_app):
    """waitress refuses a body over TATVIZ_MAX_UPLOAD_MB (+1 MB) from its header.

    The client has sent only headers when the answer comes, so it reads a
    413 instead of a reset connection. Bodies between the two limits reach
    Django, which answers the JSON 413 tested above.
    """
    session = http_app.session()
    token = session.csrf_token()
    conn = http.client.HTTPConnection("127.0.0.1", http_app.port, timeout=30)
    try:
        conn.putrequest("POST", "/api/datasets")
        size = (HTTP_LIMIT_MB + 2) * 1024 * 1024
        conn.putheader("Content-Type", "multipart/form-data; boundary=x")
        conn.putheader("Content-Length", str(size))
        conn.putheader("X-CSRFToken", token)
        conn.putheader(
            "Cookie", "; ".join(f"{k}={v}" for k, v in session.cookies.items())
        )
        conn.endheaders()
        response = conn.getresponse()
        assert response.status == 413
        assert b"Request Entity Too Large" in response.read()
    finally:
        conn.close()
    assert smoke_exe.Browser(f"http://127.0.0.1:{http_app.port}/").request(
        "/healthz"
    ) == (200, b"ok")
