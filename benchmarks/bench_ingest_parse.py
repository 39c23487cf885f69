"""Time `read_export` on a generated 1M-row export against plain pyarrow.

Run from the project root: ``.venv/bin/python benchmarks/bench_ingest_parse.py``
(``--rows N`` to change the size). The reference is `pyarrow.csv.read_csv`
with the three time columns parsed as ``MM/DD/YYYY HH:MM`` timestamps: the
floor for "read the bytes and parse the dates". `read_export` does more
(encoding and delimiter detection, header mapping, trimming, cancelled and
duplicate removal, modality, intervals, quality), so it should stay within a
small multiple of it. The file lives in a temporary folder removed at exit.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from exams.ingest import read_export

HEADERS = (
    "Order Procedure Accession",
    "Exam Order Name",
    "Exam Order Date/Time",
    "Exam Complete Date/Tm",
    "Final Date/Tm",
    "Priority",
    "Ordering Provider",
    "Patient Class",
    "Exam Status",
    "Location",
)
TIME_HEADERS = HEADERS[2:5]
EXAMS = (
    "CT HEAD WO CONTRAST",
    "CT ABDOMEN PELVIS W CONTRAST",
    "CTA CHEST PE PROTOCOL",
    "MRI BRAIN WWO CONTRAST",
    "MRA NECK",
    "XR CHEST 2 VIEWS",
    "XR KNEE 3 VIEWS LEFT",
    "US ABDOMEN COMPLETE",
    "US DOPPLER LOWER EXT VENOUS",
    "MAMMO SCREENING BILATERAL TOMO",
    "NM BONE SCAN WHOLE BODY",
    "PET/CT SKULL BASE TO THIGH",
    "FLUORO UGI",
    "IR PICC PLACEMENT",
    "DEXA BONE DENSITY",
)
PRIORITIES = ("STAT", "Urgent", "Routine", "ASAP")
CLASSES = ("Emergency", "Inpatient", "Outpatient", "Observation")
# About 2% cancelled.
STATUSES = ("Final",) * 40 + ("Complete",) * 9 + ("Cancelled",)
LOCATIONS = ("MAIN CT 1", "MAIN CT 2", "ED XR", "OP IMAGING", "NORTH MRI")


def _physicians(count: int) -> np.ndarray:
    """Return quoted "LAST, FIRST MD" names (the comma must stay inside quotes)."""
    return np.array([f'"DOCTOR{i:03d}, ALEX MD"' for i in range(count)], dtype=object)


def _dates(start: np.ndarray) -> pa.Array:
    """Format minute timestamps as MM/DD/YYYY HH:MM (vectorised in Arrow)."""
    stamps = pa.array(start.astype("datetime64[s]"), type=pa.timestamp("s"))
    return pc.strftime(stamps, format="%m/%d/%Y %H:%M")


def build_export(rows: int, *, seed: int = 7) -> bytes:
    """Return a CSV export of ``rows`` exams with seed-style headers (CRLF)."""
    rng = np.random.default_rng(seed)
    base = np.datetime64("2024-01-01T00:00", "m")
    ordered = base + rng.integers(0, 365 * 24 * 60, rows).astype("timedelta64[m]")
    completed = ordered + rng.integers(5, 900, rows).astype("timedelta64[m]")
    finalized = completed + rng.integers(-20, 3000, rows).astype("timedelta64[m]")
    final_text = _dates(finalized)
    # 2% pending: no final time yet.
    pending = pa.array(rng.random(rows) < 0.02)
    final_text = pc.if_else(pending, pa.scalar("", pa.string()), final_text)
    # 1% re-exported rows: the same accession twice.
    ids = np.arange(rows, dtype=np.int64) + 10_000_000
    repeat = rng.random(rows) < 0.01
    ids[1:][repeat[1:]] = ids[:-1][repeat[1:]]

    def pick(values: tuple[str, ...] | np.ndarray) -> pa.Array:
        choices = np.asarray(values, dtype=object)
        return pa.array(choices[rng.integers(0, len(choices), rows)], pa.string())

    columns = [
        pc.binary_join_element_wise("ACC", pc.cast(pa.array(ids), pa.string()), ""),
        pick(EXAMS),
        _dates(ordered),
        _dates(completed),
        final_text,
        pick(PRIORITIES),
        pick(_physicians(400)),
        pick(CLASSES),
        pick(STATUSES),
        pick(LOCATIONS),
    ]
    lines = pc.binary_join_element_wise(*columns, ",")
    lines = pc.binary_join_element_wise(lines, "\r\n", "")
    offsets, data = lines.buffers()[1], lines.buffers()[2]
    end = int(np.frombuffer(offsets, dtype=np.int32)[-1])
    header = (",".join(HEADERS) + "\r\n").encode()
    return header + data.to_pybytes()[:end]


def time_pyarrow(path: Path) -> float:
    """Return seconds for pyarrow's CSV reader with the dates parsed."""
    started = time.perf_counter()
    pa_csv.read_csv(
        path,
        convert_options=pa_csv.ConvertOptions(
            column_types={name: pa.timestamp("s") for name in TIME_HEADERS},
            timestamp_parsers=["%m/%d/%Y %H:%M"],
        ),
    )
    return time.perf_counter() - started


def time_read_export(path: Path) -> tuple[float, int]:
    """Return seconds for `read_export` from the file's bytes, and rows loaded."""
    started = time.perf_counter()
    result = read_export(path.read_bytes(), filename=path.name)
    return time.perf_counter() - started, len(result.frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tatviz-bench-") as folder:
        path = Path(folder) / "export.csv"
        path.write_bytes(build_export(args.rows))
        size_mb = path.stat().st_size / 1e6
        print(f"{args.rows:,} rows, {size_mb:.0f} MB, {len(HEADERS)} columns")
        reference = min(time_pyarrow(path) for _ in range(args.repeat))
        runs = [time_read_export(path) for _ in range(args.repeat)]
        ours = min(seconds for seconds, _ in runs)
        print(f"{'pyarrow.csv.read_csv + timestamps':36} {reference:6.2f} s")
        print(f"{'read_export (bytes -> IngestResult)':36} {ours:6.2f} s")
        print(f"{'ratio':36} {ours / reference:6.2f} x")
        print(f"rows loaded: {runs[0][1]:,}")


if __name__ == "__main__":
    main()
