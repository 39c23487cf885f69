"""Where TATviz finds its bundled files and keeps its writable ones.

This is the only module that knows about PyInstaller (``sys.frozen``,
``sys._MEIPASS``) and about the per-user data folder.
"""

import contextlib
import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "TATviz"
DATA_DIR_ENV = "TATVIZ_DATA_DIR"


def is_frozen() -> bool:
    """Return True when running inside a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False))


@contextlib.contextmanager
def system_library_path():
    """Give programs started inside the block the user's own LD_LIBRARY_PATH.

    A frozen Linux build's bootloader points it at the bundle (saving the
    original in LD_LIBRARY_PATH_ORIG), so a browser started from it would load
    our copies of libssl or libstdc++ and may crash.
    """
    if not (is_frozen() and sys.platform.startswith("linux")):
        yield
        return
    saved = os.environ.get("LD_LIBRARY_PATH")
    original = os.environ.get("LD_LIBRARY_PATH_ORIG")
    _set_env("LD_LIBRARY_PATH", original)
    try:
        yield
    finally:
        _set_env("LD_LIBRARY_PATH", saved)


def _set_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def bundle_dir() -> Path:
    """Return the folder holding manage.py, templates/, static/ and sample_data/."""
    if is_frozen():
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
    return Path(__file__).resolve().parent.parent


def default_data_dir() -> Path:
    """Return the per-user *local* data folder (not roaming: exports hold PHI)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False, roaming=False))


def data_dir() -> Path:
    """Return the data dir from ``TATVIZ_DATA_DIR`` or the per-user default."""
    configured = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(configured).expanduser().resolve() if configured else default_data_dir()


# Sub-folders TATviz keeps, and the names of its own files at the top.
SUB_FOLDERS = ("uploads", "cache", "tmp", "journal", "orphaned")
OWN_FILE_PREFIXES = (
    "tatviz.",
    "instance.",
    "secret_key",
    "access_token",
    "launch-",
)


def ensure_data_dir(path: Path) -> Path:
    """Create the data dir and its sub-folders, readable by the user only.

    From here on this process creates every file 0600 and folder 0700
    (umask 077): the database and its journal, the log, uploads, caches.
    What an older version or another umask left is narrowed too. The data
    dir itself is narrowed to 0700 only when it is new, empty or already
    TATviz's: pointing ``--data-dir`` at a shared folder (``/tmp``) must not
    change that folder's mode; the files in it are private either way.
    """
    os.umask(0o077)
    ours = not path.exists() or not any(path.iterdir())
    ours = ours or (path / "secret_key.txt").exists()
    path.mkdir(parents=True, exist_ok=True)
    if os.name == "posix" and ours:
        path.chmod(0o700)
    for sub in SUB_FOLDERS:
        (path / sub).mkdir(exist_ok=True)
    if os.name == "posix":
        _narrow(path)
    return path


def _narrow(path: Path) -> None:
    """Make TATviz's existing files 0600 and its folders 0700."""
    for entry in path.iterdir():
        if entry.is_symlink():
            continue
        if entry.is_dir() and entry.name in SUB_FOLDERS:
            entry.chmod(0o700)
            for inner in entry.iterdir():
                if not inner.is_symlink():
                    inner.chmod(0o700 if inner.is_dir() else 0o600)
        elif entry.is_file() and entry.name.startswith(OWN_FILE_PREFIXES):
            entry.chmod(0o600)


def sample_export() -> Path:
    """Return the bundled sample export in the seed's column layout."""
    return bundle_dir() / "sample_data" / "ris_export_sample.csv"
