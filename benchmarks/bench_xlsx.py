"""Time `read_export` on a 400k-row workbook against the same rows as CSV.

Run from the project root: ``.venv/bin/python benchmarks/bench_xlsx.py``
(``--rows N`` to change the size, ``--keep DIR`` to keep the two files for
the next run). The workbook is written by openpyxl (write-only mode) from
the generated seed export, with real Excel date cells and shared strings,
as Excel itself saves them; the CSV is the export it was made from. Both
go through the same `read_export`; the figure is the ratio of the two
(the target: a workbook within about 3× its CSV). Peak memory is each
read's rise in the process's maximum RSS, measured in a fresh process.

Then both files are uploaded to the real app (launcher.py on 127.0.0.1,
``POST /api/datasets`` until the 201), as the issue measured them: this
adds what every upload costs (receiving, storing, the Parquet cache), so
its ratio is the one a user feels.
"""

import argparse
import contextlib
import datetime as dt
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (
    PYTHON,
    ROOT,
    SEED_TIME_FORMAT,
    SEED_TIME_HEADERS,
    launch_app,
    load_average,
    make_export,
    peak_rss_mb,
    temp_dir,
    upload,
)

# Timed in a child: each read starts from the same empty process, so the
# RSS rise is the read's own.
_CHILD = """
import json, resource, sys, time
from exams.ingest import read_export
path = sys.argv[1]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
began = time.perf_counter()
result = read_export(open(path, "rb").read(), filename=path)
seconds = time.perf_counter() - began
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "rss_mb": (peak - before) / 1024,
                  "rows_read": result.rows_read, "rows_loaded": len(result.frame)}))
"""


def write_workbook(csv_path: Path, xlsx_path: Path) -> None:
    """Write the CSV's rows as an .xlsx with date cells (openpyxl, write-only)."""
    import openpyxl
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    table = pa_csv.read_csv(
        csv_path,
        convert_options=pa_csv.ConvertOptions(
            column_types={name: pa.string() for name in SEED_TIME_HEADERS},
            strings_can_be_null=True,
        ),
    )
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Exams")
    sheet.append(table.column_names)
    times = [table.column_names.index(h) for h in SEED_TIME_HEADERS]
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    for row in zip(*columns, strict=True):
        row = list(row)
        for i in times:
            if row[i] is not None:
                # The generator's unreadable tokens stay text.
                with contextlib.suppress(ValueError):
                    row[i] = dt.datetime.strptime(row[i], SEED_TIME_FORMAT)
        sheet.append(row)
    book.save(xlsx_path)


def timed_read(path: Path) -> dict:
    """Return seconds, RSS rise and row counts of one `read_export` of ``path``."""
    done = subprocess.run(
        [PYTHON, "-c", _CHILD, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def timed_uploads(paths: dict[str, Path], repeat: int) -> dict[str, float]:
    """Return the best upload time of each file through the real app's HTTP API."""
    best = {}
    with temp_dir() as data_dir, launch_app(data_dir) as app:
        client = app.client()
        for _ in range(repeat):
            for kind, path in paths.items():
                seconds = upload(client, path).seconds
                best[kind] = min(best.get(kind, seconds), seconds)
        best["server_peak_mb"] = peak_rss_mb(app.pid)[0]
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--keep", type=Path, help="folder to keep the files in")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-http", action="store_true", help="skip the uploads")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        csv_path, _ = make_export(folder, rows=args.rows)
        xlsx_path = csv_path.with_suffix(".xlsx")
        if not xlsx_path.exists():
            print(f"writing {xlsx_path.name} with openpyxl (a minute or two) …")
            write_workbook(csv_path, xlsx_path)
        runs = {"csv": [], "xlsx": []}
        for _ in range(args.repeat):
            for kind, path in (("csv", csv_path), ("xlsx", xlsx_path)):
                runs[kind].append(timed_read(path))
        best = {k: min(r["seconds"] for r in v) for k, v in runs.items()}
        rss = {k: max(r["rss_mb"] for r in v) for k, v in runs.items()}
        for kind, path in (("csv", csv_path), ("xlsx", xlsx_path)):
            last = runs[kind][-1]
            print(
                f"{kind:4}  {path.stat().st_size / 1024**2:6.1f} MB  "
                f"rows read {last['rows_read']:,}, loaded {last['rows_loaded']:,}  "
                f"best {best[kind]:.2f} s  peak RSS +{rss[kind]:.0f} MB"
            )
        assert runs["csv"][-1]["rows_loaded"] == runs["xlsx"][-1]["rows_loaded"]
        print(f"read_export, workbook / CSV: {best['xlsx'] / best['csv']:.1f}×")
        if not args.no_http:
            http = timed_uploads({"csv": csv_path, "xlsx": xlsx_path}, args.repeat)
            print(
                f"upload over HTTP: csv best {http['csv']:.2f} s, xlsx best "
                f"{http['xlsx']:.2f} s, workbook / CSV: "
                f"{http['xlsx'] / http['csv']:.1f}×; server peak RSS "
                f"{http['server_peak_mb']:.0f} MB"
            )
        print(f"load average (1 min): {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
