"""Faults in process: a broken cache is rebuilt, a full disk changes nothing.

The full disk is simulated (OSError(ENOSPC) raised where TATviz writes) and
gets ``507 Insufficient Storage`` with ``{"error": "The disk is full: …"}``.
"""

import errno
import gc
import logging
from pathlib import Path

import pandas as pd
import pytest
from _pytest.logging import LogCaptureHandler
from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import OperationalError

from exams.models import Dataset
from exams.storage import store, uploads
from tests.app_sessions import DjangoSession, numbers_of
from tests.export_files import GOOD_CSV, export_of

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


# ---- a data set whose files are gone ------------------------------------------------

PAGES = (
    "/",
    "/dashboard",
    "/data",
    "/exams",
    "/upload",
    "/settings",
    "/api/series",
    "/api/summary",
    "/api/options",
    "/api/datasets",
    "/api/datasets/current",
)


def break_files(dataset, damage: str) -> None:
    """Take away a data set's files as a cleaner or a sync tool would."""
    cache = Path(settings.CACHE_DIR) / dataset.cache_name
    for f in dataset.files.all():
        export = Path(settings.UPLOAD_DIR) / f.stored_name
        if damage == "export garbage, cache gone":
            export.write_bytes(b"\x00\x01\x02 not an export \xff" * 50)
        else:
            export.unlink()
    if damage == "export gone, cache garbage":
        cache.write_bytes(b"PAR1 not parquet")
    else:
        cache.unlink()
    clear_memory()


@pytest.mark.parametrize(
    "damage",
    [
        "export and cache gone",
        "export gone, cache garbage",
        "export garbage, cache gone",
    ],
)
def test_a_data_set_without_its_files_breaks_no_page(db, damage):
    session = DjangoSession(raise_errors=False)
    other = session.upload([("other.csv", export_of(range(5)))]).json()
    broken = session.upload([("broken.csv", GOOD_CSV)]).json()
    break_files(store.get_dataset(broken["id"]), damage)

    for path in PAGES:
        answer = session.get(path)
        assert answer.status < 500, (path, answer.status)
        if path.startswith("/api/") and answer.status >= 400:
            assert "broken.csv" in answer.json()["error"], path
    # The Data page names it and says what to do; the others fall back to none.
    data = session.get("/data").body.decode()
    assert "broken.csv" in data and "cannot be opened" in data
    assert "On the Data page, reload it from the exports still there, or delete" in data
    assert session.get("/dashboard").status == 302
    current = session.get("/api/datasets/current")
    assert current.status == 404
    assert "cannot be opened" in current.json()["error"]
    # The other data set still works, and the broken one can be deleted.
    assert session.post_json(f"/api/datasets/{other['id']}/select", {}).status == 200
    assert session.get("/api/datasets/current").json()["rows_loaded"] == 5
    assert session.get("/dashboard").status == 200
    deleted = session.request("DELETE", f"/api/datasets/{broken['id']}")
    assert deleted.status == 200
    assert store.get_dataset(broken["id"]) is None


# ---- a failed upload's partial files go at once -----------------------------------


def test_a_full_disk_while_spooling_removes_the_partial_file_at_once(
    db, settings, tmp_path, monkeypatch
):
    spool = tmp_path / "spool"
    spool.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(spool)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every upload goes through tmp/
    real = TemporaryFileUploadHandler.receive_data_chunk
    written = []

    def half_then_full(self, raw_data, start):
        real(self, raw_data[: len(raw_data) // 2], start)
        self.file.flush()
        written.append(Path(self.file.temporary_file_path()).stat().st_size)
        disk_full()

    monkeypatch.setattr(
        TemporaryFileUploadHandler, "receive_data_chunk", half_then_full
    )
    session = DjangoSession(raise_errors=False)
    answer = session.upload([("big.csv", GOOD_CSV * 50)])

    assert answer.status == 507
    assert written and written[0] > 0  # a partial file was there
    assert list(spool.iterdir()) == []  # and went with the answer, no gc needed
    monkeypatch.undo()
    assert session.upload([("retry.csv", GOOD_CSV)]).status == 201


def test_an_unwritable_data_folder_is_named_in_the_answer(db, monkeypatch):
    session = DjangoSession(raise_errors=False)
    first = session.upload([("first.csv", GOOD_CSV)]).json()

    def refuse(path, mode="r", *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(uploads, "open", refuse, raising=False)
    answer = session.upload([("second.csv", GOOD_CSV)])
    page = session.upload([("second.csv", GOOD_CSV)], url="/upload")
    forget_captured_logs()

    assert answer.status == 507
    error = answer.json()["error"]
    assert error.startswith(
        f"TATviz cannot write in its data folder {settings.DATA_DIR}"
    )
    assert page.status == 507 and str(settings.DATA_DIR).encode() in page.body
    monkeypatch.undo()
    assert session.get("/api/datasets/current").json()["id"] == first["id"]


def test_a_data_set_missing_one_export_reloads_from_the_others(db):
    session = DjangoSession(raise_errors=False)
    both = session.upload(
        [("lost.csv", GOOD_CSV), ("kept.csv", export_of(range(7)))]
    ).json()
    dataset = store.get_dataset(both["id"])
    lost = dataset.files.get(filename="lost.csv")
    (Path(settings.UPLOAD_DIR) / lost.stored_name).unlink()
    (Path(settings.CACHE_DIR) / dataset.cache_name).unlink()
    clear_memory()
    page = session.get("/data").body.decode()
    assert "its saved export lost.csv is missing" in page
    assert "Reload from the exports still there" in page

    reloaded = session.request("POST", f"/data/{both['id']}/reload")

    assert reloaded.status == 302 and reloaded.header("Location") == "/data"
    current = session.get("/api/datasets/current").json()
    # kept.csv alone: its 7 exams (export_of: one exam per accession).
    assert (current["id"], current["rows_loaded"]) == (both["id"], 7)
    assert [f["filename"] for f in current["files"]] == ["kept.csv"]
    assert session.get("/dashboard").status == 200
    assert "cannot be opened" not in session.get("/data").body.decode()
