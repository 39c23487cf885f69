"""One export against the same exams as many monthly exports: time and peak memory.

Run from the project root: ``.venv/bin/python benchmarks/bench_combine.py``
(``--rows 10000000 --files 120`` by default; ``--exports DIR`` for where
smaller exports go). The generated export of ``--rows`` exams is cut in
order into ``--files`` exports (header + an equal share of the rows each,
kept beside the big export and reused), then ``manage.py load_exports``
loads the parts, and the whole export, each in a fresh data dir. Printed:
each run's wall and CPU time and peak resident memory (the process's own
``ru_maxrss``), the parts' peak beside the whole file's and beside 3 GB
(issue 17), and whether both printed the same quality report.
"""

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

TARGET_MB = 3000
_PER_FILE = re.compile(r"- .+: [\d,]+ rows, [\d,]+ added, ")


def cut(export: Path, *, files: int, folder: Path) -> list[Path]:
    """Cut ``export`` in order into ``files`` exports (reused when present)."""
    folder.mkdir(parents=True, exist_ok=True)
    parts = [folder / f"part_{n:03d}.csv" for n in range(1, files + 1)]
    if all(p.exists() for p in parts):
        return parts
    with export.open("rb") as source:
        header = source.readline()
        lines = sum(1 for _ in source)
        share = -(-lines // files)
        source.seek(len(header))
        for path in parts:
            partial = path.with_suffix(".partial")
            with partial.open("wb") as out:
                out.write(header)
                for _, line in zip(range(share), source, strict=False):
                    out.write(line)
            partial.replace(path)
    return parts


def load(paths: list[Path], *, data_dir: Path) -> dict:
    """Run ``load_exports`` on ``paths``; return its time, peak and report."""
    command = [common.PYTHON, "manage.py", "load_exports", *map(str, paths)]
    env = {**os.environ, "TATVIZ_DATA_DIR": str(data_dir)}
    began = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=common.ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - began
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"load_exports failed:\n{output}")
    lines = output.splitlines()
    return {
        "files": len(paths),
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
        "exams": int(re.search(r"([\d,]+) exams loaded", lines[0])[1].replace(",", "")),
        # The quality report, without the file names and per-file lines.
        "report": [
            line
            for line in lines[1:]
            if line.startswith("- ") and not _PER_FILE.match(line)
        ],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--files", type=int, default=120)
    parser.add_argument("--exports", type=Path, default=None)
    args = parser.parse_args()
    common.print_machine(common.machine())
    print(f"load average at start: {common.load_average()}")
    with common.temp_dir() as folder:
        export, _ = common.make_export(args.exports or folder, rows=args.rows)
        parts = cut(
            export,
            files=args.files,
            folder=export.parent / f"{export.stem}.parts{args.files}",
        )
        many = load(parts, data_dir=folder / "data-parts")
        one = load([export], data_dir=folder / "data-one")
    same = many["exams"] == one["exams"] and many["report"] == one["report"]
    for label, run in ((f"{args.files} exports", many), ("one export", one)):
        print(
            f"{label:>14}: {run['exams']:,} exams, {run['wall_s']:.1f} s wall, "
            f"{run['cpu_s']:.1f} s CPU, peak {run['peak_mb']:,.0f} MB"
        )
    print(
        f"{args.files} exports' peak ÷ one export's: "
        f"{many['peak_mb'] / one['peak_mb']:.2f}×; "
        f"beside the target: {many['peak_mb']:,.0f} MB "
        f"{'<' if many['peak_mb'] < TARGET_MB else '≥'} {TARGET_MB:,} MB"
    )
    print(f"same exams and quality report: {'yes' if same else 'NO'}")
    print(f"load average at end: {common.load_average()}")
    common.save_results(
        f"combine_{args.rows}_{args.files}",
        {"rows": args.rows, "many": many, "one": one, "same": same},
    )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
