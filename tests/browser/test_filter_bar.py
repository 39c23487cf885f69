"""One filter bar on every page, in a real Chromium at 1366×768.

Tick a modality, a priority and a reading radiologist on the dashboard; every
page (overview, each analysis view, the exam list, the pending list) shows
the same boxes ticked and counts the same exams — a pandas count of the raw
sample CSV — and the dashboard has them back at the end.
"""

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from tests.browser.conftest import docs_shot

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "epic_radiant_sample.csv"
CHOSEN = {"modality": "CT", "priority": "STAT", "radiologist": "SHAH, NEHA MD"}
TABS = ["distribution", "heatmap", "compare", "pareto", "pending", "forecast"]


def expected() -> tuple[int, int]:
    """Return the chosen exams and those of them with no final, by pandas."""
    raw = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    raw = raw[raw["EXAM_STATUS"] != "Canceled"].drop_duplicates("ACCESSION_NUM")
    chosen = raw[
        (raw["MODALITY"] == CHOSEN["modality"])
        & (raw["ORDER_PRIORITY_C"] == CHOSEN["priority"])
        & (raw["FINALIZING_RAD"] == CHOSEN["radiologist"])
    ]
    final = pd.to_datetime(chosen["FINALIZING_DTTM"], errors="coerce")
    return len(chosen), int(final.isna().sum())


def assert_ticked(page, where: str) -> None:
    for key, value in CHOSEN.items():
        box = page.locator(f'#{key}-list input[value="{value}"]')
        assert box.is_checked(), (where, key)
    others = page.locator("[data-filter-bar] input[type=checkbox]:checked")
    assert others.count() == len(CHOSEN), where


def assert_query(page, where: str) -> None:
    query = parse_qs(urlsplit(page.url).query)
    for key, value in CHOSEN.items():
        assert query.get(key) == [value], (where, key, page.url)


def test_the_filters_follow_the_user_to_every_page(visit):
    exams, pending = expected()
    page = visit.page
    page.goto(visit.app.url)
    page.set_input_files("#file-input", str(SAMPLE))
    page.click("#upload-button")
    page.wait_for_url("**/upload?loaded=1")
    page.get_by_role("link", name="Open the dashboard").click()
    page.wait_for_url("**/dashboard")

    # Keyboard and search: the radiologist list is one Tab stop.
    page.check('#modality-list input[value="CT"]')
    page.check('#priority-list input[value="STAT"]')
    page.fill("#radiologist-search", "shah")
    assert page.locator("#radiologist-list label:visible").count() == 1
    page.press("#radiologist-search", "ArrowDown")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "document.activeElement.closest('fieldset')?.dataset.dimension"
    )
    assert focused == "location"
    page.wait_for_function(
        "() => document.getElementById('chart-card').dataset.query"
        " === location.search.slice(1) && location.search.includes('radiologist')"
    )
    assert_query(page, "dashboard")
    headline = page.locator(".headline .card").first.inner_text()
    assert f"{exams:,}" in headline
    visit.shot("dashboard")

    page.get_by_role("link", name="Insights").click()
    page.wait_for_url(re.compile(r"/overview\?"))
    assert_query(page, "overview")
    assert_ticked(page, "overview")
    assert "ignores the dates" in page.locator(".filter-dates").inner_text()
    assert page.locator("#filter-count").inner_text() == f"{exams:,}"
    visit.shot("overview")

    for tab in TABS:
        page.locator(f'.insight-tabs a[data-tab="{tab}"]').click()
        page.wait_for_url(re.compile(rf"/insights/{tab}\?"))
        assert_query(page, tab)
        assert_ticked(page, tab)
        assert page.locator("#filter-count").inner_text() == f"{exams:,}", tab
        if tab == "pending":
            assert (
                f"{pending:,} exams completed"
                in page.locator("#view-title + p").inner_text()
            )
        visit.shot(tab)

    page.get_by_role("link", name="Exams", exact=True).click()
    page.wait_for_url(re.compile(r"/exams\?"))
    assert_query(page, "exams")
    assert_ticked(page, "exams")
    assert page.locator("#filter-count").inner_text() == f"{exams:,}"
    docs_shot(page, "filter-bar")
    visit.shot("exams")

    # Applying a preset on a page other than the dashboard keeps the ticks.
    page.get_by_role("button", name="Last 90 days").click()
    page.wait_for_url(re.compile(r"start="))
    assert_ticked(page, "exams after a preset")

    page.get_by_role("link", name="Dashboard").click()
    page.wait_for_url(re.compile(r"/dashboard\?"))
    assert_query(page, "back on the dashboard")
    assert_ticked(page, "back on the dashboard")
    assert visit.watch.outside == [], "requests left 127.0.0.1"


def test_summary_fits_and_the_cross_table_pivots(visit):
    page = visit.page
    page.goto(visit.app.url)
    page.set_input_files("#file-input", str(SAMPLE))
    page.click("#upload-button")
    page.wait_for_url("**/upload?loaded=1")
    # The README's first picture: report TAT per week by priority, 60 min.
    page.goto(
        visit.app.url
        + "dashboard?metric=complete_to_final&period=week&split=priority&target=60"
    )
    page.wait_for_function(
        "() => { const c = document.getElementById('chart');"
        " return c.data && c.data.length > 0 && c.querySelector('.main-svg'); }"
    )
    docs_shot(page, "dashboard")
    page.goto(visit.app.url + "dashboard?metric=complete_to_preliminary&stat=p90")
    # Five intervals (the sample has preliminary times) fit 1366 px.
    wrap = page.locator(".summary-table").locator("xpath=..")
    widths = wrap.evaluate("w => [w.scrollWidth, w.clientWidth]")
    assert widths[0] <= widths[1] + 1, widths
    assert (
        page.locator(".headline .card").nth(1).inner_text().startswith("P90 prelim TAT")
    )
    page.select_option("#f-cross-rows", "shift")
    page.select_option("#f-cross-cols", "location")
    page.wait_for_function(
        "() => document.getElementById('chart-card').dataset.query"
        " === location.search.slice(1) && location.search.includes('cross_cols')"
    )
    table = page.locator(".cross-table")
    table.scroll_into_view_if_needed()
    heads = table.locator("thead th").all_inner_texts()
    raw = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    locations = sorted({v for v in raw["PERFORMING_DEPT"] if v}, key=str.casefold)
    assert heads == ["Shift", *locations]
    page.locator("#cross-title").scroll_into_view_if_needed()
    docs_shot(page, "cross-table")
    visit.shot("cross-table")
