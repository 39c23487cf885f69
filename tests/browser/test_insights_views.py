"""Each analysis view in a real Chromium against the real app (launcher.py).

The sample export is loaded the way a person does it; expected numbers come
from pandas on the sample CSV itself, never from TATviz. Every view must draw
its charts with no console error and no request leaving 127.0.0.1; one
screenshot per view goes to docs/ for the README.
"""

import csv
import re
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
import pytest

from tests.browser.conftest import docs_shot

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "ris_export_sample.csv"
VIEWS = {
    "overview": ("overview", ["chart-overview"]),
    "distribution": (
        "insights/distribution?by=modality",
        ["chart-buckets", "chart-boxes"],
    ),
    "heatmap": ("insights/heatmap", ["chart-heatmap"]),
    "compare": ("insights/compare", ["chart-compare"]),
    "pareto": ("insights/pareto?by=modality", ["chart-pareto", "chart-top"]),
    "pending": ("insights/pending", ["chart-pending"]),
    "forecast": ("insights/forecast", ["chart-forecast"]),
}
DRAWN_JS = (
    "ids => ids.every(id => { const n = document.getElementById(id);"
    " return n && n.data && n.data.length > 0 && n.querySelector('.main-svg'); })"
)
# Plotly.js draws a trace of a type its bundle lacks as a scatter, silently:
# every drawn trace must keep the type the figure asked for.
TYPES_KEPT_JS = (
    "ids => ids.every(id => { const n = document.getElementById(id);"
    " return n._fullData.every(t => t.type === (n.data[t.index].type || 'scatter'));"
    " })"
)
# Plotly keeps a chart's config in _context: no way to send it to the cloud.
CLOUD_OFF_JS = (
    "ids => ids.every(id => { const c = document.getElementById(id)._context;"
    " return c.showSendToCloud === false && c.plotlyServerURL === '' &&"
    " ['sendDataToCloud', 'sendChartToCloud'].every("
    "b => c.modeBarButtonsToRemove.includes(b)); })"
)


@cache
def sample() -> pd.DataFrame:
    """Return the sample's exams: first row per accession, times parsed."""
    raw = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    raw = raw.drop_duplicates(subset="Order Procedure Accession", keep="first")

    def when(column: str) -> pd.Series:
        return pd.to_datetime(raw[column], format="%m/%d/%Y %H:%M", errors="coerce")

    exams = pd.DataFrame(
        {
            "exam": raw["Exam Order Name"],
            "ordered": when("Exam Order Date/Time"),
            "completed": when("Exam Complete Date/Tm"),
            "final": when("Final Date/Tm"),
            "preliminary": when("Prelim Date/Tm"),
        }
    )
    exams["report_tat"] = (exams["final"] - exams["completed"]).dt.total_seconds() / 60
    return exams


def open_sample(visit) -> None:
    page = visit.page
    page.goto(visit.app.url)
    page.get_by_role("button", name="Explore the sample export").click()
    page.wait_for_url("**/dashboard")


def show(visit, name: str):
    """Open one view, wait until its charts are drawn, take its screenshots."""
    path, charts = VIEWS[name]
    page = visit.page
    response = page.goto(visit.app.url + path)
    assert response.status == 200, name
    page.wait_for_function(DRAWN_JS, arg=charts)
    assert page.evaluate(CLOUD_OFF_JS, charts), name
    assert page.evaluate(TYPES_KEPT_JS, charts), name
    page.evaluate("window.scrollTo(0, 0)")
    visit.shot(name)
    docs_shot(page, name)
    return page


def cells(page, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"{selector} tbody tr",
        "rows => rows.map(r => Array.from(r.children).map(c => c.innerText.trim()))",
    )


def assert_clean(visit) -> None:
    assert visit.watch.outside == [], "requests left 127.0.0.1"
    assert visit.watch.errors == [], "console errors"


def test_every_view_renders_from_the_sample(visit):
    exams = sample()
    last = exams["completed"].max().normalize()
    open_sample(visit)

    page = show(visit, "overview")
    week = exams["completed"].between(
        last - pd.Timedelta(days=6), last + pd.Timedelta(days=1)
    )
    overview = cells(page, "#overview-table")
    assert overview[0][0] == "Exams completed"
    assert overview[0][1] == f"{int(week.sum()):,}"
    month = exams["completed"].between(
        last - pd.Timedelta(days=27), last + pd.Timedelta(days=1)
    )
    assert overview[0][4] == f"{int(month.sum()):,}"

    page = show(visit, "distribution")
    tat = exams["report_tat"]
    valid = tat[tat >= 0]
    edges = [0, 60, 240, 720, 1440, 2880, np.inf]
    expected = pd.cut(valid, edges, right=False).value_counts(sort=False).tolist()
    expected.append(int(exams["final"].isna().sum()))
    shown = [int(row[1].replace(",", "")) for row in cells(page, "#bucket-table")]
    assert shown == expected

    page = show(visit, "heatmap")
    z = page.evaluate("() => document.getElementById('chart-heatmap').data[0].z")
    completed = exams["completed"]
    grid = np.zeros((7, 24), dtype=int)
    np.add.at(grid, (completed.dt.day_of_week, completed.dt.hour), 1)
    assert np.array(z).tolist() == grid.tolist()

    page = show(visit, "compare")
    current = exams["completed"].between(
        last - pd.Timedelta(days=27), last + pd.Timedelta(days=1)
    )
    assert cells(page, "#compare-table")[0][1] == f"{int(current.sum()):,}"

    page = show(visit, "pareto")
    top_name, top_count = (
        exams["exam"].value_counts().index[0],
        exams["exam"].value_counts().iloc[0],
    )
    trend = page.evaluate("() => document.getElementById('chart-top').data[0].meta")
    assert trend == top_name
    bars = page.evaluate(
        "() => Array.from(document.getElementById('chart-pareto').data[0].y)"
    )
    assert sum(bars) == len(exams)
    assert top_count > 0

    page = show(visit, "pending")
    assert page.inner_text("#pending-total") == str(int(exams["final"].isna().sum()))
    # Oldest first, aged to the latest time anywhere in the export.
    as_of = max(exams[c].max() for c in ("ordered", "completed", "final"))
    oldest = exams.loc[exams["final"].isna(), "completed"].min()
    hours = round((as_of - oldest).total_seconds() / 60) // 60
    heads = page.locator("#pending-table thead th").all_inner_texts()
    first = cells(page, "#pending-table")[0][heads.index("Waiting")]
    assert first.startswith(f"{hours // 24} d {hours % 24} h")

    page = show(visit, "forecast")
    traces = page.evaluate(
        "() => document.getElementById('chart-forecast').data.map(t => t.name)"
    )
    assert traces == ["All (actual)", "All (80% interval)", "All (forecast)"]
    assert page.inner_text("#model-error") and page.inner_text("#baseline-error")
    assert_clean(visit)


def test_drill_down_and_download(visit):
    exams = sample()
    open_sample(visit)
    page = show(visit, "pareto")
    bar = page.locator("#chart-pareto g.trace.bars g.point").nth(0).bounding_box()
    page.mouse.click(bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] / 2)
    page.wait_for_url(re.compile(r"/exams\?"))
    assert parse_qs(urlsplit(page.url).query)["modality"] == ["XR"]
    xr = int(exams["exam"].str.startswith(("XR ",)).sum())
    assert f"of {xr:,}" in page.locator("#list-count").inner_text()
    visit.shot("pareto-drill")

    show(visit, "distribution")
    with page.expect_download() as info:
        page.click("#csv-link")
    target = visit.artifacts / "distribution.csv"
    info.value.save_as(target)
    with open(target, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    # The page's link downloads the CSV for people (human headers).
    assert [r["Bucket"] for r in rows][-1] == "pending"
    assert sum(int(r["Exams"]) for r in rows) == int(
        (sample()["report_tat"] >= 0).sum() + sample()["final"].isna().sum()
    )
    assert_clean(visit)
