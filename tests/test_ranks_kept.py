"""Interval ranks kept beside the cache: read at a start, checked, never trusted blind.

Every expected rank here is checked against numpy's own sort of the
minutes, and every answer against the same request with the ranks sorted
again (the file moved away).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from exams.analysis.frame import prepare
from exams.analysis.frame.prepare import RANK_COLUMNS
from exams.models import Dataset
from exams.storage import framecache, housekeeping, inventory, ranks
from tests.export_files import export_text

SUMMARY = "/api/summary?by=modality"


def _rows(count: int, *, seed: int = 5, prefix: str = "A") -> list[list[str]]:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-03-03 07:00")
    rows = [["Accession", "Exam Name", "Modality", "Order Time", "Complete Time"]]
    rows[0].append("Final Time")
    for i in range(count):
        done = start + pd.Timedelta(minutes=int(rng.integers(0, 60 * 24 * 30)))
        ordered = done - pd.Timedelta(minutes=int(rng.integers(-30, 600)))
        final = done + pd.Timedelta(minutes=int(rng.gamma(1.5, 90)))
        stamp = "%m/%d/%Y %H:%M"
        cells = [ordered.strftime(stamp), done.strftime(stamp), final.strftime(stamp)]
        if i % 17 == 0:
            cells[2] = ""  # pending: no final report yet
        modality = ["CT", "MR", "XR"][i % 3]
        rows.append([f"{prefix}{i}", f"{modality} EXAM", modality, *cells])
    return rows


def _upload(client, rows, name="ranks.csv") -> Dataset:
    file = SimpleUploadedFile(name, export_text(rows).encode())
    response = client.post("/api/datasets", {"file": file})
    assert response.status_code == 201, response.content
    return Dataset.objects.get(pk=response.json()["id"])


def _cache(dataset: Dataset):
    dataset.refresh_from_db()
    return Path(settings.CACHE_DIR) / dataset.cache_name


def _restart() -> None:
    """Forget every frame in memory, as a new start of the app does."""
    framecache.frames.clear()
    framecache.prepared.clear()


def _ties_last_first(minutes: np.ndarray) -> np.ndarray:
    """Ranks by numpy's sort, equal minutes ranked last row first (-1 invalid)."""
    valid = np.flatnonzero(minutes >= 0)[::-1]
    out = np.full(len(minutes), -1)
    out[valid[np.argsort(minutes[valid], kind="stable")]] = np.arange(len(valid))
    return out


def _ranks_are_a_sort(ranks_column: np.ndarray, minutes: np.ndarray) -> None:
    valid = minutes >= 0
    assert np.array_equal(ranks_column >= 0, valid)
    assert sorted(ranks_column[valid]) == list(range(np.count_nonzero(valid)))
    in_rank_order = minutes[valid][np.argsort(ranks_column[valid])]
    np.testing.assert_array_equal(in_rank_order, np.sort(minutes[valid]))


def test_a_read_keeps_ranks_that_are_a_sort_of_the_minutes(client, db):
    dataset = _upload(client, _rows(600))
    path = ranks.ranks_path(_cache(dataset))
    assert path.is_file()
    kept = pq.read_table(path)
    frame = pd.read_parquet(_cache(dataset))
    assert set(kept.column_names) == {
        RANK_COLUMNS[m]
        for m in ("order_to_complete", "complete_to_final", "order_to_final")
    }
    for interval, column in RANK_COLUMNS.items():
        if column in kept.column_names:
            minutes = frame[interval].to_numpy(dtype=float, na_value=np.nan)
            _ranks_are_a_sort(kept.column(column).to_numpy(), minutes)


def test_a_start_reads_the_ranks_and_answers_the_same(client, db, monkeypatch):
    dataset = _upload(client, _rows(600))
    expected = client.get(SUMMARY).json()
    _restart()

    def refuse(values):
        raise AssertionError("ranks sorted again instead of read")

    monkeypatch.setattr(prepare, "rank_values", refuse)
    assert client.get(SUMMARY).json() == expected
    monkeypatch.undo()
    # The same request with the file gone: the ranks sorted again.
    ranks.ranks_path(_cache(dataset)).unlink()
    _restart()
    assert client.get(SUMMARY).json() == expected


def _swap_two_ranks(path, column: str, minutes: np.ndarray) -> None:
    table = pq.read_table(path)
    values = table.column(column).to_numpy().copy()
    valid = np.flatnonzero(minutes >= 0)
    low = valid[np.argmin(minutes[valid])]
    high = valid[np.argmax(minutes[valid])]
    values[[low, high]] = values[[high, low]]
    pq.write_table(
        table.set_column(table.column_names.index(column), column, [values]), path
    )


@pytest.mark.parametrize("damage", ["swapped", "repeated", "short", "garbage", "below"])
def test_ranks_that_do_not_fit_are_sorted_again_and_kept_anew(client, db, damage):
    dataset = _upload(client, _rows(600))
    expected = client.get(SUMMARY).json()
    cache = _cache(dataset)
    path = ranks.ranks_path(cache)
    frame = pd.read_parquet(cache)
    column = RANK_COLUMNS["complete_to_final"]
    minutes = frame["complete_to_final"].to_numpy(dtype=float, na_value=np.nan)
    if damage == "swapped":  # the lowest minute ranked last and the highest first
        _swap_two_ranks(path, column, minutes)
    elif damage in ("repeated", "below", "short"):
        table = pq.read_table(path)
        values = table.column(column).to_numpy().copy()
        if damage == "repeated":
            values[values == 1] = 0  # rank 0 twice, rank 1 never
        elif damage == "below":
            values[values == -1] = -7
        else:
            values = values[:-1]
            table = table.slice(0, len(values))
        index = table.column_names.index(column)
        pq.write_table(table.set_column(index, column, [values]), path)
    else:
        path.write_bytes(b"PAR1 not a parquet file PAR1")
    _restart()
    assert client.get(SUMMARY).json() == expected
    # Kept anew, and right this time.
    _ranks_are_a_sort(pq.read_table(path).column(column).to_numpy(), minutes)


def test_a_data_set_cached_before_keeps_its_ranks_at_its_next_start(client, db):
    dataset = _upload(client, _rows(300))
    path = ranks.ranks_path(_cache(dataset))
    path.unlink()
    _restart()
    assert client.get(SUMMARY).status_code == 200
    assert path.is_file()


def test_the_ranks_go_with_their_cache(client, db):
    first = _upload(client, _rows(300), name="first.csv")
    old = ranks.ranks_path(_cache(first))
    # Files added: a new cache, new ranks; the old pair goes.
    file = SimpleUploadedFile("more.csv", export_text(_rows(50, prefix="B")).encode())
    assert client.post("/api/datasets/current/files", {"file": file}).status_code == 200
    new = ranks.ranks_path(_cache(first))
    assert new != old and new.is_file() and not old.exists()
    # Housekeeping at a start leaves them where they are; the size counts them.
    housekeeping.keep_aside_unknown()
    assert new.is_file()
    first.refresh_from_db()
    uploads = Path(settings.UPLOAD_DIR)
    exports = sum((uploads / f.stored_name).stat().st_size for f in first.files.all())
    assert inventory.disk_bytes(first) == (
        exports + _cache(first).stat().st_size + new.stat().st_size
    )
    # Deleted with the data set.
    cache = _cache(first)
    assert client.delete(f"/api/datasets/{first.pk}").status_code in (200, 204)
    assert not new.exists() and not cache.exists()


def test_ranks_fit_whatever_order_ties_were_given(db):
    rng = np.random.default_rng(2)
    minutes = rng.integers(0, 30, 5_000).astype(float)
    minutes[rng.random(5_000) < 0.1] = np.nan
    minutes[rng.random(5_000) < 0.05] = -3.0
    mine = prepare.rank_values(minutes)
    numpys = _ties_last_first(minutes).astype(np.int32)
    assert not np.array_equal(mine, numpys)  # ties ranked another way
    assert ranks._fits(mine, minutes) and ranks._fits(numpys, minutes)
    assert not ranks._fits(mine.astype(np.int64), minutes)
    assert not ranks._fits(mine[:-1], minutes)


def test_a_cache_rebuilt_from_its_exports_keeps_its_ranks(client, db, monkeypatch):
    dataset = _upload(client, _rows(400))
    expected = client.get(SUMMARY).json()
    _cache(dataset).write_bytes(b"PAR1 this is not parquet")
    _restart()

    def refuse(values):
        raise AssertionError("ranks sorted again instead of read")

    # The same exports give the same minutes: the ranks kept still fit.
    monkeypatch.setattr(prepare, "rank_values", refuse)
    assert client.get(SUMMARY).json() == expected
    assert pd.read_parquet(_cache(dataset)).shape[0] == 400
