"""Saved views in a real Chromium: save a dashboard view under a name,
reload, open it from the menu, find it on the Data page after a restart of
the app (it lives in the data dir's database), delete it."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.browser

VIEW = "modality=CT&metric=complete_to_final&split=priority"


def wait_for_chart(page) -> None:
    page.wait_for_function(
        "() => { const c = document.getElementById('chart');"
        " return c && c.data && c.data.length; }"
    )


def save_view(page, name: str) -> str:
    page.once("dialog", lambda dialog: dialog.accept(name))
    page.click("#save-view")
    status = page.locator("#view-status")
    status.filter(has_text=name).wait_for()
    return status.inner_text()


def test_save_reload_open_and_delete_a_view(visit):
    page = visit.page
    page.goto(visit.app.url)
    page.click("#sample-button")
    page.wait_for_url("**/dashboard")
    wait_for_chart(page)

    page.goto(visit.app.url + "dashboard?" + VIEW)
    wait_for_chart(page)
    # Not yet part of the URL: the form's choices are what is saved.
    page.select_option("#f-period", "quarter")
    page.wait_for_url(re.compile(r"period=quarter"))
    assert save_view(page, "ED <b>CT</b> by quarter") == (
        "Saved “ED <b>CT</b> by quarter”."
    )
    assert save_view(page, "ED <b>CT</b> by quarter").startswith("Replaced")
    visit.shot("saved")

    # Reload somewhere else; the menu lists the view and opens it.
    page.goto(visit.app.url + "dashboard")
    wait_for_chart(page)
    page.click("#saved-views-menu summary")
    link = page.locator("#saved-views-menu a[data-saved-view]")
    assert link.count() == 1
    assert link.inner_text() == "ED <b>CT</b> by quarter"  # text, not markup
    visit.shot("menu")
    link.click()
    page.wait_for_url(re.compile(r"/dashboard\?"))
    wait_for_chart(page)
    assert parse_qs(urlsplit(page.url).query) == {
        "modality": ["CT"],
        "metric": ["complete_to_final"],
        "period": ["quarter"],
        "split": ["priority"],
    }
    assert page.get_by_role("checkbox", name="CT", exact=True).is_checked()
    assert page.input_value("#f-period") == "quarter"
    assert page.input_value("#f-metric") == "complete_to_final"
    names = page.evaluate(
        "() => document.getElementById('chart').data.map(t => t.name)"
    )
    assert sorted(names) == ["Routine", "STAT", "Urgent"]

    # The views live in the data dir: a restarted app still has them.
    visit.app.stop()
    visit.app.start()
    visit.watch.origin = visit.app.url.rstrip("/")  # a new port
    page.goto(visit.app.url + "data")
    section = page.locator("#saved-views")
    section.locator("a[data-saved-view]").wait_for()
    assert section.locator("a[data-saved-view]").inner_text() == (
        "ED <b>CT</b> by quarter"
    )
    visit.shot("data-page")
    page.once("dialog", lambda dialog: dialog.accept())
    section.get_by_role(
        "button", name="Delete the saved view ED <b>CT</b> by quarter"
    ).click()
    section.get_by_text("No saved views yet").wait_for()
    assert page.request.get(visit.app.url + "api/views").json() == {"views": []}

    assert visit.watch.outside == []
    assert visit.watch.errors == []
