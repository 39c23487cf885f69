"""Faults of the running app: killed mid-upload, restarted, two tabs at once.

After each, the data set that was current is current and its numbers are
unchanged, and nothing half-written is left. Kills are real (SIGKILL of
``launcher.py`` at the bad moment).
"""

import http.client
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.app_sessions import (
    HttpSession,
    assert_caches_owned,
    multipart,
    numbers_of,
)
from tests.export_files import GOOD_CSV, export_of, over_limit

BIG_MB = 40
KILL_TIMEOUT = 30.0


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
    assert_caches_owned(data_dir / "cache", caches)


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
    (cache,) = (tmp_path / "cache").glob("*[0-9a-f].parquet")  # not its ranks
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
