"""Security headers and a local CSP on every response; no cloud, no caching."""

import re
from pathlib import Path

from django.templatetags.static import static
from django.test import Client

from exams.middleware import CONTENT_SECURITY_POLICY
from exams.presentation import report
from tests.security_payload import (
    assert_csp_is_local,
    assert_security_headers,
    csp_directives,
    get_everything,
)


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
