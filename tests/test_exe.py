"""The frozen one-folder build: built with `make exe`, run by scripts/smoke_exe.py.

The build is reused when it is newer than every file that goes into it, so a
second local run costs seconds; CI starts from a clean clone and always
builds (~1 min, and ~5 min more the first time pip builds numpy without
OpenBLAS), catching PyInstaller hook and data-file mistakes.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import plotly
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from elf_needed import needed

from tests.test_plotly_bundle import drawn_trace_types

pytestmark = pytest.mark.exe

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / "dist" / "TATviz" / ("TATviz.exe" if os.name == "nt" else "TATviz")
INPUT_FILES = [
    "launcher.py",
    "tatviz.spec",
    "requirements.txt",
    "requirements-exe.txt",
    "requirements-numpy-build.txt",
    "Makefile",
]
INPUT_FOLDERS = ["tatviz", "exams", "templates", "static", "sample_data"]


def newest_input() -> float:
    files = [ROOT / name for name in INPUT_FILES]
    for folder in INPUT_FOLDERS:
        files += [
            path
            for path in (ROOT / folder).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        ]
    return max(path.stat().st_mtime for path in files)


@pytest.fixture(scope="module")
def binary() -> Path:
    """Return the frozen binary, built now unless it is newer than its inputs."""
    if BINARY.is_file() and BINARY.stat().st_mtime > newest_input():
        return BINARY
    began = time.monotonic()
    result = subprocess.run(
        ["make", "exe"], cwd=ROOT, capture_output=True, text=True, timeout=1800
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    print(f"make exe: {time.monotonic() - began:.0f} s")
    assert BINARY.is_file()
    return BINARY


def test_frozen_build_passes_the_smoke_test(binary):
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "smoke_exe.py"), str(binary)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Smoke test passed." in result.stdout


def test_the_exes_numpy_forecasts_what_the_development_numpy_does(binary):
    """numpy without OpenBLAS (the exe's venv) gives the same forecast answers.

    The forecast is the one caller of numpy's BLAS/LAPACK (its least-squares
    fit); byte-equal JSON from both venvs on the sample shows the numbers a
    user reads in the exe are the ones tested in development.
    """
    script = str(ROOT / "scripts" / "forecast_answers.py")
    exe_python = ROOT / ".venv-exe" / "bin" / "python"
    answers = [
        subprocess.run(
            [str(python), script], capture_output=True, text=True, timeout=300
        )
        for python in (sys.executable, exe_python)
    ]
    for answer in answers:
        assert answer.returncode == 0, answer.stderr[-2000:]
    development, frozen = (answer.stdout for answer in answers)
    assert {status for status, _ in json.loads(development).values()} == {200}
    assert frozen == development


def test_no_database_anywhere_under_dist(binary):
    found = [
        path
        for path in (ROOT / "dist").rglob("*")
        if path.suffix.lower() in {".db", ".sqlite3", ".sqlite"}
    ]
    assert found == []


def test_the_bundle_leaves_out_what_tatviz_never_uses(binary):
    internal = binary.parent / "_internal"
    names = {path.relative_to(internal).as_posix() for path in internal.rglob("*")}
    # plotly's full plotly.js and Jupyter widget: the pages use static/vendor's.
    assert "plotly/package_data/plotly.min.js" not in names
    assert "plotly/package_data/widgetbundle.js" not in names
    collected = [n for n in names if n.startswith("staticfiles/vendor/plotly")]
    assert any(n.startswith("staticfiles/vendor/plotly-tatviz-") for n in collected)
    assert not [n for n in collected if "tatviz" not in n and "LICENSE" not in n]
    # pyarrow parts TATviz never imports (the self-test reads and writes
    # Parquet and CSV without them).
    pyarrow = [n.removeprefix("pyarrow/") for n in names if n.startswith("pyarrow/")]
    for unused in ("_orc", "_feather", "_substrait", "_flight", "_s3fs"):
        assert not [n for n in pyarrow if n.startswith(unused + ".")], unused
    # Django's sources (its compiled modules are in the archive) and the
    # wheels' installed-file lists.
    assert not [n for n in names if n.startswith("django/") and n.endswith(".py")]
    assert not [n for n in names if n.endswith(".dist-info/RECORD")]
    # East Asian codecs, numpy's FFT.
    assert not [n for n in names if "_codecs_jp" in n or n.startswith("numpy/fft")]
    if sys.platform.startswith("linux"):
        # One copy of libarrow_python (the wheel has three).
        assert len([n for n in pyarrow if n.startswith("libarrow_python.")]) == 1
        # libarrow_substrait: left out, and no library still links it (the
        # smoke test's parquet and CSV work proves nothing called it).
        assert not [n for n in names if "substrait" in n]
        libraries = [p for p in internal.rglob("*.so*") if p.is_file()]
        linking = [p.name for p in libraries if "substrait" in " ".join(needed(p))]
        assert linking == []
        # The source static files (for the finders and the report) are links
        # to the collected copies, not second copies of the Plotly bundle.
        (source,) = (internal / "static" / "vendor").glob("plotly-tatviz-*.js")
        assert source.is_symlink()
        assert source.resolve().parent == (internal / "staticfiles" / "vendor")
        # numpy without OpenBLAS (and its gfortran): built from its source
        # by `make exe`; the smoke test's forecast runs its least squares.
        assert not [n for n in names if "openblas" in n.lower()]
        assert not [n for n in names if n.startswith("numpy.libs/")]
        # Was 271 MB before issue 17's trimming and stripping; 194 MB after
        # the first session, 178 MB after the second, 148 MB without OpenBLAS.
        size = sum(
            p.stat().st_size
            for p in binary.parent.rglob("*")
            if p.is_file() and not p.is_symlink()
        )
        assert size < 150_000_000, f"{size / 1e6:.0f} MB"


def test_plotly_validates_only_the_traces_tatviz_draws(binary):
    """The validator table is plotly's without the undrawn trace types."""
    internal = binary.parent / "_internal"
    table = json.loads(
        (internal / "plotly" / "validators" / "_validators.json").read_text("utf-8")
    )
    # The trace types the chart builders construct (read from the source).
    drawn = drawn_trace_types()
    assert drawn == {"scatter", "bar", "box", "heatmap"}
    source = Path(plotly.__file__).parent / "validators" / "_validators.json"
    full = json.loads(source.read_text(encoding="utf-8"))
    # Every trace type plotly knows, as its data validator names them.
    undrawn = set(full["data"]["params"]["class_strs_map"]) - drawn
    assert len(undrawn) > 40
    assert table == {
        key: item for key, item in full.items() if key.split(".")[0] not in undrawn
    }
