"""One value per real value: spellings that differ only in case or spaces
are merged into the most common one (pure, and through the filters)."""

import io

import numpy as np
import pandas as pd
import pytest

from exams.ingest import combine_exports, read_export
from exams.ingest.values.spelling import merge_spellings, spelling_key
from exams.presentation.quality_text import quality_items
from tests.client_fixtures import load

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("plain_static_storage")]

HEADER = (
    "Accession,Modality,Exam Complete Date/Tm,Final Date/Tm,Priority,Patient Class,"
    "Ordering Physician,Radiologist,Exam Status"
)


def export(*rows: str) -> bytes:
    return (HEADER + "\n" + "".join(r + "\n" for r in rows)).encode()


def row(i: int, modality: str, priority: str, klass: str, doctor: str, rad: str,
        status: str = "Final") -> str:  # fmt: skip
    minute = 10 + i
    return (
        f"A{i},{modality},2024-01-15 09:{minute},2024-01-15 10:{minute},{priority},"
        f'{klass},"{doctor}","{rad}",{status}'
    )


SPELLED = export(
    row(1, "CT", "routine", "ED", "DOE, JANE", "Dr Who"),
    row(2, "ct", "Routine", "ed", "Doe,  Jane", "dr who"),
    row(3, "CT", "Routine", "ED ", "DOE, JANE", "Dr  Who"),
    row(4, "MR", "ROUTINE", "Inpatient", " Doe, Jane ", "DR WHO"),
    row(5, "MR", "Stat", "inpatient", "Smith, Al", "Dr Who"),
    row(6, "mr", "STAT", "Inpatient", "Smith, Al", "Dr Who"),
    row(7, "MR", "No ", "Outpatient", "smith, al", "Dr Who", "final"),
)


def test_spellings_become_the_most_common_one():
    result = read_export(SPELLED, filename="spelled.csv")
    frame = result.frame
    # Hand-counted: Routine ×2 beats routine and ROUTINE; Stat/STAT tie → the
    # first seen; "No " and "No" are one after trimming (the reader trims).
    assert frame["priority"].tolist() == [
        "Routine", "Routine", "Routine", "Routine", "Stat", "Stat", "No",
    ]  # fmt: skip
    assert frame["patient_class"].tolist() == [
        "ED", "ED", "ED", "Inpatient", "Inpatient", "Inpatient", "Outpatient",
    ]  # fmt: skip
    assert frame["ordering_physician"].tolist() == [
        "DOE, JANE", "DOE, JANE", "DOE, JANE", "DOE, JANE",
        "Smith, Al", "Smith, Al", "Smith, Al",
    ]  # fmt: skip
    assert set(frame["reading_radiologist"]) == {"Dr Who"}
    assert frame["modality"].tolist() == ["CT"] * 3 + ["MR"] * 4
    assert frame["status"].tolist() == ["Final"] * 7
    # routine/ROUTINE, STAT → 3; ed → 1 ("ED " was trimmed on reading);
    # inpatient → 1; "Doe,  Jane" and "Doe, Jane" (trimmed) → 2;
    # smith, al → 1; dr who, Dr  Who, DR WHO → 3; final → 1.
    assert result.quality["merged"] == {
        "priority": 3,
        "ordering_physician": 3,
        "patient_class": 2,
        "reading_radiologist": 3,
        "status": 1,
        "modality": 0,
    }


def test_categories_hold_one_value_each():
    frame = read_export(SPELLED, filename="spelled.csv").frame
    assert frame["priority"].cat.categories.tolist() == ["Routine", "Stat", "No"]
    assert frame["ordering_physician"].cat.categories.tolist() == [
        "DOE, JANE",
        "Smith, Al",
    ]


def test_the_report_says_how_many_were_merged():
    result = read_export(SPELLED, filename="spelled.csv")
    texts = [i["text"] for i in quality_items({"quality": result.quality})]
    assert (
        "3 other spellings of priority values merged (same value in other capitals "
        "or spacing); each value shows its most common spelling."
    ) in texts
    assert not any("of modality values" in t for t in texts)


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("  No   Show ", "no show"),
        ("STAT", "stat"),
        ("Doe,\tJane", "doe, jane"),
        ("Straße", "strasse"),
    ],
)
def test_spelling_key(value, key):
    assert spelling_key(value) == key


def test_cancelled_statuses_still_match_in_any_spelling():
    data = export(
        row(1, "CT", "Routine", "ED", "A", "B", "Cancelled"),
        row(2, "CT", "Routine", "ED", "A", "B", "CANCELLED"),
        row(3, "CT", "Routine", "ED", "A", "B", "No  Show"),
        row(4, "CT", "Routine", "ED", "A", "B", "Final"),
        row(5, "CT", "Routine", "ED", "A", "B", "final"),
    )
    result = read_export(data, filename="cx.csv")
    assert result.quality["cancelled"] == 3
    assert result.cancelled_values == {"CANCELLED": 1, "Cancelled": 1, "No  Show": 1}
    assert result.frame["accession"].tolist() == ["A4", "A5"]
    assert result.frame["status"].tolist() == ["Final", "Final"]
    assert result.quality["merged"]["status"] == 1


def test_files_combined_share_one_spelling():
    first = read_export(
        export(
            row(1, "CT", "STAT", "ED", "A", "B"),
            row(2, "CT", "STAT", "ED", "A", "B"),
        ),
        filename="one.csv",
    )
    second = read_export(
        export(
            row(3, "CT", "Stat", "ED", "A", "B"),
            row(4, "CT", "Stat", "ED", "A", "B"),
            row(5, "CT", "stat", "ED", "A", "B"),
        )
        .replace(b"A3,", b"B3,")
        .replace(b"A4,", b"B4,")
        .replace(b"A5,", b"B5,"),
        filename="two.csv",
    )
    frame, _, quality = combine_exports([first, second])
    # STAT ×2, Stat ×2, stat ×1: a tie between the first two → the first seen.
    assert frame["priority"].tolist() == ["STAT"] * 5
    assert frame["priority"].cat.categories.tolist() == ["STAT"]
    assert quality["merged"]["priority"] == 2


def test_spellings_match_pandas_over_many_rows():
    rng = np.random.default_rng(4)
    spellings = ["Routine", "routine", "ROUTINE", "Stat", "STAT", "stat ", "Urgent"]
    n = 500
    raw = pd.DataFrame(
        {
            "Accession": [f"S{i}" for i in range(n)],
            "Modality": "CT",
            "Exam Complete Date/Tm": "2024-01-15 09:00",
            "Priority": rng.choice(
                spellings, n, p=[0.3, 0.1, 0.1, 0.2, 0.2, 0.05, 0.05]
            ),
        }
    )
    data = raw.to_csv(index=False).encode()
    result = read_export(data, filename="many.csv")

    # Independent: read the CSV with pandas, key each value, pick per key the
    # most common written form (ties: the first seen).
    text = pd.read_csv(io.BytesIO(data), dtype=str)["Priority"].str.strip()
    key = text.str.lower()
    counts = text.value_counts(sort=False)
    order = {v: i for i, v in enumerate(dict.fromkeys(text))}
    best = (
        pd.DataFrame({"value": counts.index, "n": counts.to_numpy()})
        .assign(
            key=lambda d: d["value"].str.lower(), first=lambda d: d["value"].map(order)
        )
        .sort_values(["key", "n", "first"], ascending=[True, False, True])
        .drop_duplicates("key")
        .set_index("key")["value"]
    )
    assert result.frame["priority"].astype(str).tolist() == key.map(best).tolist()
    assert result.quality["merged"]["priority"] == text.nunique() - key.nunique()


def test_a_filter_finds_every_spelling(client):
    load(client, SPELLED)
    response = client.get("/api/exams", {"priority": "Stat", "page_size": 50})
    assert response.status_code == 200
    assert sorted(r["accession"] for r in response.json()["rows"]) == ["A5", "A6"]


def test_merging_a_frame_by_given_counts():
    frame = pd.DataFrame({"priority": pd.Categorical(["a", "A", "b"])})
    out, merged, seen = merge_spellings(
        frame, names=["priority"], counts={"priority": {"A": 1, "a": 5, "b": 1}}
    )
    assert out["priority"].tolist() == ["a", "a", "b"]
    assert merged == {"priority": 1}
    assert seen == {"priority": {"A": 1, "a": 5, "b": 1}}
