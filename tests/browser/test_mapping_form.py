"""The mapping form in a real Chromium: a wrong answer, then the right one,
with no second upload; a held upload resumed from the Data page.

The file is `tests.export_layouts.AMBIGUOUS`: two date columns whose names
say nothing, so TATviz must ask which is the completion time.
"""

import pytest

from tests.export_layouts import AMBIGUOUS, EXAMS_FOR_BROWSER, ROWS

pytestmark = pytest.mark.browser

CSV = AMBIGUOUS.text(EXAMS_FOR_BROWSER).encode()


def upload_ambiguous(page, url: str) -> list[str]:
    """Upload the file; return the URLs of the uploads the page sent."""
    sent: list[str] = []
    page.on(
        "request",
        lambda r: (
            sent.append(r.url)
            if r.method == "POST" and r.url.endswith("/api/datasets")
            else None
        ),
    )
    page.goto(url + "upload")
    page.set_input_files(
        "#file-input",
        {"name": "ambiguous.csv", "mimeType": "text/csv", "buffer": CSV},
    )
    page.click("#upload-button")
    page.locator("#mapping-form").wait_for()
    return sent


def test_wrong_then_right_answer_loads_without_uploading_again(visit):
    page = visit.page
    sent = upload_ambiguous(page, visit.app.url)
    form = page.locator("#mapping-form")
    # Each column is shown with a few of its values and what they look like.
    columns = page.locator("#mapping-columns tr")
    assert columns.count() == 5
    first = EXAMS_FOR_BROWSER[0]
    assert first.exam_name in columns.nth(1).inner_text()
    assert "modality codes" in columns.nth(4).inner_text()
    # Best guesses are chosen, in plain words, never field names.
    completed = page.get_by_label("Exam completed (date/time)")
    assert completed.input_value() == "C"
    assert "completed_at" not in form.inner_text()
    assert "exam_name" not in form.inner_text()
    visit.shot("mapping-form")
    form.screenshot(path=str(visit.artifacts / "mapping-form-whole.png"))

    completed.select_option("B")  # exam names: not a date
    form.get_by_role("button", name="Use these columns").click()
    error = page.locator("#upload-error")
    error.wait_for()
    assert "'B'" in error.inner_text()
    assert form.is_visible()
    assert completed.input_value() == "B"  # the choice is kept
    visit.shot("wrong-answer")

    completed.select_option("C")
    page.select_option("select[name=finalized_at]", "D")
    form.get_by_role("button", name="Use these columns").click()
    page.wait_for_url("**/upload?loaded=1")
    assert f"{ROWS}" in page.locator(".report-card").inner_text()
    assert len(sent) == 1  # the file went up once
    assert visit.watch.outside == []
    # The 422 question and the 400 to the wrong answer are expected.
    others = [e for e in visit.watch.errors if "/api/datasets" not in e]
    assert others == []


def test_a_held_upload_is_resumed_from_the_data_page(visit):
    page = visit.page
    sent = upload_ambiguous(page, visit.app.url)
    page.goto(visit.app.url + "data")
    held = page.locator("#held-table")
    assert "ambiguous.csv" in held.inner_text()
    assert "Cleared after" in held.inner_text()
    visit.shot("held")
    held.get_by_role("link", name="Answer the question").click()
    form = page.locator("#mapping-form")
    form.wait_for()
    assert page.locator("#mapping-columns tr").count() == 5
    page.select_option("select[name=finalized_at]", "D")
    form.get_by_role("button", name="Use these columns").click()
    page.wait_for_url("**/upload?loaded=1")
    assert len(sent) == 1
    page.goto(visit.app.url + "data")
    assert page.locator("#held-table").count() == 0
    assert "ambiguous.csv" in page.locator("#dataset-table").inner_text()
