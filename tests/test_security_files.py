"""Patient data on disk: private files, deletion, retention, a log without it."""

import datetime as dt
import io
import os
import sqlite3
import stat
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from exams.models import Dataset
from exams.storage import housekeeping, store
from tatviz import paths
from tatviz.settings import _load_secret_key
from tests.app_sessions import multipart
from tests.export_files import GOOD_CSV
from tests.security_payload import (
    PAYLOAD,
    SCRIPT,
    accession,
    upload,
)

# ---- files on disk -------------------------------------------------------------------


def test_secret_key_and_data_dir_are_private(tmp_path):
    if os.name != "posix":
        return  # Windows: the per-user folder's ACL protects it.
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    paths.ensure_data_dir(folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    key = folder / "secret_key.txt"
    _load_secret_key(key)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    # And the running configuration's own.
    assert stat.S_IMODE(Path(settings.DATA_DIR).stat().st_mode) == 0o700
    own_key = Path(settings.DATA_DIR) / "secret_key.txt"
    assert stat.S_IMODE(own_key.stat().st_mode) == 0o600


def test_everything_writable_is_inside_the_data_dir():
    data = Path(settings.DATA_DIR)
    for value in (
        settings.UPLOAD_DIR,
        settings.CACHE_DIR,
        settings.FILE_UPLOAD_TEMP_DIR,
        settings.LOGGING["handlers"]["file"]["filename"],
    ):
        assert Path(value).resolve().is_relative_to(data.resolve()), value


def files_holding(needle: bytes) -> list[Path]:
    """Return the saved exports, caches and spills that contain ``needle``."""
    hits = []
    for folder in (settings.UPLOAD_DIR, settings.CACHE_DIR):
        for path in Path(folder).rglob("*"):
            if path.is_file() and needle in path.read_bytes():
                hits.append(path)
    return hits


@pytest.fixture
def own_folders(settings, tmp_path):
    """Empty upload and cache folders for this test alone."""
    for name in ("UPLOAD_DIR", "CACHE_DIR"):
        folder = tmp_path / name.lower()
        folder.mkdir()
        setattr(settings, name, folder)


def test_deleting_a_data_set_removes_its_files(own_folders, payload):
    client, summary, _ = payload
    dataset = store.get_dataset(summary["id"])
    files = [Path(settings.UPLOAD_DIR) / f.stored_name for f in dataset.files.all()]
    cache = Path(settings.CACHE_DIR) / dataset.cache_name
    assert all(p.exists() for p in [*files, cache])
    assert files_holding(accession(7).encode())

    assert client.delete(f"/api/datasets/{summary['id']}").status_code == 200

    assert not any(p.exists() for p in [*files, cache])
    assert files_holding(accession(7).encode()) == []
    assert store._frames.get(dataset.pk) is None
    assert client.get("/api/datasets/current").status_code == 404


# ---- the log -------------------------------------------------------------------------


def log_text() -> str:
    path = Path(settings.DATA_DIR) / "tatviz.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


SECRETS = (accession(3), accession(17), "DOE, JANE", "alert(1)", "HYPERLINK", "CT HEAD")


def test_no_exam_data_in_the_log(payload, monkeypatch):
    client, summary, view = payload
    before = len(log_text())
    for url in (
        f"/api/exams/{accession(3)}",
        f"/api/exams/{accession(17)}?format=csv",
        "/api/series?physician=DOE%2C+JANE+MD&period=never",
        f"/exams?physician={SCRIPT}&sort=bogus",
        "/api/exams?page=0",
        "/dashboard?split=physician",
    ):
        client.get(url)
    # A bug's 500 on a path that names an exam: logged by route, not path.
    monkeypatch.setattr("exams.analysis.exam_detail", lambda *a, **k: 1 / 0)
    assert client.get(f"/api/exams/{accession(17)}").status_code == 500
    client.post("/api/datasets", {"file": io.BytesIO(b"")})
    assert client.delete(f"/api/exams/{accession(17)}").status_code == 405
    Client(HTTP_HOST="evil.example").get(f"/api/exams/{accession(3)}")

    written = log_text()[before:]
    assert "Internal Server Error: /api/exams/<path:accession>" in written
    for secret in SECRETS:
        assert secret not in written


def test_no_exam_data_in_the_running_apps_log(running):
    session = running.session()
    body, content_type = multipart([("payload.csv", PAYLOAD)])
    assert session.request("POST", "/api/datasets", body, content_type).status == 201
    for path in (
        f"/api/exams/{accession(3)}",
        "/api/exams?format=csv",
        "/dashboard?split=physician",
        "/api/series?physician=DOE&period=never",
    ):
        session.get(path)
    written = (running.data_dir / "tatviz.log").read_text(encoding="utf-8")
    assert "Ready at" in written
    for secret in SECRETS:
        assert secret not in written


# ---- retention -----------------------------------------------------------------------


def test_retention_removes_old_data_sets_and_stray_files(db):
    client = Client()
    old = upload(client, GOOD_CSV, "old.csv")
    new = upload(client, GOOD_CSV, "new.csv")
    long_ago = dt.datetime.now() - dt.timedelta(days=40)
    Dataset.objects.filter(pk=old["id"]).update(created_at=long_ago)
    old_files = [
        Path(settings.UPLOAD_DIR) / f.stored_name
        for f in store.get_dataset(old["id"]).files.all()
    ]
    stray_old = Path(settings.UPLOAD_DIR) / f"{uuid.uuid4().hex}.csv"
    stray_new = Path(settings.CACHE_DIR) / f"{uuid.uuid4().hex}.parquet"
    for stray in (stray_old, stray_new):
        stray.write_bytes(b"ACC1001")
    os.utime(stray_old, (long_ago.timestamp(), long_ago.timestamp()))

    assert housekeeping.apply_retention(0) == 0
    assert store.get_dataset(old["id"]) is not None

    assert housekeeping.apply_retention(30) == 1

    assert store.get_dataset(old["id"]) is None
    assert not any(p.exists() for p in old_files)
    assert not stray_old.exists()
    assert stray_new.exists()  # recent: perhaps an upload in progress
    assert store.get_dataset(new["id"]) is not None
    assert client.get("/api/datasets/current").json()["id"] == new["id"]
    stray_new.unlink()


def test_retention_runs_again_every_day(monkeypatch):
    calls = []
    ran = threading.Event()

    def record(days):
        calls.append(days)
        if len(calls) >= 3:
            ran.set()

    monkeypatch.setattr(housekeeping, "apply_retention", record)
    monkeypatch.setattr(housekeeping, "remove_leftovers", lambda: 0)
    monkeypatch.setattr(housekeeping, "RETENTION_INTERVAL", 0.01)
    housekeeping.start_housekeeping(30)
    try:
        assert ran.wait(5)
    finally:
        housekeeping._stop_housekeeping.set()
    time.sleep(0.05)
    housekeeping._stop_housekeeping.clear()
    assert calls[:3] == [30, 30, 30]


def test_launcher_applies_retention_at_start(launch, tmp_path):
    app = launch(tmp_path, env={"TATVIZ_RETENTION_DAYS": "30"})
    try:
        session = app.session()
        body, content_type = multipart([("old.csv", GOOD_CSV)])
        answer = session.request("POST", "/api/datasets", body, content_type)
        assert answer.status == 201
        old_id = answer.json()["id"]
        body, content_type = multipart([("new.csv", GOOD_CSV)])
        new_id = session.request("POST", "/api/datasets", body, content_type).json()[
            "id"
        ]
    finally:
        assert app.stop() == 0
    long_ago = (dt.datetime.now() - dt.timedelta(days=31)).isoformat(" ")
    with sqlite3.connect(tmp_path / "tatviz.sqlite3") as db:
        db.execute(
            "UPDATE exams_dataset SET created_at = ? WHERE id = ?",
            (long_ago, uuid.UUID(old_id).hex),
        )
    uploads_before = len(list((tmp_path / "uploads").iterdir()))

    app = launch(tmp_path, env={"TATVIZ_RETENTION_DAYS": "30"})
    try:
        listing = app.session().get("/api/datasets").json()["datasets"]
        assert [d["id"] for d in listing] == [new_id]
        assert len(list((tmp_path / "uploads").iterdir())) == uploads_before - 1
    finally:
        assert app.stop() == 0


# ---- every file private, whatever the folder or umask -------------------------------


def modes_of(folder: Path, *, skip: set[str]) -> dict[str, int]:
    return {
        str(p.relative_to(folder)): stat.S_IMODE(p.stat().st_mode)
        for p in folder.rglob("*")
        if p.name not in skip
    }


OLD_KEY = "x" * 60


@pytest.mark.parametrize("before", ["empty", "older version", "shared"])
def test_every_file_tatviz_makes_is_private_in_an_open_folder(launch, tmp_path, before):
    if os.name != "posix":
        return  # Windows: %LOCALAPPDATA% is per-user (SECURITY.md).
    folder = tmp_path / "open"
    folder.mkdir()
    folder.chmod(0o755)
    foreign = before == "shared"
    if foreign:
        (folder / "notes.txt").write_text("someone else's")
        (folder / "notes.txt").chmod(0o644)
    if before == "older version":
        # What an older version (or another umask) left: readable by all.
        for name, text in (("tatviz.log", "old\n"), ("secret_key.txt", OLD_KEY)):
            (folder / name).write_text(text)
            (folder / name).chmod(0o644)
    saved = os.umask(0o022)
    try:
        app = launch(folder)
    finally:
        os.umask(saved)
    try:
        session = app.session()
        body, content_type = multipart([("a.csv", GOOD_CSV)])
        assert (
            session.request("POST", "/api/datasets", body, content_type).status == 201
        )
        body, content_type = multipart([("b.csv", GOOD_CSV)])
        added = session.request(
            "POST", "/api/datasets/current/files", body, content_type
        )
        assert added.status == 200
        running = modes_of(folder, skip={"notes.txt"})
    finally:
        assert app.stop() == 0
    stopped = modes_of(folder, skip={"notes.txt"})
    for modes in (running, stopped):
        assert {"tatviz.sqlite3", "tatviz.log", "secret_key.txt"} <= set(modes)
        assert any(name.startswith("uploads/") for name in modes)
        assert any(name.startswith("cache/") for name in modes)
        wrong = {
            name: oct(mode)
            for name, mode in modes.items()
            if mode != (0o700 if (folder / name).is_dir() else 0o600)
        }
        assert wrong == {}
    # A shared folder keeps its own mode; a folder of TATviz's own is 0700.
    assert stat.S_IMODE(folder.stat().st_mode) == (0o755 if foreign else 0o700)
    assert (folder / "notes.txt").exists() == foreign
