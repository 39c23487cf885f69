"""Tests of the sample-export generator and the bundled files (sample_data/)."""

import csv
import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from exams import fields
from sample_data import vocab
from sample_data.export import LAYOUTS, render_export
from sample_data.generate import (
    BUNDLED,
    generate_exams,
    main,
    write_bundled,
    write_export,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "sample_data"
EXPECTED = json.loads((SAMPLE_DIR / "expected.json").read_text(encoding="utf-8"))
YEAR = {"start": date(2025, 1, 1), "days": 365}
SEED_HEADER = (
    "Exam Complete Date/Tm,Order Procedure Accession,Exam Order Date/Time,"
    "Final Date/Tm,Exam Order Name,Priority,Ordering Physician,Patient Class"
)
DATE_FORMATS = {
    "seed": "%m/%d/%Y %H:%M",
    "epic": "%Y-%m-%d %H:%M:%S",
    "cerner": "%m/%d/%Y %I:%M %p",
}


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    return generate_exams(rows=200_000, seed=11, **YEAR)


@pytest.fixture(scope="module")
def loaded(truth) -> pd.DataFrame:
    return truth[~truth["is_duplicate_row"] & ~truth["is_cancelled"]]


def minutes(frame: pd.DataFrame, start: str, end: str) -> pd.Series:
    return (frame[end] - frame[start]) / pd.Timedelta(minutes=1)


def modality_of(name: str) -> str:
    return vocab.EXAM_PREFIXES[name.split()[0]]


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_same_seed_writes_same_bytes(layout):
    first = render_export(generate_exams(rows=3000, seed=3, **YEAR), layout=layout)
    again = render_export(generate_exams(rows=3000, seed=3, **YEAR), layout=layout)
    other = render_export(generate_exams(rows=3000, seed=4, **YEAR), layout=layout)
    assert first == again
    assert first != other


def test_bundled_files_match_a_regeneration(tmp_path):
    write_bundled(out_dir=tmp_path)
    for name in [b.name for b in BUNDLED] + ["expected.json"]:
        assert (tmp_path / name).read_bytes() == (SAMPLE_DIR / name).read_bytes(), (
            f"{name} differs from the generator: run python sample_data/generate.py"
        )


@pytest.mark.parametrize("bundled", BUNDLED, ids=lambda b: b.name)
def test_bundled_files_stay_small(bundled):
    assert (SAMPLE_DIR / bundled.name).stat().st_size < 1_500_000


@pytest.mark.parametrize(
    ("layout", "bom", "encoding", "delimiter", "header_start"),
    [
        ("seed", False, "utf-8", ",", SEED_HEADER),
        ("epic", True, "utf-8", ",", "ACCESSION_NUM,PROC_NAME,MODALITY,ORDERING_DTTM"),
        ("cerner", False, "cp1252", ";", "ACCESSION;EXAM_DESC;MODALITY;ORDER_DT_TM"),
    ],
)
def test_layout_bytes(layout, bom, encoding, delimiter, header_start):
    data = render_export(generate_exams(rows=5000, seed=5, **YEAR), layout=layout)
    assert data.startswith(b"\xef\xbb\xbf") == bom
    text = data.decode(encoding).removeprefix("\ufeff")
    header = text.split("\r\n", 1)[0]
    assert header.startswith(header_start)
    assert text.count("\r\n") == text.count("\n")  # CRLF throughout
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    assert {len(r) for r in rows} == {len(header.split(delimiter))}
    completed = LAYOUTS[layout].fields.index("completed_at")
    stamps = [r[completed] for r in rows[1:] if r[completed]]
    parsed = pd.to_datetime(pd.Series(stamps), format=DATE_FORMATS[layout])
    assert parsed.dt.year.eq(2025).all()
    assert "O’BRIEN, SEAN DO" in text and "MÜLLER, ANNA MD" in text


def test_cerner_layout_is_windows_1252_not_utf8():
    data = render_export(generate_exams(rows=5000, seed=5, **YEAR), layout="cerner")
    assert b"O\x92BRIEN" in data and b"M\xdcLLER" in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert b" PM;" in data and b" AM;" in data


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_expected_json_is_consistent(name):
    e = EXPECTED[name]
    assert e["rows_read"] - e["duplicates"] - e["cancelled"] == e["rows_loaded"]
    assert e["duplicates"] == e["duplicates_identical"] + e["duplicates_same_accession"]
    assert e["cancelled"] == sum(e["cancelled_values"].values())
    for key in ("completed_by_month", "shifts", "modalities", "patient_classes"):
        assert sum(e[key].values()) == e["rows_loaded"], key
    assert len(e["completed_by_month"]) == 12
    assert e["pending"] == e["missing"]["finalized_at"]
    # Completion is never missing among loaded rows, so every loaded row with
    # a readable final has a complete -> final interval, valid or negative.
    c2f = e["intervals"]["complete_to_final"]
    no_final = e["pending"] + e["unparseable"]["finalized_at"]
    assert c2f["n"] + e["negative"]["complete_to_final"] == e["rows_loaded"] - no_final
    assert e["median_complete_to_final_minutes"] == c2f["median"]
    assert 0 < e["completed_weekend"] < e["rows_loaded"] / 3
    assert set(e["columns"]) <= set(fields.CANONICAL_FIELDS)


def read_bundled(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return a bundled file's rows and loaded rows, parsed without the generator."""
    e = EXPECTED[name]
    rows = pd.read_csv(
        SAMPLE_DIR / name,
        dtype=str,
        keep_default_na=False,
        encoding=e["encoding"],
        sep=e["delimiter"],
    ).rename(columns={h: f for f, h in e["columns"].items()})
    kept = rows
    if "status" in rows:
        cancelled = rows["status"].str.lower().isin(fields.DEFAULT_CANCELLED_STATUSES)
        kept = rows[~cancelled]
    # One row per accession is kept: the most complete, the first on ties.
    # The generator never makes a later copy more complete, so keep the first.
    filled = (kept != "").sum(axis=1)
    assert (filled <= filled.groupby(kept["accession"]).transform("first")).all()
    loaded = kept.drop_duplicates("accession").copy()
    for field in e["unparseable"]:
        loaded[field + "_text"] = loaded[field]
        loaded[field] = pd.to_datetime(
            loaded[field], format=DATE_FORMATS[e["layout"]], errors="coerce"
        )
    return rows, loaded


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_expected_counts_match_an_independent_parse(name):
    e = EXPECTED[name]
    rows, frame = read_bundled(name)
    assert len(rows) == e["rows_read"]
    assert len(frame) == e["rows_loaded"]
    assert rows.duplicated().sum() == e["duplicates_identical"]
    if "status" in rows:
        cancelled = rows["status"].value_counts()[["Canceled"]].to_dict()
        assert cancelled == e["cancelled_values"]
    for field in e["missing"]:
        text = frame[field + "_text"] if field in e["unparseable"] else frame[field]
        assert (text == "").sum() == e["missing"][field], field
    for field in e["unparseable"]:
        text = frame[field + "_text"]
        assert ((text != "") & frame[field].isna()).sum() == e["unparseable"][field]
    for metric in e["negative"]:
        values = minutes(frame, *fields.INTERVALS[metric]).dropna()
        assert (values < 0).sum() == e["negative"][metric], metric
        assert (values >= 0).sum() == e["intervals"][metric]["n"], metric
    c2f = minutes(frame, "completed_at", "finalized_at")
    assert np.median(c2f[c2f >= 0]) == e["median_complete_to_final_minutes"]
    completed = frame["completed_at"]
    months = completed.dt.strftime("%Y-%m").value_counts()
    assert months.to_dict() == e["completed_by_month"]
    assert (completed.dt.day_of_week >= 5).sum() == e["completed_weekend"]
    clock = completed.dt.hour
    assert clock.between(7, 14).sum() == e["shifts"]["day"]
    assert clock.between(15, 22).sum() == e["shifts"]["evening"]
    if "modality" in frame:
        modalities = frame["modality"]
    else:
        modalities = frame["exam_name"].map(modality_of)
    assert modalities.value_counts().to_dict() == e["modalities"]


def test_sample_exercises_escaping_and_encodings():
    text = (SAMPLE_DIR / "ris_export_sample.csv").read_text(encoding="utf-8")
    for needle in (
        '"MÜLLER, ANNA MD"',
        '"O’BRIEN, SEAN DO"',
        '"D\'ANGELO, MARIA MD"',
        "XR HAND <3 VIEWS",
        "US RENAL & BLADDER",
        '"CT ABDOMEN PELVIS WO CONTRAST ""STONE PROTOCOL"""',
    ):
        assert needle in text


def test_every_exam_name_starts_with_its_modality():
    for modality, exams in vocab.EXAMS.items():
        for name, _ in exams:
            assert modality_of(name) == modality, name


def test_generates_200k_rows_with_canonical_columns(truth):
    assert len(truth) == 200_000
    assert set(fields.CANONICAL_FIELDS) <= set(truth.columns)
    for field in fields.TIME_FIELDS:
        assert truth[field].dtype == "datetime64[ns]"
    originals = truth[~truth["is_duplicate_row"]]
    assert originals["accession"].is_unique
    assert originals["accession"].str.fullmatch(r"A\d{7}").all()
    assert truth["completed_at"].dropna().dt.year.eq(2025).all()


def test_copies_follow_their_original_and_never_win(truth):
    copies = truth[truth["is_duplicate_row"]]
    source = truth.iloc[copies["duplicate_of"].to_numpy()]
    assert (copies["duplicate_of"].to_numpy() < copies.index.to_numpy()).all()
    assert not source["is_duplicate_row"].any()
    assert not source["is_cancelled"].any()
    same = [f for f in fields.CANONICAL_FIELDS if f != fields.FINALIZED_AT]
    same.append("final_text")
    left = copies[same].reset_index(drop=True)
    assert left.equals(source[same].reset_index(drop=True))
    final = copies["finalized_at"].reset_index(drop=True)
    original = source["finalized_at"].reset_index(drop=True)
    identical = (copies["duplicate_kind"] == "identical").to_numpy()
    assert final[identical].equals(original[identical])
    addenda = ~identical
    assert addenda.sum() > 0 and original[addenda].notna().all()
    assert (final[addenda] > original[addenda]).all()


def test_volume_mix_is_realistic(loaded):
    share = loaded["modality"].value_counts(normalize=True)
    assert share.index[0] == "XR" and 0.35 < share["XR"] < 0.5
    assert set(share.index) == set(vocab.MODALITIES)
    ed = loaded[loaded["patient_class"] == "ED"]
    assert (ed["priority"] == "STAT").mean() > 0.75
    assert (
        loaded.loc[loaded["modality"] == "MG", "patient_class"].eq("Outpatient").all()
    )


def test_arrivals_follow_the_week_and_holidays(loaded):
    daily = loaded["completed_at"].dt.normalize().value_counts()
    weekend = daily.index.day_of_week >= 5
    assert daily[~weekend].mean() > 1.5 * daily[weekend].mean()
    for holiday, before in (("2025-07-04", "2025-07-03"), ("2025-11-27", "2025-11-26")):
        assert daily[pd.Timestamp(holiday)] < 0.7 * daily[pd.Timestamp(before)]
    hours = loaded["completed_at"].dt.hour.value_counts()
    assert hours[10] > 3 * hours[4]


def test_volume_grows_mildly_year_on_year():
    two_years = generate_exams(rows=100_000, seed=2, start=date(2025, 1, 1), days=730)
    years = two_years["completed_at"].dt.year.value_counts()
    assert 1.02 < years[2026] / years[2025] < 1.10


@pytest.mark.parametrize(
    ("patient_class", "priority", "metric", "low", "high"),
    [
        ("ED", "STAT", "order_to_complete", 20, 90),
        ("ED", "STAT", "complete_to_final", 15, 60),
        ("Inpatient", "STAT", "complete_to_final", 15, 60),
        ("Inpatient", "Routine", "complete_to_final", 60, 12 * 60),
        ("Outpatient", "Routine", "complete_to_final", 60, 24 * 60),
        ("Outpatient", "Routine", "order_to_complete", 24 * 60, 30 * 24 * 60),
    ],
)
def test_turnaround_medians_are_plausible(
    loaded, patient_class, priority, metric, low, high
):
    group = loaded[
        (loaded["patient_class"] == patient_class) & (loaded["priority"] == priority)
    ]
    values = minutes(group, *fields.INTERVALS[metric]).dropna()
    assert low <= values[values >= 0].median() <= high


def test_weekend_reads_are_slower_for_the_same_work(loaded):
    routine = loaded[
        (loaded["patient_class"] == "Inpatient") & (loaded["priority"] == "Routine")
    ]
    c2f = minutes(routine, "completed_at", "finalized_at")
    weekend = routine["completed_at"].dt.day_of_week >= 5
    assert c2f[weekend].median() > 1.2 * c2f[~weekend].median()


def test_defect_rates(truth, loaded):
    assert 0.008 < truth["is_cancelled"].mean() < 0.012
    assert 0.011 < truth["is_duplicate_row"].mean() < 0.015
    pending = loaded[loaded["finalized_at"].isna()]
    assert 0.02 < len(pending) / len(loaded) < 0.04
    age = pd.Timestamp("2026-01-01") - pending["completed_at"]
    assert (age < pd.Timedelta(days=28)).mean() > 0.6
    c2f = minutes(loaded, "completed_at", "finalized_at")
    assert 0.003 < (c2f < 0).mean() < 0.007
    assert c2f[c2f < 0].min() >= -15
    assert 0 < (minutes(loaded, "ordered_at", "completed_at") < 0).sum() < 300
    assert 0 < loaded["ordered_at"].isna().sum() < 400
    assert set(loaded["final_text"].dropna()) == {"N/A", "pending"}


def test_clean_rows_are_in_time_order(loaded):
    clean = loaded.dropna(subset=["ordered_at", "finalized_at"])
    clean = clean[clean["completed_at"] < clean["finalized_at"]]
    clean = clean[clean["ordered_at"] <= clean["completed_at"]]
    assert (clean["ordered_at"] <= clean["started_at"]).all()
    assert (clean["started_at"] <= clean["completed_at"]).all()
    prelim = clean.dropna(subset=["preliminary_at"])
    assert len(prelim) > 0
    assert (prelim["completed_at"] < prelim["preliminary_at"]).all()
    assert (prelim["preliminary_at"] < prelim["finalized_at"]).all()


def test_write_export_returns_the_counts_of_its_layout(tmp_path):
    truth = generate_exams(rows=2000, seed=8, **YEAR)
    seed = write_export(truth, layout="seed", path=tmp_path / "seed.csv")
    epic = write_export(truth, layout="epic", path=tmp_path / "epic.csv")
    cancelled = int(truth["is_cancelled"].sum())
    assert cancelled > 0
    assert (seed["cancelled"], epic["cancelled"]) == (0, cancelled)
    assert seed["rows_read"] == epic["rows_read"] - cancelled == 2000 - cancelled
    assert seed["rows_loaded"] == epic["rows_loaded"]
    assert epic["cancelled_values"] == {"Canceled": cancelled}


def test_cli_writes_an_export_and_its_counts(tmp_path):
    out = tmp_path / "big.csv"
    assert (
        main(["--rows", "500", "--layout", "cerner", "--seed", "4", "--out", str(out)])
        == 0
    )
    counts = json.loads((tmp_path / "big.expected.json").read_text(encoding="utf-8"))
    assert counts["rows_read"] == 500
    assert out.read_bytes().count(b"\r\n") == 501


def test_cli_runs_as_a_script(tmp_path):
    out = tmp_path / "s.csv"
    subprocess.run(
        [sys.executable, "sample_data/generate.py", "--rows", "300", "--out", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    assert out.read_text(encoding="utf-8").startswith(SEED_HEADER)


def test_expected_staff_counts_match_an_independent_parse():
    e = EXPECTED["ris_export_sample.csv"]
    _, frame = read_bundled("ris_export_sample.csv")
    readers = frame["reading_radiologist"]
    assert readers[readers != ""].value_counts().to_dict() == e["radiologists"]
    assert readers.str.endswith("(RESIDENT)").sum() == e["read_by_residents"]
    assert frame["location"].value_counts().to_dict() == e["locations"]
    assert frame["preliminary_at"].notna().sum() == e["preliminary_reports"]
    for metric, (start, end) in {
        "complete_to_preliminary": ("completed_at", "preliminary_at"),
        "preliminary_to_final": ("preliminary_at", "finalized_at"),
    }.items():
        values = minutes(frame, start, end).dropna()
        stats = e["preliminary_intervals"][metric]
        assert (values < 0).sum() == e["preliminary_negative"][metric]
        assert (values >= 0).sum() == stats["n"]
        assert np.median(values[values >= 0]) == stats["median"]


def test_residents_dictate_the_preliminary_reports_of_ed_and_night_work():
    _, frame = read_bundled("ris_export_sample.csv")
    resident = frame["reading_radiologist"].str.endswith("(RESIDENT)")
    prelim = frame["preliminary_at"].notna()
    # Every preliminary report, and only those, was a resident's read.
    assert (resident == prelim).all() and prelim.sum() > 300
    read = frame[resident]
    assert (read["patient_class"].eq("ED") | read["priority"].eq("STAT")).all()
    hour = frame["completed_at"].dt.hour
    night = (hour < 7) | (hour >= 23)
    eligible = frame["patient_class"].eq("ED") & frame["exam_name"].map(
        modality_of
    ).isin(["XR", "CT", "MR", "US"])
    assert prelim[eligible & night].mean() > 1.5 * prelim[eligible & ~night].mean()
    night_float = {"VARGAS, ELENA MD (RESIDENT)", "MURPHY, LIAM MD (RESIDENT)"}
    assert set(read.loc[night[resident], "reading_radiologist"]) == night_float
    # An exam nobody has read yet has no reader; a signed one always has one.
    unread = frame["finalized_at"].isna() & ~prelim  # N/A or pending: unread
    assert frame.loc[unread, "reading_radiologist"].eq("").all()
    assert frame.loc[~unread, "reading_radiologist"].ne("").all()


def test_locations_are_rooms_of_two_sites_per_modality():
    _, frame = read_bundled("ris_export_sample.csv")
    site = frame["location"].str.split().str[0]
    assert set(site) == {"MAIN", "NORTH"}
    modality = frame["exam_name"].map(modality_of)
    rooms = frame.groupby(modality)["location"].nunique()
    assert rooms["XR"] >= 4 and rooms["CT"] >= 4 and rooms["MG"] == 3
    # Mammograms are done at the outpatient center; ED and ward work at MAIN.
    assert site[modality == "MG"].eq("NORTH").all()
    assert site[frame["patient_class"] != "Outpatient"].eq("MAIN").all()
    ed_ct = frame[(frame["patient_class"] == "ED") & (modality == "CT")]
    assert ed_ct["location"].eq("MAIN ED CT").all()
    portable = frame["exam_name"] == "XR CHEST 1 VIEW PORTABLE"
    assert frame.loc[portable, "location"].eq("MAIN XR PORTABLE").all()


def test_epic_names_the_attending_who_finalised():
    truth = generate_exams(rows=3000, seed=5, **YEAR)
    text = render_export(truth, layout="epic").decode("utf-8-sig")
    assert "(RESIDENT)" not in text
    assert "(RESIDENT)" in render_export(truth, layout="seed").decode("utf-8")


def test_reader_and_room_columns_leave_every_other_column_as_it_was(monkeypatch):
    import sample_data.staff as staff

    def columns(truth: pd.DataFrame) -> pd.DataFrame:
        return truth.drop(columns=["reading_radiologist", "location"])

    before = generate_exams(rows=3000, seed=6, **YEAR)
    monkeypatch.setattr(staff, "stream", lambda seed: np.random.default_rng(99))
    after = generate_exams(rows=3000, seed=6, **YEAR)
    assert columns(before).equals(columns(after))
    assert not before["location"].equals(after["location"])
