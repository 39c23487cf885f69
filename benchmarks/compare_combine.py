"""Compare this checkout's combine with another checkout's on random export sets.

Run from the project root:
``.venv/bin/python benchmarks/compare_combine.py --reference ../main``
(``--sets 40``, ``--seed 0``). Each set is 2–6 small exports with
accessions repeated across files (more or less complete, signed earlier or
later, pending), rows without an accession (exact repeats among them),
spellings of one value, blank fields and values that are not dates. Both
checkouts' ``combine_exports`` get the same loaded files; the frames
(`assert_frame_equal`, exact), the per-file counts and the quality report
must be identical. Exits 1 on the first difference.
"""

import argparse
import importlib.util
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from exams.ingest import IngestError, combine_exports, read_export  # noqa: E402

HEADER = (
    "Accession,Exam Name,Modality,Priority,Ordering Physician,"
    "Order Time,Complete Time,Final Time\n"
)
EXAMS = (("CT HEAD", "CT"), ("XR CHEST", "XR"), ("MR BRAIN", "MR"), ("US ABD", "US"))
PRIORITIES = ("STAT", "Stat", "stat ", "Routine", "ROUTINE", "")
DOCTORS = ("LEE, ANN MD", "KIM, JO MD", "Lee, Ann MD", "")


def _time(day: int, minute: int) -> str:
    return f"01/{day:02d}/2025 {minute // 60:02d}:{minute % 60:02d}"


def _row(rng: random.Random, accession: str) -> list[str]:
    exam, modality = rng.choice(EXAMS)
    day, start = rng.randint(1, 28), rng.randint(0, 600)
    complete = start + rng.randint(5, 120)
    final = rng.choice(
        ["", "not a date", _time(day, complete + rng.randint(-10, 300))]
        + [_time(day, complete + rng.randint(1, 300))] * 4
    )
    return [
        accession,
        exam,
        modality,
        rng.choice(PRIORITIES),
        rng.choice(DOCTORS),
        _time(day, start),
        _time(day, complete),
        final,
    ]


def _vary(rng: random.Random, row: list[str]) -> list[str]:
    """Return the row as a later export might give it again."""
    out = list(row)
    change = rng.choice(("same", "final", "blank", "signed"))
    if change == "final":
        out[7] = ""  # pending again
    elif change == "blank":
        out[rng.choice((3, 4))] = ""
    elif change == "signed":
        out[7] = _time(rng.randint(1, 28), rng.randint(700, 1400))
    return out


def random_set(rng: random.Random) -> list[bytes]:
    """Return 2–6 exports sharing accessions and accession-less rows."""
    seen: list[list[str]] = []
    exports = []
    for _ in range(rng.randint(2, 6)):
        rows = []
        for _ in range(rng.randint(0, 25)):
            pick = rng.random()
            if seen and pick < 0.35:
                rows.append(_vary(rng, rng.choice(seen)))
            elif pick < 0.45:
                rows.append(_row(rng, rng.choice(("", "  "))))
            else:
                rows.append(_row(rng, f"A{rng.randint(1, 60)}"))
        seen.extend(rows)
        body = "".join(",".join(f'"{v}"' for v in r) + "\n" for r in rows)
        exports.append((HEADER + body).encode())
    return exports


def _load_reference(checkout: Path):
    path = checkout / "exams" / "ingest" / "combine.py"
    spec = importlib.util.spec_from_file_location("reference_combine", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.combine_exports


def _read(exports: list[bytes]) -> list:
    results = []
    for i, data in enumerate(exports):
        try:
            results.append(read_export(data, filename=f"{i}.csv", date_order="mdy"))
        except IngestError:  # an export of no rows is refused
            continue
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, required=True)
    parser.add_argument("--sets", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    reference = _load_reference(args.reference)
    rng = random.Random(args.seed)
    compared = rows = 0
    counts = {"added": 0, "replaced": 0, "skipped": 0}
    for n in range(args.sets):
        results = _read(random_set(rng))
        if len(results) < 2:
            continue
        ours, theirs = combine_exports(results), reference(results)
        try:
            pd.testing.assert_frame_equal(ours[0], theirs[0], check_exact=True)
            assert ours[1] == theirs[1], (ours[1], theirs[1])
            assert ours[2] == theirs[2], (ours[2], theirs[2])
        except AssertionError as exc:
            print(f"set {n}: different\n{exc}")
            return 1
        compared += 1
        rows += sum(len(r.frame) for r in results)
        for entry in ours[1]:
            for key in counts:
                counts[key] += entry[key]
    print(
        f"{compared} sets of 2-6 exports, {rows} rows loaded "
        f"({', '.join(f'{n} {k}' for k, n in counts.items())}): "
        "frames, per-file counts and quality identical"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
