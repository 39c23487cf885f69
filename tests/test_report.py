"""``GET /report``: the dashboard view as one self-contained HTML file.

Expected numbers come from ``sample_data/expected.json`` (the generator's
truth) or from reading the sample CSV here, never from TATviz.
"""

import base64
import csv
import datetime as dt
import hashlib
import html
import json
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from exams.analysis import report as numbers
from exams.presentation import report
from exams.query.filters import FilterSpec
from tests.html_reader import json_script, read_page

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"
SAMPLE = SAMPLE_DIR / "ris_export_sample.csv"
EXPECTED = json.loads((SAMPLE_DIR / "expected.json").read_text(encoding="utf-8"))[
    SAMPLE.name
]


@cache
def sample_people() -> tuple[frozenset[str], frozenset[str]]:
    """Return the sample's ordering physicians and accession numbers."""
    with SAMPLE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    names = {r["Ordering Physician"] for r in rows if r["Ordering Physician"]}
    return frozenset(names), frozenset(r["Order Procedure Accession"] for r in rows)


@pytest.fixture
def client(db):
    client = Client()
    response = client.post(
        "/api/datasets", {"file": SimpleUploadedFile(SAMPLE.name, SAMPLE.read_bytes())}
    )
    assert response.status_code == 201, response.content
    return client


def get_report(client, query: str = "") -> tuple[object, str]:
    response = client.get(f"/report?{query}")
    assert response.status_code == 200, response.content[:500]
    return response, response.content.decode("utf-8")


def scripts(text: str) -> list[tuple[dict, str]]:
    """Return each <script>'s attributes and its exact text."""
    return [(s.attrs, s.text) for s in read_page(text).scripts]


@cache
def plotly_bundle() -> str:
    """Return the vendored Plotly bundle, read straight from static/."""
    (path,) = (SAMPLE_DIR.parent / "static" / "vendor").glob("plotly-tatviz-*.min.js")
    return path.read_text(encoding="utf-8")


def markup(text: str) -> str:
    """Return the file without Plotly's library (what this app wrote)."""
    return text.replace(plotly_bundle(), "")


def figures(text: str) -> dict:
    return json_script(text, "report-figures")


class Tables(HTMLParser):
    """Collect the cell texts of every table with an id."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._table = self.tables.setdefault(attrs["id"], [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._table[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(text: str) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(markup(text))
    return parser.tables


def test_the_report_is_one_self_contained_download(client):
    response, text = get_report(
        client, "metric=complete_to_final&start=2025-07-01&end=2025-09-30"
    )
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="tatviz-report-2025-Q3.html"'
    )
    # The pages' partial Plotly bundle, inlined exactly once.
    assert text.count(plotly_bundle()) == 1
    assert text.count("plotly.js (tatviz: scatter, bar, box, heatmap") == 1
    # Small enough to mail: the full plotly.min.js alone is 4.8 MB.
    assert len(response.content) < 1_500_000
    # Three scripts: the figures (data), Plotly, the drawing; none loaded.
    found = scripts(text)
    assert [attrs for attrs, _ in found] == [
        {"id": "report-figures", "type": "application/json"},
        {},
        {},
    ]
    tags = {e.tag for e in read_page(markup(text)).elements}
    assert not tags & {"link", "iframe", "img", "object", "embed"}
    for pattern in ('src="http', "src='http", "src=http", "@import", "url(http"):
        assert pattern not in text, pattern
    # Links to the web: none in what the app wrote. (Plotly's library holds a
    # few for features a report never draws, maps and its logo; the browser
    # test proves nothing is requested.)
    for pattern in ('href="http', "href='http", "//cdn", "fonts.googleapis"):
        assert pattern not in markup(text), pattern


def test_the_report_has_its_own_content_security_policy(client):
    response, text = get_report(client)
    policy = response["Content-Security-Policy"]
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["default-src"] == "'none'"
    assert "connect-src" not in directives  # falls back to 'none'
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    # The two executable scripts are allowed by their hashes, nothing else.
    hashes = {
        "'sha256-"
        + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        + "'"
        for attrs, body in scripts(text)
        if attrs.get("type") != "application/json"
    }
    assert set(directives["script-src"].split()) == hashes and len(hashes) == 2
    # The same policy travels inside the file for when it is opened from disk.
    meta = read_page(text).find("meta", http_equiv="Content-Security-Policy")
    assert meta.attrs["content"] == policy.removesuffix("; frame-ancestors 'none'")


def test_filters_choices_and_definitions_are_written_out(client):
    query = (
        "modality=CT&modality=MR&priority=STAT&days=weekday&metric=order_to_final"
        "&stat=p90&target=60&split=shift&period=quarter"
    )
    response, text = get_report(client, query)
    plain = html.unescape(markup(text))
    assert "Modality CT, MR · Priority STAT · Weekdays" in plain
    for words in (
        "Order → final (total TAT)",
        "90th percentile",
        "Quarter",
        "60 minutes",
        "Shift",
    ):
        assert words in plain, words
    # Every interval defined in words, and what n means.
    assert "Final report signature time minus exam completion time" in plain
    assert "Exam completion time minus order time" in plain
    assert "Final report signature time minus order time (ORM → ORU)" in plain
    assert "The number of exams behind a number" in plain
    assert "day 07:00–15:00; evening 15:00–23:00; night 23:00–07:00" in plain
    # The data set and when the report was made.
    assert f"Data set <strong>{SAMPLE.name}</strong>" in text
    assert f"Generated {dt.date.today():%-d %b %Y}" in plain
    assert f"{EXPECTED['rows_loaded']:,} exams" in plain
    assert response["Content-Disposition"].endswith('"tatviz-report-2025.html"')


def test_the_numbers_match_the_sample(client):
    _, text = get_report(
        client, "start=2025-07-01&end=2025-09-30&split=shift&period=month"
    )
    by_month = EXPECTED["completed_by_month"]
    months = ["2025-07", "2025-08", "2025-09"]
    chart = figures(text)["chart"]
    totals = [sum(t["y"][i] for t in chart["data"]) for i in range(3)]
    assert chart["data"][0]["x"] == months
    assert totals == [by_month[m] for m in months]
    # The summary table: one row per shift, exams by completion clock time,
    # counted here from the CSV.
    raw = pd.read_csv(SAMPLE, dtype=str).drop_duplicates(
        subset="Order Procedure Accession"
    )
    done = pd.to_datetime(raw["Exam Complete Date/Tm"], format="%m/%d/%Y %H:%M")
    q3 = done[(done >= "2025-07-01") & (done < "2025-10-01")]
    minutes = q3.dt.hour * 60 + q3.dt.minute
    expected = {
        "day": int(((minutes >= 420) & (minutes < 900)).sum()),
        "evening": int(((minutes >= 900) & (minutes < 1380)).sum()),
        "night": int(((minutes < 420) | (minutes >= 1380)).sum()),
    }
    rows = {r[0]: r[1] for r in tables(text)["summary-table"][2:]}
    assert rows == {k: f"{v:,}" for k, v in expected.items()}
    # Data quality, as the generator counted it.
    plain = html.unescape(markup(text))
    assert f"{EXPECTED['pending']:,} exams have no final report yet" in plain
    assert f"{EXPECTED['duplicates']:,} duplicate rows were removed" in plain


def test_the_distribution_and_heatmap_come_with_the_chart(client):
    _, text = get_report(client, "metric=complete_to_final")
    drawn = figures(text)
    # Issue 18 adds where the time goes and the weekly control chart.
    assert set(drawn) == {"chart", "distribution", "heatmap", "segments", "control"}
    buckets = tables(text)["distribution-table"]
    assert buckets[0] == [
        "<1 h",
        "1–4 h",
        "4–12 h",
        "12–24 h",
        "24–48 h",
        ">48 h",
        "pending",
    ]
    # The six time buckets hold every valid report interval.
    timed = sum(int(c.replace(",", "")) for c in buckets[1][:6])
    assert timed == EXPECTED["intervals"]["complete_to_final"]["n"]
    heat = drawn["heatmap"]["data"][0]
    assert heat["type"] == "heatmap"
    # Median report TAT per cell: cells with exams have a value.
    assert len(heat["z"]) == 7 and len(heat["z"][0]) == 24


def contains_any(text: str, values) -> list[str]:
    """Return the values found in ``text`` as written, HTML- or JSON-escaped."""
    found = []
    for value in values:
        forms = {value, html.escape(value), json.dumps(value)[1:-1]}
        if any(form in text for form in forms):
            found.append(value)
    return found


def accessions_in(text: str, accessions) -> set[str]:
    """Return the accessions in ``text`` (the sample's are A and 7 digits)."""
    return set(re.findall(r"A\d{7}", text)) & accessions


def test_anonymize_leaves_out_every_physician_and_accession(client):
    names, accessions = sample_people()
    raw = pd.read_csv(SAMPLE, dtype=str).drop_duplicates(
        subset="Order Procedure Accession"
    )
    busiest = raw["Ordering Physician"].value_counts().index[0]
    query = f"split=physician&metric=order_to_final&physician={busiest}"
    query_all = "split=physician&metric=order_to_final"
    # Without anonymize the names and accessions are there: the check can fail.
    _, plain = get_report(client, query_all)
    assert len(contains_any(plain, names)) >= 12
    assert len(accessions_in(plain, accessions)) == numbers.SLOWEST_EXAMS
    for q in (query, query_all):
        _, text = get_report(client, q + "&anonymize=1")
        assert contains_any(text, names) == []
        assert accessions_in(text, accessions) == set()
        surnames = {n.split(",")[0] for n in names}
        assert [s for s in surnames if s in markup(text)] == []
        assert "Physician 1" in text
    slowest = tables(text)["slowest-table"]
    assert "Accession" not in slowest[0]
    # One physician, one pseudonym: the filter shown, the chart and the table.
    _, text = get_report(client, query + "&anonymize=1")
    assert "Ordering physician Physician 1" in html.unescape(markup(text))
    chart_names = {t["name"] for t in figures(text)["chart"]["data"]}
    table_names = {r[0] for r in tables(text)["summary-table"][2:]}
    assert chart_names == table_names == {"Physician 1"}


def test_pseudonyms_are_the_same_in_chart_and_table(client):
    _, text = get_report(client, "split=physician&anonymize=1")
    chart_names = [t["name"] for t in figures(text)["chart"]["data"]]
    table_names = [r[0] for r in tables(text)["summary-table"][2:]]
    # The chart draws the busiest 11 and stacks the rest as "Other".
    assert chart_names[:11] == [f"Physician {i}" for i in range(1, 12)]
    assert table_names[:3] == ["Physician 1", "Physician 2", "Physician 3"]
    exams = [int(r[1].replace(",", "")) for r in tables(text)["summary-table"][2:]]
    named = [e for r, e in zip(table_names, exams, strict=True) if r != "(blank)"]
    assert named == sorted(named, reverse=True)


HOSTILE = (
    "Exam Complete Date/Tm,Order Procedure Accession,Exam Order Date/Time,"
    "Final Date/Tm,Exam Order Name,Ordering Physician\r\n"
    '03/13/2025 10:00,A1,03/13/2025 09:00,03/13/2025 11:00,"CT <img src=x '
    'onerror=alert(1)>",<script>alert("pwned")</script>\r\n'
    "03/14/2025 10:00,A2,03/14/2025 09:00,03/14/2025 12:00,XR CHEST,"
    "</script><script>alert(2)</script>\r\n"
)


def test_script_like_values_are_escaped(db):
    client = Client()
    upload = SimpleUploadedFile("<i>march<b>.csv", HOSTILE.encode())
    assert client.post("/api/datasets", {"file": upload}).status_code == 201
    _, text = get_report(client, "split=physician&metric=complete_to_final")
    assert len(scripts(text)) == 3
    assert text.count("<script") == 3 and text.count("</script>") == 3
    for raw in ('<script>alert("pwned")', "<img src=x", "<i>march<b>"):
        assert raw not in text, raw
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in text
    assert "&lt;i&gt;march&lt;b&gt;.csv" in text
    # In the figures the names are text for Plotly (escaped), inside JSON.
    names = {t["name"] for t in figures(text)["chart"]["data"]}
    assert '&lt;script&gt;alert("pwned")&lt;/script&gt;' in names


def test_a_bad_query_says_what_is_wrong(client):
    response = client.get("/report?anonymize=maybe")
    assert response.status_code == 400
    assert "anonymize" in response.content.decode()
    assert client.get("/report?metric=speed").status_code == 400
    assert client.post("/report").status_code == 405


def test_without_a_data_set_the_report_sends_to_upload(db):
    response = Client().get("/report")
    assert response.status_code == 302
    assert response["Location"] == "/upload"


def test_the_file_name_uses_the_data_dates_when_unfiltered():
    data = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert report.report_period(FilterSpec(), data_range=data) == "2025"
    spec = FilterSpec(start=dt.date(2025, 10, 1))
    assert report.report_period(spec, data_range=data) == "2025-Q4"
    assert report.report_period(FilterSpec(), data_range=None) == ""
    assert report.report_filename("") == "tatviz-report.html"


def test_pseudonyms_number_the_busiest_first():
    frame = pd.DataFrame(
        {
            "ordering_physician": pd.Categorical(
                ["B", "A", "C", "C", "B", None, "C"], categories=["A", "B", "C", "Z"]
            )
        }
    )
    assert numbers.physician_pseudonyms(frame, also=("Q", "C")) == {
        "C": "Physician 1",
        "B": "Physician 2",
        "A": "Physician 3",
        "Q": "Physician 4",
    }
