"""How far the server is with an upload, for the upload page's progress bar.

The page names its upload (``X-Upload-Id``, random hex) and asks
``GET /api/uploads/<id>/progress`` while the server reads it. The request
that reads the upload sets the current report (`tracking`); the ingest marks
the bytes read of each file and the storage its stages. A 10M-exam export
takes about a minute to read: the bar moves with the bytes read, then with
the steps after. No Django here: the ingest imports it.
"""

import contextlib
import contextvars
import re
import threading

# Share of the bar for reading the files' rows; the rest is the steps after
# (dates, duplicates, the cache), which take about as long again.
READING_SHARE = 60
STAGES = {"reading": 0, "checking": READING_SHARE, "saving": 85, "done": 100}
# What an id not seen (yet) is: the body may still be arriving.
WAITING = {"stage": "waiting", "percent": 0}
_ID = re.compile(r"[0-9a-f]{16,64}")
_KEPT = 16

_current: contextvars.ContextVar["Report | None"] = contextvars.ContextVar(
    "tatviz_upload_progress", default=None
)
_lock = threading.Lock()
_reports: dict[str, "Report"] = {}


class Report:
    """One upload's stage and percentage (0–100), safe to read from any thread."""

    def __init__(self):
        self.files = 1
        self.file = 0
        self.stage = "reading"
        self.percent = 0

    def read(self, done: int, total: int) -> None:
        """Mark ``done`` of ``total`` bytes of the current file read."""
        part = min(done / total, 1.0) if total > 0 else 1.0
        fraction = (self.file + part) / self.files
        self.percent = max(self.percent, int(READING_SHARE * fraction))

    def reading(self, files: int) -> None:
        """Start reading ``files`` files (a data set's, old ones included)."""
        self.files, self.file = max(files, 1), 0

    def next_file(self) -> None:
        """Mark one more file read."""
        self.file = min(self.file + 1, self.files)

    def to(self, stage: str) -> None:
        """Move to a later stage (never back)."""
        self.stage = stage
        self.percent = max(self.percent, STAGES[stage])

    def as_dict(self) -> dict:
        return {"stage": self.stage, "percent": self.percent}


def valid_id(upload_id: str | None) -> bool:
    """Return True for an upload id the page may choose (16–64 hex digits)."""
    return bool(upload_id) and _ID.fullmatch(upload_id) is not None


@contextlib.contextmanager
def tracking(upload_id: str | None):
    """Report this request's upload under ``upload_id`` (nothing when invalid)."""
    if not valid_id(upload_id):
        yield None
        return
    report = Report()
    with _lock:
        _reports[upload_id] = report
        while len(_reports) > _KEPT:
            _reports.pop(next(iter(_reports)))
    token = _current.set(report)
    try:
        yield report
    finally:
        report.to("done")
        _current.reset(token)


def current() -> Report | None:
    """Return the report of the upload this thread is reading, if any."""
    return _current.get()


def stage(name: str) -> None:
    """Move the current upload (if one is tracked) to a later stage."""
    report = current()
    if report is not None:
        report.to(name)


def find(upload_id: str) -> dict | None:
    """Return an upload's stage and percentage, or None when unknown."""
    with _lock:
        report = _reports.get(upload_id)
    return None if report is None else report.as_dict()
