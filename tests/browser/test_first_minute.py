"""`make run` twice in Chromium: the second start opens the user's own data.

`make run` is `launcher.py --sample`. The first start shows the sample; the
user loads their own export; the next start (a new browser, as after a
reboot) lands on that export, and the Data page still lists one sample.
"""

from tests.browser.conftest import App
from tests.browser.test_dashboard_flow import wait_for_chart

OWN = (
    "Exam Complete Date/Tm,Order Procedure Accession,Exam Order Date/Time,"
    "Final Date/Tm,Exam Order Name\n"
    "01/20/2025 09:30,OWN1,01/20/2025 08:00,01/20/2025 10:00,CT HEAD\n"
    "01/21/2025 10:30,OWN2,01/21/2025 09:00,01/21/2025 11:45,XR CHEST\n"
    "01/22/2025 11:30,OWN3,01/22/2025 10:00,01/22/2025 12:15,CT CHEST\n"
)


def _badge(page) -> str:
    return page.locator(".dataset-badge").inner_text()


def test_make_run_twice_opens_the_users_own_data(
    browser, tmp_path, artifacts, collected_static
):
    own = tmp_path / "own_export.csv"
    own.write_text(OWN)
    data = tmp_path / "data"
    first = App(data, "--sample")
    first.start()
    try:
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        page = context.new_page()
        page.goto(first.url)
        assert "ris_export_sample.csv" in _badge(page)
        wait_for_chart(page, points=12)  # the sample's twelve months
        page.goto(first.url + "upload")
        page.set_input_files("#file-input", str(own))
        page.click("#upload-button")
        page.wait_for_url("**/upload?loaded=1")
        assert "own_export.csv" in _badge(page)
        context.close()
    finally:
        assert first.stop() == 0

    second = App(data, "--sample")
    second.start()
    try:
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        page = context.new_page()
        page.goto(second.url)
        wait_for_chart(page, points=1)  # January 2025 only
        assert "own_export.csv" in _badge(page)
        assert "3 exams" in _badge(page)
        page.screenshot(path=str(artifacts / "first_minute-second-start.png"))
        page.goto(second.url + "data")
        names = page.locator("#dataset-table tbody tr td:first-child").all_inner_texts()
        assert sum("ris_export_sample.csv" in name for name in names) == 1
        assert any("own_export.csv" in name for name in names)
        page.screenshot(path=str(artifacts / "first_minute-data-page.png"))
        context.close()
    finally:
        assert second.stop() == 0
