"""Frames of data sets no longer current leave memory; reopening reads the cache."""

import threading
import time
from types import SimpleNamespace

import pandas as pd
from django.core.files.uploadedfile import SimpleUploadedFile

from exams.storage import framecache, store
from exams.storage.framecache import FrameCache, release_others
from exams.storage.preferences import default_shifts
from tests.export_files import export_text


def test_keep_only_drops_other_data_sets_keys_and_tuples():
    cache = FrameCache(4)
    cache.put("a", 1)
    cache.put(("a", "day"), 2)
    cache.put("b", 3)
    cache.put(("b", "night"), 4)
    assert cache.keep_only("a") == 2
    assert cache.get("a") == 1 and cache.get(("a", "day")) == 2
    assert cache.get("b") is None and cache.get(("b", "night")) is None


def test_release_others_reaches_every_cache():
    first, second = FrameCache(2), FrameCache(2)
    first.put("a", 1)
    second.put(("b", 1), 2)
    release_others(None)
    assert first.get("a") is None and second.get(("b", 1)) is None


def _upload(client, name: str, accession: str) -> dict:
    rows = [
        ["Accession", "Exam Name", "Modality", "Complete Time", "Final Time"],
        [accession, "CT HEAD WO", "CT", "01/13/2025 10:30", "01/13/2025 11:00"],
        [accession + "B", "XR CHEST", "XR", "01/14/2025 08:20", "01/14/2025 09:20"],
    ]
    file = SimpleUploadedFile(name, export_text(rows).encode())
    response = client.post("/api/datasets", {"file": file})
    assert response.status_code == 201, response.content
    return response.json()


def _cached_ids() -> set[str]:
    ids = set()
    for cache in (framecache.frames, framecache.prepared):
        ids |= {str(k[0] if isinstance(k, tuple) else k) for k in cache._items}
    return ids


def test_new_upload_releases_the_data_set_that_was_current(client, db):
    first = _upload(client, "first.csv", "ACC1")
    assert client.get("/api/summary").status_code == 200
    assert _cached_ids() == {first["id"]}
    second = _upload(client, "second.csv", "ACC2")
    assert client.get("/api/summary").status_code == 200
    assert _cached_ids() == {second["id"]}
    # Reopened: read back from its Parquet cache, the same two exams.
    assert client.post(f"/api/datasets/{first['id']}/select").status_code == 200
    exams = client.get("/api/exams", {"sort": "accession"}).json()
    assert [r["accession"] for r in exams["rows"]] == ["ACC1", "ACC1B"]
    assert _cached_ids() == {first["id"]}


def test_parallel_first_requests_read_and_prepare_the_data_set_once(monkeypatch):
    """A page's requests right after a start wait for one reading, not two."""
    dataset = SimpleNamespace(pk="d1", cache_name="d1-0.parquet")
    canonical = pd.DataFrame(
        {
            "completed_at": pd.to_datetime(["2025-01-13 10:30", "2025-01-14 08:20"]),
            "modality": pd.Categorical(["CT", "XR"]),
        }
    )
    reads, gate = [], threading.Event()

    def slow_read(found):
        reads.append(found.pk)
        gate.wait(5)  # the second request arrives while this one reads
        return canonical

    monkeypatch.setattr(store, "current_dataset", lambda request: dataset)
    monkeypatch.setattr(store.preferences, "get_shifts", default_shifts)
    monkeypatch.setattr(store, "load_frame", slow_read)
    framecache.prepared.clear()
    answers = []
    requests = [
        threading.Thread(target=lambda: answers.append(store.current_frame(None)))
        for _ in range(2)
    ]
    for request in requests:
        request.start()
    time.sleep(0.2)
    gate.set()
    for request in requests:
        request.join(10)
    framecache.prepared.clear()
    assert reads == ["d1"]
    assert len(answers) == 2 and answers[0] is answers[1]
    assert list(answers[0]["shift"]) == ["day", "day"]
