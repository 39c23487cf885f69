"""Measure what a workbook really holds before a reader builds it in memory.

A workbook's reader (calamine) builds each sheet as one dense grid from its
first to its last row and column, and gives every cell that refers to a
shared string its own copy of it. So a 2 KB file with one cell at A1 and
one at XFD1048576, or a thousand cells naming one 8 MB string, would ask
for terabytes. The sheets' XML is therefore streamed once, in blocks,
before the reader opens it, and the grid and the text it expands to are
checked against the limits below; a file over a limit is refused naming it.

The usual workbook (every cell with its ``r="B7"`` reference, rows in
order) is measured with byte counts and one regular-expression search per
block, at C speed. Anything else (cells without references, rows out of
order, prefixed XML) is measured exactly by an XML parser: slower, but
still bounded by the file's real size.
"""

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from xml.parsers import expat

from exams.ingest.errors import IngestError
from exams.ingest.files.reading import MAX_COLUMNS, check_width

# Excel's own sheet height.
MAX_ROWS = 1_048_576
# The grid a reader builds: a full-height sheet of columns A–Z (~32 bytes a
# cell in the reader, less than a GB).
MAX_CELLS = MAX_ROWS * 26
# A grid may be this many times the cells a sheet holds (empty cells are
# not written), beyond a floor: past it, a stray far cell (one at Z1048576
# under three real rows) would cost a reader the whole grid.
SPARSE_RATIO = 64
SPARSE_FLOOR = 1_000_000
# Text the cells expand to once each shared string is copied into its cells.
MAX_TEXT_BYTES = 1024**3
_BLOCK = 8 * 1024**2
_HEAD_SEARCH = 256 * 1024  # where the widest column is first looked for
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
# A cell tag without its reference right after the name ("<c>", "<c/>",
# "<c s=\"1\" r=…>"); "<col", "<cfRule" and the like are not cells.
_NO_REFERENCE = re.compile(rb'<c(?:[>/]|\s(?!r="))')
_WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
_RELATION = re.compile(rb"<Relationship\b[^>]*>")
_TARGET = re.compile(rb'Target="([^"]+)"')
_ANY_REF = re.compile(r"([A-Za-z]+)([0-9]+)")
# A shared-string cell's index, whatever comes before its <v> (a formula).
_SHARED_INDEX = re.compile(rb't="s"[^>]*>(?:(?!</c>).)*?<v>\s*([0-9]+)\s*</v>', re.S)
_AGAIN = "Save the data as CSV (or save the workbook again in Excel) and upload that."


@dataclass
class SheetSize:
    """The extent of one sheet's cells and its shared-string cells."""

    rows: int = 0
    columns: int = 0
    cells: int = 0
    exact: bool = False


def column_number(letters: bytes | str) -> int:
    """Return the 1-based number of a column's letters ("A" → 1, "AA" → 27)."""
    number = 0
    for letter in letters.upper() if isinstance(letters, str) else letters.decode():
        number = number * 26 + ord(letter) - 64
    return number


def _greater(text: str, alphabet: str) -> str:
    """Return a regex for strings of ``alphabet`` read as numbers above ``text``.

    Same length and greater place by place, or longer (no leading zeros:
    row numbers and column letters have none).
    """
    low, high = alphabet[0], alphabet[-1]
    options = [f"[{low}-{high}]{{{len(text) + 1},}}"]
    for i, char in enumerate(text):
        if char != high:
            above = alphabet[alphabet.index(char) + 1]
            rest = len(text) - i - 1
            options.append(f"{text[:i]}[{above}-{high}][{low}-{high}]{{{rest}}}")
    return "|".join(options)


def _letters(number: int) -> str:
    out = ""
    while number:
        number, rest = divmod(number - 1, 26)
        out = chr(65 + rest) + out
    return out


def _blocks(archive: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """Yield the member's bytes in blocks that each end before a ``<``.

    A tag never contains ``<``, so every tag lies whole in one block.
    """
    carry = b""
    with archive.open(name) as member:
        while chunk := member.read(_BLOCK):
            chunk = carry + chunk
            cut = chunk.rfind(b"<")
            if cut <= 0:
                carry = chunk
                continue
            carry = chunk[cut:]
            yield chunk[:cut]
    if carry:
        yield carry


def _fast_size(
    archive: zipfile.ZipFile, name: str, *, precise: bool = False
) -> SheetSize | None:
    """Return the sheet's size, or None when it needs the exact measure.

    Per block, one search finds any cell without a reference, or whose
    reference has more letters than the first block's widest column or
    more digits than the block's last row. The grid is then at most as big
    as those lengths allow (999,999 rows × 26 columns for a 400k-row export
    of columns A–Z); when that bound is over a limit, or ``precise``, a
    second search looks for references beyond the widest column and the
    last row themselves, and the size is the sheet's own.
    """
    size = SheetSize()
    widest = 0
    for block in _blocks(archive, name):
        if b":sheetData" in block:
            return None  # prefixed XML: the byte patterns below would miss it
        last = block.rfind(b'<c r="')
        if last < 0:
            if _NO_REFERENCE.search(block):
                return None
            continue
        found = _CELL_REF.match(block, last)
        if found is None:
            return None  # a reference past any sheet ("A50000000"): measured exactly
        if not widest:
            head = _CELL_REF.findall(block, 0, _HEAD_SEARCH)
            widest = max(
                (column_number(m[0]) for m in head), default=column_number(found[1])
            )
        letters, digits = len(_letters(widest)), len(found[2])
        usual = re.compile(
            rb'<c(?![ ]r="[A-Z]{1,%d}[0-9]{1,%d}"|[\w:.-])' % (letters, digits)
        )
        if usual.search(block):
            return None
        bound = SheetSize(10**digits - 1, column_number("Z" * letters))
        if precise or not _within(bound):
            row = int(found[2])
            beyond = re.compile(
                rb'<c r="(?:(?:'
                + _greater(_letters(widest), "ABCDEFGHIJKLMNOPQRSTUVWXYZ").encode()
                + rb")[0-9]|[A-Z]+(?:"
                + _greater(str(row), "0123456789").encode()
                + rb')")'
            )
            if row < size.rows or beyond.search(block):
                return None
            bound = SheetSize(row, widest)
        size.rows = max(size.rows, bound.rows)
        size.columns = max(size.columns, bound.columns)
        size.cells += block.count(b'<c r="')
        _check_grid(size)
    return size


def _within(size: SheetSize) -> bool:
    return (
        size.columns <= MAX_COLUMNS
        and size.rows <= MAX_ROWS
        and size.rows * size.columns <= MAX_CELLS
    )


def _exact_size(archive: zipfile.ZipFile, name: str) -> SheetSize:
    """Return the sheet's size as a reader places its cells (no reference: next)."""
    size = SheetSize(exact=True)
    row = column = 0

    def start(tag: str, attrs: dict) -> None:
        nonlocal row, column
        tag = tag.rpartition(":")[2]
        if tag == "row":
            row = int(attrs["r"]) if attrs.get("r", "").isdigit() else row + 1
            column = 0
        elif tag == "c":
            found = _ANY_REF.fullmatch(attrs.get("r", ""))
            if found:
                column, row = column_number(found[1]), int(found[2])
            else:
                column += 1
            size.cells += 1
            size.rows, size.columns = max(size.rows, row), max(size.columns, column)

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    try:
        for block in _blocks(archive, name):
            parser.Parse(block, False)
            _check_grid(size)  # block by block: a hostile file stops early
        parser.Parse(b"", True)
    except expat.ExpatError:
        raise IngestError(
            "This .xlsx file could not be read as an Excel workbook (a sheet's "
            "XML is damaged). Open it in Excel and save it again as .xlsx or CSV."
        ) from None
    return size


def _dense(size: SheetSize) -> bool:
    """Return True when the grid is not far bigger than the cells it holds."""
    return size.rows * size.columns <= max(SPARSE_FLOOR, SPARSE_RATIO * size.cells)


def _refuse_sparse(size: SheetSize) -> None:
    raise IngestError(
        f"This workbook's sheet spans {size.rows:,} rows × {size.columns:,} "
        f"columns but holds only {size.cells:,} cells: a cell far below or right "
        "of the data makes a reader build the whole grid (TATviz reads a grid "
        f"of at most {SPARSE_RATIO} times the cells a sheet holds). Delete the "
        f"rows and columns outside the exams in Excel, or {_AGAIN[0].lower()}"
        f"{_AGAIN[1:]}"
    )


def _check_grid(size: SheetSize) -> None:
    check_width(size.columns)
    if size.rows > MAX_ROWS:
        raise IngestError(
            f"This workbook has a cell in row {size.rows:,}, past Excel's limit "
            f"of {MAX_ROWS:,} rows; it is damaged or not a real export. {_AGAIN}"
        )
    cells = size.rows * size.columns
    if cells > MAX_CELLS:
        raise IngestError(
            f"This workbook's sheet spans {size.rows:,} rows × {size.columns:,} "
            f"columns = {cells:,} cells; TATviz reads at most {MAX_CELLS:,} cells "
            f"from a workbook. Remove unused rows and columns, or {_AGAIN[0].lower()}"
            f"{_AGAIN[1:]}"
        )


def _shared_lengths(archive: zipfile.ZipFile, name: str) -> list[int]:
    """Return each shared string's length in bytes (markup included: an upper bound)."""
    lengths: list[int] = []
    current = -1  # bytes of the string being measured; -1 before the first
    for block in _blocks(archive, name):
        parts = block.split(b"<si")
        if current >= 0:
            current += len(parts[0])
        for part in parts[1:]:
            if current >= 0:
                lengths.append(current)
            current = len(part)
    if current >= 0:
        lengths.append(current)
    return lengths


def _expanded_text(
    archive: zipfile.ZipFile, sheets: dict[str, SheetSize], shared: list[str]
) -> int:
    """Return an upper bound of the text the shared-string cells expand to."""
    if not shared:
        return 0
    # Of several candidates, the one with the longest string (the worst).
    lengths = max(
        (_shared_lengths(archive, name) for name in shared),
        key=lambda found: max(found, default=0),
    )
    # Every cell naming the longest string: enough for any real export.
    cells = sum(s.cells for s in sheets.values())
    bound = cells * max(lengths, default=0)
    if bound <= MAX_TEXT_BYTES:
        return bound
    # Few cells or a few long strings: count each cell's own string.
    total = 0
    for name in sheets:
        for block in _blocks(archive, name):
            for index in _SHARED_INDEX.findall(block):
                index = int(index)
                total += lengths[index] if index < len(lengths) else 0
            if total > MAX_TEXT_BYTES:
                return total
    return total


def _members(archive: zipfile.ZipFile) -> tuple[list[str], list[str]]:
    """Return every member a reader could load as a sheet, and as shared strings.

    Sheets: every XML member (those without cells cost one search per
    block) and whatever the workbook's relationships point at, whatever its
    name. Shared strings: any "sharedStrings.xml" and the relationships'
    shared-strings target.
    """
    names = [m.filename for m in archive.infolist()]
    targets, shared = (
        set(),
        {n for n in names if n.lower().endswith("sharedstrings.xml")},
    )
    if _WORKBOOK_RELS in names and archive.getinfo(_WORKBOOK_RELS).file_size < 1024**2:
        for relation in _RELATION.findall(archive.read(_WORKBOOK_RELS)):
            found = _TARGET.search(relation)
            if found is None:
                continue
            target = found[1].decode("utf-8", errors="replace")
            path = target[1:] if target.startswith("/") else f"xl/{target}"
            path = posixpath.normpath(path)
            targets.add(path)
            if b"sharedStrings" in relation and path in names:
                shared.add(path)
    sheets = [n for n in names if n.lower().endswith(".xml") or n in targets]
    return sheets, sorted(shared)


def check_sheets(archive: zipfile.ZipFile) -> None:
    """Raise `IngestError` when a sheet is beyond the limits; read each once."""
    sheets: dict[str, SheetSize] = {}
    names, shared = _members(archive)
    for name in names:
        size = _fast_size(archive, name)
        if size is not None and not _dense(size):
            size = _fast_size(archive, name, precise=True)
        if size is None:
            size = _exact_size(archive, name)
        if not _dense(size):
            _refuse_sparse(size)
        sheets[name] = size
    text = _expanded_text(archive, sheets, shared)
    if text > MAX_TEXT_BYTES:
        raise IngestError(
            "This workbook's cells would expand to more than "
            f"{MAX_TEXT_BYTES / 1024**3:.0f} GB of text (the limit) once each "
            "shared string is copied into the cells that use it; it is damaged "
            f"or not a real export. {_AGAIN}"
        )


__all__ = ["MAX_CELLS", "MAX_COLUMNS", "MAX_ROWS", "MAX_TEXT_BYTES", "check_sheets"]
