"""Bad uploads get a 4xx that says what is wrong, fast, and change nothing.

Every case runs twice: through Django's test client (in-process, settings
overridable) and through a real ``launcher.py`` over loopback HTTP (waitress,
CSRF cookie and header, as a browser or a script sends it). Inputs are built
here, in memory; no big file is committed.

Also here: what should load (semicolons, Windows-1252, BOM + CRLF, UTF-16
with tabs) and the request-level limits (files and fields per request, form
and JSON bodies, waitress's body limit).
"""

import http.client
import io
import json
import os
import re
import signal
import sys
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.test import Client

from scripts import smoke_exe

ROOT = Path(__file__).resolve().parent.parent
RUNNING = re.compile(r"^TATviz running at http://127\.0\.0\.1:(\d+)/$")
START_TIMEOUT = 90.0
# "Within seconds": generous for a loaded 2-core CI runner.
ANSWER_SECONDS = 10.0
HTTP_LIMIT_MB = 30

# Hand-worked: complete -> final is 30, 60 and 40 minutes (ACC1004 pending),
# so its median is 40; CT has two exams. The physician's name is not ASCII.
GOOD_ROWS = [
    ["Accession", "Exam Name", "Modality", "Priority", "Patient Class"]
    + ["Ordering Physician", "Order Time", "Complete Time", "Final Time"],
    ["ACC1001", "CT HEAD WO", "CT", "STAT", "ED", "SMITH, JOHN MD"]
    + ["01/13/2025 09:00", "01/13/2025 10:30", "01/13/2025 11:00"],
    ["ACC1002", "XR CHEST 2V", "XR", "Routine", "Outpatient", "JONES, ANN MD"]
    + ["01/13/2025 08:00", "01/13/2025 08:20", "01/13/2025 09:20"],
    ["ACC1003", "CT ABD PEL W", "CT", "Routine", "Inpatient", "SMITH, JOHN MD"]
    + ["01/14/2025 12:00", "01/14/2025 13:00", "01/14/2025 13:40"],
    ["ACC1004", "MR BRAIN WO", "MR", "Urgent", "ED", "MÜLLER, JÜRGEN MD"]
    + ["01/15/2025 07:00", "01/15/2025 09:00", ""],
]
ACCENTED = "MÜLLER, JÜRGEN MD"


def export_text(rows=GOOD_ROWS, *, sep: str = ",", newline: str = "\n") -> str:
    """Return rows as an export's text, quoting cells that hold the separator."""

    def cell(value: str) -> str:
        return f'"{value}"' if sep in value or "," in value else value

    return "".join(sep.join(cell(v) for v in row) + newline for row in rows)


GOOD_CSV = export_text().encode("utf-8")


# ---- two ways to reach the app -------------------------------------------------------


@dataclass
class Answer:
    """An HTTP answer, the same shape from either transport."""

    status: int
    headers: dict
    body: bytes
    seconds: float = 0.0

    def json(self):
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


def multipart(
    files: list[tuple[str, bytes]], fields: dict | None = None
) -> tuple[bytes, str]:
    """Encode files (field ``file``) and plain fields as multipart/form-data."""
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in (fields or {}).items():
        out.write(f"--{boundary}\r\n".encode())
        out.write(f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(f"{value}\r\n".encode())
    for filename, content in files:
        out.write(f"--{boundary}\r\n".encode())
        quoted = filename.replace('"', "%22")
        out.write(
            'Content-Disposition: form-data; name="file"; '
            f'filename="{quoted}"\r\n'.encode()
        )
        out.write(b"Content-Type: application/octet-stream\r\n\r\n")
        out.write(content)
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


class Session:
    """One browser session: GET, POST (with the CSRF token) and uploads."""

    data_dir: Path
    limit_mb: int

    def use_small_limit(self) -> None:
        """Lower the upload limit where the transport allows it."""

    def request(self, method, path, body=b"", content_type=None) -> Answer:
        raise NotImplementedError

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post_json(self, path: str, payload) -> Answer:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return self.request("POST", path, body, "application/json")

    def upload(
        self,
        files: list[tuple[str, bytes]],
        url: str = "/api/datasets",
        fields: dict | None = None,
    ) -> Answer:
        body, content_type = multipart(files, fields)
        return self.request("POST", url, body, content_type)

    def timed(self, call, *args, **kwargs) -> Answer:
        began = time.monotonic()
        answer = call(*args, **kwargs)
        answer.seconds = time.monotonic() - began
        return answer


class DjangoSession(Session):
    """Django's test client: the whole Django stack, no socket."""

    def __init__(self, settings=None, *, raise_errors: bool = True):
        self.client = Client(raise_request_exception=raise_errors)
        self.data_dir = Path(django_settings.DATA_DIR)
        self.settings = settings
        self.limit_mb = django_settings.TATVIZ_MAX_UPLOAD_MB
        if settings is not None:
            self.limit_mb = settings.TATVIZ_MAX_UPLOAD_MB = HTTP_LIMIT_MB

    def use_small_limit(self) -> None:
        self.limit_mb = self.settings.TATVIZ_MAX_UPLOAD_MB = 1

    def request(self, method, path, body=b"", content_type=None) -> Answer:
        extra = {"content_type": content_type} if content_type else {}
        response = self.client.generic(method, path, body, **extra)
        return Answer(response.status_code, dict(response.headers), response.content)


class HttpSession(Session):
    """A real loopback HTTP session with cookies, like a browser or a script."""

    def __init__(self, port: int, data_dir: Path, limit_mb: int = HTTP_LIMIT_MB):
        self.port = port
        self.data_dir = data_dir
        self.limit_mb = limit_mb
        self.cookies: dict[str, str] = {}

    def csrf_token(self) -> str:
        if not any(name.endswith("csrftoken") for name in self.cookies):
            self.request("GET", "/upload")
        return next(v for k, v in self.cookies.items() if k.endswith("csrftoken"))

    def request(self, method, path, body=b"", content_type=None) -> Answer:
        headers = {}
        if method not in ("GET", "HEAD"):
            headers["X-CSRFToken"] = self.csrf_token()
        if content_type:
            headers["Content-Type"] = content_type
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        # http.client, not urllib: a configured proxy must never see loopback.
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return Answer(response.status, dict(response.headers.items()), data)


# ---- a running launcher --------------------------------------------------------------


def launcher_argv(data_dir: Path, *args: str) -> list[str]:
    """Return the command line of ``launcher.py`` on ``data_dir``."""
    return [
        sys.executable,
        str(ROOT / "launcher.py"),
        "--no-browser",
        "--data-dir",
        str(data_dir),
        *args,
    ]


class RunningApp:
    """launcher.py in a subprocess on its own data dir (any free port)."""

    def __init__(self, data_dir: Path, *args: str, env: dict | None = None):
        self.data_dir = data_dir
        argv = launcher_argv(data_dir, "--port", "0", *args)
        self.process = smoke_exe.App(argv) if env is None else _app_with_env(argv, env)
        try:
            line = self.process.next_line(START_TIMEOUT)
            match = RUNNING.match(line)
            assert match, f"first stdout line was {line!r}"
        except BaseException:
            self.process.kill()
            raise
        self.port = int(match.group(1))

    @property
    def pid(self) -> int:
        return self.process.proc.pid

    def session(self, limit_mb: int = HTTP_LIMIT_MB) -> HttpSession:
        return HttpSession(self.port, self.data_dir, limit_mb)

    def stop(self) -> int:
        if self.process.proc.poll() is None:
            self.process.proc.send_signal(signal.SIGTERM)
        return self.process.wait()

    def kill(self) -> None:
        self.process.kill()


def launch_apps():
    """Fixture body: start ``RunningApp``s; any still running at the end is killed.

    Modules that start apps say ``launch = pytest.fixture(launch_apps)``.
    """
    started: list[RunningApp] = []

    def start(data_dir: Path, *args: str, env: dict | None = None) -> RunningApp:
        app = RunningApp(data_dir, *args, env=env)
        started.append(app)
        return app

    yield start
    for app in started:
        app.kill()


def _app_with_env(argv: list[str], env: dict) -> smoke_exe.App:
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        return smoke_exe.App(argv)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="module")
def http_app(tmp_path_factory):
    app = RunningApp(
        tmp_path_factory.mktemp("bad-inputs-app"),
        env={"TATVIZ_MAX_UPLOAD_MB": str(HTTP_LIMIT_MB)},
    )
    yield app
    app.kill()


@pytest.fixture(params=["django", "http"])
def session(request, db, settings) -> Session:
    """A fresh browser session, through Django's client or real HTTP."""
    # (``db`` is asked for by name: pytest-django does not set the database
    # up when a fixture asks for it with getfixturevalue.)
    if request.param == "django":
        return DjangoSession(settings)
    return request.getfixturevalue("http_app").session()


@dataclass
class Loaded:
    """A session with the good export current, and what it showed."""

    session: Session
    dataset_id: str
    numbers: dict = field(default_factory=dict)


NUMBER_PATHS = (
    "/api/datasets/current",
    "/api/summary?by=modality",
    "/api/series?metric=complete_to_final&stat=median&period=day",
    "/api/options",
)


def numbers_of(session: Session) -> dict:
    return {path: session.get(path).json() for path in NUMBER_PATHS}


@pytest.fixture
def loaded(session) -> Loaded:
    answer = session.upload([("good.csv", GOOD_CSV)])
    assert answer.status == 201, answer.body[:500]
    loaded = Loaded(session, answer.json()["id"], numbers_of(session))
    # The numbers themselves, worked by hand (GOOD_ROWS).
    total = loaded.numbers["/api/summary?by=modality"]["total"]
    assert total["exams"] == 4
    assert total["complete_to_final"]["median"] == pytest.approx(40.0)
    return loaded


def saved_files(data_dir: Path) -> set[str]:
    """Return the saved exports and caches (relative paths)."""
    return {
        str(p.relative_to(data_dir))
        for sub in ("uploads", "cache")
        for p in (data_dir / sub).iterdir()
    }


def assert_no_upload_spills(data_dir: Path) -> None:
    """Django's spills of big uploads go once the answer is sent (moments later)."""
    deadline = time.monotonic() + 5
    while any((data_dir / "tmp").iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any((data_dir / "tmp").iterdir())


# ---- the corpus ----------------------------------------------------------------------


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A workbook-shaped zip whose sheet inflates 1000:1 (24 MB of zeros)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", bytes(24 * 1024 * 1024))
    return out.getvalue()


def stored_workbook(rows: list[list]) -> bytes:
    """The workbook re-zipped without compression, so its bytes can be edited."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx(rows))) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
    return out.getvalue()


def bad_crc_workbook() -> bytes:
    """A workbook whose sheet no longer matches its checksum (a damaged copy)."""
    data = stored_workbook(GOOD_ROWS)
    assert data.count(b"ACC1001") == 1
    return data.replace(b"ACC1001", b"ACC1002")


def encrypted_workbook() -> bytes:
    """A workbook whose zip entries say they are encrypted (flag bit 0)."""
    data = bytearray(stored_workbook(GOOD_ROWS))
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            data[start + flag_at] |= 0x01
            start += 4
    return bytes(data)


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("export.csv", GOOD_CSV)
    return out.getvalue()


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06"
    b"\x00\x00\x00\x1f\xf3\xffa" + bytes(range(256)) * 8
)
HEADER = GOOD_ROWS[0]


def random_bytes(size: int) -> bytes:
    return os.urandom(size)


def with_good_header(*lines: str) -> bytes:
    return ((",".join(HEADER) + "\n") + "".join(f"{x}\n" for x in lines)).encode()


def over_limit(limit_mb: int) -> bytes:
    """A valid export 0.5 MB over the upload limit (and under the server's)."""
    row = "ACC{:07d},XR CHEST,XR,Routine,ED,DOE MD,01/13/2025 08:00,01/13/2025 08:20,\n"
    head = (",".join(HEADER) + "\n").encode()
    size = limit_mb * 1024 * 1024 + 512 * 1024
    count = (size - len(head)) // len(row.format(0)) + 1
    return head + "".join(row.format(i) for i in range(count)).encode()


@dataclass(frozen=True)
class Bad:
    """A bad upload, the status it must get and the words its message needs."""

    name: str
    files: object  # (limit_mb) -> [(filename, bytes)]
    status: int
    wrong: str  # what was wrong
    right: str  # what would be right
    headers: tuple = ()  # for a 422: the headers it must list


CORPUS = [
    Bad("empty", lambda _: [("empty.csv", b"")], 400, "empty", "CSV"),
    Bad(
        "header only",
        lambda _: [("header.csv", with_good_header())],
        400,
        "header but no exam rows",
        "export again",
    ),
    Bad(
        "PNG renamed .csv",
        lambda _: [("picture.csv", PNG)],
        400,
        "PNG image",
        "CSV or .xlsx",
    ),
    Bad(
        "binary renamed .csv",
        lambda _: [("data.csv", random_bytes(64 * 1024))],
        400,
        "binary data",
        "CSV or .xlsx",
    ),
    Bad(
        "old .xls renamed .xlsx",
        lambda _: [("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))],
        400,
        ".xls",
        "save it as .xlsx or CSV",
    ),
    Bad(
        "a budget spreadsheet",
        lambda _: [
            (
                "budget.xlsx",
                xlsx(
                    [
                        ["Category", "Q1", "Q2", "Q3"],
                        ["Rent", 12000, 12000, 12500],
                        ["Salaries", 310000, 305500, 318250],
                    ]
                ),
            )
        ],
        422,
        "Could not recognise the exam completed date/time",
        "Choose the column",
        headers=("Category", "Q1", "Q2", "Q3"),
    ),
    Bad(
        "no date parses",
        lambda _: [
            (
                "nodates.csv",
                with_good_header(
                    "A1,CT HEAD,CT,STAT,ED,DOE,yesterday,soon,later",
                    "A2,XR CHEST,XR,STAT,ED,DOE,n/a,tbd,n/a",
                ),
            )
        ],
        400,
        "no date TATviz can read",
        "12/16/2024 14:35",
    ),
    Bad(
        "one 20 MB line",
        lambda _: [("oneline.csv", b"x" * (20 * 1024 * 1024))],
        400,
        "no complete line",
        "one exam per line",
    ),
    Bad(
        "a 20 MB line among good rows",
        lambda _: [
            (
                "bigrow.csv",
                GOOD_CSV + b"ACC9,CT HEAD," + b"y" * (20 * 1024 * 1024) + b"\n",
            )
        ],
        400,
        "could not be read as a CSV export",
        "CSV or .xlsx",
    ),
    Bad(
        "5,000 columns",
        lambda _: [
            (
                "wide.csv",
                (
                    ",".join(f"Field {i}" for i in range(5000))
                    + "\n"
                    + ",".join(str(i) for i in range(5000))
                    + "\n"
                ).encode(),
            )
        ],
        400,
        "5,000 columns",
        "fewer columns",
    ),
    Bad(
        "5,000 identical column names",
        lambda _: [("same.csv", ("x," * 4999 + "x\n" + "1," * 4999 + "1\n").encode())],
        400,
        "5,000 columns",
        "fewer columns",
    ),
    Bad(
        "5,000 columns in an .xlsx",
        lambda _: [
            (
                "wide.xlsx",
                xlsx([[f"Field {i}" for i in range(5000)], list(range(5000))]),
            )
        ],
        400,
        "5,000 columns",
        "fewer columns",
    ),
    Bad(
        ".xlsx zip bomb",
        lambda _: [("bomb.xlsx", zip_bomb())],
        400,
        "would unpack to",
        "Save the data as CSV",
    ),
    Bad(
        "zip that is not a workbook",
        lambda _: [("export.xlsx", plain_zip())],
        400,
        "zip archive, not an Excel workbook",
        "Unzip it",
    ),
    Bad(
        "damaged .xlsx (bad checksum)",
        lambda _: [("damaged.xlsx", bad_crc_workbook())],
        400,
        "could not be read as an Excel workbook",
        "save it again",
    ),
    Bad(
        "encrypted .xlsx",
        lambda _: [("locked.xlsx", encrypted_workbook())],
        400,
        "encrypted",
        "without a password",
    ),
    Bad(
        "a 200 KB first cell",
        lambda _: [("cell.csv", b"x" * 200_000 + b"\n1\n2\n")],
        422,
        "Could not recognise",
        "Choose the column",
        headers=("x" * 200_000,),
    ),
    Bad(
        "truncated .xlsx",
        lambda _: [("cut.xlsx", xlsx([HEADER, GOOD_ROWS[1]])[:600])],
        400,
        "damaged",
        "save it again",
    ),
    Bad(
        "over the size limit",
        lambda limit_mb: [("big.csv", over_limit(limit_mb))],
        413,
        "the limit is",
        "TATVIZ_MAX_UPLOAD_MB",
    ),
    Bad(
        "files over the size limit together",
        lambda limit_mb: [
            ("part1.csv", over_limit(limit_mb)[: (limit_mb * 1024 + 256) * 512]),
            ("part2.csv", over_limit(limit_mb)[: (limit_mb * 1024 + 256) * 512]),
        ],
        413,
        "together",
        "several goes",
    ),
    Bad("no file field", lambda _: [], 400, "No file received", "field named 'file'"),
]


@pytest.mark.parametrize("bad", CORPUS, ids=[b.name for b in CORPUS])
def test_bad_upload_is_refused_quickly_and_changes_nothing(loaded, bad):
    session = loaded.session
    if bad.status == 413:
        session.use_small_limit()
    files = bad.files(session.limit_mb)
    before = saved_files(session.data_dir)

    answer = session.timed(session.upload, files)

    assert answer.status == bad.status, answer.body[:500]
    assert answer.header("Content-Type") == "application/json"
    message = answer.json()["error"]
    assert bad.wrong.lower() in message.lower(), message
    assert bad.right.lower() in message.lower(), message
    assert answer.seconds < ANSWER_SECONDS
    # The data set that was current is current, with the same numbers.
    assert numbers_of(session) == loaded.numbers
    if bad.status == 422:
        # Held for the user's column mapping: the file waits, nothing else.
        assert answer.json()["needs_mapping"] is True
        assert answer.json()["headers"] == list(bad.headers)
        assert len(saved_files(session.data_dir) - before) == 1
    else:
        assert saved_files(session.data_dir) == before
    assert_no_upload_spills(session.data_dir)


def test_bad_upload_added_to_the_current_data_set_changes_nothing(loaded):
    session = loaded.session
    answer = session.upload(
        [("bomb.xlsx", zip_bomb())], url="/api/datasets/current/files"
    )
    assert answer.status == 400
    assert "unpack" in answer.json()["error"]
    assert numbers_of(session) == loaded.numbers


# ---- what should load, loads ---------------------------------------------------------


GOOD_VARIANTS = {
    "semicolons": export_text(sep=";").encode("utf-8"),
    "Windows-1252": export_text().encode("cp1252"),
    "BOM and CRLF": b"\xef\xbb\xbf" + export_text(newline="\r\n").encode("utf-8"),
    "UTF-16 with tabs": export_text(sep="\t", newline="\r\n").encode("utf-16"),
    "UTF-16 without BOM": export_text(sep="\t", newline="\r\n").encode("utf-16-le"),
    "trailing blank lines and a footer": (
        export_text() + "\n\n,,,\nTotal exams: 4\n"
    ).encode("utf-8"),
    ".xlsx": xlsx(GOOD_ROWS),
}


@pytest.mark.parametrize("variant", list(GOOD_VARIANTS))
def test_real_world_encodings_and_separators_load(session, variant):
    name = "export.xlsx" if variant == ".xlsx" else "export.csv"
    answer = session.upload([(name, GOOD_VARIANTS[variant])])
    assert answer.status == 201, answer.body[:500]
    assert answer.json()["rows_loaded"] == 4
    summary = session.get("/api/summary?by=modality").json()
    assert summary["total"]["complete_to_final"]["median"] == pytest.approx(40.0)
    assert {r["group"]: r["exams"] for r in summary["rows"]} == {
        "CT": 2,
        "MR": 1,
        "XR": 1,
    }
    physicians = session.get("/api/options").json()["physicians"]
    assert sorted(physicians) == sorted(["SMITH, JOHN MD", "JONES, ANN MD", ACCENTED])


def test_fractional_seconds_load(session):
    content = with_good_header(
        "A1,CT HEAD,CT,STAT,ED,DOE,2025-01-13 09:00:00.250,2025-01-13 10:30:59.9,"
        "2025-01-13 11:00:00.000",
        "A2,XR CHEST,XR,STAT,ED,DOE,01/13/2025 08:00:00.5 AM,"
        "01/13/2025 08:20:00.5 AM,01/13/2025 09:20:00.5 AM",
    )
    answer = session.upload([("fractions.csv", content)])
    assert answer.status == 201, answer.body[:500]
    rows = session.get("/api/exams?sort=accession").json()["rows"]
    assert [r["completed_at"] for r in rows] == [
        "2025-01-13T10:30:59",
        "2025-01-13T08:20:00",
    ]


# ---- file names ----------------------------------------------------------------------


ODD_NAMES = [
    ("../../../etc/passwd.csv", "passwd.csv"),
    ("..\\..\\Windows\\System32\\export.csv", "export.csv"),
    (".hidden.csv", "hidden.csv"),
    ("réseau\x07 export\x1b.csv", "réseau export.csv"),
    ("<img src=x onerror=alert(1)>.csv", "<img src=x onerror=alert(1)>.csv"),
]


@pytest.mark.parametrize(("raw", "shown"), ODD_NAMES)
def test_odd_file_name_is_saved_under_a_generated_name(session, raw, shown):
    before = saved_files(session.data_dir)
    parent = {p.name for p in session.data_dir.parent.iterdir()}

    answer = session.upload([(raw, GOOD_CSV)])

    assert answer.status == 201, answer.body[:500]
    assert answer.json()["filename"] == shown
    new = saved_files(session.data_dir) - before
    uploads = [Path(n).name for n in new if n.startswith("uploads")]
    assert len(uploads) == 1
    assert re.fullmatch(r"[0-9a-f]{32}\.csv", uploads[0])
    # Nothing was written beside or above the data dir.
    assert {p.name for p in session.data_dir.parent.iterdir()} == parent


# ---- request-level limits ------------------------------------------------------------


def test_too_many_files_in_one_upload(session):
    count = django_settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1
    answer = session.upload([(f"f{i}.csv", GOOD_CSV) for i in range(count)])
    assert answer.status == 400
    assert "Too many files" in answer.json()["error"]
    assert str(count - 1) in answer.json()["error"]


def test_too_many_form_fields(session):
    count = django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1
    fields = {f"x{i}": "1" for i in range(count)}
    answer = session.upload([("good.csv", GOOD_CSV)], fields=fields)
    assert answer.status == 400
    assert "Too many form fields" in answer.json()["error"]


def test_json_body_over_the_form_limit_is_413(session):
    big = {"cancelled_statuses": ["x" * 1000] * 3000}
    answer = session.post_json("/api/settings", big)
    assert answer.status == 413
    assert "multipart field 'file'" in answer.json()["error"]


def test_body_over_the_servers_limit_is_413_before_it_is_read(http_app):
    """waitress refuses a body over TATVIZ_MAX_UPLOAD_MB (+1 MB) from its header.

    The client has sent only headers when the answer comes, so it reads a
    413 instead of a reset connection. Bodies between the two limits reach
    Django, which answers the JSON 413 tested above.
    """
    session = http_app.session()
    token = session.csrf_token()
    conn = http.client.HTTPConnection("127.0.0.1", http_app.port, timeout=30)
    try:
        conn.putrequest("POST", "/api/datasets")
        size = (HTTP_LIMIT_MB + 2) * 1024 * 1024
        conn.putheader("Content-Type", "multipart/form-data; boundary=x")
        conn.putheader("Content-Length", str(size))
        conn.putheader("X-CSRFToken", token)
        conn.putheader(
            "Cookie", "; ".join(f"{k}={v}" for k, v in session.cookies.items())
        )
        conn.endheaders()
        response = conn.getresponse()
        assert response.status == 413
        assert b"Request Entity Too Large" in response.read()
    finally:
        conn.close()
    assert smoke_exe.Browser(f"http://127.0.0.1:{http_app.port}/").request(
        "/healthz"
    ) == (200, b"ok")
