"""Hostile workbooks: refused in seconds with bounded memory, naming the limit.

The workbooks are written by hand (tests/hostile_workbooks.py): a few KB
each that declare a huge grid or repeat a huge string. Memory is measured in
a fresh process (the reader allocates outside Python, where tracemalloc does
not see): its peak RSS may rise by at most `MEMORY_BOUND_MB` over all the
files, and an address-space cap stops a regression from taking the machine.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from exams.ingest import IngestError, read_export
from tests import hostile_workbooks as hostile

ROOT = Path(__file__).resolve().parent.parent
SECONDS = 10.0  # "in seconds", on a loaded 2-core machine
MEMORY_BOUND_MB = 300

REFUSED = {
    # name: (the limit the message names, what it says would be right)
    "absurd_row": ("27,262,976 cells", "CSV"),
    "out_of_order_row": ("27,262,976 cells", "CSV"),
    "beyond_excel_row": ("1,048,576 rows", "CSV"),
    "stray_far_cell": ("holds only 13 cells", "Delete the rows and columns"),
    "far_corner": ("16,384 columns", "fewer columns"),
    "hidden_far_corner": ("16,384 columns", "fewer columns"),
    "unreferenced_cells": ("20,000 columns", "fewer columns"),
    "shared_string_bomb": ("GB of text", "CSV"),
    "shared_string_bomb_with_formulas": ("GB of text", "CSV"),
    "shared_string_bomb_elsewhere": ("GB of text", "CSV"),
}

_CHILD = """
import json, resource, sys, time
from exams.ingest import IngestError, read_export
from tests import hostile_workbooks as hostile
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
# A cap well above the bound: a regression fails here instead of swapping.
limit = (base + 4 * 1024 * 1024) * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
out = {}
for name in sys.argv[1:]:
    data = getattr(hostile, name)()
    began = time.perf_counter()
    try:
        read_export(data, filename=name + ".xlsx")
        status, message = 201, ""
    except IngestError as exc:
        status, message = exc.status, exc.message
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out[name] = {"status": status, "message": message, "size": len(data),
                 "seconds": time.perf_counter() - began,
                 "rise_mb": (peak - base) / 1024}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def measured() -> dict:
    names = [*REFUSED, "absurd_dimension", "without_references"]
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, *names],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize("name", list(REFUSED))
def test_hostile_workbook_is_refused_quickly_in_bounded_memory(measured, name):
    found = measured[name]
    assert found["size"] < 64 * 1024  # a small file declaring a huge one
    assert 400 <= found["status"] < 500
    wrong, right = REFUSED[name]
    assert wrong in found["message"]
    assert right in found["message"]
    assert found["seconds"] < SECONDS
    assert found["rise_mb"] < MEMORY_BOUND_MB


def test_absurd_dimension_reads_what_the_sheet_holds(measured):
    # <dimension ref="A1:XFD1048576"/> over three real rows: read, cheaply.
    found = measured["absurd_dimension"]
    assert found["status"] == 201
    assert found["seconds"] < SECONDS
    assert found["rise_mb"] < MEMORY_BOUND_MB
    result = read_export(hostile.absurd_dimension(), filename="dim.xlsx")
    assert result.rows_read == 2
    assert result.frame["accession"].tolist() == ["H1", "H2"]
    # 10:30 → 11:00 and 08:20 → 09:20, by hand.
    assert result.frame["complete_to_final"].tolist() == [30.0, 60.0]


def test_cells_without_references_are_measured_exactly_and_read():
    result = read_export(hostile.without_references(), filename="plain.xlsx")
    assert result.frame["accession"].tolist() == ["H1", "H2"]
    assert result.frame["complete_to_final"].tolist() == [30.0, 60.0]


def test_a_sparse_grid_is_read_up_to_its_floor():
    # Three real rows and a cell at Z38000: 988,000 cells of grid, under the
    # floor of a million, so read (the stray cell is right of the header).
    rows = hostile.good_rows()
    rows += f'<row r="38000">{hostile.cell("Z38000", "x")}</row>'
    result = read_export(hostile.workbook(rows), filename="sparse.xlsx")
    assert result.frame["accession"].tolist() == ["H1", "H2"]


def test_limit_is_checked_against_the_real_extent(monkeypatch):
    # Just inside and just outside the cell limit: 3 rows × 4 columns = 12.
    from exams.ingest.files import xlsx_scan

    monkeypatch.setattr(xlsx_scan, "MAX_CELLS", 12)
    assert read_export(hostile.absurd_dimension(), filename="ok.xlsx").rows_read == 2
    monkeypatch.setattr(xlsx_scan, "MAX_CELLS", 11)
    with pytest.raises(IngestError, match="3 rows × 4 columns = 12 cells"):
        read_export(hostile.absurd_dimension(), filename="over.xlsx")


def test_a_zip_of_thousands_of_members_is_refused(monkeypatch):
    from exams.ingest.files import xlsx

    monkeypatch.setattr(xlsx, "MAX_MEMBERS", 5)  # the hand-built workbook has 5
    assert read_export(hostile.absurd_dimension(), filename="ok.xlsx").rows_read == 2
    monkeypatch.setattr(xlsx, "MAX_MEMBERS", 4)
    with pytest.raises(IngestError, match="holds 5 files inside its zip"):
        read_export(hostile.absurd_dimension(), filename="many.xlsx")
