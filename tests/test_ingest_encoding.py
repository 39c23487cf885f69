"""Encodings decided by the whole file's evidence, never by its first bad byte.

A UTF-8 export with one stray Windows-1252 byte (a name pasted from an old
system) stays UTF-8: the stray byte alone is read as Windows-1252 where it
stands and counted in ``quality.undecodable_bytes``. Each case runs from
bytes and from a file on disk, in small blocks, with the stray byte in the
head, in a middle block and in the last block.
"""

import pytest

from exams.ingest import combine_exports, read_export

HEADER = "Accession,Exam,Completed,Final,Ordering Provider\n"
NAMES = ("MÜLLER, JÜRGEN MD", "PEÑA, JOSÉ MD", "O’BRIEN, SEÁN MD", "SMITH, JOHN MD")
BLOCK = 4096
ROWS = 600  # about 36 KB: nine blocks of 4 KB


def line(i: int, name: str | None = None) -> str:
    name = name or NAMES[i % len(NAMES)]
    return f'A{i},CT HEAD,01/13/2025 10:00,01/13/2025 10:30,"{name}"\n'


def export_with_stray(at: int) -> bytes:
    """Return a UTF-8 export whose row ``at`` holds "Très" written in Windows-1252."""
    out = HEADER.encode()
    for i in range(ROWS):
        if i == at:
            out += line(i, "TRÈS, ANNE MD").encode("cp1252")
        else:
            out += line(i).encode()
    return out


@pytest.fixture(params=["bytes", "file"])
def read(request, tmp_path):
    def read_data(data: bytes, **options):
        source = data
        if request.param == "file":
            source = tmp_path / "export.csv"
            source.write_bytes(data)
        return read_export(source, filename="export.csv", block_size=BLOCK, **options)

    return read_data


@pytest.mark.parametrize("at", [0, ROWS // 2, ROWS - 1], ids=["head", "middle", "last"])
def test_one_stray_byte_leaves_the_utf8_file_utf8(read, at):
    result = read(export_with_stray(at))
    names = result.frame["ordering_physician"].astype(str).tolist()
    # By hand: every other row keeps its UTF-8 name, accents and all.
    expected = [NAMES[i % len(NAMES)] for i in range(ROWS)]
    expected[at] = "TRÈS, ANNE MD"  # the 0xC8 byte read as Windows-1252
    assert names == expected
    assert result.rows_read == ROWS
    assert result.quality["undecodable_bytes"] == 1
    assert result.notes[0].startswith("Read as UTF-8 text")
    assert any("1 byte(s) that are not UTF-8" in n for n in result.notes)


def test_multibyte_characters_across_every_block_boundary(read):
    # Shift the rows one byte at a time so "Ü" (2 bytes), "’" (3 bytes) and
    # the rest land on each side of and across the 4 KB block boundaries.
    for shift in range(4):
        data = HEADER.encode() + b"".join(
            line(i, "X" * shift + NAMES[i % len(NAMES)]).encode() for i in range(ROWS)
        )
        result = read(data)
        names = result.frame["ordering_physician"].astype(str).tolist()
        assert names == ["X" * shift + NAMES[i % len(NAMES)] for i in range(ROWS)]
        assert "undecodable_bytes" not in result.quality


def test_a_windows_1252_file_with_a_utf8_looking_pair_stays_windows_1252(read):
    # "Ã©" in Windows-1252 is C3 A9, a valid UTF-8 "é"; every other accent
    # is a lone Windows-1252 byte. The evidence says Windows-1252.
    text = HEADER + line(0, "GARÇON, ANDRÉ MD") + line(1, "MÃ©TIS, RENÉ MD")
    text += "".join(line(i) for i in range(2, 40))
    result = read(text.encode("cp1252"))
    names = result.frame["ordering_physician"].astype(str).tolist()
    assert names[:3] == ["GARÇON, ANDRÉ MD", "MÃ©TIS, RENÉ MD", NAMES[2]]
    assert result.notes[0].startswith("Read as Windows-1252 text")
    assert "undecodable_bytes" not in result.quality


def test_undecodable_bytes_add_up_across_files():
    first = read_export(export_with_stray(3), filename="a.csv", block_size=BLOCK)
    second = read_export(
        export_with_stray(5).replace(b"A", b"B"), filename="b.csv", block_size=BLOCK
    )
    _, _, quality = combine_exports([first, second])
    assert quality["undecodable_bytes"] == 2


@pytest.mark.parametrize("source", ["bytes", "file"])
def test_stray_byte_in_the_last_of_several_1mb_blocks(tmp_path, source):
    # About 2.6 MB: the ingest's own 1 MB blocks, the stray byte in the third.
    count = 40_000
    data = HEADER.encode() + b"".join(line(i).encode() for i in range(count - 1))
    data += line(count - 1, "TRÈS, ANNE MD").encode("cp1252")
    assert len(data) > 2 * 1024 * 1024
    if source == "file":
        path = tmp_path / "export.csv"
        path.write_bytes(data)
        data = path
    result = read_export(data, filename="export.csv")
    names = result.frame["ordering_physician"].astype(str)
    assert names.iloc[0] == NAMES[0] and names.iloc[1] == NAMES[1]
    assert names.iloc[-1] == "TRÈS, ANNE MD"
    assert (names.iloc[:-1] == [NAMES[i % 4] for i in range(count - 1)]).all()
    assert result.quality["undecodable_bytes"] == 1
