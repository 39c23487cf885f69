"""``launcher.py --self-test``: prove an installation can serve the app.

Run inside the frozen binary in CI, it catches what freezing breaks: a module
PyInstaller missed, a template or static file not bundled, a missing
manifest entry (a 500 with ``DEBUG=False``), migrations not found.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from exams import fields

# Pages and API calls that must answer 200 once the sample export is loaded.
# Add each new page, chart type or analysis view here: the frozen binary's
# self-test in CI then proves the bundle can serve it.
INSIGHTS = ("distribution", "heatmap", "compare", "pareto", "pending", "forecast")
SAMPLE_METRICS = (
    *fields.COUNT_METRICS,
    *(i.name for i in fields.BUILT_IN_INTERVALS if not i.optional),
)
SELF_TEST_URLS: list[str] = [
    "/healthz",
    "/",
    "/dashboard",
    "/exams",
    "/data",
    "/settings",
    "/overview",
    *(f"/insights/{view}" for view in INSIGHTS),
    "/api/datasets/current",
    "/api/options",
    # The sample has no preliminary times: the optional intervals are absent.
    *(f"/api/series?{urlencode({'metric': metric})}" for metric in SAMPLE_METRICS),
    "/api/summary",
    "/api/exams",
    "/api/distribution?metric=complete_to_final",
    "/api/heatmap?metric=complete_to_final",
    "/api/compare?against=previous",
    "/api/pareto?by=exam_name",
    "/api/pending",
    "/api/forecast",
    # Inlines Plotly's JS read from the bundle: the offline single-file report.
    "/report",
]

# collectstatic's default ignore patterns.
_STATIC_IGNORE = ["CVS", ".*", "*~"]


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    name: str
    ok: bool
    detail: str = ""

    def line(self) -> str:
        status = "ok  " if self.ok else "FAIL"
        return f"  {status}  {self.name}" + (f": {self.detail}" if self.detail else "")


def check_system() -> Iterator[Check]:
    """Django's system checks (settings, URLs, templates, static finders)."""
    from django.core import checks

    problems = [
        m for m in checks.run_checks() if m.is_serious() and not m.is_silenced()
    ]
    yield Check("Django system checks", not problems, "; ".join(map(str, problems)))


def check_migrations() -> Iterator[Check]:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    yield Check("database migrations", True)


def static_names() -> list[str]:
    """Return every static file the finders know (our static/ and Plotly)."""
    from django.contrib.staticfiles import finders

    return sorted(
        {
            path
            for finder in finders.get_finders()
            for path, _storage in finder.list(_STATIC_IGNORE)
        }
    )


def check_static() -> Iterator[Check]:
    """Each static file has a manifest entry and its hashed copy exists."""
    from django.contrib.staticfiles.storage import staticfiles_storage

    from exams.staticfinders import PLOTLY_JS

    names = static_names()
    missing = [name for name in names if not _is_collected(staticfiles_storage, name)]
    if missing:
        detail = f"run collectstatic; missing: {', '.join(missing)}"
    else:
        detail = f"{len(names)} files"
    yield Check("static files in the manifest", not missing, detail)
    yield Check(f"static {PLOTLY_JS}", PLOTLY_JS in names and PLOTLY_JS not in missing)


def _is_collected(storage, name: str) -> bool:
    try:
        hashed = storage.stored_name(name)
    except ValueError:  # no manifest entry
        return False
    return storage.exists(hashed)


def check_sample() -> Iterator[Check]:
    from exams.ingest import IngestError
    from exams.storage.store import load_sample

    try:
        dataset = load_sample()
    except (OSError, IngestError) as err:  # not bundled, or unreadable
        yield Check("sample export loaded", False, str(err))
        return
    rows = dataset.summary.get("rows_loaded", 0)
    yield Check("sample export loaded", rows > 0, f"{rows} rows")


def check_urls(urls: list[str]) -> Iterator[Check]:
    """GET each URL through Django's test client; 200 is the only pass."""
    from django.test import Client

    # Our ALLOWED_HOSTS refuses the test client's default "testserver".
    client = Client(raise_request_exception=False, HTTP_HOST="127.0.0.1")
    for url in urls:
        yield _get(client, url)


def _get(client, url: str) -> Check:
    from django.urls import Resolver404, resolve

    name = f"GET {url}"
    try:
        resolve(urlsplit(url).path)
    except Resolver404:
        return Check(name, False, "no route in the URLconf (not written yet?)")
    response = client.get(url, follow=True)
    detail = str(response.status_code)
    if response.redirect_chain:
        detail += f" via {response.redirect_chain[-1][0]}"
    if response.status_code != 200 and response.get("Content-Type", "").startswith(
        "application/json"
    ):
        detail += f" {response.json().get('error', '')}"
    return Check(name, response.status_code == 200, detail)


def check_formats() -> Iterator[Check]:
    """Write and read Parquet (the data cache); upload an xlsx export.

    The exe leaves out pyarrow's and plotly's unused parts: this proves the
    formats TATviz reads and writes still work with what is left.
    """
    import csv

    import pandas as pd
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from tatviz import paths

    frame = pd.DataFrame(
        {
            "site": pd.Categorical(["North", "South", "North"]),
            "minutes": pd.array([5, 90, 1440], dtype="int32"),
            "at": pd.to_datetime(["2025-01-01 08:00", "2025-01-02 09:30", None]),
        }
    )
    path = settings.DATA_DIR / "self-test.parquet"
    frame.to_parquet(path, index=False)
    back = pd.read_parquet(path)
    path.unlink()
    same = list(back.dtypes) == list(frame.dtypes) and back.astype(str).equals(
        frame.astype(str)
    )
    yield Check("Parquet written and read back", same)

    with paths.sample_export().open(newline="", encoding="utf-8") as handle:
        head = [row for row, _ in zip(csv.reader(handle), range(21), strict=False)]
    upload = SimpleUploadedFile("self-test.xlsx", workbook(head))
    client = Client(raise_request_exception=False, HTTP_HOST="127.0.0.1")
    response = client.post("/api/datasets", {"file": upload})
    rows = response.json().get("rows_loaded", 0) if response.status_code == 201 else 0
    yield Check(
        "xlsx export uploaded", rows > 0, f"{response.status_code}, {rows} rows"
    )


# The least a workbook needs (ECMA-376 part 1): one sheet of inline strings.
WORKBOOK_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
        'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships"><sheets><sheet name="Exams" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>"
    ),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def workbook(rows: list[list[str]]) -> bytes:
    """Return an .xlsx file holding ``rows`` as text cells on one sheet.

    The frozen program carries no workbook writer (TATviz only reads them),
    so the self-test writes its own: the parts every reader needs and the
    cells as inline strings.
    """
    import io
    import zipfile
    from xml.sax.saxutils import escape

    cells = "".join(
        "<row>"
        + "".join(
            f'<c t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'
            for value in row
        )
        + "</row>"
        for row in rows
    )
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
        f'main"><sheetData>{cells}</sheetData></worksheet>'
    )
    parts = {**WORKBOOK_PARTS, "xl/worksheets/sheet1.xml": sheet}
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as book:
        for name, xml in parts.items():
            book.writestr(name, '<?xml version="1.0" encoding="UTF-8"?>\n' + xml)
    return data.getvalue()


STEPS: list[Callable[[], Iterator[Check]]] = [
    check_system,
    check_migrations,
    check_static,
    check_sample,
    lambda: check_urls(SELF_TEST_URLS),
    check_formats,
]


def run_self_test(*, report: Callable[[str], None], steps=None) -> bool:
    """Run the steps in order, one line per check; return True when all pass.

    Each step needs the ones before it (pages need the static files and the
    sample), so the first failing step ends the run instead of a cascade.
    """
    from django.conf import settings

    report(f"TATviz self-test (data dir {settings.DATA_DIR})")
    results: list[Check] = []
    for step in STEPS if steps is None else steps:
        checks = list(step())
        results += checks
        for check in checks:
            report(check.line())
        if not all(check.ok for check in checks):
            report("  (later checks skipped: fix this first)")
            break
    failed = sum(not check.ok for check in results)
    if failed:
        report(f"Self-test FAILED: {failed} of {len(results)} checks.")
    else:
        report(f"Self-test passed: {len(results)} checks.")
    return not failed
