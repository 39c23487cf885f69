"""The report to send, in a real Chromium: downloaded from the dashboard,
opened from disk with the network cut off, and served with its own CSP.

Expected names come from the sample CSV, never from TATviz.
"""

import re
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "ris_export_sample.csv"
VIEW = (
    "dashboard?metric=complete_to_final&split=priority&start=2025-07-01&end=2025-09-30"
)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def physicians() -> set[str]:
    raw = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    return {n for n in raw["Ordering Physician"] if n}


def priorities() -> set[str]:
    raw = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    return set(raw["Priority"])


def load_sample(visit) -> None:
    page = visit.page
    page.goto(visit.app.url)
    page.click("#sample-button")
    page.wait_for_url("**/dashboard")


def wait_for_plots(page) -> None:
    """Wait until the three figures of a report are drawn."""
    page.wait_for_function(
        "() => ['chart', 'distribution', 'heatmap'].every(id => {"
        " const n = document.getElementById(id);"
        " return n && n._fullData && n._fullData.length"
        " && n.querySelector('.plot-container svg.main-svg'); })"
    )
    # The embedded bundle knows each trace type (else Plotly draws a scatter).
    assert page.evaluate(
        "() => ['chart', 'distribution', 'heatmap'].every(id => {"
        " const n = document.getElementById(id);"
        " return n._fullData.every(t => t.type === (n.data[t.index].type"
        " || 'scatter')); })"
    )


class Offline:
    """A browser context that can only read files: every other request fails."""

    def __init__(self, browser):
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        self.requests: list[str] = []
        self.errors: list[str] = []
        # One address may answer, with a body and headers of the test's own.
        self.served: str | None = None
        self.body = b""
        self.headers: dict[str, str] = {}
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route):
        url = route.request.url
        if url.startswith("file://"):
            route.continue_()
        elif url == self.served:
            route.fulfill(status=200, body=self.body, headers=self.headers)
        else:
            self.requests.append(url)
            route.abort()

    def _console(self, message):
        if message.type in ("error", "warning"):
            self.errors.append(f"{message.type}: {message.text}")


def test_report_from_the_dashboard_opens_offline(visit, browser, tmp_path):
    page = visit.page
    load_sample(visit)
    page.goto(visit.app.url + VIEW)
    page.wait_for_function(
        "() => { const c = document.getElementById('chart');"
        " return c && c.data && c.data.length; }"
    )

    # A PNG of the dashboard chart: the button, and Plotly's camera.
    with page.expect_download() as png:
        page.click("#chart-png")
    assert png.value.suggested_filename == "tatviz-chart.png"
    assert Path(png.value.path()).read_bytes().startswith(PNG_MAGIC)
    page.hover("#chart")
    titles = page.eval_on_selector_all(
        "#chart .modebar-btn", "bs => bs.map(b => b.getAttribute('data-title'))"
    )
    assert "Download plot as a PNG" in titles
    # Plotly 4's "Share chart" would send the figure to Plotly Cloud.
    assert not [t for t in titles if "Share" in t]
    config = page.evaluate("() => document.getElementById('chart')._context")
    assert config["showSendToCloud"] is False and config["plotlyServerURL"] == ""
    assert {"sendDataToCloud", "sendChartToCloud"} <= set(
        config["modeBarButtonsToRemove"]
    )

    page.check("#report-anonymize")
    with page.expect_download() as info:
        page.click("#report-button")
    download = info.value
    assert download.suggested_filename == "tatviz-report-2025-Q3.html"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    # The dashboard stays where it was; the checkbox is not a filter.
    assert page.url == visit.app.url + VIEW
    visit.shot("dashboard-report-controls")

    offline = Offline(browser)
    report = offline.page
    report.goto(saved.as_uri())
    wait_for_plots(report)
    names = report.evaluate(
        "() => document.getElementById('chart')._fullData.map(t => t.name)"
    )
    assert set(names) == priorities()
    assert report.locator("#chart g.trace.scatter").count() == len(names)
    assert report.locator("#distribution g.trace.bars").count() == 1
    assert report.locator("#heatmap .heatmaplayer image").count() == 1
    text = report.locator("body").inner_text()
    assert "Anonymised" in text
    assert [n for n in physicians() if n in text] == []
    assert not re.search(r"\bA\d{7}\b", text)
    report.screenshot(path=str(visit.artifacts / "report-offline.png"), full_page=True)

    # Its own PNG buttons and the camera work from disk, offline.
    with report.expect_download() as png:
        report.click("button[data-png=heatmap]")
    assert png.value.suggested_filename == "tatviz-heatmap.png"
    assert Path(png.value.path()).read_bytes().startswith(PNG_MAGIC)
    report.hover("#distribution")
    with report.expect_download() as png:
        report.click("#distribution .modebar-btn[data-title='Download plot as a PNG']")
    assert png.value.suggested_filename == "tatviz-distribution.png"

    assert offline.requests == []
    assert offline.errors == []
    offline.context.close()
    assert visit.watch.outside == []
    assert visit.watch.errors == []


def test_report_served_with_its_csp_still_draws(visit, browser):
    """Were a browser to show the download instead of saving it, the
    report's own Content-Security-Policy (not the app's) applies."""
    load_sample(visit)
    response = visit.page.request.get(visit.app.url + "report?split=modality")
    assert response.status == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy

    offline = Offline(browser)
    offline.served = "http://report.invalid/report.html"
    offline.body = response.body()
    offline.headers = {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": policy,
    }
    offline.page.goto(offline.served)
    wait_for_plots(offline.page)
    assert offline.page.locator("#chart g.trace.bars").count() >= 9
    assert offline.requests == []
    # A blocked script or style would be reported here as a CSP violation.
    assert offline.errors == []
    offline.context.close()
