"""Generate realistic, seeded RIS exam exports with known expected counts.

``python sample_data/generate.py`` rewrites the bundled samples and
``expected.json``; ``--rows 1000000 --layout cerner --out big.csv`` writes a
benchmark file and ``big.expected.json`` beside it. Everything is vectorised
numpy: a million rows take a few seconds.
"""

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

if __name__ == "__main__" and not __package__:
    # Run as a script: make the sample_data package importable.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sample_data import defects, staff, timing, vocab
from sample_data.export import LAYOUTS, write_export

__all__ = ["BUNDLED", "generate_exams", "write_bundled", "write_export"]

HERE = Path(__file__).resolve().parent
START = date(2025, 1, 1)
DAYS = 365
NAT = np.iinfo(np.int64).min  # numpy's NaT as int64 minutes

EXAM_NAMES = [name for m in vocab.MODALITIES for name, _ in vocab.EXAMS[m]]
PHYSICIAN_NAMES = [name for c in vocab.CLASSES for name in vocab.PHYSICIANS[c]]
ATTENDINGS = list(dict.fromkeys(sum(vocab.RADIOLOGISTS.values(), ())))
RADIOLOGIST_NAMES = [*ATTENDINGS, *staff.RESIDENTS]
PORTABLE_EXAM = EXAM_NAMES.index("XR CHEST 1 VIEW PORTABLE")
STATUSES = ("Final", "Preliminary", "Ended", "Canceled")  # Epic Radiant words


@dataclass(frozen=True)
class BundledFile:
    """A sample export committed to the repository."""

    name: str
    layout: str
    rows: int
    seed: int


BUNDLED = (
    BundledFile("ris_export_sample.csv", layout="seed", rows=8000, seed=2025),
    BundledFile("epic_radiant_sample.csv", layout="epic", rows=3000, seed=1125),
)


def generate_exams(*, rows: int, seed: int, start: date, days: int) -> pd.DataFrame:
    """Return ``rows`` export rows in file order, with the truth about each.

    Columns are the canonical fields (exams/fields.py; times are whole
    minutes, NaT when the export leaves them empty or unreadable) plus
    ``is_cancelled``, ``is_duplicate_row``, ``duplicate_kind`` (identical or
    addendum), ``duplicate_of`` (row position of the original, -1 if none)
    and ``final_text`` (the unparseable text written instead of a final time).
    """
    if rows < 1 or days < 1:
        raise ValueError("rows and days must be positive")
    rng = np.random.default_rng(seed)
    cal = timing.build_calendar(start=start, days=days)
    identical = round(rows * defects.IDENTICAL_SHARE)
    addenda = round(rows * defects.ADDENDUM_SHARE)
    exams = _sample_exams(rng, cal=cal, n=rows - identical - addenda)
    defects.add_cancellations(rng, exams)
    defects.add_pending(rng, exams, end=cal.end_minute)
    defects.add_bad_times(rng, exams)
    extra = staff.stream(seed)
    staff.assign_residents(extra, exams)
    staff.assign_rooms(extra, exams, portable_exam=PORTABLE_EXAM)
    # Report writers sort by exam time; a cancelled exam sits at its slot.
    order = np.lexsort((exams["accession_number"], exams["completed"]))
    exams = {key: values[order] for key, values in exams.items()}
    source, kind, final = defects.duplicate_rows(
        rng, exams, identical=identical, addenda=addenda, end=cal.end_minute
    )
    return _to_frame(exams, source=source, kind=kind, final=final)


def _sample_exams(rng: np.random.Generator, *, cal: timing.Calendar, n: int) -> dict:
    patient_class = rng.choice(3, size=n, p=vocab.CLASS_SHARES)
    priority = np.empty(n, dtype=np.int64)
    modality = np.empty(n, dtype=np.int64)
    physician = np.empty(n, dtype=np.int64)
    offset = 0
    for code, name in enumerate(vocab.CLASSES):
        members = np.flatnonzero(patient_class == code)
        priority[members] = rng.choice(3, members.size, p=vocab.PRIORITY_SHARES[code])
        shares = np.asarray(vocab.MODALITY_SHARES[code], dtype=float)
        modality[members] = rng.choice(shares.size, members.size, p=shares / 100)
        # Zipf-like: a few providers order most exams.
        pool = len(vocab.PHYSICIANS[name])
        weights = 1.0 / np.arange(1, pool + 1) ** 0.8
        physician[members] = offset + rng.choice(
            pool, members.size, p=weights / weights.sum()
        )
        offset += pool
    priority[modality == vocab.MODALITIES.index("MG")] = 2  # mammograms are booked
    exam = np.empty(n, dtype=np.int64)
    radiologist = np.empty(n, dtype=np.int64)
    offset = 0
    for code, name in enumerate(vocab.MODALITIES):
        members = np.flatnonzero(modality == code)
        weights = np.array([w for _, w in vocab.EXAMS[name]], dtype=float)
        exam[members] = offset + rng.choice(
            weights.size, members.size, p=weights / weights.sum()
        )
        offset += weights.size
        readers = [ATTENDINGS.index(r) for r in vocab.RADIOLOGISTS[name]]
        radiologist[members] = np.asarray(readers)[
            rng.integers(0, len(readers), members.size)
        ]
    # Portable films are for patients in a bed, never for outpatients.
    portable = (exam == PORTABLE_EXAM) & (patient_class == 2)
    exam[portable] = EXAM_NAMES.index("XR CHEST 2 VIEWS")
    times = dict(patient_class=patient_class, priority=priority, modality=modality)
    completed = timing.sample_completions(rng=rng, cal=cal, patient_class=patient_class)
    ordered = timing.sample_order_leads(rng=rng, completed=completed, **times)
    final = timing.sample_report_times(rng=rng, cal=cal, completed=completed, **times)
    duration = np.ceil(
        timing.lognormal(rng, np.array([*vocab.EXAM_MINUTES.values()])[modality], 0.3)
    ).astype(np.int64)
    started = np.maximum(completed - duration, np.minimum(ordered + 1, completed))
    # Residents and night coverage issue preliminary reads for urgent work.
    night = (completed % timing.DAY < 7 * 60) | (completed % timing.DAY >= 23 * 60)
    prelim_eligible = ((patient_class == 0) | (priority == 0)) & (modality <= 3)
    prelim = completed + np.ceil(timing.lognormal(rng, np.full(n, 18.0), 0.6))
    prelim = prelim.astype(np.int64)
    prelim_valid = (
        prelim_eligible
        & (rng.random(n) < np.where(night, 0.7, 0.35))
        & (prelim < final)
    )
    # Accessions are issued at ordering, so they rise with the order time.
    accession_number = np.empty(n, dtype=np.int64)
    accession_number[np.argsort(ordered, kind="stable")] = rng.integers(
        1_000_000, 2_000_000
    ) + np.cumsum(rng.integers(1, 3, n))
    return dict(
        times,
        exam=exam,
        physician=physician,
        radiologist=radiologist,
        department=_departments(rng, patient_class=patient_class, modality=modality),
        ordered=ordered,
        started=started,
        completed=completed,
        prelim=prelim,
        prelim_valid=prelim_valid,
        final=final,
        accession_number=accession_number,
    )


def _departments(
    rng: np.random.Generator, *, patient_class: np.ndarray, modality: np.ndarray
) -> np.ndarray:
    code = {m: i for i, m in enumerate(vocab.MODALITIES)}
    main = vocab.DEPARTMENTS.index("MAIN RADIOLOGY")
    imaging_center = (patient_class == 2) & (modality <= code["US"])
    return np.select(
        [
            modality == code["IR"],
            np.isin(modality, [code["NM"], code["PET"]]),
            modality == code["MG"],
            (patient_class == 0) & (modality != code["MR"]),
            imaging_center & (rng.random(modality.size) < 0.55),
        ],
        [
            vocab.DEPARTMENTS.index(place)
            for place in (
                "INTERVENTIONAL RADIOLOGY",
                "NUCLEAR MEDICINE",
                "BREAST CENTER",
                "ED IMAGING",
                "OUTPATIENT IMAGING CENTER",
            )
        ],
        default=main,
    )


def _to_frame(
    exams: dict, *, source: np.ndarray, kind: np.ndarray, final: np.ndarray
) -> pd.DataFrame:
    def take(key: str) -> np.ndarray:
        return exams[key][source]

    cancelled = take("cancelled")
    pending = take("pending")
    done = ~cancelled
    signed = done & ~pending
    status = np.select([cancelled, signed, take("prelim_valid")], [3, 0, 1], default=2)
    # A resident who dictated the preliminary report read the exam; otherwise
    # the attending who signed it did (nobody yet while it waits unread).
    attending = np.where(signed, take("radiologist"), -1)
    resident = np.where(done & take("prelim_valid"), take("resident"), -1)
    first_row = np.full(source.size, -1)
    originals = np.flatnonzero(kind == 0)
    first_row[source[originals]] = originals
    frame = pd.DataFrame(
        {
            "accession": pd.Series(take("accession_number")).astype(str).radd("A"),
            "exam_name": _labels(take("exam"), EXAM_NAMES),
            "modality": _labels(take("modality"), vocab.MODALITIES),
            "ordered_at": _times(take("ordered"), ~take("order_missing")),
            "started_at": _times(take("started"), done),
            "completed_at": _times(take("completed"), done),
            "preliminary_at": _times(take("prelim"), done & take("prelim_valid")),
            "finalized_at": _times(final, signed),
            "priority": _labels(take("priority"), vocab.PRIORITIES),
            "ordering_physician": _labels(
                np.where(take("physician_missing"), -1, take("physician")),
                PHYSICIAN_NAMES,
            ),
            "patient_class": _labels(take("patient_class"), vocab.CLASSES),
            "reading_radiologist": _labels(
                np.where(resident >= 0, len(ATTENDINGS) + resident, attending),
                RADIOLOGIST_NAMES,
            ),
            "signing_radiologist": _labels(attending, RADIOLOGIST_NAMES),
            "location": _labels(take("room"), staff.ROOM_NAMES),
            "status": _labels(status, STATUSES),
            "is_cancelled": cancelled,
            "is_duplicate_row": kind > 0,
            "duplicate_kind": _labels(kind - 1, ("identical", "addendum")),
            "duplicate_of": np.where(kind > 0, first_row[source], -1),
            "final_text": _labels(take("final_token"), defects.UNPARSEABLE_TOKENS),
        }
    )
    return frame


def _labels(codes: np.ndarray, names) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=list(names))


def _times(minutes: np.ndarray, valid: np.ndarray) -> np.ndarray:
    stamps = np.where(valid, minutes, NAT).view("datetime64[m]")
    return stamps.astype("datetime64[ns]")


def write_bundled(*, out_dir: Path) -> dict:
    """Write the bundled samples and expected.json to ``out_dir``; return it."""
    expected = {}
    for bundled in BUNDLED:
        truth = generate_exams(
            rows=bundled.rows, seed=bundled.seed, start=START, days=DAYS
        )
        counts = write_export(truth, layout=bundled.layout, path=out_dir / bundled.name)
        expected[bundled.name] = {"seed": bundled.seed, **counts}
    text = json.dumps(expected, indent=2, ensure_ascii=False) + "\n"
    (out_dir / "expected.json").write_text(text, encoding="utf-8", newline="\n")
    return expected


def main(argv: list[str] | None = None) -> int:
    """Write the bundled samples, or one export of any size and layout."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, help="data rows to generate")
    parser.add_argument("--layout", choices=sorted(LAYOUTS), help="column layout")
    parser.add_argument("--seed", type=int, help="random seed (same seed, same file)")
    parser.add_argument("--out", type=Path, help="CSV to write")
    parser.add_argument("--start", type=date.fromisoformat, default=START)
    parser.add_argument("--days", type=int, default=DAYS)
    args = parser.parse_args(argv)
    if all(v is None for v in (args.rows, args.layout, args.seed, args.out)):
        write_bundled(out_dir=HERE)
        for bundled in BUNDLED:
            print(f"wrote {HERE / bundled.name}")
        print(f"wrote {HERE / 'expected.json'}")
        return 0
    rows = args.rows or 100_000
    layout = args.layout or "seed"
    out = args.out or Path(f"ris_{layout}_{rows}.csv")
    truth = generate_exams(
        rows=rows, seed=args.seed or 0, start=args.start, days=args.days
    )
    counts = write_export(truth, layout=layout, path=out)
    sidecar = out.with_suffix(".expected.json")
    sidecar.write_text(json.dumps(counts, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out} ({counts['rows_read']:,} rows) and {sidecar}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
