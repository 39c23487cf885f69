"""The self-test's own workbook writer (the frozen program has no openpyxl)."""

import io

import openpyxl
import python_calamine

from exams.selftest import workbook

ROWS = [
    ["Accession", "Exam Order Name", "Final Date/Tm"],
    ["ACC1", 'CT HEAD W/O & <with> "quotes"', "03/04/2025 14:35"],
    ["ACC2", "  XR CHEST 2V  ", ""],
]


def test_openpyxl_reads_the_cells_back():
    book = openpyxl.load_workbook(io.BytesIO(workbook(ROWS)), read_only=True)
    read = [["" if v is None else v for v in row] for row in book.active.values]
    assert read == ROWS


def test_calamine_reads_the_cells_back():
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(workbook(ROWS)))
    assert book.sheet_names == ["Exams"]
    assert book.get_sheet_by_index(0).to_python() == ROWS
