"""Faults: a server killed mid-upload, a broken cache, a full disk, two tabs
uploading at once, a restart. After each, the data set that was current is
current and its numbers are unchanged, and nothing half-written is left.

Kills are real (SIGKILL of ``launcher.py`` at the bad moment); the full disk
is simulated (OSError(ENOSPC) raised where TATviz writes). A full disk gets
``507 Insufficient Storage`` with ``{"error": "The disk is full: …"}``.
"""

import errno
import gc
import http.client
import logging
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from _pytest.logging import LogCaptureHandler
from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import OperationalError

from exams import store, uploads
from exams.models import Dataset
from tests.test_bad_inputs import (
    GOOD_CSV,
    DjangoSession,
    HttpSession,
    launch_apps,
    multipart,
    numbers_of,
    over_limit,
)

BIG_MB = 40
launch = pytest.fixture(launch_apps)
KILL_TIMEOUT = 30.0


def export_of(accessions: range, *, modality: str = "CT") -> bytes:
    """A small valid export: one exam per accession, 10 minutes to final."""
    lines = ["Accession,Exam Name,Modality,Complete Time,Final Time"]
    lines += [
        f"F{i},{modality} EXAM,{modality},01/13/2025 10:{i % 60:02d},"
        f"01/13/2025 11:{i % 60:02d}"
        for i in accessions
    ]
    return ("\n".join(lines) + "\n").encode()


def database_view(data_dir: Path) -> tuple[set, set, int]:
    """Return the stored export names, cache names and half-made data sets."""
    with sqlite3.connect(data_dir / "tatviz.sqlite3") as db:
        stored = {r[0] for r in db.execute("SELECT stored_name FROM exams_datasetfile")}
        caches = {r[0] for r in db.execute("SELECT cache_name FROM exams_dataset")}
        half = db.execute(
            "SELECT COUNT(*) FROM exams_dataset "
            "WHERE pending_mapping = 1 AND summary = '{}'"
        ).fetchone()[0]
    return stored, caches - {""}, half


def assert_clean(data_dir: Path) -> None:
    """Nothing half-written, nothing unowned: every file belongs to a data set."""
    assert list(data_dir.rglob("*.part")) == []
    assert list((data_dir / "tmp").iterdir()) == []
    stored, caches, half = database_view(data_dir)
    assert half == 0
    assert {p.name for p in (data_dir / "uploads").iterdir()} == stored
    assert {p.name for p in (data_dir / "cache").iterdir()} == caches


# ---- killed mid-upload -----------------------------------------------------------


def wait_until(predicate, timeout: float = KILL_TIMEOUT, step: float = 0.002):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


class UploadInFlight(threading.Thread):
    """Send a whole upload and wait for an answer that should never come."""

    def __init__(self, session: HttpSession, body: bytes, content_type: str):
        super().__init__(daemon=True)
        self.session, self.body, self.content_type = session, body, content_type
        self.status: int | None = None
        self.error: Exception | None = None

    def run(self):
        try:
            self.status = self.session.request(
                "POST", "/api/datasets", self.body, self.content_type
            ).status
        except (OSError, http.client.HTTPException) as exc:
            self.error = exc


def new_files(folder: Path, before: set[str]) -> bool:
    return any(p.name not in before for p in folder.iterdir())


@pytest.mark.parametrize(
    "moment",
    ["while the body arrives", "while Django spools it", "while it is read"],
)
def test_killed_mid_upload_restarts_clean_with_the_data_set_current(
    launch, tmp_path, moment
):
    app = launch(tmp_path)
    session = app.session()
    body, content_type = multipart([("first.csv", GOOD_CSV)])
    first = session.request("POST", "/api/datasets", body, content_type).json()
    before = numbers_of(session)
    uploads = {p.name for p in (tmp_path / "uploads").iterdir()}
    big_body, big_type = multipart([("big.csv", over_limit(BIG_MB))])

    if moment == "while the body arrives":
        conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=30)
        conn.putrequest("POST", "/api/datasets")
        conn.putheader("Content-Type", big_type)
        conn.putheader("Content-Length", str(len(big_body)))
        conn.putheader("X-CSRFToken", session.csrf_token())
        conn.putheader(
            "Cookie", "; ".join(f"{k}={v}" for k, v in session.cookies.items())
        )
        conn.endheaders()
        conn.send(big_body[: len(big_body) // 2])
        app.process.proc.send_signal(signal.SIGKILL)
        conn.close()
    else:
        upload = UploadInFlight(session, big_body, big_type)
        upload.start()
        if moment == "while Django spools it":
            caught = wait_until(lambda: any((tmp_path / "tmp").iterdir()))
        else:
            caught = wait_until(lambda: new_files(tmp_path / "uploads", uploads))
        app.process.proc.send_signal(signal.SIGKILL)
        upload.join(KILL_TIMEOUT)
        assert caught, "the upload never reached that moment"
        assert upload.status is None, "the upload finished before the kill"
    app.process.wait()
    # What the kill left behind, for the next start to clear away.
    if moment == "while Django spools it":
        assert any((tmp_path / "tmp").iterdir())
    if moment == "while it is read":
        assert new_files(tmp_path / "uploads", uploads)

    again = launch(tmp_path)
    try:
        assert_clean(tmp_path)
        # A new session (the app-wide default) and the old one both see it.
        assert numbers_of(again.session()) == before
        session.port = again.port
        assert numbers_of(session) == before
        listing = session.get("/api/datasets").json()["datasets"]
        assert [d["id"] for d in listing] == [first["id"]]
    finally:
        assert again.stop() == 0


# ---- restart ------------------------------------------------------------------------


def test_restart_keeps_data_sets_and_rebuilds_a_broken_cache(launch, tmp_path):
    app = launch(tmp_path)
    try:
        session = app.session()
        body, content_type = multipart([("kept.csv", GOOD_CSV)])
        created = session.request("POST", "/api/datasets", body, content_type)
        assert created.status == 201
        before = numbers_of(session)
    finally:
        assert app.stop() == 0
    # While it is stopped: a corrupt cache and the debris of a crash.
    (cache,) = (tmp_path / "cache").iterdir()
    cache.write_bytes(b"PAR1 this is not parquet")
    for junk in ("uploads/x.csv.part", "cache/y.parquet.part", "tmp/z.upload"):
        (tmp_path / junk).write_bytes(b"ACC1001,half")
    (tmp_path / "uploads" / "0123456789abcdef0123456789abcdef.csv").write_bytes(
        b"an export no data set owns"
    )

    app = launch(tmp_path)
    try:
        assert_clean(tmp_path)
        stranger = app.session()
        listing = stranger.get("/api/datasets").json()["datasets"]
        assert [(d["id"], d["current"]) for d in listing] == [
            (created.json()["id"], True)
        ]
        assert numbers_of(stranger) == before
        assert pd.read_parquet(cache).shape[0] == 4  # rebuilt from the export
    finally:
        assert app.stop() == 0


# ---- two tabs -----------------------------------------------------------------------


def upload_at_once(tabs: list[HttpSession], files: list[bytes]) -> list:
    """Post one file from each tab, all released at the same moment."""
    answers = [None] * len(tabs)
    start = threading.Barrier(len(tabs))

    def post(i):
        body, content_type = multipart([(f"tab{i}.csv", files[i])])
        start.wait()
        answers[i] = tabs[i].request("POST", "/api/datasets", body, content_type)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(tabs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def test_tabs_uploading_at_once_each_get_their_own(launch, tmp_path):
    """Four tabs post at the same moment, three times over: all succeed."""
    modalities = ("CT", "MR", "XR", "US")
    app = launch(tmp_path)
    try:
        for round_ in range(3):
            tabs = [app.session() for _ in modalities]
            for tab in tabs:
                tab.csrf_token()
            rows = [1000 * (i + 1) + round_ for i in range(len(tabs))]
            files = [
                export_of(range(n), modality=m)
                for n, m in zip(rows, modalities, strict=True)
            ]
            answers = upload_at_once(tabs, files)
            assert [a.status for a in answers] == [201] * len(tabs)
            for tab, answer, count, modality in zip(
                tabs, answers, rows, modalities, strict=True
            ):
                current = tab.get("/api/datasets/current").json()
                assert current["id"] == answer.json()["id"]
                assert current["rows_loaded"] == count
                assert tab.get("/api/options").json()["modalities"] == [modality]
        assert_clean(tmp_path)
    finally:
        assert app.stop() == 0


# ---- broken cache, in process -------------------------------------------------------


def clear_memory() -> None:
    """Forget the frames held in memory, as a restart would."""
    store._frames.clear()
    store.forget_prepared()


def same_frame(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Assert equal values; an empty category list may change its dtype."""

    def plain(frame):
        return frame.apply(
            lambda c: (
                c.astype(object) if isinstance(c.dtype, pd.CategoricalDtype) else c
            )
        )

    pd.testing.assert_frame_equal(plain(left), plain(right))


@pytest.mark.parametrize("damage", ["missing", "garbage", "truncated"])
def test_a_broken_cache_is_rebuilt_from_the_saved_export(db, damage):
    session = DjangoSession()
    answer = session.upload([("export.csv", GOOD_CSV)])
    before = numbers_of(session)
    dataset = store.get_dataset(answer.json()["id"])
    original = store.load_frame(dataset).copy()
    cache = Path(settings.CACHE_DIR) / dataset.cache_name
    if damage == "missing":
        cache.unlink()
    elif damage == "garbage":
        cache.write_bytes(b"\x00garbage\xff" * 100)
    else:
        cache.write_bytes(cache.read_bytes()[: cache.stat().st_size // 2])
    clear_memory()

    rebuilt = store.load_frame(dataset)

    same_frame(rebuilt, original)
    same_frame(pd.read_parquet(cache), original)
    clear_memory()
    assert numbers_of(session) == before


# ---- disk full ----------------------------------------------------------------------


def forget_captured_logs() -> None:
    """Let go of the tracebacks pytest keeps in its captured log records.

    A traceback holds the request, and so Django's spool of the upload, which
    is deleted when the request goes (a server keeps no such records).
    """
    for handler in logging.getLogger().handlers:
        if isinstance(handler, LogCaptureHandler):
            handler.clear()  # in place: pytest's stash shares the list
    gc.collect()


def disk_full(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


class FillingFile:
    """A file that takes half of what it is given, then finds the disk full."""

    def __init__(self, path, mode):
        self.handle = open(path, mode)  # noqa: SIM115 (closed in __exit__)

    def write(self, data):
        self.handle.write(data[: len(data) // 2])
        disk_full()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.handle.close()


def full_at_spool(monkeypatch, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # spool every upload to tmp/
    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", disk_full)


def full_at_save(monkeypatch, settings):
    monkeypatch.setattr(uploads, "open", FillingFile, raising=False)


def full_at_cache(monkeypatch, settings):
    def half_then_full(frame, path, **kwargs):
        Path(path).write_bytes(b"PAR1 half")
        disk_full()

    monkeypatch.setattr(pd.DataFrame, "to_parquet", half_then_full)


def database_full(*args, **kwargs):
    raise OperationalError("database or disk is full")


def full_at_database_insert(monkeypatch, settings):
    monkeypatch.setattr(Dataset, "save", database_full)


def full_at_database_update(monkeypatch, settings):
    insert = Dataset.save

    def save(self, *args, **kwargs):
        # The summary is written last, after the cache.
        if self.summary:
            database_full()
        return insert(self, *args, **kwargs)

    monkeypatch.setattr(Dataset, "save", save)


@pytest.mark.parametrize(
    "where",
    [
        full_at_spool,
        full_at_save,
        full_at_cache,
        full_at_database_insert,
        full_at_database_update,
    ],
)
def test_a_full_disk_is_a_507_that_changes_nothing(
    db, settings, tmp_path, monkeypatch, where
):
    for name in ("UPLOAD_DIR", "CACHE_DIR", "FILE_UPLOAD_TEMP_DIR"):
        (tmp_path / name).mkdir()
        setattr(settings, name, str(tmp_path / name))
    session = DjangoSession(raise_errors=False)
    first = session.upload([("first.csv", GOOD_CSV)]).json()
    before = numbers_of(session)
    files_before = sorted(p.name for p in tmp_path.rglob("*"))
    datasets_before = Dataset.objects.count()
    row = "ACC{},XR CHEST,XR,Routine,ED,DOE,01/13/2025 08:00,01/13/2025 08:20,\n"
    big = GOOD_CSV + "".join(row.format(i) for i in range(2000, 40000)).encode()
    where(monkeypatch, settings)

    answer = session.upload([("second.csv", big), ("third.csv", GOOD_CSV)])
    page = session.upload([("page.csv", big)], url="/upload")
    forget_captured_logs()

    assert answer.status == 507
    assert answer.json()["error"].startswith("The disk is full")
    assert "Free some space" in answer.json()["error"]
    assert page.status == 507
    assert b"The disk is full" in page.body
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.rglob("*")) == files_before
    assert Dataset.objects.count() == datasets_before
    assert numbers_of(session) == before
    assert session.get("/api/datasets/current").json()["id"] == first["id"]


def test_a_full_disk_when_adding_files_keeps_the_data_set(db, monkeypatch):
    session = DjangoSession(raise_errors=False)
    session.upload([("first.csv", GOOD_CSV)])
    before = numbers_of(session)
    monkeypatch.setattr(pd.DataFrame, "to_parquet", disk_full)

    answer = session.upload(
        [("more.csv", export_of(range(10)))], url="/api/datasets/current/files"
    )

    assert answer.status == 507
    monkeypatch.undo()
    clear_memory()
    assert numbers_of(session) == before
