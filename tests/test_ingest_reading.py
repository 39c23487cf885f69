"""Reading export bytes: encodings, delimiters, layout, refusals (pure)."""

import codecs

import pandas as pd
import pytest

from exams.ingest import IngestError, NeedsMapping, read_export

SEED_HEADER = (
    "Order Procedure Accession,Exam Order Name,Exam Order Date/Time,"
    "Exam Complete Date/Tm,Final Date/Tm"
)


def load(text: str | bytes, **options):
    data = text.encode() if isinstance(text, str) else text
    return read_export(data, filename=options.pop("filename", "export.csv"), **options)


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


NAMES_CSV = (
    "Accession,Exam,Completed,Ordering Provider\n"
    'A1,CT HEAD,12/16/2024 14:35,"MÜLLER, HANS"\n'
    'A2,XR CHEST,12/17/2024 09:00,"O’BRIEN, PAT"\n'
)
NAMES_TSV = NAMES_CSV.replace(",", "\t").replace('"MÜLLER\t HANS"', "MÜLLER, HANS")
NAMES_TSV = NAMES_TSV.replace('"O’BRIEN\t PAT"', "O’BRIEN, PAT")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(NAMES_CSV.encode("utf-8"), id="utf-8"),
        pytest.param(codecs.BOM_UTF8 + NAMES_CSV.encode("utf-8"), id="utf-8-bom"),
        pytest.param(NAMES_CSV.encode("cp1252"), id="windows-1252"),
        pytest.param(NAMES_CSV.replace("\n", "\r\n").encode(), id="crlf"),
        pytest.param(NAMES_TSV.encode("utf-16"), id="utf-16-le-bom-tabs"),
        pytest.param(
            codecs.BOM_UTF16_BE + NAMES_TSV.replace("\n", "\r\n").encode("utf-16-be"),
            id="utf-16-be-bom-tabs-crlf",
        ),
        pytest.param(NAMES_TSV.encode("utf-16-le"), id="utf-16-le-no-bom"),
        pytest.param(
            NAMES_CSV.replace(",", ";")
            .replace('"MÜLLER; HANS"', '"MÜLLER, HANS"')
            .replace('"O’BRIEN; PAT"', "O’BRIEN, PAT")
            .encode(),
            id="semicolons",
        ),
    ],
)
def test_encodings_and_delimiters_read_the_same(data):
    result = load(data)
    assert result.rows_read == 2
    assert result.frame["ordering_physician"].tolist() == [
        "MÜLLER, HANS",
        "O’BRIEN, PAT",
    ]
    assert result.frame["completed_at"].tolist() == [
        ts("2024-12-16 14:35"),
        ts("2024-12-17 09:00"),
    ]
    assert result.columns["ordering_physician"] == "Ordering Provider"


def test_windows_1252_after_a_long_utf8_looking_head_falls_back():
    # The head is pure ASCII; the first cp1252 byte comes 300 KB in.
    rows = "".join(f"A{i},CT HEAD,12/16/2024 14:35,SMITH\n" for i in range(12_000))
    data = (
        "Accession,Exam,Completed,Ordering Provider\n" + rows
    ).encode() + "B1,CT HEAD,12/17/2024 09:00,MÜLLER\n".encode("cp1252")
    result = load(data)
    assert result.rows_read == 12_001
    assert result.frame["ordering_physician"].iloc[-1] == "MÜLLER"


def test_footer_blank_lines_and_title_are_not_rows():
    result = load(
        "Radiology turnaround report\n"
        "Accession,Exam,Completed\n"
        "A1,CT HEAD,12/16/2024 14:35\n"
        "A2,XR CHEST,12/17/2024 09:00\n"
        "\n"
        ",,\n"
        "Report generated 12/18/2024 08:00\n"
        "Total: 2\n"
        "\n"
    )
    assert result.rows_read == 2
    assert result.frame["accession"].tolist() == ["A1", "A2"]
    assert any("Footer of 2 line(s)" in note for note in result.notes)
    assert any("1 line(s) above the header" in note for note in result.notes)


def test_footer_padded_to_the_full_width_is_recognised():
    result = load(
        "Accession,Exam,Completed\nA1,CT HEAD,12/16/2024 14:35\nTotal exams:,1,\n"
    )
    assert result.rows_read == 1


def test_whitespace_is_trimmed_and_blank_cells_are_missing():
    result = load(
        "Accession,Exam,Completed,Priority\n"
        "  A1 , CT HEAD ,12/16/2024 14:35 ,  \n"
        "A2,XR CHEST, 12/17/2024 09:00,STAT\n"
    )
    frame = result.frame
    assert frame["accession"].tolist() == ["A1", "A2"]
    assert frame["exam_name"].tolist() == ["CT HEAD", "XR CHEST"]
    assert frame["priority"].isna().tolist() == [True, False]
    assert result.quality["missing"]["priority"] == 1


@pytest.mark.parametrize(
    ("data", "filename", "says"),
    [
        (b"", "empty.csv", "empty"),
        (b"\n\r\n  \n", "blank.csv", "empty"),
        (codecs.BOM_UTF8, "bom.csv", "empty"),
        (SEED_HEADER.encode() + b"\n", "header.csv", "header but no exam rows"),
        (SEED_HEADER.encode() + b"\n\n,,,,\n", "blank-rows.csv", "no exam rows"),
        (bytes(range(256)) * 20, "garbage.csv", "binary"),
        (b"\x89PNG\r\n\x1a\n" + bytes(500), "scan.csv", "PNG image"),
        (b"%PDF-1.7\n" + bytes(range(256)), "report.csv", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old.xls", ".xlsx"),
        (codecs.BOM_UTF16_LE + bytes(range(1, 256)) * 8, "noise.csv", "binary"),
    ],
)
def test_files_that_are_not_exports_are_refused(data, filename, says):
    with pytest.raises(IngestError) as caught:
        read_export(data, filename=filename)
    assert caught.value.status == 400
    assert not isinstance(caught.value, NeedsMapping)
    assert says in caught.value.message


def test_path_and_file_object_sources(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(b"Accession,Exam,Completed\nA1,CT HEAD,12/16/2024 14:35\n")
    assert len(read_export(path, filename="export.csv").frame) == 1
    with path.open("rb") as handle:
        assert len(read_export(handle, filename="export.csv").frame) == 1


def test_malformed_middle_line_is_skipped_and_noted():
    result = load(
        "Accession,Exam,Completed\n"
        "A1,CT HEAD,12/16/2024 14:35\n"
        "page 2\n"
        "A2,XR CHEST,12/17/2024 09:00\n"
    )
    assert result.rows_read == 2
    assert any("1 line(s) without 3 fields" in note for note in result.notes)


def test_quoted_line_break_keeps_the_row_whole():
    result = load(
        "Accession,Exam,Completed,Comment\n"
        'A1,CT HEAD,12/16/2024 14:35,"two\nlines"\n'
        "A2,XR CHEST,12/17/2024 09:00,one\n"
    )
    assert result.rows_read == 2
    assert result.frame["accession"].tolist() == ["A1", "A2"]
