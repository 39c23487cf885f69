"""scripts/elf_needed.py: the exe build drops pyarrow's unused link to substrait.

Checked against binutils' ``readelf -d`` (an independent reader) on a copy of
pyarrow's own module, the file the build edits (Linux, as the build).
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from elf_needed import ElfError, drop_needed, needed

SUBSTRAIT = "libarrow_substrait.so.2600"


def readelf(path: Path) -> list[tuple[str, str]]:
    """Return (tag, value) of each dynamic entry, as readelf prints them."""
    out = subprocess.run(
        ["readelf", "-dW", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return re.findall(r"^\s*0x[0-9a-f]+ \((\w+)\)\s+(.*)$", out, flags=re.M)


def pyarrow_module() -> Path:
    (path,) = Path(pyarrow.__file__).parent.glob("lib.*.so")
    return path


def test_the_substrait_link_goes_and_nothing_else_changes(tmp_path):
    copy = tmp_path / "lib.so"
    shutil.copy(pyarrow_module(), copy)
    before = readelf(copy)
    names = [v.split("[")[1].rstrip("]") for t, v in before if t == "NEEDED"]
    assert needed(copy) == names
    assert SUBSTRAIT in names

    assert drop_needed(copy, {SUBSTRAIT}) == [SUBSTRAIT]

    after = readelf(copy)
    assert after == [
        e for e in before if e != ("NEEDED", f"Shared library: [{SUBSTRAIT}]")
    ]
    assert needed(copy) == [n for n in names if n != SUBSTRAIT]
    assert copy.stat().st_size == pyarrow_module().stat().st_size
    assert drop_needed(copy, {SUBSTRAIT}) == []


def test_a_file_that_is_not_elf_is_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a library")
    with pytest.raises(ElfError):
        needed(path)
