"""The HTML pages through Django's stack: states, links, errors and escaping.

Expected numbers are hand-worked from the tiny export below, or read from
sample_data/expected.json (written by the generator, not by TATviz).
"""

import datetime as dt
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from exams.filters import FilterError, parse_query
from exams.views import presenters

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
EXPECTED = json.loads((SAMPLE_DIR / "expected.json").read_text())[
    "ris_export_sample.csv"
]
EVIL_PHYSICIAN = "<script>alert(1)</script>"
EVIL_EXAM = "XR CHEST </script><script>alert(2)</script>"

# Seed layout, month first (03/15 settles it). Hand-worked:
# A1 CT Mon 03-03 10:30 day shift: order→complete 90, complete→final 30, total 120
# A2 XR Mon 03-03 23:30 night: order→complete 90, no final (pending)
# A3 MR Sat 03-08 08:00 day: 30, 110, 140
# A4 CT Sat 03-15 01:00 night: 120, final 10 min BEFORE completion (-10), total 110
# Report TAT median over the valid (30, 110) = 70 min, n = 2.
# Total TAT median over (120, 140, 110) = 120 min, n = 3.
TINY_CSV = (
    "Exam Complete Date/Tm,Order Procedure Accession,Exam Order Date/Time,"
    "Final Date/Tm,Exam Order Name,Priority,Ordering Physician,Patient Class\r\n"
    f"03/03/2025 10:30,A1,03/03/2025 09:00,03/03/2025 11:00,CT HEAD WO CONTRAST,"
    f"STAT,{EVIL_PHYSICIAN},ED\r\n"
    f'03/03/2025 23:30,A2,03/03/2025 22:00,,{EVIL_EXAM},Routine,"SMITH, JOHN MD",'
    "Inpatient\r\n"
    "03/08/2025 08:00,A3,03/08/2025 07:30,03/08/2025 09:50,MRI BRAIN,Urgent,"
    '"DOE, JANE MD",Outpatient\r\n'
    "03/15/2025 01:00,A4,03/14/2025 23:00,03/15/2025 00:50,CT CHEST,STAT,"
    '"DOE, JANE MD",ED\r\n'
).encode()


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    # The manifest storage needs collectstatic; these tests are about pages.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture
def client(db):
    return Client()


@pytest.fixture
def loaded(client):
    response = client.post(
        "/api/datasets", {"file": SimpleUploadedFile("tiny.csv", TINY_CSV)}
    )
    assert response.status_code == 201, response.content
    return client


@pytest.fixture
def sample(client):
    response = client.post("/sample")
    assert response.status_code == 302
    return client


def html(response) -> str:
    return response.content.decode()


def figure_of(response) -> dict | None:
    match = re.search(
        r'<script id="figure-data" type="application/json">(.*?)</script>',
        html(response),
        re.S,
    )
    assert match, "the page embeds its figure with json_script"
    return json.loads(match.group(1))


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
    form = re.search(r'<form id="upload-form"[^>]*>', text).group(0)
    assert 'data-max-upload-mb="3"' in form
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
    assert re.search(r'<script src="/static/vendor/plotly-[\d.]+\.min\.js"', text)
    assert "cdn" not in text.lower()
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
    assert re.search(r'value="CT" checked', text)
    assert re.search(r'<option value="week" selected>', text)
    assert re.search(r'<option value="order_to_final" selected>', text)


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
    response = loaded.get("/dashboard?modality=PET")
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
        ("shift=lunch", ["lunch", "night"]),
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
    for tag in re.findall(r"<script[^>]*>", text):
        assert (
            tag.startswith('<script src="/static/') or 'type="application/json"' in tag
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


# ---- drill-down and the exam list ----------------------------------------------


def test_drill_turns_bucket_and_series_into_filters(loaded):
    response = loaded.get(
        "/exams/drill?period=week&split=modality&modality=CT&modality=XR"
        "&bucket=2025-03-03&series=CT"
    )
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == "/exams"
    query = parse_qs(target.query)
    assert query["modality"] == ["CT"]
    assert (query["start"], query["end"]) == (["2025-03-03"], ["2025-03-09"])
    listed = loaded.get(response["Location"])
    assert listed.context["total"] == "1"  # A1; A4 is in the next week


def test_drill_keeps_a_narrower_date_range(loaded):
    response = loaded.get(
        "/exams/drill?period=month&start=2025-03-05&bucket=2025-03&series=All"
    )
    query = parse_qs(urlsplit(response["Location"]).query)
    assert (query["start"], query["end"]) == (["2025-03-05"], ["2025-03-31"])
    assert "modality" not in query


def test_drill_with_a_bad_bucket_is_a_400_page(loaded):
    response = loaded.get("/exams/drill?period=quarter&bucket=2025-Q7")
    assert response.status_code == 400
    assert "2025-Q7" in html(response)


def test_exam_list_sorts_by_a_column_and_links_the_reverse(loaded):
    response = loaded.get("/exams?sort=-order_to_final")
    rows = response.context["rows"]
    accession_column = 0
    assert [r[accession_column]["text"] for r in rows] == ["A3", "A1", "A4", "A2"]
    header = next(
        h for h in response.context["headers"] if h["field"] == "order_to_final"
    )
    assert header["aria_sort"] == "descending"
    assert "sort=order_to_final" in header["url"]
    assert 'aria-sort="descending"' in html(response)


def test_exam_list_pages(loaded):
    response = loaded.get("/exams?page_size=3")
    assert response.context["first"] == "1" and response.context["last"] == "3"
    assert "page=2" in response.context["next_url"]
    second = loaded.get(response.context["next_url"])
    assert [r[0]["text"] for r in second.context["rows"]] == ["A4"]
    assert second.context["prev_url"]


def test_exam_list_links_the_csv_of_the_same_query(loaded):
    response = loaded.get("/exams?modality=CT&sort=-complete_to_final")
    csv_url = response.context["csv_url"]
    assert csv_url.startswith("/api/exams?")
    query = parse_qs(urlsplit(csv_url).query)
    assert query["modality"] == ["CT"] and query["format"] == ["csv"]
    csv = loaded.get(csv_url)
    lines = csv.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1 + 2


def test_pending_quality_link_lists_the_pending_exams(loaded):
    response = loaded.get("/exams?quality=pending")
    assert [r[0]["text"] for r in response.context["rows"]] == ["A2"]
    assert "pending" in response.context["rows"][0][10]["text"]
    csv = loaded.get(response.context["csv_url"])
    assert csv["Content-Type"].startswith("text/csv")
    assert len(csv.content.decode("utf-8-sig").strip().splitlines()) == 2


def test_negative_quality_link_lists_final_before_completion(loaded):
    response = loaded.get("/exams?quality=negative&metric=complete_to_final")
    assert [r[0]["text"] for r in response.context["rows"]] == ["A4"]


def test_unknown_quality_is_a_400(loaded):
    assert loaded.get("/exams?quality=gremlins").status_code == 400


def test_empty_exam_list_explains_itself(loaded):
    text = html(loaded.get("/exams?modality=NM"))
    assert "No exams match these filters" in text


# ---- upload, sample, data, settings --------------------------------------------


def test_upload_without_javascript_redirects_to_the_report(client):
    response = client.post(
        "/upload", {"file": SimpleUploadedFile("tiny.csv", TINY_CSV)}
    )
    assert response.status_code == 302
    assert response["Location"] == "/upload?loaded=1"
    report = client.get("/upload?loaded=1").context["report"]
    kinds = {item["kind"]: item for item in report["items"]}
    assert kinds["pending"]["url"].startswith("/exams?quality=pending")
    assert "quality=negative" in kinds["negative"]["url"]


def test_upload_can_add_files_to_the_current_data_set(loaded):
    more = TINY_CSV.replace(b",A1,", b",B1,").replace(b",A2,", b",B2,")
    more = more.replace(b",A3,", b",B3,").replace(b",A4,", b",B4,")
    response = loaded.post(
        "/upload", {"mode": "add", "file": SimpleUploadedFile("more.csv", more)}
    )
    assert response.status_code == 302
    report = loaded.get(response["Location"]).context["report"]
    assert report["rows_loaded"] == "8"
    assert [f["filename"] for f in report["files"]] == ["tiny.csv", "more.csv"]


def test_upload_page_offers_adding_once_data_is_loaded(loaded):
    assert 'value="add"' in html(loaded.get("/upload"))


def test_upload_without_javascript_shows_the_error(client):
    response = client.post("/upload", {"file": SimpleUploadedFile("empty.csv", b"")})
    assert response.status_code == 400
    assert "banner-error" in html(response)


def test_sample_button_loads_the_sample_and_opens_the_dashboard(client):
    response = client.post("/sample")
    assert response["Location"] == "/dashboard"
    headline = client.get("/dashboard").context["results"]["headline"]
    assert headline[0]["value"] == f"{EXPECTED['rows_loaded']:,}"


def test_sample_report_counts_and_links_match_the_generator(sample):
    report = sample.get("/upload?loaded=1").context["report"]
    assert report["rows_loaded"] == f"{EXPECTED['rows_loaded']:,}"
    pending = next(item for item in report["items"] if item["kind"] == "pending")
    assert pending["count"] == EXPECTED["pending"]
    listed = sample.get(pending["url"])
    # The list shows every exam without a readable final time: the pending
    # ones plus the few whose final text could not be read as a date.
    expected = EXPECTED["pending"] + EXPECTED["unparseable"]["finalized_at"]
    assert listed.context["total"] == f"{expected:,}"


def test_presets_count_back_from_the_last_exam(sample):
    presets = sample.get("/dashboard").context["presets"]
    last = dt.date.fromisoformat(EXPECTED["completed_last"][:10])
    by_label = {p["label"]: (p["start"], p["end"]) for p in presets}
    assert by_label["Last 7 days"] == (last - dt.timedelta(days=6), last)
    assert by_label["This quarter"] == (dt.date(2025, 10, 1), last)
    assert by_label["Last quarter"] == (dt.date(2025, 7, 1), dt.date(2025, 9, 30))
    assert "the last exam in" in html(sample.get("/dashboard"))


@pytest.mark.parametrize(
    "query",
    [
        "period=day&split=modality&metric=complete_to_final",
        "period=day&split=physician&metric=order_to_final&stat=p90",
        "period=day&split=physician",
        "period=week&split=physician&metric=complete_ratio",
    ],
)
def test_dashboard_page_stays_small(sample, query):
    # Plotly's JS is a separate, cached file; the page itself stays light.
    response = sample.get(f"/dashboard?{query}")
    assert response.status_code == 200
    assert len(response.content) < 300_000


def test_sample_month_bars_match_the_generator(sample):
    figure = figure_of(sample.get("/dashboard"))
    trace = figure["data"][0]
    assert (
        dict(zip(trace["x"], trace["y"], strict=True)) == EXPECTED["completed_by_month"]
    )


def test_data_page_lists_the_current_data_set(loaded):
    rows = loaded.get("/data").context["datasets"]
    assert len(rows) == 1
    assert rows[0]["current"] is True
    assert rows[0]["files"] == ["tiny.csv"]


def test_settings_page_shows_the_shifts(client):
    text = html(client.get("/settings"))
    for name, start in [("day", "07:00"), ("evening", "15:00"), ("night", "23:00")]:
        assert f'value="{name}"' in text
        assert f'value="{start}"' in text


def test_nav_marks_the_current_page(loaded):
    text = html(loaded.get("/exams"))
    assert re.search(r'href="/exams" aria-current="page"', text)
    assert 'action="/api/quit"' in text


# ---- presenters on their own ------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "label", "start", "end"),
    [
        ("day", "2025-03-14", "2025-03-14", "2025-03-14"),
        ("week", "2025-03-10", "2025-03-10", "2025-03-16"),
        ("month", "2024-02", "2024-02-01", "2024-02-29"),
        ("quarter", "2025-Q4", "2025-10-01", "2025-12-31"),
        ("year", "2025", "2025-01-01", "2025-12-31"),
    ],
)
def test_bucket_range(period, label, start, end):
    assert presenters.bucket_range(label, period) == (
        dt.date.fromisoformat(start),
        dt.date.fromisoformat(end),
    )


@pytest.mark.parametrize(
    ("period", "label"),
    [
        ("week", "2025-03-11"),
        ("month", "2025-13"),
        ("quarter", "2025-Q0"),
        ("day", "x"),
    ],
)
def test_bucket_range_refuses_labels_that_are_not_buckets(period, label):
    with pytest.raises(FilterError, match="bucket"):
        presenters.bucket_range(label, period)


def test_drill_spec_ignores_blank_series():
    spec = parse_query({"split": ["physician"], "period": ["year"]})
    chosen = presenters.drill_spec(spec, bucket="2025", series="(blank)")
    assert chosen.physician == ()
    assert (chosen.start, chosen.end) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def test_unknown_address_is_a_404_page_with_the_nav(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    text = html(response)
    assert "/no-such-page" in text
    assert 'aria-label="Main"' in text
