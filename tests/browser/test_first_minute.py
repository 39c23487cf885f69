"""`make run` twice in Chromium: the second start opens the user's own data.

`make run` is `launcher.py --sample`. The first start shows the sample; the
user loads their own export; the next start (a new browser, as after a
reboot) lands on that export, and the Data page still lists one sample.
"""

import contextlib
from pathlib import Path

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


@contextlib.contextmanager
def make_run(data: Path, browser):
    """`make run` (launcher.py --sample) on ``data``, opened by a new browser."""
    app = App(data, "--sample")
    app.start()
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        page.goto(app.url)
        yield app, page
    finally:
        context.close()
        assert app.stop() == 0


def test_make_run_twice_opens_the_users_own_data(
    browser, tmp_path, artifacts, collected_static
):
    own = tmp_path / "own_export.csv"
    own.write_text(OWN)
    data = tmp_path / "data"
    with make_run(data, browser) as (app, page):
        assert "ris_export_sample.csv" in _badge(page)
        wait_for_chart(page, points=12)  # the sample's twelve months
        page.goto(app.url + "upload")
        page.set_input_files("#file-input", str(own))
        page.click("#upload-button")
        page.wait_for_url("**/upload?loaded=1")
        assert "own_export.csv" in _badge(page)

    with make_run(data, browser) as (app, page):
        wait_for_chart(page, points=1)  # January 2025 only
        assert "own_export.csv" in _badge(page)
        assert "3 exams" in _badge(page)
        page.screenshot(path=str(artifacts / "first_minute-second-start.png"))
        page.goto(app.url + "data")
        names = page.locator("#dataset-table tbody tr td:first-child").all_inner_texts()
        assert sum("ris_export_sample.csv" in name for name in names) == 1
        assert any("own_export.csv" in name for name in names)
        page.screenshot(path=str(artifacts / "first_minute-data-page.png"))
