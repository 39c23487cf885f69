"""Segments, control chart and working-time settings in a real Chromium.

Expected numbers come from pandas on the sample CSV itself; screenshots of
both views go to docs/ for the README.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from sample_data.vocab import EXAM_PREFIXES
from tests.browser.conftest import docs_shot
from tests.browser.test_insights_views import (
    CLOUD_OFF_JS,
    DRAWN_JS,
    assert_clean,
    cells,
    open_sample,
    sample,
)

pytestmark = pytest.mark.browser


def show(visit, path: str, chart: str, name: str):
    page = visit.page
    response = page.goto(visit.app.url + path)
    assert response.status == 200, name
    page.wait_for_function(DRAWN_JS, arg=[chart])
    assert page.evaluate(CLOUD_OFF_JS, [chart]), name
    # The shared filter bar, on the left of the view as on every insight page.
    bar = page.locator("#filter-bar").bounding_box()
    main = page.locator(".with-filters-main").bounding_box()
    assert bar and main and bar["x"] + bar["width"] <= main["x"], name
    page.evaluate("window.scrollTo(0, 0)")
    visit.shot(name)
    docs_shot(page, name, full_page=True)
    return page


def minutes_text(value: float) -> str:
    total = int(value + 0.5)
    if total < 60:
        return f"{total} min"
    return f"{total // 60} h {total % 60:02d} min"


def test_segments_and_control_chart_from_the_sample(visit):
    exams = sample()
    open_sample(visit)

    page = show(visit, "insights/segments", "chart-segments", "segments")
    order_to_complete = (exams["completed"] - exams["ordered"]).dt.total_seconds()
    order_to_complete = order_to_complete[order_to_complete >= 0] / 60
    # The sample has preliminary reports: complete → preliminary is the
    # second link, over the exams that have both times.
    prelim = (exams["preliminary"] - exams["completed"]).dt.total_seconds() / 60
    prelim = prelim[prelim >= 0]
    first_row = cells(page, "#segments-table")[0]
    assert first_row[0] == "All"
    assert first_row[1].startswith(minutes_text(order_to_complete.median()))
    assert first_row[2].startswith(minutes_text(prelim.median()))
    assert f"(n = {prelim.size:,})" in first_row[2]

    page = show(
        visit,
        "insights/control?period=week&baseline_end=2025-06-29",
        "chart-control",
        "control",
    )
    tat = exams["report_tat"]
    ok = tat.notna() & (tat >= 0)
    week = exams.loc[ok, "completed"].dt.to_period("W-SUN").dt.start_time
    weekly = tat[ok].groupby(week).median()
    y = page.evaluate("() => document.getElementById('chart-control').data[3].y")
    assert [v for v in y if v is not None] == pytest.approx(weekly.tolist())
    # The baseline: the weeks starting on or before Sunday 29 June.
    baseline = weekly[weekly.index <= "2025-06-29"]
    assert page.inner_text("#centre") == f"{baseline.mean():.1f}"

    # A point of the chart opens the exam list of its week.
    page.goto(visit.app.url + "insights/control?period=week&stat=mean")
    page.wait_for_function(DRAWN_JS, arg=["chart-control"])
    point = page.locator("#chart-control g.trace.scatter").nth(3)
    box = point.locator("path.point").nth(1).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(re.compile(r"/exams\?"))
    query = parse_qs(urlsplit(page.url).query)
    start = pd.Timestamp(query["start"][0])
    assert start.day_of_week == 0
    assert pd.Timestamp(query["end"][0]) - start == pd.Timedelta(days=6)
    assert_clean(visit)


def test_working_time_settings_save(visit):
    page = visit.page
    page.goto(visit.app.url + "settings")
    form = page.locator("#working-time-form")
    form.locator("input[value=Sat]").check()
    page.fill("#holidays", "2025-01-01\n2024-12-25")
    form.get_by_role("button", name="Save working time").click()
    form.locator("[data-saved]").wait_for(state="visible")
    visit.shot("working-time-saved")
    saved = page.evaluate(
        "() => fetch('/api/settings').then(r => r.json()).then(b => b.working_time)"
    )
    assert saved["days"] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    assert saved["holidays"] == ["2024-12-25", "2025-01-01"]
    intervals = page.locator("#custom-intervals-form")
    intervals.get_by_role("button", name="Add an interval").click()
    row = intervals.locator(".custom-interval-row").last
    row.locator("[name=name]").fill("order_to_prelim")
    row.locator("[name=start]").select_option("ordered_at")
    row.locator("[name=end]").select_option("preliminary_at")
    intervals.get_by_role("button", name="Save intervals").click()
    intervals.locator("[data-saved]").wait_for(state="visible")
    visit.shot("custom-interval-saved")
    saved = page.evaluate(
        "() => fetch('/api/settings').then(r => r.json()).then(b => b.custom_intervals)"
    )
    assert saved == [
        {
            "name": "order_to_prelim",
            "label": "Ordered → preliminary",
            "start": "ordered_at",
            "end": "preliminary_at",
        }
    ]
    page.fill("#working-time-form [name=end]", "07:00")
    form.get_by_role("button", name="Save working time").click()
    error = form.locator("[data-error]")
    error.wait_for(state="visible")
    assert "end after they start" in error.inner_text()
    # The refused save answers 400 (on purpose); nothing left the machine.
    assert visit.watch.outside == []


SKIP_LABEL = "Completed → final (no preliminary)"
TRACE_JS = """([id, name]) => {
  const trace = document.getElementById(id).data.find((t) => t.name === name);
  return trace ? {x: trace.x, y: trace.y, base: trace.base,
                  n: trace.customdata.map((c) => c[1])} : null;
}"""


def test_segments_chart_draws_the_skip_path(visit):
    from exams.charts.chain import SKIP_NAME

    exams = sample()
    open_sample(visit)
    page = show(visit, "insights/segments", "chart-segments", "segments")
    # pandas: exams with completed and final but no prelim, final ≥ completed.
    no_prelim = exams[exams["preliminary"].isna()]
    minutes = (no_prelim["final"] - no_prelim["completed"]).dt.total_seconds() / 60
    minutes = minutes.dropna()
    minutes = minutes[minutes >= 0]
    order = (exams["completed"] - exams["ordered"]).dt.total_seconds() / 60
    order = order.dropna()
    order = order[order >= 0]
    skip = page.evaluate(TRACE_JS, ["chart-segments", SKIP_NAME])
    assert skip is not None
    at = skip["x"].index(SKIP_LABEL)
    assert skip["y"][at] == pytest.approx(minutes.median())
    assert skip["n"][at] == minutes.size
    # It starts where completed → preliminary starts: after order → complete.
    assert skip["base"][at] == pytest.approx(order.median())
    legend = page.locator("#chart-segments .legend").text_content()
    assert SKIP_NAME in legend

    page = show(
        visit, "insights/segments?by=modality", "chart-segments", "segments-by-group"
    )
    # The CT row's skip: pandas over the CT exams (modality from the name).
    modality = exams["exam"].str.split().str[0].map(EXAM_PREFIXES)
    ct = minutes[modality.loc[minutes.index] == "CT"]
    skip = page.evaluate(TRACE_JS, ["chart-segments", SKIP_LABEL])
    assert skip is not None
    row = skip["y"].index("CT · no preliminary")
    assert skip["x"][row] == pytest.approx(ct.median())
    assert skip["n"][row] == ct.size
    assert_clean(visit)
