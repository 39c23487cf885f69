"""Read and drop DT_NEEDED entries of a Linux shared library, in place.

pyarrow's wheel links every one of its modules against
``libarrow_substrait`` although none of them calls it (no undefined symbol
they have is defined there); the exe build (tatviz.spec) drops that entry so
the 4.5 MB library need not ship. This is what ``patchelf --remove-needed``
does, in 40 lines of standard library: the entry is taken out of the
``.dynamic`` table and the table closed with ``DT_NULL``, so no byte moves
and libraries auditwheel already rewrote stay loadable.

Usage: ``python scripts/elf_needed.py LIB`` lists its DT_NEEDED names.
"""

import struct
import sys
from pathlib import Path

PT_LOAD, PT_DYNAMIC = 1, 2
DT_NULL, DT_NEEDED, DT_STRTAB = 0, 1, 5
ENTRY = struct.Struct("<qQ")  # d_tag, d_val


class ElfError(ValueError):
    """The file is not a 64-bit little-endian ELF with a dynamic table."""


def _layout(data: bytes) -> tuple[int, int, int]:
    """Return the dynamic table's file offset, its size and DT_STRTAB's offset."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ElfError("not a 64-bit little-endian ELF file")
    phoff = struct.unpack_from("<Q", data, 0x20)[0]
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    headers = [
        struct.unpack_from("<IIQQQQQQ", data, phoff + i * phentsize)
        for i in range(phnum)
    ]
    dynamic = [h for h in headers if h[0] == PT_DYNAMIC]
    if not dynamic:
        raise ElfError("no dynamic table")
    offset, size = dynamic[0][2], dynamic[0][5]
    strtab = next(
        (val for tag, val in _entries(data, offset, size) if tag == DT_STRTAB), None
    )
    if strtab is None:
        raise ElfError("no DT_STRTAB")
    # DT_STRTAB is an address: find the loaded segment that holds it.
    for p_type, _flags, p_offset, p_vaddr, _paddr, p_filesz, _memsz, _align in headers:
        if p_type == PT_LOAD and p_vaddr <= strtab < p_vaddr + p_filesz:
            return offset, size, strtab - p_vaddr + p_offset
    raise ElfError("DT_STRTAB lies in no loaded segment")


def _entries(data: bytes, offset: int, size: int) -> list[tuple[int, int]]:
    entries = []
    for at in range(offset, offset + size - ENTRY.size + 1, ENTRY.size):
        tag, val = ENTRY.unpack_from(data, at)
        if tag == DT_NULL:
            break
        entries.append((tag, val))
    return entries


def _name(data: bytes, strtab: int, index: int) -> str:
    start = strtab + index
    return data[start : data.index(b"\0", start)].decode()


def needed(path: Path) -> list[str]:
    """Return the library's DT_NEEDED names, in order."""
    data = path.read_bytes()
    offset, size, strtab = _layout(data)
    return [
        _name(data, strtab, val)
        for tag, val in _entries(data, offset, size)
        if tag == DT_NEEDED
    ]


def drop_needed(path: Path, names: set[str]) -> list[str]:
    """Remove the DT_NEEDED entries naming ``names``; return those removed."""
    data = bytearray(path.read_bytes())
    offset, size, strtab = _layout(data)
    entries = _entries(data, offset, size)
    kept = [
        (tag, val)
        for tag, val in entries
        if not (tag == DT_NEEDED and _name(data, strtab, val) in names)
    ]
    if len(kept) == len(entries):
        return []
    removed = [
        _name(data, strtab, val)
        for tag, val in entries
        if (tag, val) not in kept and tag == DT_NEEDED
    ]
    table = b"".join(ENTRY.pack(tag, val) for tag, val in kept)
    data[offset : offset + len(table)] = table
    # Close the table; the freed entries become DT_NULL too.
    closing = offset + len(table)
    data[closing : closing + (len(entries) - len(kept) + 1) * ENTRY.size] = bytes(
        (len(entries) - len(kept) + 1) * ENTRY.size
    )
    path.write_bytes(bytes(data))
    return removed


if __name__ == "__main__":
    for name in needed(Path(sys.argv[1])):
        print(name)
