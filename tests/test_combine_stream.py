"""Exports combined as they are read (`ingest.Combination`), checked by hand.

The expected frames come from adding the files one at a time in plain
Python (the rule of docs/API.md: most complete row, then the earliest final
time, then the one loaded first; rows without an accession dropped only as
exact repeats), never from the combining code.
"""

import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from exams import fields
from exams.ingest import Combination, combine, combine_exports, read_export
from exams.models import Dataset
from exams.storage import answers, store
from tests.export_files import with_good_header

HEADER = "Accession,Exam Name,Modality,Priority,Order Time,Complete Time,Final Time\n"
TIMES = [fields.ORDERED_AT, fields.COMPLETED_AT, fields.FINALIZED_AT]


def _time(day: int, minute: int) -> str:
    return f"01/{day:02d}/2025 {minute // 60:02d}:{minute % 60:02d}"


def _random_exports(rng: random.Random) -> list[bytes]:
    """Return 2–5 exports sharing accessions, pending rows and blank ones."""
    seen, exports = [], []
    for _ in range(rng.randint(2, 5)):
        rows = []
        for _ in range(rng.randint(1, 20)):
            if seen and rng.random() < 0.4:
                row = list(rng.choice(seen))
                row[rng.choice((3, 6))] = ""  # less complete, or pending again
                if rng.random() < 0.5:
                    row = list(rng.choice(seen))
                    row[6] = _time(rng.randint(1, 28), rng.randint(700, 1400))
            else:
                day, start = rng.randint(1, 28), rng.randint(0, 600)
                done = start + rng.randint(5, 90)
                accession = "" if rng.random() < 0.1 else f"A{rng.randint(1, 40)}"
                final = (
                    "" if rng.random() < 0.2 else _time(day, done + rng.randint(1, 99))
                )
                rows.append(
                    [accession, "CT HEAD", "CT", rng.choice(("STAT", "Routine", ""))]
                    + [_time(day, start), _time(day, done), final]
                )
                continue
            rows.append(row)
        seen.extend(rows)
        body = "".join(",".join(r) + "\n" for r in rows)
        exports.append((HEADER + body).encode())
    return exports


def _one_by_one(frames: list[pd.DataFrame]) -> tuple[list[tuple], list[tuple]]:
    """Add the files one at a time in plain Python; return rows kept and counts."""
    present = [f for f in fields.CANONICAL_FIELDS if f in frames[0].columns]
    kept: dict[object, tuple] = {}  # key → (place, filled, final, values)
    counts = []
    for number, frame in enumerate(frames):
        added = replaced = 0
        for row, record in enumerate(frame[present].astype(object).to_dict("records")):
            values = tuple(None if pd.isna(v) else v for v in record.values())
            filled = sum(v is not None for v in values)
            final = record[fields.FINALIZED_AT]
            final = pd.Timestamp.max if pd.isna(final) else final
            accession = record[fields.ACCESSION]
            key = ("row", values) if pd.isna(accession) else accession
            entry = ((number, row), filled, final, values)
            if key not in kept:
                kept[key] = entry
                added += 1
            elif not pd.isna(accession) and (filled, -final.value) > (
                kept[key][1],
                -kept[key][2].value,
            ):
                kept[key] = entry
                replaced += 1
        counts.append((added, replaced, len(frame) - added - replaced))
    rows = sorted(kept.values())
    return (
        [r[3][present.index(fields.ACCESSION)] for r in rows],
        [tuple(r[3][present.index(t)] for t in TIMES) for r in rows],
        counts,
    )


def _read(exports: list[bytes]) -> list:
    return [
        read_export(data, filename=f"{i}.csv", date_order="mdy")
        for i, data in enumerate(exports)
    ]


def _times(frame: pd.DataFrame) -> list[tuple]:
    out = frame[TIMES].astype(object).to_dict("split")["data"]
    return [tuple(None if pd.isna(v) else v for v in row) for row in out]


@pytest.mark.parametrize("seed", range(8))
def test_random_sets_keep_the_rows_adding_files_one_by_one_keeps(seed):
    results = _read(_random_exports(random.Random(seed)))
    accessions, times, counts = _one_by_one([r.frame for r in results])
    frame, files, quality = combine_exports(results)
    assert [None if pd.isna(a) else a for a in frame["accession"]] == accessions
    assert _times(frame) == times
    assert [(f["added"], f["replaced"], f["skipped"]) for f in files] == counts
    incoming = sum(len(r.frame) for r in results)
    own = sum(r.quality["duplicates"] for r in results)
    assert quality["duplicates"] == own + incoming - len(accessions)


def test_colliding_hashes_change_nothing(monkeypatch):
    """Every accession hashed alike: the exact comparison still decides."""
    results = _read(_random_exports(random.Random(3)))
    expected = combine_exports(results)

    def same_hash(accession):
        return np.zeros(len(accession), dtype=np.uint64)

    monkeypatch.setattr(combine, "_accession_hashes", same_hash)
    frame, files, quality = combine_exports(results)
    pd.testing.assert_frame_equal(frame, expected[0], check_exact=True)
    assert (files, quality) == (expected[1], expected[2])


def test_add_hands_back_the_result_without_its_rows():
    results = _read(_random_exports(random.Random(1)))
    combination = Combination()
    light = [combination.add(r) for r in results]
    assert [len(r.frame) for r in light] == [0] * len(results)
    assert [r.filename for r in light] == [r.filename for r in results]
    assert all(r.unparseable is None for r in light)
    frame, files, quality = combination.finish()
    expected = combine_exports(results)
    pd.testing.assert_frame_equal(frame, expected[0], check_exact=True)
    assert (files, quality) == (expected[1], expected[2])


JAN = (
    "A1,CT HEAD,CT,,01/13/2025 09:00,01/13/2025 10:00,\n"  # pending
    "A2,XR CHEST,XR,,01/13/2025 09:00,01/13/2025 09:30,01/13/2025 10:30\n"
)
FEB = (
    # A1 signed: more complete, replaces January's. A2 as before: skipped.
    "A1,CT HEAD,CT,,01/13/2025 09:00,01/13/2025 10:00,01/13/2025 12:00\n"
    "A3,MR BRAIN,MR,,01/14/2025 09:00,01/14/2025 10:00,01/14/2025 13:00\n"
    "A2,XR CHEST,XR,,01/13/2025 09:00,01/13/2025 09:30,01/13/2025 10:30\n"
)
MAR = (
    # A1 pending again: skipped. A3 signed earlier: replaces. A4 new.
    "A1,CT HEAD,CT,,01/13/2025 09:00,01/13/2025 10:00,\n"
    "A3,MR BRAIN,MR,,01/14/2025 09:00,01/14/2025 10:00,01/14/2025 11:00\n"
    "A4,US ABD,US,,01/15/2025 09:00,01/15/2025 10:00,01/15/2025 10:20\n"
)


def _write(tmp_path, **texts) -> list:
    paths = []
    for name, text in texts.items():
        path = tmp_path / f"{name}.csv"
        path.write_bytes((HEADER + text).encode())
        paths.append(path)
    return paths


def test_a_data_set_of_several_files_is_read_one_file_at_a_time(
    db, tmp_path, monkeypatch
):
    paths = _write(tmp_path, jan=JAN, feb=FEB, mar=MAR)
    held = []
    real = answers.read_files

    def watching(files, **options):
        results = real(files, **options)
        held.extend(len(r.frame) for r in results)
        return results

    monkeypatch.setattr("exams.storage.changes.read_files", watching)
    dataset = store.load_paths(paths)
    # No result kept its rows: the combination held the only copy.
    assert held == [0, 0, 0]
    counts = [
        (f["filename"], f["added"], f["replaced"], f["skipped"])
        for f in dataset.summary["files"]
    ]
    assert counts == [("jan.csv", 2, 0, 0), ("feb.csv", 1, 1, 1), ("mar.csv", 1, 1, 1)]
    frame = store.load_frame(dataset)
    # Kept rows by file, then row: A2 (Jan), A1 (Feb), A3 and A4 (Mar); report
    # TAT 60, 120, 60 and 20 minutes by hand.
    assert frame["accession"].tolist() == ["A2", "A1", "A3", "A4"]
    assert frame["complete_to_final"].tolist() == [60.0, 120.0, 60.0, 20.0]
    assert dataset.summary["quality"]["duplicates"] == 4


def test_a_file_failing_midway_leaves_the_current_data_set_current(client, db):
    first = client.post(
        "/api/datasets",
        {"file": SimpleUploadedFile("jan.csv", (HEADER + JAN).encode())},
    )
    assert first.status_code == 201, first.content
    files = [
        SimpleUploadedFile("feb.csv", (HEADER + FEB).encode()),
        SimpleUploadedFile("empty.csv", with_good_header()),
        SimpleUploadedFile("mar.csv", (HEADER + MAR).encode()),
    ]
    response = client.post("/api/datasets", {"file": files})
    assert 400 <= response.status_code < 500, response.content
    assert "empty.csv" in response.json()["error"]
    assert Dataset.objects.count() == 1
    current = client.get("/api/datasets/current").json()
    assert current["id"] == first.json()["id"]
    exams = client.get("/api/exams", {"sort": "accession"}).json()
    assert [r["accession"] for r in exams["rows"]] == ["A1", "A2"]


def test_a_crash_midway_leaves_no_data_set_behind(db, tmp_path, monkeypatch):
    before = store.load_paths(_write(tmp_path, jan=JAN))
    paths = _write(tmp_path, feb=FEB, mar=MAR)
    real, calls = answers.read_file, []

    def failing(f, **options):
        calls.append(f.filename)
        if len(calls) == 2:
            raise OSError("disk gone")
        return real(f, **options)

    monkeypatch.setattr(answers, "read_file", failing)
    with pytest.raises(OSError):
        store.load_paths(paths)
    assert calls == ["feb.csv", "mar.csv"]
    assert [d.pk for d in store.list_datasets()] == [before.pk]
    assert store.load_frame(before)["accession"].tolist() == ["A1", "A2"]


def test_accession_hashes_follow_the_bytes_not_the_buffers(monkeypatch):
    values = ["A1", "A10", "", None, "Ä1", "A1", "B" * 40, "A01"]
    whole = combine._accession_hashes(pa.array(values))
    # Equal accessions hash alike, wherever they sit in their buffers.
    assert whole[0] == whole[5]
    sliced = pa.array(["x", *values], pa.large_string()).slice(1)
    assert (combine._accession_hashes(sliced) == whole).all()
    # A slice of rows at a time gives the same hashes.
    monkeypatch.setattr(combine, "_HASH_SLICE", 3)
    assert (combine._accession_hashes(pa.array(values)) == whole).all()
    distinct = [0, 1, 2, 4, 6, 7]
    assert len(set(whole[distinct].tolist())) == len(distinct)


def test_files_read_in_blocks_combine_as_read_at_once():
    """A file read in several blocks has its accessions in several pieces."""
    rng = random.Random(5)
    exports = []
    for _ in range(3):
        rows = []
        for n in range(300):
            # Unique in the file (no rows dropped, so the column keeps its
            # blocks); a third of them in the next file too.
            accession = f"A{len(exports) * 200 + n}" if n % 50 else ""
            day, start = rng.randint(1, 28), rng.randint(0, 600)
            final = (
                "" if rng.random() < 0.3 else _time(day, start + rng.randint(30, 400))
            )
            rows.append(
                f"{accession},CT HEAD,CT,STAT,{_time(day, start)},"
                f"{_time(day, start + 20)},{final}\n"
            )
        exports.append((HEADER + "".join(rows)).encode())
    whole = _read(exports)
    blocks = [
        read_export(data, filename=f"{i}.csv", date_order="mdy", block_size=1024)
        for i, data in enumerate(exports)
    ]
    assert pa.array(blocks[0].frame["accession"].array).num_chunks > 1
    accessions, times, counts = _one_by_one([r.frame for r in whole])
    frame, files, quality = combine_exports(blocks)
    assert [None if pd.isna(a) else a for a in frame["accession"]] == accessions
    assert _times(frame) == times
    assert [(f["added"], f["replaced"], f["skipped"]) for f in files] == counts
    assert sum(f["replaced"] for f in files) > 0
    expected = combine_exports(whole)
    pd.testing.assert_frame_equal(frame, expected[0], check_exact=True)
    assert quality == expected[2]
