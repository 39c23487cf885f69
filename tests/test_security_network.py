"""Who can reach the app: loopback, Host names, CSRF, cookies, one-time token."""

import contextlib
import http.client
import json
import os
import socket
import stat
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from exams import access
from exams.models import Dataset
from scripts import smoke_exe
from tests.app_sessions import HttpSession, launcher_argv, multipart
from tests.export_files import GOOD_CSV
from tests.security_payload import (
    assert_security_headers,
    concrete_url,
)
from tests.urlconf import url_patterns

# ---- listening address and Host ------------------------------------------------------


def listening_addresses(port: int) -> set[str]:
    """Return the local addresses in LISTEN state on ``port`` (Linux /proc)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            next(rows)
            for row in rows:
                local, state = row.split()[1], row.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:
                    found.add(address)
    return found


def test_server_listens_on_127_0_0_1_only(running):
    if Path("/proc/net/tcp").exists():
        # 0100007F is 127.0.0.1 in /proc's byte order; no IPv6, no 0.0.0.0.
        assert listening_addresses(running.port) == {"0100007F"}
    addresses = ["127.0.0.2"]
    with contextlib.suppress(OSError):  # a CI host name may not resolve
        addresses.append(socket.gethostbyname(socket.gethostname()))
    for address in addresses:
        if address == "127.0.0.1":
            continue
        with (
            pytest.raises(OSError),
            socket.create_connection((address, running.port), 2),
        ):
            pass


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "127.0.0.1.evil.example",
        "localhost.evil.example:8000",
        "10.0.0.5",
    ],
)
def test_other_host_names_are_refused(db, host):
    """DNS rebinding: a page on evil.example pointed at 127.0.0.1 gets 400."""
    client = Client(HTTP_HOST=host)
    for path in ("/", "/api/datasets", "/dashboard"):
        response = client.get(path)
        assert response.status_code == 400
        assert "only answers on 127.0.0.1 / localhost" in response.content.decode()
    assert client.get("/api/options").json()["error"].startswith("This request")


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8123", "[::1]:8000"])
def test_loopback_host_names_are_served(db, host):
    assert Client(HTTP_HOST=host).get("/healthz").status_code == 200


# ---- CSRF ----------------------------------------------------------------------------


UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
# Views known to change something; discovery must find at least these.
KNOWN_WRITERS = {
    "exams-quit",
    "exams-datasets",
    "exams-dataset-add-files",
    "exams-dataset-mapping",
    "exams-dataset-select",
    "exams-dataset-delete",
    "exams-saved-views",
    "exams-saved-view-delete",
    "exams-settings",
    "exams-upload",
    "exams-sample",
}


def test_every_unsafe_request_without_csrf_token_is_refused(payload):
    _, summary, view = payload
    strict = Client(enforce_csrf_checks=True)
    strict.get("/upload")  # a session and the CSRF cookie, but no token sent
    assert settings.CSRF_COOKIE_NAME in strict.cookies
    checked = 0
    for pattern in url_patterns():
        url = concrete_url(pattern, dataset_id=summary["id"], view_id=view.pk)
        for method in UNSAFE:
            response = strict.generic(method, url, b"{}", "application/json")
            assert response.status_code == 403, (method, url, response.status_code)
            assert b"CSRF token" in response.content
            checked += 1
    assert checked == len(UNSAFE) * len(list(url_patterns()))
    # Nothing changed: the payload is still the only data set.
    assert [str(d.pk) for d in Dataset.objects.all()] == [summary["id"]]


def test_csrf_discovery_finds_every_writing_view(payload):
    """With the token, the views that accept POST/DELETE are the ones we know."""
    _, summary, view = payload
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.get("/upload")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    writers = set()
    for pattern in url_patterns():
        url = concrete_url(pattern, dataset_id=summary["id"], view_id=view.pk)
        for method in ("POST", "DELETE"):
            response = client.generic(
                method, url, b"{}", "application/json", headers={"X-CSRFToken": token}
            )
            assert response.status_code != 403, (method, url)
            if response.status_code != 405:
                writers.add(pattern.name)
    assert writers >= KNOWN_WRITERS


def test_cross_site_origin_is_refused_even_with_the_token(db):
    client = Client(enforce_csrf_checks=True)
    client.get("/upload")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    body, content_type = multipart([("good.csv", GOOD_CSV)])
    response = client.generic(
        "POST",
        "/api/datasets",
        body,
        content_type=content_type,
        headers={"X-CSRFToken": token, "Origin": "http://evil.example"},
    )
    assert response.status_code == 403


def test_cookies_are_app_specific_and_same_site_strict(db):
    response = Client().get("/upload")
    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert settings.CSRF_COOKIE_NAME.startswith("tatviz_")
    assert settings.SESSION_COOKIE_NAME.startswith("tatviz_")
    assert cookie["samesite"] == "Strict"
    assert settings.SESSION_COOKIE_SAMESITE == "Strict"
    assert settings.SESSION_COOKIE_HTTPONLY


# ---- one-time-token mode -------------------------------------------------------------


@pytest.fixture
def token_mode(db, settings):
    settings.TATVIZ_REQUIRE_TOKEN = True
    yield
    (Path(settings.DATA_DIR) / access.TOKEN_FILE).unlink(missing_ok=True)


def test_token_mode_refuses_without_the_token(token_mode):
    stranger = Client()
    page = stranger.get("/")
    assert page.status_code == 403
    assert "one-time link" in page.content.decode()
    assert stranger.get("/api/options").json()["error"].startswith("This TATviz")
    body, content_type = multipart([("good.csv", GOOD_CSV)])
    assert (
        stranger.generic(
            "POST", "/api/datasets", body, content_type=content_type
        ).status_code
        == 403
    )
    assert stranger.get("/healthz").status_code == 200
    assert_security_headers(page, "token 403")


def test_token_opens_a_session_once(token_mode):
    token = access.issue_token()
    token_file = Path(settings.DATA_DIR) / access.TOKEN_FILE
    if os.name == "posix":
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600

    wrong = Client().get(f"/?token={token[:-2]}xx")
    assert wrong.status_code == 403  # a wrong guess does not burn the token

    browser = Client()
    first = browser.get(f"/dashboard?token={token}&modality=CT&modality=MR")
    assert first.status_code == 302
    assert first["Location"] == "/dashboard?modality=CT&modality=MR"
    assert browser.get("/upload").status_code == 200
    assert browser.get("/api/datasets").status_code == 200
    body, content_type = multipart([("good.csv", GOOD_CSV)])
    uploaded = browser.generic("POST", "/api/datasets", body, content_type=content_type)
    assert uploaded.status_code == 201

    assert not token_file.exists()
    again = Client()
    assert again.get(f"/?token={token}").status_code == 403
    assert again.get("/upload").status_code == 403


def test_launcher_token_mode_end_to_end(launch, tmp_path):
    app = launch(tmp_path, "--require-token")
    try:
        token_file = tmp_path / access.TOKEN_FILE
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        token = token_file.read_text()
        stranger = app.session()
        assert stranger.get("/").status == 403
        assert stranger.get("/healthz").status == 200

        browser = app.session()
        entry = browser.get(f"/?token={token}")
        assert entry.status == 302 and entry.header("Location") == "/"
        assert browser.get("/api/datasets").status == 200
        assert not token_file.exists()
        assert app.session().get(f"/?token={token}").status == 403

        # A second launch answers with the same line and issues a new token.
        second = smoke_exe.App(launcher_argv(tmp_path, "--require-token"))
        try:
            line = second.next_line(60)
            assert line == f"TATviz already running at http://127.0.0.1:{app.port}/"
            assert second.wait() == 0
        finally:
            second.kill()
        late = app.session()
        assert token_file.read_text() != token
        assert late.get(f"/?token={token_file.read_text()}").status == 302
        assert late.get("/api/datasets").status == 200
    finally:
        assert app.stop() == 0


# ---- static files and HEAD -----------------------------------------------------------


def test_static_files_only_for_loopback_names_and_without_wildcard_cors(db):
    from django.templatetags.static import static

    script = static("exams/js/common.js")
    served = Client(HTTP_HOST="127.0.0.1:8000").get(script)
    assert served.status_code == 200
    assert "Access-Control-Allow-Origin" not in served.headers
    for host in ("evil.example", "127.0.0.1.evil.example:8000"):
        refused = Client(HTTP_HOST=host).get(script)
        assert refused.status_code == 400, host
        assert "Access-Control-Allow-Origin" not in refused.headers
        assert b"only answers on 127.0.0.1" in refused.content


def test_head_is_answered_wherever_get_is(payload):
    client, summary, view = payload
    assert client.head("/healthz").status_code == 200
    checked = 0
    for pattern in url_patterns():
        url = concrete_url(pattern, dataset_id=summary["id"], view_id=view.pk)
        got = client.get(url)
        if got.status_code == 405:
            continue  # GET not allowed: HEAD need not be either
        head = client.head(url)
        assert head.status_code == got.status_code, url
        assert head.content == b"", url
        if not got.streaming and got.status_code == 200:
            assert head["Content-Length"] == str(len(got.content)), url
        checked += 1
    assert checked > 20


def test_head_healthz_on_the_running_server(running):
    answer = running.session().request("HEAD", "/healthz")
    assert (answer.status, answer.body) == (200, b"")
    assert answer.header("Content-Length") == "2"


# ---- the one-time token never on a command line --------------------------------------


def test_browser_opens_a_private_launch_file_not_the_token(token_mode, monkeypatch):
    import launcher

    opened = []
    monkeypatch.setattr(launcher.webbrowser, "open", opened.append)
    entry = access.browser_entry("http://127.0.0.1:8123/", browser=True)
    launcher.open_browser(entry)

    token = (Path(settings.DATA_DIR) / access.TOKEN_FILE).read_text()
    assert opened == [entry]
    assert token not in entry and entry.startswith("file:")
    launch_file = access.launch_file_of(entry)
    assert launch_file.parent == Path(settings.DATA_DIR)
    if os.name == "posix":
        assert stat.S_IMODE(launch_file.stat().st_mode) == 0o600
    page = launch_file.read_text()
    assert 'method="post" action="http://127.0.0.1:8123/"' in page
    assert f'name="token" value="{token}"' in page

    # What the page sends (from file://, so without a CSRF token).
    browser = Client(enforce_csrf_checks=True)
    entered = browser.post("/", {"token": token})
    assert entered.status_code == 200
    assert b'<meta http-equiv="refresh" content="0;url=/">' in entered.content
    assert not launch_file.exists()
    assert browser.get("/upload").status_code == 200
    assert Client().post("/", {"token": token}).status_code == 403
    # A second launch opens the same browser on a new launch file.
    again = access.launch_file_of(
        access.browser_entry("http://127.0.0.1:8123/", browser=True)
    )
    second = (Path(settings.DATA_DIR) / access.TOKEN_FILE).read_text()
    assert browser.post("/", {"token": second}).status_code == 200
    assert not again.exists()
    assert not (Path(settings.DATA_DIR) / access.TOKEN_FILE).exists()


def test_an_unused_launch_file_expires(token_mode, monkeypatch):
    monkeypatch.setattr(access, "LAUNCH_FILE_SECONDS", 0.3)
    entry = access.browser_entry("http://127.0.0.1:8123/", browser=True)
    launch_file = access.launch_file_of(entry)
    assert launch_file.exists()
    access.expire_launch_file(entry, wait=True)
    assert not launch_file.exists()
    # The running server's way: a timer, so serving goes on meanwhile.
    entry = access.browser_entry("http://127.0.0.1:8123/", browser=True)
    launch_file = access.launch_file_of(entry)
    access.expire_launch_file(entry, wait=False)
    assert launch_file.exists()
    deadline = time.monotonic() + 5
    while launch_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not launch_file.exists()
    # Without a browser the launch file is not written; the token file is.
    assert access.browser_entry("http://127.0.0.1:8123/", browser=False) == (
        "http://127.0.0.1:8123/"
    )
    assert list(Path(settings.DATA_DIR).glob("launch-*.html")) == []
    assert (Path(settings.DATA_DIR) / access.TOKEN_FILE).exists()


def post_form(port: int, path: str, fields: dict) -> tuple[int, bytes, dict]:
    """POST a form as a page on file:// would: no cookie, no CSRF token."""
    from urllib.parse import urlencode

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            path,
            body=urlencode(fields),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": "null",
            },
        )
        response = conn.getresponse()
        cookies = {}
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.read(), cookies
    finally:
        conn.close()


def test_the_token_reaches_the_browser_on_no_command_line(tmp_path, monkeypatch):
    """The real launcher opens a stand-in browser that looks at every process."""
    record = tmp_path / "browser.json"
    fake = Path(__file__).resolve().parent / "fake_browser.py"
    monkeypatch.setenv("BROWSER", f"{sys.executable} {fake} %s")
    monkeypatch.setenv("TATVIZ_FAKE_BROWSER_RECORD", str(record))
    data = tmp_path / "data"
    argv = launcher_argv(data, "--port", "0", "--require-token")
    argv.remove("--no-browser")
    app = smoke_exe.App(argv)
    try:
        port = int(app.next_line(60).rsplit(":", 1)[1].rstrip("/"))
        deadline = time.monotonic() + 30
        while not record.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        seen = json.loads(record.read_text())
        token = seen["token"]
        assert len(token) >= 40
        assert token not in " ".join(seen["argv"])
        assert seen["command_lines"] == []  # no process, the launcher included
        assert seen["mode"] == 0o600
        assert Path(seen["launch_file"]).parent == data

        status, body, cookies = post_form(port, "/", {"token": token})
        assert status == 200 and b'http-equiv="refresh"' in body
        assert not Path(seen["launch_file"]).exists()
        assert not (data / access.TOKEN_FILE).exists()
        browser = HttpSession(port, data)
        browser.cookies = cookies
        assert browser.get("/upload").status == 200
        assert post_form(port, "/", {"token": token})[0] == 403
    finally:
        app.proc.terminate()
        app.wait()


def test_a_session_id_read_from_the_database_gives_no_way_in(token_mode):
    from django.contrib.sessions.models import Session

    browser = Client()
    assert browser.get(f"/?token={access.issue_token()}").status_code == 302
    cookie = browser.cookies[settings.SESSION_COOKIE_NAME].value
    assert browser.get("/upload").status_code == 200
    stored = list(Session.objects.values_list("session_key", flat=True))
    assert stored and cookie not in stored
    for key in stored:
        thief = Client()
        thief.cookies[settings.SESSION_COOKIE_NAME] = key
        assert thief.get("/upload").status_code == 403
        assert thief.get("/api/datasets").status_code == 403
