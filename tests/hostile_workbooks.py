"""Workbooks written by hand with zipfile: small files that declare huge things.

Each is a few KB and valid enough for a reader to open; what it declares
(a row number, a sheet dimension, a shared string repeated in every cell)
would make a naive reader build gigabytes.
"""

import io
import zipfile
from xml.sax.saxutils import escape

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType='
    '"application/vnd.openxmlformats-package.relationships+xml"/><Default '
    'Extension="xml" ContentType="application/xml"/><Override PartName='
    '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
    '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
HEADER = ("Accession", "Exam Name", "Complete Time", "Final Time")
ROWS = (
    ("H1", "CT HEAD", "01/13/2025 10:30", "01/13/2025 11:00"),
    ("H2", "XR CHEST", "01/13/2025 08:20", "01/13/2025 09:20"),
)


def cell(ref: str, value: str) -> str:
    """Return an inline-string cell at ``ref`` ("" for no ``r`` attribute)."""
    where = f' r="{ref}"' if ref else ""
    return f'<c{where} t="inlineStr"><is><t>{escape(value)}</t></is></c>'


def good_rows() -> str:
    """Return the header and two exams as sheet rows 1–3, columns A–D."""
    out = []
    for number, values in enumerate((HEADER, *ROWS), start=1):
        cells = "".join(cell(f"{'ABCD'[i]}{number}", v) for i, v in enumerate(values))
        out.append(f'<row r="{number}">{cells}</row>')
    return "".join(out)


def workbook(
    rows: str,
    *,
    dimension: str = "",
    shared: list[str] | None = None,
    sheet_path: str = "worksheets/sheet1.xml",
    shared_path: str = "sharedStrings.xml",
) -> bytes:
    """Return a one-sheet workbook whose sheetData is ``rows`` (XML text)."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        f'<?xml version="1.0"?><worksheet xmlns="{_MAIN}">{dim}'
        f"<sheetData>{rows}</sheetData></worksheet>"
    )
    book = (
        f'<?xml version="1.0"?><workbook xmlns="{_MAIN}" xmlns:r="{_DOC}">'
        '<sheets><sheet name="Exams" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    rels = f'<?xml version="1.0"?><Relationships xmlns="{_RELS}">'
    book_rels = (
        rels + f'<Relationship Id="rId1" Type="{_DOC}/worksheet" '
        f'Target="{sheet_path}"/>'
    )
    if shared is not None:
        book_rels += f'<Relationship Id="rId2" Type="{_DOC}/sharedStrings" '
        book_rels += f'Target="{shared_path}"/>'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _TYPES)
        archive.writestr(
            "_rels/.rels",
            rels + f'<Relationship Id="rId1" Type="{_DOC}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr("xl/workbook.xml", book)
        archive.writestr("xl/_rels/workbook.xml.rels", book_rels + "</Relationships>")
        archive.writestr(f"xl/{sheet_path}", sheet)
        if shared is not None:
            items = "".join(f"<si><t>{escape(s)}</t></si>" for s in shared)
            archive.writestr(
                f"xl/{shared_path}",
                f'<?xml version="1.0"?><sst xmlns="{_MAIN}" count="{len(shared)}" '
                f'uniqueCount="{len(shared)}">{items}</sst>',
            )
    return out.getvalue()


def absurd_row() -> bytes:
    """Two exams, then one cell in row 1,048,576 column AA (Excel's last row)."""
    return workbook(good_rows() + f'<row r="1048576">{cell("AA1048576", "x")}</row>')


def stray_far_cell() -> bytes:
    """Two exams and one cell at Z1048576: inside every limit of Excel's, but
    a 27-million-cell grid around 13 real cells."""
    return workbook(good_rows() + f'<row r="1048576">{cell("Z1048576", "x")}</row>')


def beyond_excel_row() -> bytes:
    """Two exams, then one cell in row 50,000,000 (past any sheet)."""
    return workbook(good_rows() + f'<row r="50000000">{cell("A50000000", "x")}</row>')


def far_corner() -> bytes:
    """Two exams and one cell at XFD1048576: a 17-billion-cell grid."""
    return workbook(good_rows() + f'<row r="1048576">{cell("XFD1048576", "x")}</row>')


def hidden_far_corner() -> bytes:
    """`far_corner`, its sheet stored as "xl/data.bin" (named only in the rels)."""
    rows = good_rows() + f'<row r="1048576">{cell("XFD1048576", "x")}</row>'
    return workbook(rows, sheet_path="data.bin")


def absurd_dimension() -> bytes:
    """Two exams under a dimension that claims the whole sheet."""
    return workbook(good_rows(), dimension="A1:XFD1048576")


def out_of_order_row() -> bytes:
    """A cell at row 1,048,576 written first, before the header (rows unsorted)."""
    return workbook(f'<row r="1048576">{cell("AB1048576", "x")}</row>' + good_rows())


def unreferenced_cells(count: int = 20_000) -> bytes:
    """Two exams and a row of ``count`` cells without ``r`` (each the next column)."""
    return workbook(good_rows() + '<row r="4">' + "<c><v>1</v></c>" * count + "</row>")


def shared_string_bomb(
    *,
    megabytes: int = 8,
    cells: int = 2000,
    formula: bool = False,
    shared_path: str = "sharedStrings.xml",
) -> bytes:
    """``cells`` cells that all name one ``megabytes`` MB shared string.

    Under the zip checks (the string member is small enough to pass the
    ratio floor) but a reader copying the string into each cell would
    build ``megabytes × cells`` MB.
    """
    refs = "".join(
        f'<row r="{r}"><c r="E{r}" t="s">{"<f>A1</f>" if formula else ""}'
        "<v>0</v></c></row>"
        for r in range(4, 4 + cells)
    )
    text = ["x" * (megabytes * 1024 * 1024)]
    return workbook(good_rows() + refs, shared=text, shared_path=shared_path)


def without_references() -> bytes:
    """The header and two exams with no ``r`` on any row or cell (valid OOXML)."""
    rows = "".join(
        "<row>" + "".join(cell("", v) for v in values) + "</row>"
        for values in (HEADER, *ROWS)
    )
    return workbook(rows)


def shared_string_bomb_with_formulas() -> bytes:
    """`shared_string_bomb` whose cells hold a formula before their value."""
    return shared_string_bomb(formula=True)


def shared_string_bomb_elsewhere() -> bytes:
    """`shared_string_bomb` with its strings at "xl/text.bin" (named in the rels).

    calamine 0.9 reads only xl/sharedStrings.xml (this one it refuses); the
    check does not rely on that.
    """
    return shared_string_bomb(shared_path="text.bin")
