"""A radiology manager's session in a real Chromium against the real app.

The app is launcher.py on a fresh data dir; expected numbers come from
pandas on the sample CSV itself (with the generator's own modality words),
never from TATviz.
"""

import csv
import re
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
import pytest

from sample_data.vocab import EXAM_PREFIXES

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "ris_export_sample.csv"
SAMPLE_ROWS_LOADED = 7817  # sample_data/expected.json, checked below
DATA_JS = "() => document.getElementById('chart').data.map(t => "
DATA_JS += "({x: Array.from(t.x), y: Array.from(t.y), meta: t.meta, "
# A bar's count is its own n; lines carry n in customdata.
DATA_JS += "n: t.customdata ? Array.from(t.customdata).map(c => c[0]) : Array.from(t.y)"
DATA_JS += "}))"


@cache
def sample_exams() -> pd.DataFrame:
    """Return the sample's exams as the generator describes them."""
    raw = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    # Copies always follow their original and are never more complete.
    raw = raw.drop_duplicates(subset="Order Procedure Accession", keep="first")

    def when(column: str) -> pd.Series:
        return pd.to_datetime(raw[column], format="%m/%d/%Y %H:%M", errors="coerce")

    exams = pd.DataFrame(
        {
            "accession": raw["Order Procedure Accession"],
            "modality": raw["Exam Order Name"].str.split(" ").str[0].map(EXAM_PREFIXES),
            "priority": raw["Priority"],
            "completed": when("Exam Complete Date/Tm"),
            "final": when("Final Date/Tm"),
        }
    )
    exams["report_tat"] = (exams["final"] - exams["completed"]).dt.total_seconds() / 60
    assert len(exams) == SAMPLE_ROWS_LOADED
    assert exams["modality"].notna().all()
    return exams


def readable(minutes: float) -> str:
    """Write minutes the way the page does (half up): 45 min, 3 h 05 min."""
    total = int(minutes + 0.5)
    if total < 60:
        return f"{total} min"
    return f"{total // 60} h {total % 60:02d} min"


def chart_data(page) -> list[dict]:
    return page.evaluate(DATA_JS)


def wait_for_chart(page, *, points: int) -> None:
    page.wait_for_function(
        "n => { const c = document.getElementById('chart');"
        " return c && c.data && c.data.length && c.data[0].x.length === n; }",
        arg=points,
    )


def wait_for_view(page, url: str) -> None:
    """Wait until the address matches and the page shows that query's data."""
    page.wait_for_url(re.compile(url))
    page.wait_for_function(
        "() => document.getElementById('chart-card').dataset.query"
        " === location.search.slice(1)"
    )


def click_bar(page, index: int) -> None:
    # Plotly's drag layer sits over the bars: click where a person would.
    box = page.locator("#chart g.trace.bars g.point").nth(index).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def assert_clean(visit, *, expected: tuple[str, ...] = ()) -> None:
    assert visit.watch.outside == [], "requests left 127.0.0.1"
    errors = [e for e in visit.watch.errors if e not in expected]
    assert errors == [], "console errors"


def test_upload_filter_drill_download(visit):
    page = visit.page
    exams = sample_exams()
    ct = exams[exams["modality"] == "CT"]
    ct_quarters = ct["completed"].dt.quarter.value_counts().sort_index().tolist()
    ct_months = ct["completed"].dt.month.value_counts().sort_index().tolist()

    page.goto(visit.app.url)
    page.get_by_role("heading", name="Load a RIS export").wait_for()
    visit.shot("upload")

    page.set_input_files("#file-input", str(SAMPLE))
    page.get_by_text("ris_export_sample.csv (").wait_for()
    page.click("#upload-button")
    page.wait_for_url("**/upload?loaded=1")
    report = page.locator(".report-card")
    assert "7,817" in report.inner_text()
    assert "no final report yet" in report.inner_text()
    visit.shot("quality-report")

    page.get_by_role("link", name="Open the dashboard").click()
    page.wait_for_url("**/dashboard")
    wait_for_chart(page, points=12)
    visit.shot("dashboard")

    # Keyboard: tick CT with the space bar.
    ct_box = page.get_by_role("checkbox", name="CT", exact=True)
    ct_box.focus()
    page.keyboard.press("Space")
    wait_for_view(page, r"/dashboard\?modality=CT$")
    assert chart_data(page)[0]["y"] == ct_months

    page.select_option("#f-period", "quarter")
    wait_for_view(page, r"period=quarter")
    (trace,) = chart_data(page)
    assert trace["x"] == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    assert trace["y"] == ct_quarters
    assert trace["n"] == ct_quarters
    visit.shot("ct-by-quarter")

    # Back restores the previous view, Forward the next one.
    page.go_back()
    wait_for_view(page, r"/dashboard\?modality=CT$")
    assert len(chart_data(page)[0]["x"]) == 12
    assert page.input_value("#f-period") == "month"
    page.go_forward()
    wait_for_view(page, r"period=quarter")
    assert len(chart_data(page)[0]["x"]) == 4

    click_bar(page, 1)
    page.wait_for_url(re.compile(r"/exams\?"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["modality"] == ["CT"]
    assert (query["start"], query["end"]) == (["2025-04-01"], ["2025-06-30"])
    q2 = ct_quarters[1]
    assert f"of {q2:,}" in page.locator("#list-count").inner_text()
    visit.shot("exam-list")

    page.get_by_role("link", name="Report TAT", exact=True).click()
    page.wait_for_url(re.compile(r"sort=complete_to_final"))
    header = page.locator("th[aria-sort]")
    assert header.get_attribute("aria-sort") == "ascending"

    with page.expect_download() as info:
        page.click("#csv-link")
    target = visit.artifacts / "ct-q2-exams.csv"
    info.value.save_as(target)
    with open(target, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == trace["n"][1] == q2
    # The page's link downloads the CSV for people (human headers).
    assert {row["Modality"] for row in rows} == {"CT"}

    # A richer view, hovered, for the README.
    page.goto(
        visit.app.url + "dashboard?metric=complete_to_final&period=week"
        "&split=priority&target=60"
    )
    wait_for_chart(page, points=53)
    assert page.locator("#chart .shapelayer path").count() >= 1
    point = page.locator("#chart g.trace.scatter g.points path").nth(20)
    point.hover(force=True)
    page.locator("#chart .hoverlayer .hovertext").first.wait_for()
    assert "n = " in page.locator("#chart .hoverlayer").text_content()
    visit.shot("weekly-report-tat")

    check_settings(visit)
    assert_clean(visit, expected=(f"HTTP 400 for {visit.app.url}api/settings",))


def check_settings(visit) -> None:
    """A gap between shifts is refused inline; a valid change is saved."""
    page = visit.page
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Settings"
    ).click()
    form = page.locator("#shifts-form")
    night_end = form.locator(".shift-row").nth(2).locator("[name=end]")
    night_end.fill("06:00")
    form.get_by_role("button", name="Save shifts").click()
    error = form.locator("[data-error]")
    error.wait_for()
    assert "06:00" in error.inner_text()
    visit.shot("settings-error")
    night_end.fill("07:00")
    form.get_by_role("button", name="Save shifts").click()
    form.get_by_text("Shifts saved.").wait_for()
    assert error.is_hidden()


def test_the_managers_question(visit):
    """Median report TAT of STAT CT on night shifts last quarter; slowest exams."""
    page = visit.page
    exams = sample_exams()
    hour = exams["completed"].dt.hour
    chosen = exams[
        (exams["modality"] == "CT")
        & (exams["priority"] == "STAT")
        & ((hour >= 23) | (hour < 7))
        & (exams["completed"] >= "2025-07-01")
        & (exams["completed"] < "2025-10-01")
    ]
    valid = chosen[chosen["report_tat"] >= 0]
    median = float(np.median(valid["report_tat"]))
    slowest = valid.sort_values("report_tat", ascending=False, kind="stable")

    page.goto(visit.app.url)
    page.get_by_role("button", name="Explore the sample export").click()
    page.wait_for_url("**/dashboard")
    wait_for_chart(page, points=12)

    page.select_option("#f-metric", "complete_to_final")
    page.get_by_role("checkbox", name="CT", exact=True).check()
    page.get_by_role("checkbox", name="STAT", exact=True).check()
    page.get_by_role("checkbox", name="night", exact=True).check()
    page.get_by_role("button", name="Last quarter").click()
    wait_for_view(page, r"start=2025-07-01&end=2025-09-30.*shift=night")
    assert len(chart_data(page)[0]["x"]) == 3
    headline = page.locator(".headline")
    page.wait_for_function(
        "t => document.querySelector('.headline').innerText.includes(t)",
        arg=f"n = {len(valid):,}",
    )
    assert "Median report TAT" in headline.inner_text()
    assert readable(median) in headline.inner_text()
    page.evaluate("window.scrollTo(0, 0)")
    visit.shot("answer")

    page.get_by_role("link", name="List these exams, slowest first").click()
    page.wait_for_url(re.compile(r"sort=-complete_to_final"))
    first_row = page.locator(".exam-table tbody tr").first
    assert first_row.locator("td").first.inner_text() == slowest["accession"].iloc[0]
    visit.shot("slowest")

    # Hundreds of names in real exports: the list filters as one types.
    page.go_back()
    page.fill("#physician-search", "müller")
    visible = page.locator("#physician-list label:visible")
    assert [t.strip() for t in visible.all_inner_texts()] == ["MÜLLER, ANNA MD"]

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Quit").click()
    page.get_by_text("TATviz has stopped").wait_for()
    assert visit.app.process.wait(timeout=15) == 0
    assert_clean(visit)


AMBIGUOUS_CSV = (
    b"Exam Complete Date/Tm,Order Procedure Accession,Exam Order Date/Time,"
    b"Final Date/Tm,Exam Order Name\r\n"
    b"03/04/2025 10:30,D1,03/04/2025 09:00,03/04/2025 11:00,CT HEAD\r\n"
    b"05/06/2025 10:30,D2,05/06/2025 09:00,05/06/2025 11:00,XR CHEST\r\n"
)
# Two date columns whose names say nothing: the values cannot tell which is
# the completion time, so TATviz asks.
ODD_CSV = (
    b"Thing One,Thing Two,Thing Three,Thing Four\n"
    b"X1,2025-01-13 10:00,CT HEAD,2025-01-13 12:00\n"
    b"X2,2025-01-14 11:00,XR CHEST,2025-01-14 13:00\n"
)
EVIL_CSV = (
    b"Exam Complete Date/Tm,Order Procedure Accession,Exam Order Date/Time,"
    b"Final Date/Tm,Exam Order Name,Priority,Ordering Physician,Patient Class\r\n"
    b"03/03/2025 10:30,A1,03/03/2025 09:00,03/03/2025 11:00,CT HEAD,STAT,"
    b"<script>alert(1)</script>,ED\r\n"
    b"03/13/2025 23:30,A2,03/13/2025 22:00,03/14/2025 01:00,"
    b"XR CHEST </script><script>alert(2)</script>,Routine,<b>BOLD</b>,Inpatient\r\n"
)


def test_mapping_and_hostile_names(visit):
    page = visit.page
    dialogs = []

    def on_dialog(dialog) -> None:
        # Only the delete confirmation may open a dialog; an alert() from an
        # exam name would be recorded here and fail the test.
        dialogs.append(dialog.message)
        if dialog.message.startswith("Delete"):
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", on_dialog)

    page.goto(visit.app.url + "upload")
    page.set_input_files(
        "#file-input",
        {"name": "ambiguous.csv", "mimeType": "text/csv", "buffer": AMBIGUOUS_CSV},
    )
    page.click("#upload-button")
    dates = page.locator("#date-order-form")
    dates.wait_for()
    assert "no day in the file is above 12" in dates.inner_text()
    visit.shot("date-order")
    dates.get_by_label("Day first").check()
    dates.get_by_role("button", name="Read the dates this way").click()
    page.wait_for_url("**/upload?loaded=1")
    assert "3 Apr 2025 – 5 Jun 2025" in page.locator(".report-card").inner_text()

    page.goto(visit.app.url + "upload")
    page.set_input_files(
        "#file-input",
        {"name": "odd.csv", "mimeType": "text/csv", "buffer": ODD_CSV},
    )
    page.click("#upload-button")
    form = page.locator("#mapping-form")
    form.wait_for()
    visit.shot("mapping")
    page.get_by_label("Exam completed (date/time)").select_option("Thing Two")
    page.select_option("select[name=exam_name]", "Thing Three")
    page.select_option("select[name=accession]", "Thing One")
    form.get_by_role("button", name="Use these columns").click()
    page.wait_for_url("**/upload?loaded=1")
    assert "2" in page.locator(".report-card strong").first.inner_text()

    page.goto(visit.app.url + "upload")
    page.set_input_files(
        "#file-input",
        {"name": "evil.csv", "mimeType": "text/csv", "buffer": EVIL_CSV},
    )
    page.click("#upload-button")
    page.wait_for_url("**/upload?loaded=1")
    page.goto(visit.app.url + "dashboard?split=physician&period=day")
    wait_for_chart(page, points=11)
    legend = page.locator("#chart .legendtext").all_text_contents()
    assert "<script>alert(1)</script>" in legend
    assert "<b>BOLD</b>" in legend
    assert page.get_by_role("checkbox", name="<script>alert(1)</script>").count() == 1
    page.goto(visit.app.url + "exams")
    assert page.get_by_text("XR CHEST </script><script>alert(2)</script>").count() == 1
    visit.shot("escaped-names")

    # Data page: switch back to the first data set, delete the hostile one.
    page.get_by_role("link", name="Data", exact=True).click()
    rows = page.locator("#dataset-table tbody tr")
    assert rows.count() == 3
    visit.shot("data-sets")
    odd_row = page.locator("#dataset-table tbody tr", has_text="odd.csv")
    odd_row.get_by_role("button", name="Use this one").click()
    page.wait_for_url("**/dashboard")
    page.goto(visit.app.url + "data")
    evil_row = page.locator("#dataset-table tbody tr", has_text="evil.csv")
    evil_row.get_by_role("button", name="Delete").click()
    page.wait_for_function(
        "() => document.querySelectorAll('#dataset-table tbody tr').length === 2"
    )
    assert "odd.csv" in page.locator("#dataset-table").inner_text()
    assert len(dialogs) == 1 and dialogs[0].startswith("Delete “evil.csv”")
    # The refusals are the questions: "day or month first?", "which column?"
    assert_clean(visit, expected=(f"HTTP 422 for {visit.app.url}api/datasets",))


def test_a_file_over_the_upload_limit_is_refused_before_sending(visit):
    page = visit.page
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(visit.app.url + "upload")
    form = page.locator("#upload-form")
    assert form.get_attribute("data-max-upload-mb") == "2048"  # the default
    # A lower limit on the form stands in for TATVIZ_MAX_UPLOAD_MB=1, so the
    # test needs no gigabyte file.
    form.evaluate("f => { f.dataset.maxUploadMb = '1'; }")
    big = b"x" * (2 * 1024 * 1024 + 300 * 1024)  # 2.3 MB
    page.set_input_files(
        "#file-input", {"name": "year.csv", "mimeType": "text/csv", "buffer": big}
    )
    expected = (
        "'year.csv' is 2.3 MB; the limit is 1 MB (setting TATVIZ_MAX_UPLOAD_MB). "
        "Nothing was sent."
    )
    error = page.locator("#upload-error")
    assert error.inner_text() == expected  # said as soon as it is chosen
    page.click("#upload-button")
    page.wait_for_timeout(500)
    assert error.inner_text() == expected
    assert page.locator("#upload-status").is_hidden()
    assert posts == []
    visit.shot("over-the-limit")
