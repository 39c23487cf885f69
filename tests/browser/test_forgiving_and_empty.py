"""Forgiving links, empty views and accent-blind search in a real Chromium.

Screenshots (looked at) go to test-artifacts/: an empty analysis view and a
bookmark naming a shift that has since been renamed.
"""

import unicodedata
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.browser

# Hand-folded: accents and case dropped, ß → ss, spaces collapsed.
NORMALISED = [
    ("MÜLLER", "muller"),
    ("Müller, Anna MD", "muller, anna md"),
    ("  Ångström   ", "angstrom"),
    ("Straße", "strasse"),
    ("Øster", "oster"),
    ("ÉLODIE", "elodie"),
    ("", ""),
]


SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "ris_export_sample.csv"


def fold(text: str) -> str:
    """Return text without accents, lower case (Python's own Unicode tables)."""
    split = unicodedata.normalize("NFD", text)
    return "".join(c for c in split if not unicodedata.combining(c)).lower()


def sample_physicians() -> list[str]:
    raw = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    return sorted(set(raw["Ordering Physician"]) - {""})


def open_sample(visit) -> None:
    page = visit.page
    page.goto(visit.app.url)
    page.get_by_role("button", name="Explore the sample export").click()
    page.wait_for_url("**/dashboard")


def assert_clean(visit) -> None:
    assert visit.watch.outside == [], "requests left 127.0.0.1"
    assert visit.watch.errors == [], "console errors"


def test_name_search_ignores_accents_and_case(visit):
    open_sample(visit)
    page = visit.page
    got = page.evaluate(
        "cases => cases.map(c => window.TATviz.search.normalise(c))",
        [text for text, _ in NORMALISED],
    )
    assert got == [folded for _, folded in NORMALISED]
    # The dashboard's physician list uses it: "muller" finds "MÜLLER".
    page.fill("#physician-search", "muller")
    shown = page.eval_on_selector_all(
        "#physician-list label",
        "ls => ls.filter(l => !l.hidden).map(l => l.textContent.trim())",
    )
    assert shown == [name for name in sample_physicians() if "muller" in fold(name)]
    assert shown  # the sample has "MÜLLER, ANNA MD"
    assert_clean(visit)


def test_an_empty_analysis_view_says_so(visit):
    open_sample(visit)
    page = visit.page
    # The sample ends on 2025-12-31: nothing is completed in 2030.
    response = page.goto(visit.app.url + "insights/heatmap?start=2030-01-01")
    assert response.status == 200
    assert page.is_visible("#insight-empty")
    assert "No exams match these filters" in page.inner_text("#insight-empty")
    assert page.query_selector("#chart-heatmap") is None
    assert page.query_selector("#csv-link") is None
    visit.shot("empty-heatmap")
    page.click("#empty-reset")
    page.wait_for_url("**/insights/heatmap*")
    assert "2030" not in page.url
    assert page.query_selector("#insight-empty") is None
    assert_clean(visit)


def test_a_bookmark_naming_a_renamed_shift_opens_without_it(visit):
    open_sample(visit)
    page = visit.page
    renamed = [
        {"name": "early", "start": "07:00", "end": "19:00"},
        {"name": "late", "start": "19:00", "end": "07:00"},
    ]
    status = page.evaluate(
        "shifts => window.TATviz.request('POST', '/api/settings', {shifts})"
        ".then(r => r.ok)",
        renamed,
    )
    assert status is True
    response = page.goto(visit.app.url + "dashboard?shift=evening&modality=CT")
    assert response.status == 200
    note = page.inner_text("[data-dropped-filters]")
    assert "“evening”" in note and "early, late" in note
    assert "left out" in note
    # The address now says what is shown: CT, no shift (Back stays valid).
    page.wait_for_function("() => !location.search.includes('evening')")
    assert "modality=CT" in page.url
    visit.shot("renamed-shift-bookmark")
    assert_clean(visit)
