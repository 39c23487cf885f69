"""The Settings targets table in a real Chromium: add a rule, move it to the
top, remove one, save, see the examples follow, reload and find it kept."""

from pathlib import Path

import pandas as pd
import pytest

from sample_data.vocab import EXAM_PREFIXES
from tests.browser.test_insights_views import open_sample

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "ris_export_sample.csv"


def ct_stat_ed_exams() -> int:
    """Count the sample's loaded CT STAT ED exams with pandas, not the app."""
    raw = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    loaded = raw.drop_duplicates("Order Procedure Accession")
    modality = loaded["Exam Order Name"].str.split().str[0].map(EXAM_PREFIXES)
    return int(
        (
            (modality == "CT")
            & (loaded["Priority"] == "STAT")
            & (loaded["Patient Class"] == "ED")
        ).sum()
    )


def rule_rows(page):
    return page.locator("#target-rows tr.target-row")


def test_add_reorder_remove_save_and_reload_a_target_rule(visit):
    open_sample(visit)
    page = visit.page
    page.goto(visit.app.url + "settings")
    rows = rule_rows(page)
    assert rows.count() == 4

    page.click("#targets-form [data-add-row]")
    assert rows.count() == 5
    new = rows.nth(4)
    new.locator("select[name=modality]").select_option(label="CT")
    new.locator("select[name=metric]").select_option(
        label="Complete → final (report TAT)"
    )
    new.locator("input[name=hours]").fill("0")
    new.locator("input[name=minutes]").fill("45")
    for _ in range(4):
        rows.nth(4 - _).locator("[data-move-row=up]").click()
    assert rows.nth(0).locator("select[name=modality]").input_value() == '["CT"]'
    numbers = page.locator("#target-rows .rule-number").all_inner_texts()
    assert numbers == ["1", "2", "3", "4", "5"]
    # The outpatient rule (now fifth) goes.
    rows.nth(4).locator("[data-remove-row]").click()
    assert rows.count() == 4

    page.click("#targets-form button[type=submit]")
    page.locator("#targets-form [data-saved]").wait_for(state="visible")
    example = (
        page.locator(".examples-table tbody tr")
        .filter(has=page.locator("td", has_text="CT"))
        .filter(has=page.locator("td", has_text="STAT"))
        .filter(has=page.locator("td", has_text="ED"))
    )
    example.locator("td", has_text="45 min (rule 1)").wait_for()
    cells = example.locator("td").all_inner_texts()
    assert cells[:4] == ["CT", "STAT", "ED", f"{ct_stat_ed_exams():,}"]
    visit.shot("targets")

    page.reload()
    assert rows.count() == 4
    first = rows.nth(0)
    assert first.locator("select[name=modality]").input_value() == '["CT"]'
    assert first.locator("select[name=metric]").input_value() == (
        '["complete_to_final"]'
    )
    assert first.locator("input[name=hours]").input_value() == "0"
    assert first.locator("input[name=minutes]").input_value() == "45"
    saved = page.request.get(visit.app.url + "api/settings").json()["targets"]
    assert saved["rules"][0] == {
        "modality": ["CT"],
        "metric": ["complete_to_final"],
        "minutes": 45,
    }
    assert [r.get("patient_class") for r in saved["rules"][1:]] == [
        ["ED", "Emergency"],
        None,
        ["Inpatient", "IP"],
    ]
    assert not visit.watch.errors and not visit.watch.outside


POST_JS = "(body) => window.TATviz.request('POST', '/api/settings', body)"
ORDER_TO_PRELIM = {
    "name": "order_to_prelim",
    "label": "Order → prelim",
    "start": "ordered_at",
    "end": "preliminary_at",
}


def test_default_in_working_days_and_a_rule_whose_interval_is_gone(visit):
    import sqlite3

    open_sample(visit)
    page = visit.page
    page.goto(visit.app.url + "settings")
    rules = page.request.get(visit.app.url + "api/settings").json()["targets"]
    rules = [*rules["rules"], {"metric": ["order_to_prelim"], "minutes": 120}]
    body = {
        "custom_intervals": [ORDER_TO_PRELIM],
        "targets": {"rules": rules, "default": 1440},
    }
    assert page.evaluate(POST_JS, body)["ok"]
    page.reload()

    # The default in working days: choose the unit, type 1, save.
    page.select_option("#default-unit", "working_days")
    assert page.locator("#default-days").is_visible()
    assert not page.locator("#default-hours").is_visible()
    page.fill("#default-days", "1")
    page.click("#targets-form button[type=submit]")
    page.locator("#targets-form [data-saved]").wait_for(state="visible")
    saved = page.request.get(visit.app.url + "api/settings").json()
    assert saved["targets"]["default"] == {"unit": "working_days", "days": 1}
    # Every example falls to the default on order → complete (no rule).
    page.locator(
        ".examples-table td", has_text="1 working day (default)"
    ).first.wait_for()
    visit.shot("default-working-days")

    # Deleting the interval rule 5 judges is refused, naming the rule.
    form = page.locator("#custom-intervals-form")
    form.locator("[data-remove-row]").click()
    form.locator("button[type=submit]").click()
    error = form.locator("[data-error]")
    error.wait_for(state="visible")
    assert error.inner_text().startswith("Target rule 5 judges Order → prelim")
    # The refused removal is undone on the page too: the row is back.
    kept = form.locator(".custom-interval-row")
    assert kept.count() == 1 and kept.is_visible()
    assert kept.get_by_label("Name").input_value() == "order_to_prelim"
    visit.shot("delete-refused")

    # A rule left by an earlier version, its interval gone: said on the page.
    with sqlite3.connect(visit.app.data_dir / "tatviz.sqlite3") as db:
        db.execute(
            "UPDATE exams_preference SET value = '[]' WHERE key = 'custom_intervals'"
        )
    page.reload()
    assert (
        page.locator("#targets-gone")
        .inner_text()
        .startswith("Target rule 5 names an interval that no longer exists")
    )
    gone = page.locator("tr.target-gone")
    assert gone.count() == 1
    assert "This interval no longer exists (order_to_prelim)" in gone.inner_text()
    page.locator("#targets-gone").scroll_into_view_if_needed()
    visit.shot("interval-gone")
    flagged = page.request.get(visit.app.url + "api/settings").json()["warnings"]
    assert [(w["rule"], w["interval"]) for w in flagged] == [(5, "order_to_prelim")]

    gone.get_by_role("button", name="Remove this rule").click()
    assert rule_rows(page).count() == 4
    page.click("#targets-form button[type=submit]")
    page.locator("#targets-form [data-saved]").wait_for(state="visible")
    page.reload()
    assert page.locator("#targets-gone").count() == 0
    assert "warnings" not in page.request.get(visit.app.url + "api/settings").json()
    # The one error: the refused deletion's 400.
    assert [e.split(" for ")[0] for e in visit.watch.errors] == ["HTTP 400"]
    assert not visit.watch.outside


def test_removing_an_interval_no_rule_judges(visit):
    open_sample(visit)
    page = visit.page
    assert page.evaluate(POST_JS, {"custom_intervals": [ORDER_TO_PRELIM]})["ok"]
    page.goto(visit.app.url + "settings")
    form = page.locator("#custom-intervals-form")
    assert form.locator(".custom-interval-row").count() == 1
    form.locator("[data-remove-row]").click()
    form.locator("button[type=submit]").click()
    form.locator("[data-saved]").wait_for(state="visible")
    # Saved: the row is gone from the page, not only hidden.
    assert form.locator(".custom-interval-row").count() == 0
    saved = page.request.get(visit.app.url + "api/settings").json()
    assert saved["custom_intervals"] == []
    assert not visit.watch.errors
