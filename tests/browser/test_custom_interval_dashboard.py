"""A user-named interval, saved on the Settings page, chosen on the dashboard.

Expected medians come from pandas on the sample CSV's own times.
"""

import pytest

from tests.browser.conftest import docs_shot
from tests.browser.test_dashboard_flow import chart_data, wait_for_view
from tests.browser.test_insights_views import assert_clean, open_sample, sample

pytestmark = pytest.mark.browser


def test_custom_interval_on_the_dashboard(visit):
    exams = sample()
    minutes = (exams["preliminary"] - exams["ordered"]).dt.total_seconds() / 60
    ok = exams.assign(minutes=minutes)[minutes >= 0]
    monthly = ok.groupby(ok["completed"].dt.strftime("%Y-%m"))["minutes"].median()

    open_sample(visit)
    page = visit.page
    page.goto(visit.app.url + "settings")
    page.get_by_role("button", name="Add an interval").click()
    row = page.locator("#custom-interval-rows tr").last
    row.get_by_label("Name").fill("order_to_prelim")
    row.get_by_label("Label").fill("Order → prelim")
    row.get_by_label("From").select_option("ordered_at")
    row.get_by_label("To").select_option("preliminary_at")
    page.get_by_role("button", name="Save intervals").click()
    page.get_by_text("Intervals saved.").wait_for()

    page.goto(visit.app.url + "dashboard")
    metric = page.locator("#f-metric")
    assert "Order → prelim" in metric.inner_text()
    metric.select_option("order_to_prelim")
    wait_for_view(page, r"metric=order_to_prelim")
    page.wait_for_function(
        "() => document.querySelector('.headline').innerText.includes('rder → prelim')"
    )
    line = chart_data(page)[0]
    assert line["x"] == list(monthly.index)
    assert line["y"] == pytest.approx(list(monthly))
    assert line["n"] == list(ok.groupby(ok["completed"].dt.strftime("%Y-%m")).size())
    page.evaluate("window.scrollTo(0, 0)")
    visit.shot("dashboard")
    docs_shot(page, "custom-interval")
    assert_clean(visit)


def test_target_in_working_days_on_the_settings_page(visit):
    open_sample(visit)
    page = visit.page
    page.goto(visit.app.url + "settings")
    row = page.locator("#target-rows tr").last  # outpatient report TAT, 24 h
    row.get_by_label("Target unit").select_option("working_days")
    assert row.get_by_label("Target hours").is_hidden()
    row.get_by_label("Target working days").fill("1")
    page.get_by_role("button", name="Save targets").click()
    page.get_by_text("Targets saved.").wait_for()
    page.reload()
    row = page.locator("#target-rows tr").last
    assert row.get_by_label("Target unit").input_value() == "working_days"
    assert row.get_by_label("Target working days").input_value() == "1"
    examples = page.locator("#target-examples").inner_text()
    assert "1 working day (rule 4)" in examples
    row.scroll_into_view_if_needed()
    visit.shot("targets")
    assert_clean(visit)
