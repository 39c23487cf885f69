"""The dashboard loads Plotly async: the chart is drawn whichever comes first.

On a first visit the bundle usually runs before dashboard.js; here it is held
back until the page has been parsed and dashboard.js has run, the other order.
Expected points come from pandas on the sample CSV, never from TATviz.
"""

import time
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "ris_export_sample.csv"
# Notes when the page was parsed (deferred scripts have run) and when Plotly
# arrived, without changing what runs.
ORDER = """(() => {
  let plotly;
  window.__order = {};
  document.addEventListener('DOMContentLoaded', () => {
    window.__order.parsed = performance.now();
  });
  Object.defineProperty(window, 'Plotly', {
    configurable: true,
    get() { return plotly; },
    set(value) { plotly = value; window.__order.plotly = performance.now(); },
  });
})();"""


def sample_months() -> int:
    """Return how many months the sample's completed exams span."""
    raw = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    raw = raw.drop_duplicates(subset="Order Procedure Accession", keep="first")
    completed = pd.to_datetime(
        raw["Exam Complete Date/Tm"], format="%m/%d/%Y %H:%M", errors="coerce"
    )
    return completed.dt.to_period("M").nunique()


def test_chart_drawn_when_plotly_arrives_after_the_page(visit):
    page = visit.page
    page.goto(visit.app.url)
    page.get_by_role("button", name="Explore the sample export").click()
    page.wait_for_url("**/dashboard")

    def late(route):
        # Held back past the parse: dashboard.js runs first and waits.
        time.sleep(1.5)
        route.continue_()

    page.context.add_init_script(ORDER)
    page.route("**/static/vendor/plotly-*.js", late)
    page.reload()
    page.wait_for_function(
        "n => { const c = document.getElementById('chart');"
        " return c && c.data && c.data.length && c.data[0].x.length === n; }",
        arg=sample_months(),
    )
    order = page.evaluate("() => window.__order")
    assert order["parsed"] < order["plotly"]
    # dashboard.js took over the form: the Apply button is for no-JS only.
    assert page.locator("#apply-button").is_hidden()
    assert visit.watch.outside == [], "requests left 127.0.0.1"
    assert visit.watch.errors == [], "console errors"
