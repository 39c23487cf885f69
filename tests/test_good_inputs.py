"""What should load, loads, and odd file names get generated names (both ways)."""

import re
from pathlib import Path

import pytest

from tests.app_sessions import saved_files
from tests.export_files import (
    ACCENTED,
    GOOD_CSV,
    GOOD_ROWS,
    export_text,
    with_good_header,
    xlsx,
)

# ---- what should load, loads ---------------------------------------------------------


GOOD_VARIANTS = {
    "semicolons": export_text(sep=";").encode("utf-8"),
    "Windows-1252": export_text().encode("cp1252"),
    "BOM and CRLF": b"\xef\xbb\xbf" + export_text(newline="\r\n").encode("utf-8"),
    "UTF-16 with tabs": export_text(sep="\t", newline="\r\n").encode("utf-16"),
    "UTF-16 without BOM": export_text(sep="\t", newline="\r\n").encode("utf-16-le"),
    "trailing blank lines and a footer": (
        export_text() + "\n\n,,,\nTotal exams: 4\n"
    ).encode("utf-8"),
    ".xlsx": xlsx(GOOD_ROWS),
}


@pytest.mark.parametrize("variant", list(GOOD_VARIANTS))
def test_real_world_encodings_and_separators_load(session, variant):
    name = "export.xlsx" if variant == ".xlsx" else "export.csv"
    answer = session.upload([(name, GOOD_VARIANTS[variant])])
    assert answer.status == 201, answer.body[:500]
    assert answer.json()["rows_loaded"] == 4
    summary = session.get("/api/summary?by=modality").json()
    assert summary["total"]["complete_to_final"]["median"] == pytest.approx(40.0)
    assert {r["group"]: r["exams"] for r in summary["rows"]} == {
        "CT": 2,
        "MR": 1,
        "XR": 1,
    }
    physicians = session.get("/api/options").json()["physicians"]
    assert sorted(physicians) == sorted(["SMITH, JOHN MD", "JONES, ANN MD", ACCENTED])


def test_fractional_seconds_load(session):
    content = with_good_header(
        "A1,CT HEAD,CT,STAT,ED,DOE,2025-01-13 09:00:00.250,2025-01-13 10:30:59.9,"
        "2025-01-13 11:00:00.000",
        "A2,XR CHEST,XR,STAT,ED,DOE,01/13/2025 08:00:00.5 AM,"
        "01/13/2025 08:20:00.5 AM,01/13/2025 09:20:00.5 AM",
    )
    answer = session.upload([("fractions.csv", content)])
    assert answer.status == 201, answer.body[:500]
    rows = session.get("/api/exams?sort=accession").json()["rows"]
    assert [r["completed_at"] for r in rows] == [
        "2025-01-13T10:30:59",
        "2025-01-13T08:20:00",
    ]


# ---- file names ----------------------------------------------------------------------


ODD_NAMES = [
    ("../../../etc/passwd.csv", "passwd.csv"),
    ("..\\..\\Windows\\System32\\export.csv", "export.csv"),
    (".hidden.csv", "hidden.csv"),
    ("réseau\x07 export\x1b.csv", "réseau export.csv"),
    ("<img src=x onerror=alert(1)>.csv", "<img src=x onerror=alert(1)>.csv"),
]


@pytest.mark.parametrize(("raw", "shown"), ODD_NAMES)
def test_odd_file_name_is_saved_under_a_generated_name(session, raw, shown):
    before = saved_files(session.data_dir)
    parent = {p.name for p in session.data_dir.parent.iterdir()}

    answer = session.upload([(raw, GOOD_CSV)])

    assert answer.status == 201, answer.body[:500]
    assert answer.json()["filename"] == shown
    new = saved_files(session.data_dir) - before
    uploads = [Path(n).name for n in new if n.startswith("uploads")]
    assert len(uploads) == 1
    assert re.fullmatch(r"[0-9a-f]{32}\.csv", uploads[0])
    # Nothing was written beside or above the data dir.
    assert {p.name for p in session.data_dir.parent.iterdir()} == parent
