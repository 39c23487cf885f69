"""Exports built in memory: the hand-worked good one and broken files."""

import io
import os
import zipfile

import openpyxl

# Hand-worked: complete -> final is 30, 60 and 40 minutes (ACC1004 pending),
# so its median is 40; CT has two exams. The physician's name is not ASCII.
GOOD_ROWS = [
    ["Accession", "Exam Name", "Modality", "Priority", "Patient Class"]
    + ["Ordering Physician", "Order Time", "Complete Time", "Final Time"],
    ["ACC1001", "CT HEAD WO", "CT", "STAT", "ED", "SMITH, JOHN MD"]
    + ["01/13/2025 09:00", "01/13/2025 10:30", "01/13/2025 11:00"],
    ["ACC1002", "XR CHEST 2V", "XR", "Routine", "Outpatient", "JONES, ANN MD"]
    + ["01/13/2025 08:00", "01/13/2025 08:20", "01/13/2025 09:20"],
    ["ACC1003", "CT ABD PEL W", "CT", "Routine", "Inpatient", "SMITH, JOHN MD"]
    + ["01/14/2025 12:00", "01/14/2025 13:00", "01/14/2025 13:40"],
    ["ACC1004", "MR BRAIN WO", "MR", "Urgent", "ED", "MÜLLER, JÜRGEN MD"]
    + ["01/15/2025 07:00", "01/15/2025 09:00", ""],
]
ACCENTED = "MÜLLER, JÜRGEN MD"


def export_text(rows=GOOD_ROWS, *, sep: str = ",", newline: str = "\n") -> str:
    """Return rows as an export's text, quoting cells that hold the separator."""

    def cell(value: str) -> str:
        return f'"{value}"' if sep in value or "," in value else value

    return "".join(sep.join(cell(v) for v in row) + newline for row in rows)


GOOD_CSV = export_text().encode("utf-8")


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A workbook-shaped zip whose sheet inflates 1000:1 (24 MB of zeros)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", bytes(24 * 1024 * 1024))
    return out.getvalue()


def stored_workbook(rows: list[list]) -> bytes:
    """The workbook re-zipped without compression, so its bytes can be edited."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx(rows))) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
    return out.getvalue()


def bad_crc_workbook() -> bytes:
    """A workbook whose sheet no longer matches its checksum (a damaged copy)."""
    data = stored_workbook(GOOD_ROWS)
    assert data.count(b"ACC1001") == 1
    return data.replace(b"ACC1001", b"ACC1002")


def encrypted_workbook() -> bytes:
    """A workbook whose zip entries say they are encrypted (flag bit 0)."""
    data = bytearray(stored_workbook(GOOD_ROWS))
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            data[start + flag_at] |= 0x01
            start += 4
    return bytes(data)


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("export.csv", GOOD_CSV)
    return out.getvalue()


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06"
    b"\x00\x00\x00\x1f\xf3\xffa" + bytes(range(256)) * 8
)
HEADER = GOOD_ROWS[0]


def random_bytes(size: int) -> bytes:
    return os.urandom(size)


def with_good_header(*lines: str) -> bytes:
    return ((",".join(HEADER) + "\n") + "".join(f"{x}\n" for x in lines)).encode()


def over_limit(limit_mb: int) -> bytes:
    """A valid export 0.5 MB over the upload limit (and under the server's)."""
    row = "ACC{:07d},XR CHEST,XR,Routine,ED,DOE MD,01/13/2025 08:00,01/13/2025 08:20,\n"
    head = (",".join(HEADER) + "\n").encode()
    size = limit_mb * 1024 * 1024 + 512 * 1024
    count = (size - len(head)) // len(row.format(0)) + 1
    return head + "".join(row.format(i) for i in range(count)).encode()


def export_of(accessions: range, *, modality: str = "CT") -> bytes:
    """A small valid export: one exam per accession, 10 minutes to final."""
    lines = ["Accession,Exam Name,Modality,Complete Time,Final Time"]
    lines += [
        f"F{i},{modality} EXAM,{modality},01/13/2025 10:{i % 60:02d},"
        f"01/13/2025 11:{i % 60:02d}"
        for i in accessions
    ]
    return ("\n".join(lines) + "\n").encode()
