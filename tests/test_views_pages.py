"""The HTML pages through Django's stack: states, the dashboard, errors, escaping.

Expected numbers are hand-worked from the tiny export in tests/page_helpers.py.
"""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.html_reader import assert_nothing_fetched_from_elsewhere, read_page
from tests.page_helpers import (
    EVIL_PHYSICIAN,
    figure_of,
    html,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_static_storage")]


# ---- no data yet --------------------------------------------------------------


def test_start_page_without_data_is_the_upload_page_and_sets_csrf_cookie(client):
    response = client.get("/")
    assert response.status_code == 200
    text = html(response)
    assert "Load a RIS export" in text
    assert "Explore the sample export" in text
    assert 'type="file"' in text and "multiple" in text
    assert any(name.endswith("csrftoken") for name in response.cookies)


@pytest.mark.parametrize("path", ["/dashboard", "/exams", "/exams?modality=CT"])
def test_pages_needing_data_send_to_the_upload_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == "/upload"


@pytest.mark.parametrize("path", ["/upload", "/data", "/settings"])
def test_pages_that_work_without_data(client, path):
    assert client.get(path).status_code == 200


def test_upload_form_carries_the_servers_limit_for_its_script(client, settings):
    settings.TATVIZ_MAX_UPLOAD_MB = 3
    text = html(client.get("/upload"))
    form = read_page(text).find("form", id="upload-form")
    assert form.attrs["data-max-upload-mb"] == "3"
    assert "at most 3 MB in one upload" in text


def test_upload_over_the_limit_without_script_gets_the_servers_message(
    client, settings
):
    settings.TATVIZ_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("big.csv", b"x" * (1024 * 1024 + 200 * 1024))
    response = client.post("/upload", {"file": big})
    assert response.status_code == 413
    assert (
        "&#x27;big.csv&#x27; is 1.2 MB; the limit is 1 MB "
        "(setting TATVIZ_MAX_UPLOAD_MB)." in html(response)
    )
    assert 'data-max-upload-mb="1"' in html(response)


def test_data_page_without_data_says_so(client):
    assert "No data yet" in html(client.get("/data"))


# ---- with data ----------------------------------------------------------------


def test_start_page_with_data_opens_the_dashboard(loaded):
    response = loaded.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/dashboard"


def test_every_page_answers_with_data(loaded):
    for path in ["/dashboard", "/exams", "/data", "/settings", "/upload"]:
        assert loaded.get(path).status_code == 200, path


def test_dashboard_headline_matches_the_hand_worked_numbers(loaded):
    response = loaded.get("/dashboard?metric=complete_to_final&stat=median")
    assert response.status_code == 200
    headline = response.context["results"]["headline"]
    values = {item["label"]: (item["value"], item["note"]) for item in headline}
    assert values["Exams"][0] == "4"
    assert values["Median report TAT"] == ("1 h 10 min", "n = 2")
    assert values["Pending finals"][0] == "1"


def test_dashboard_headline_defaults_to_total_tat(loaded):
    headline = loaded.get("/dashboard").context["results"]["headline"]
    assert headline[1]["label"] == "Median total TAT"
    assert (headline[1]["value"], headline[1]["note"]) == ("2 h 00 min", "n = 3")


def test_dashboard_embeds_the_figure_and_loads_plotly_from_static(loaded):
    response = loaded.get("/dashboard?period=day&split=modality")
    text = html(response)
    sources = [s.attrs.get("src") or "" for s in read_page(text).scripts]
    bundle = r"/static/vendor/plotly-tatviz-[\d.]+\.min(\.[0-9a-f]{12})?\.js"
    assert any(re.fullmatch(bundle, src) for src in sources)
    assert_nothing_fetched_from_elsewhere(text)
    figure = figure_of(response)
    assert sorted(t["meta"] for t in figure["data"]) == ["CT", "MR", "XR"]
    assert all(t["type"] == "bar" for t in figure["data"])
    assert figure["layout"]["barmode"] == "stack"
    # 03-08 and 03-15 are Saturdays: shaded.
    rects = [s for s in figure["layout"]["shapes"] if s["type"] == "rect"]
    assert len(rects) == 2


def test_dashboard_keeps_the_query_in_the_form(loaded):
    response = loaded.get("/dashboard?modality=CT&period=week&metric=order_to_final")
    text = html(response)
    page = read_page(text)
    assert "checked" in page.find("input", value="CT").attrs
    assert "selected" in page.find("option", value="week").attrs
    assert "selected" in page.find("option", value="order_to_final").attrs


def test_summary_table_has_a_row_per_group(loaded):
    summary = loaded.get("/dashboard").context["results"]["summary"]
    groups = [row["group"] for row in summary["rows"]]
    assert groups == ["CT", "MR", "XR"]
    ct = summary["rows"][0]
    assert ct["exams"] == "2"
    # CT report TAT: only A1's 30 min is valid (A4 is negative).
    assert ct["cells"][1]["median"] == "30 min"
    assert ct["cells"][1]["n"] == "1"


def test_filter_matching_nothing_explains_itself(loaded):
    # XR and STAT both exist, never together (A2, the one XR, is Routine).
    response = loaded.get("/dashboard?modality=XR&priority=STAT")
    assert response.status_code == 200
    text = html(response)
    assert "No exams match these filters" in text
    assert 'href="/dashboard"' in text
    assert figure_of(response) is None


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("period=fortnight", ["period", "fortnight", "month"]),
        ("start=2025-13-01", ["start", "2025-13-01", "YYYY-MM-DD"]),
        ("start=2025-04-01&end=2025-03-01", ["after end"]),
    ],
)
def test_bad_link_shows_the_filter_message_with_400(loaded, query, words):
    response = loaded.get(f"/dashboard?{query}")
    assert response.status_code == 400
    text = html(response)
    for word in words:
        assert word in text
    assert "Traceback" not in text


def test_dashboard_data_answers_json_for_the_script(loaded):
    response = loaded.get("/dashboard/data?metric=complete_to_final&split=shift")
    assert response.status_code == 200
    body = response.json()
    assert body["empty"] is False
    assert {t["meta"] for t in body["figure"]["data"]} == {"day", "night"}
    assert "Median report TAT" in body["top"]
    assert "By shift" in body["bottom"]


def test_dashboard_data_bad_query_is_json_400(loaded):
    response = loaded.get("/dashboard/data?metric=bogus")
    assert response.status_code == 400
    assert "bogus" in response.json()["error"]


def test_dashboard_data_empty(loaded):
    body = loaded.get("/dashboard/data?priority=Nope").json()
    assert body["empty"] is True and body["figure"] is None
    assert "No exams match these filters" in body["top"]


# ---- escaping -----------------------------------------------------------------


def _scripts_are_only_ours(text: str) -> None:
    for script in read_page(text).scripts:
        assert (script.attrs.get("src") or "").startswith("/static/") or (
            script.attrs.get("type") == "application/json"
        )
    assert "alert(1)</script>" not in text
    assert "<script>alert" not in text


def test_names_are_escaped_on_the_dashboard_and_in_the_chart_json(loaded):
    response = loaded.get("/dashboard?split=physician&metric=complete_to_final")
    text = html(response)
    _scripts_are_only_ours(text)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    figure = figure_of(response)
    assert EVIL_PHYSICIAN in [t["meta"] for t in figure["data"]]


def test_names_are_escaped_in_the_exam_list(loaded):
    text = html(loaded.get("/exams"))
    _scripts_are_only_ours(text)
    assert "XR CHEST &lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in text


def test_names_are_escaped_in_the_dashboard_json(loaded):
    response = loaded.get("/dashboard/data?split=physician")
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    _scripts_are_only_ours(body["top"] + body["bottom"])


def test_filter_values_from_the_link_are_escaped(loaded):
    response = loaded.get("/dashboard", {"physician": EVIL_PHYSICIAN})
    _scripts_are_only_ours(html(response))


def test_nav_marks_the_current_page(loaded):
    text = html(loaded.get("/exams"))
    assert read_page(text).find("a", href="/exams").attrs["aria-current"] == "page"
    assert 'action="/api/quit"' in text


def test_unknown_address_is_a_404_page_with_the_nav(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    text = html(response)
    assert "/no-such-page" in text
    assert 'aria-label="Main"' in text
