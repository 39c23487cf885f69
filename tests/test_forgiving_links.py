"""Forgiving links: a page opens without a value no longer defined, and says so.

The tiny export (tests/page_helpers.py) has four exams: A1 and A4 are CT.
"""

import json

import pytest

from tests.page_helpers import html

RENAMED = [
    {"name": "early", "start": "07:00", "end": "19:00"},
    {"name": "late", "start": "19:00", "end": "07:00"},
]


@pytest.fixture
def renamed(loaded):
    """The tiny export loaded, with the shifts renamed after a bookmark was made."""
    response = loaded.post(
        "/api/settings",
        data=json.dumps({"shifts": RENAMED}),
        content_type="application/json",
    )
    assert response.status_code == 200
    return loaded


def _note(text: str) -> str:
    start = text.index("data-dropped-filters")
    return text[start : text.index("</div>", start)]


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard?shift=day",
        "/exams?shift=day",
        "/insights/distribution?shift=day",
        "/insights/segments?shift=day",
        "/overview?shift=day",
    ],
)
def test_a_renamed_shift_is_dropped_with_a_note(renamed, url):
    response = renamed.get(url)
    assert response.status_code == 200
    note = _note(html(response))
    assert "“day”" in note
    assert "early, late" in note
    assert "left out" in note


def test_the_other_filters_are_kept(renamed):
    response = renamed.get("/exams?shift=day&shift=late&modality=CT")
    assert response.status_code == 200
    text = html(response)
    assert "“day”" in _note(text)
    # CT and late (19:00–07:00): only A4 (Sat 03-15 01:00); A1 is at 10:30.
    assert "of 1." in text


def test_a_removed_interval_is_dropped_on_the_chain_pages(renamed):
    response = renamed.get("/insights/segments?metric=scan_to_sign")
    assert response.status_code == 200
    assert "the interval “scan_to_sign”" in _note(html(response))


def test_a_wrong_value_that_was_never_defined_stays_an_error(renamed):
    assert renamed.get("/insights/heatmap?metric=ordered").status_code == 400
    assert renamed.get("/dashboard?period=fortnight").status_code == 400


def test_the_json_api_keeps_its_400(renamed):
    response = renamed.get("/api/exams?shift=day")
    assert response.status_code == 400
    assert "day" in response.json()["error"]


def test_a_link_with_defined_values_has_no_note(renamed):
    text = html(renamed.get("/dashboard?shift=early"))
    assert "data-dropped-filters" not in text


def test_a_modality_the_data_set_lacks_is_dropped_with_a_note(loaded):
    """PET is not in the tiny export: the page shows all four exams, and says so."""
    response = loaded.get("/exams?modality=PET")
    assert response.status_code == 200
    text = html(response)
    note = _note(text)
    assert "the modality “PET”" in note and "that filter is left out" in note
    assert "of 4." in text


def test_a_lacking_value_beside_present_ones_keeps_the_others(loaded):
    """CT is present (A1, A4), PET is not: CT stays."""
    response = loaded.get("/insights/pareto?modality=ct&modality=PET")
    assert response.status_code == 200
    note = _note(html(response))
    assert "“PET”" in note and "the other values are kept" in note
    assert "“ct”" not in note
    text = html(loaded.get("/exams?modality=ct&modality=PET"))
    assert "of 2." in text


def test_the_api_does_not_drop_a_lacking_value(loaded):
    body = loaded.get("/api/summary?modality=PET").json()
    assert "error" not in body
