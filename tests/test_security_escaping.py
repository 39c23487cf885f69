"""Data escaped in every page, and formulas neutralised in every CSV download."""

import base64
import csv
import hashlib
import io
import json

import pytest

from exams.analysis import export
from tests.html_reader import read_page
from tests.security_payload import (
    FILE_PAYLOAD,
    FORMULA,
    RAW_MARKUP,
    get_everything,
)

# ---- escaping ------------------------------------------------------------------------


def assert_scripts_allowed_by_csp(text: str, policy: str, what: str) -> None:
    """Every script is a file, a JSON data block, or inline with its exact hash."""
    for script in read_page(text).scripts:
        if "src" in script.attrs or script.attrs.get("type") == "application/json":
            continue
        digest = hashlib.sha256(script.text.encode("utf-8")).digest()
        source = f"'sha256-{base64.b64encode(digest).decode('ascii')}'"
        assert source in policy.replace(";", " ").split(), what


def test_data_values_are_escaped_in_every_page_and_json_is_json(payload):
    client, summary, view = payload
    pages = answers = 0
    escaped_seen = set()
    for url, response in get_everything(client, summary["id"], view.pk):
        kind = response.headers.get("Content-Type", "")
        body = response.content
        if kind.startswith("text/html"):
            pages += 1
            text = body.decode()
            for raw in RAW_MARKUP:
                assert raw not in text, (url, raw)
            policy = response.headers["Content-Security-Policy"]
            assert_scripts_allowed_by_csp(text, policy, url)
            if "&lt;script&gt;alert(1)&lt;/script&gt;" in text:
                escaped_seen.add("html")
            if "\\u003Cscript\\u003Ealert(1)" in text:
                escaped_seen.add("json_script")
        elif kind.startswith("application/json"):
            answers += 1
            parsed = json.loads(body)
            if url.startswith("/dashboard/data") and response.status_code == 200:
                for fragment in (parsed["top"], parsed["bottom"]):
                    for raw in RAW_MARKUP:
                        assert raw not in fragment, url
    assert pages > 20 and answers > 50
    # The payload really was on the pages: escaped as text and in chart data.
    assert escaped_seen == {"html", "json_script"}


def test_the_file_name_is_escaped_where_it_is_shown(payload):
    client, summary, _ = payload
    assert summary["filename"] == FILE_PAYLOAD
    for path in ("/data", "/dashboard", "/upload?loaded=1"):
        text = client.get(path).content.decode()
        assert "<svg onload" not in text
        assert "&lt;svg onload=alert(1)&gt;" in text, path


# ---- CSV downloads -------------------------------------------------------------------


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Every CSV download the app offers; discovery must find at least these.
KNOWN_CSV = {
    "/api/series",
    "/api/summary",
    "/api/exams",
    "/exams",
    "/api/distribution",
    "/api/heatmap",
    "/api/compare",
    "/api/overview",
    "/api/pareto",
    "/api/top_exams",
    "/api/pending",
    "/api/forecast",
}


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("SMITH", "SMITH"),
        (-20.0, -20.0),
        (-3, -3),
        (None, None),
    ],
)
def test_neutralize_cells(value, written):
    assert export.neutralize(value) == written


def test_neutralize_text_columns_plain_and_categorical():
    import pandas as pd

    values = ["=cmd", "\tx", "\ry", "-1+1", "ok", None]
    expected = ["'=cmd", "'\tx", "'\ry", "'-1+1", "ok", None]
    plain = export.neutralize_text(pd.Series(values, dtype="string"))
    assert [None if pd.isna(v) else v for v in plain] == expected
    categorical = export.neutralize_text(pd.Series(values, dtype="category"))
    assert [None if pd.isna(v) else v for v in categorical] == expected


def test_every_csv_download_neutralises_formulas(payload):
    client, summary, view = payload
    found, cells_checked = set(), 0
    payload_cells = set()
    negative_numbers = 0
    for url, response in get_everything(
        client, summary["id"], view.pk, suffix="&format=csv"
    ):
        if not response.headers.get("Content-Type", "").startswith("text/csv"):
            continue
        found.add(url.split("?")[0])
        text = response.content.decode("utf-8-sig")
        for row in csv.reader(io.StringIO(text, newline="")):
            for cell in row:
                cells_checked += 1
                if cell.startswith(FORMULA_STARTS):
                    # Only a number may start with - or +; text gets a '.
                    assert is_number(cell), (url, cell)
                    negative_numbers += cell.startswith("-")
                if cell in ("'" + FORMULA, "'+SUM(1,2)", "'-2+3 MD", "'@SUM(A1)"):
                    payload_cells.add(cell)
    assert found >= KNOWN_CSV
    assert payload_cells == {"'" + FORMULA, "'+SUM(1,2)", "'-2+3 MD", "'@SUM(A1)"}
    # SECRET00000's negative interval stays a number.
    assert negative_numbers > 0
    assert cells_checked > 1000
