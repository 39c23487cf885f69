"""kill -9 at every step of every change to a data set, then restart.

The real server (launcher.py) is started with ``TATVIZ_FAULT=<change>:<step>``
and dies by SIGKILL exactly there (`exams.storage.faults`). The next start
must find the data set exactly as before the change (killed before its
commit) or exactly as after it (killed after): summary, file list, exam
counts and caches agree, and a re-read finds the same numbers. No file is
left that the catalogue does not use, and nothing is kept aside.
"""

import http.client
import signal
import sqlite3
import uuid
from pathlib import Path

import pytest

from tests.app_sessions import HttpSession, assert_caches_owned, multipart

HEADER = "Accession,Exam Name,Modality,Status,Complete Time,Final Time"


def export(prefix: str, statuses: list[str]) -> bytes:
    """One exam per status, each 30 minutes from complete to final."""
    lines = [HEADER] + [
        f"{prefix}{i},CT HEAD,CT,{status},"
        f"01/13/2025 10:{i:02d},01/13/2025 10:{30 + i:02d}"
        for i, status in enumerate(statuses)
    ]
    return ("\n".join(lines) + "\n").encode()


# By hand: FIRST has 6 exams, 2 of them HELD; MORE has 3 new ones, 1 HELD.
FIRST = export("A", ["Final", "Final", "HELD", "Final", "HELD", "Final"])
MORE = export("B", ["Final", "HELD", "Final"])


def state(session: HttpSession) -> dict:
    """What a user sees of the data sets, each count from two places."""
    listing = session.get("/api/datasets").json()["datasets"]
    seen = {
        "datasets": sorted((d["id"], d["files"], d["rows_loaded"]) for d in listing)
    }
    current = session.get("/api/datasets/current")
    if current.status == 200:
        summary = current.json()
        exams = session.get("/api/exams?page_size=10").json()
        # The summary (catalogue) and the exams (cache) agree.
        assert summary["rows_loaded"] == exams["total"]
        files = {d["id"]: d["files"] for d in listing}
        assert files[summary["id"]] == len(summary["files"])
        seen["current"] = (summary["id"], summary["rows_loaded"])
        seen["files"] = sorted(f["filename"] for f in summary["files"])
    return seen


def assert_settled(data_dir: Path) -> None:
    """Every file belongs to the catalogue; no journal, nothing kept aside."""
    with sqlite3.connect(data_dir / "tatviz.sqlite3") as db:
        stored = {r[0] for r in db.execute("SELECT stored_name FROM exams_datasetfile")}
        caches = {r[0] for r in db.execute("SELECT cache_name FROM exams_dataset")}
    assert {p.name for p in (data_dir / "uploads").iterdir()} == stored
    assert_caches_owned(data_dir / "cache", caches - {""})
    assert list((data_dir / "journal").iterdir()) == []
    assert list(data_dir.rglob("*.part")) == []
    orphaned = data_dir / "orphaned"
    assert not orphaned.exists() or list(orphaned.rglob("*.*")) == []


def cancelled_with(session: HttpSession, extra: list[str]) -> None:
    defaults = session.get("/api/settings").json()["cancelled_statuses"]
    statuses = [s for s in defaults if s != "HELD"] + extra
    answer = session.post_json("/api/settings", {"cancelled_statuses": statuses})
    assert answer.status == 200


def change(session: HttpSession, kind: str, dataset_id: str):
    """Make one change of ``kind``; the server may die while it does."""
    if kind == "create":
        body, content_type = multipart([("second.csv", MORE)])
        return session.request("POST", "/api/datasets", body, content_type)
    if kind == "add":
        body, content_type = multipart([("more.csv", MORE)])
        return session.request(
            "POST", "/api/datasets/current/files", body, content_type
        )
    if kind == "delete":
        return session.request("DELETE", f"/api/datasets/{dataset_id}")
    if kind == "reread":
        cancelled_with(session, ["HELD"])
        return session.get("/api/datasets/current")
    if kind == "rebuild":
        for cache in (session.data_dir / "cache").iterdir():
            cache.unlink()
        return session.get("/api/exams?page_size=1")
    raise AssertionError(kind)


STEPS = [
    ("create", "uploads-saved", "before"),
    ("create", "cache-written", "before"),
    ("create", "committed", "after"),
    ("add", "uploads-saved", "before"),
    ("add", "cache-written", "before"),
    ("add", "committed", "after"),
    ("delete", "files-listed", "before"),
    ("delete", "committed", "after"),
    ("reread", "cache-written", "before"),
    ("reread", "committed", "after"),
    ("rebuild", "cache-written", "after"),
]


def apart(seen: dict, first_id: str) -> tuple[dict, list]:
    """Split off the data sets other than FIRST, as (files, rows)."""
    others = [d[1:] for d in seen["datasets"] if d[0] != first_id]
    mine = [d for d in seen["datasets"] if d[0] == first_id]
    return {**seen, "datasets": mine}, others


def expected(kind: str, when: str, first_id: str) -> dict:
    """The state a user must see, worked out by hand from FIRST and MORE."""
    if kind == "reread":
        # The setting was saved before the kill: the next start reads the
        # export again with HELD cancelled (6 - 2), whichever step it was.
        return {
            "datasets": [(first_id, 1, 4)],
            "current": (first_id, 4),
            "files": ["first.csv"],
        }
    if kind == "delete" and when == "after":
        return {"datasets": []}
    if kind == "add" and when == "after":
        return {
            "datasets": [(first_id, 2, 9)],
            "current": (first_id, 9),
            "files": ["first.csv", "more.csv"],
        }
    # Before, a rebuilt cache (same rows), and a new data set beside FIRST
    # (checked apart; it was not made current before the kill).
    return {
        "datasets": [(first_id, 1, 6)],
        "current": (first_id, 6),
        "files": ["first.csv"],
    }


@pytest.mark.parametrize(("kind", "step", "when"), STEPS)
def test_killed_at_each_step_restarts_before_or_after(
    launch, tmp_path, kind, step, when
):
    app = launch(tmp_path)
    try:
        session = app.session()
        body, content_type = multipart([("first.csv", FIRST)])
        first = session.request("POST", "/api/datasets", body, content_type).json()
        assert first["rows_loaded"] == 6
    finally:
        assert app.stop() == 0

    doomed = launch(tmp_path, env={"TATVIZ_FAULT": f"{kind}:{step}"})
    session.port = doomed.port
    with pytest.raises((OSError, http.client.HTTPException)):
        change(session, kind, first["id"])
    assert doomed.process.wait() == -signal.SIGKILL

    again = launch(tmp_path)
    try:
        assert_settled(tmp_path)
        want = expected(kind, when, first["id"])
        # A new data set (create) is checked apart: it never became current.
        others = [(1, 3)] if (kind, when) == ("create", "after") else []
        assert apart(state(again.session()), first["id"]) == (want, others)
        if "current" in want:
            # Read again from the exports: the same numbers, nothing grows.
            session.port = again.port
            held = ["HELD"] if kind == "reread" else []
            cancelled_with(session, [*held, "NEVER-USED"])
            assert apart(state(session), first["id"]) == (want, others)
        assert_settled(tmp_path)
    finally:
        assert again.stop() == 0


# ---- a delete and an add racing on one data set --------------------------------------


def files_holding(data_dir: Path, needle: bytes) -> list[Path]:
    return [
        p
        for sub in ("uploads", "cache", "orphaned")
        for p in (data_dir / sub).rglob("*")
        if p.is_file() and needle in p.read_bytes()
    ]


@pytest.mark.parametrize("moment", ["before it reads", "before it switches"])
def test_a_delete_during_an_add_wins_and_the_add_gets_409(db, monkeypatch, moment):
    from exams.storage import changes, store
    from tests.app_sessions import DjangoSession

    # Accessions no other test uses: the in-process data dir is shared.
    mark = uuid.uuid4().hex[:10].upper()
    tab = DjangoSession(raise_errors=False)
    first = tab.upload([("first.csv", export(f"A{mark}", ["Final"] * 3))]).json()
    data_dir = tab.data_dir
    real_build = changes._build

    def delete_meanwhile(files, **kwargs):
        # The other tab's delete lands while this add is under way.
        if moment == "before it reads":
            store.delete_dataset(store.get_dataset(first["id"]))
            return real_build(files, **kwargs)
        built = real_build(files, **kwargs)
        store.delete_dataset(store.get_dataset(first["id"]))
        return built

    monkeypatch.setattr(changes, "_build", delete_meanwhile)
    more = export(f"B{mark}", ["Final"] * 2)
    answer = tab.upload([("more.csv", more)], url="/api/datasets/current/files")
    monkeypatch.undo()

    assert answer.status == 409
    assert "was deleted while this change was being made" in answer.json()["error"]
    assert store.get_dataset(first["id"]) is None
    assert tab.get("/api/datasets/current").status == 404
    listed = [d["id"] for d in tab.get("/api/datasets").json()["datasets"]]
    assert first["id"] not in listed
    # Its rows are in no file: not the old ones, not the added ones.
    assert files_holding(data_dir, f"A{mark}".encode()) == []
    assert files_holding(data_dir, f"B{mark}".encode()) == []
    store._frames.clear()
    assert store.get_dataset(first["id"]) is None


def test_adding_to_a_data_set_deleted_in_another_tab_is_409(db):
    from exams.storage import store
    from tests.app_sessions import DjangoSession

    tab, other = DjangoSession(), DjangoSession()
    first = tab.upload([("first.csv", FIRST)]).json()
    second = other.upload([("second.csv", MORE)]).json()
    assert other.request("DELETE", f"/api/datasets/{first['id']}").status == 200

    answer = tab.upload([("more.csv", MORE)], url="/api/datasets/current/files")

    assert answer.status == 409
    assert "was deleted" in answer.json()["error"]
    # Not added to whichever data set is the default now.
    assert store.get_dataset(second["id"]).files.count() == 1
    assert other.get("/api/datasets/current").json()["rows_loaded"] == 3


# ---- the journal itself ------------------------------------------------------------


def test_recovery_deletes_only_unused_files_a_journal_names(db, tmp_path, settings):
    import json

    from exams.storage import journal, store
    from tests.app_sessions import DjangoSession

    used = DjangoSession().upload([("used.csv", FIRST)]).json()
    dataset = store.get_dataset(used["id"])
    in_use = dataset.files.get().stored_name
    uploads_dir = Path(settings.UPLOAD_DIR)
    unused = uploads_dir / f"{uuid.uuid4().hex}.csv"
    unused.write_bytes(b"left by a change that never committed")
    outside = tmp_path / "outside.txt"
    outside.write_text("not TATviz's")
    unlisted = uploads_dir / f"{uuid.uuid4().hex}.csv"
    unlisted.write_bytes(b"no journal names it")
    names = [
        f"uploads/{in_use}",
        f"uploads/{unused.name}",
        f"cache/{dataset.cache_name}",
        f"uploads/../../{outside.name}",
        str(outside),
    ]
    folder = Path(settings.DATA_DIR) / journal.JOURNAL_DIR
    left = folder / f"{uuid.uuid4().hex}.json"
    left.write_text(json.dumps(names))

    assert journal.recover() >= 1

    assert not unused.exists()
    assert (uploads_dir / in_use).exists()
    assert (Path(settings.CACHE_DIR) / dataset.cache_name).exists()
    assert outside.exists() and unlisted.exists()  # never deleted for being unknown
    assert not left.exists()
    unlisted.unlink()
