"""Check the data folder and the catalogue (SQLite) before anything uses them.

A catalogue that cannot be opened stops the launcher with one line saying
what is wrong and what to do (exit code ``EXIT_CATALOGUE``), instead of a
traceback, and before start-up housekeeping could take the exports it no
longer lists for leftovers. Needs no Django settings.
"""

import os
import sqlite3
from pathlib import Path

# Exit codes of launcher.py (README "Exit codes").
EXIT_SETTINGS = 2
EXIT_CATALOGUE = 3
SAVED_FOLDERS = ("uploads", "cache")


class StartError(Exception):
    """TATviz cannot start; the message is one line for the user."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def check_writable(data_dir: Path, folders: tuple[str, ...]) -> None:
    """Raise StartError naming the first folder TATviz cannot write in."""
    for folder in (data_dir, *(data_dir / name for name in folders)):
        probe = folder / f".tatviz-write-test-{os.getpid()}"
        try:
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as err:
            raise StartError(
                f"the data folder {folder} cannot be written "
                f"({err.strerror or err}). Fix its permissions or free space, or "
                "start TATviz with --data-dir <another folder>.",
                EXIT_SETTINGS,
            ) from None


def _holds_exports(data_dir: Path) -> bool:
    return any(
        any((data_dir / name).iterdir())
        for name in SAVED_FOLDERS
        if (data_dir / name).is_dir()
    )


def check_catalogue(path: Path) -> None:
    """Raise StartError when the catalogue at ``path`` cannot be used."""
    if not path.exists():
        return  # a first start (or a catalogue moved aside): a new one is made
    data_dir = path.parent
    aside = (
        f"Restore it from a backup, or rename it to start with an empty "
        f"catalogue (your exports are then kept in {data_dir / 'orphaned'})."
    )
    if path.stat().st_size == 0:
        if _holds_exports(data_dir):
            raise StartError(
                f"the catalogue {path} is empty (0 bytes) but the data folder "
                f"holds saved exports. {aside}",
                EXIT_CATALOGUE,
            )
        return  # never written: the first start stopped early
    try:
        _probe(path)
    except sqlite3.OperationalError as err:
        if "locked" in str(err):
            raise StartError(
                f"the catalogue {path} is locked by another program. Close the "
                "program that has it open (a database viewer, a backup or sync "
                "tool) and start TATviz again.",
                EXIT_CATALOGUE,
            ) from None
        raise _damaged(path, str(err), aside) from None
    except sqlite3.DatabaseError as err:
        raise _damaged(path, str(err), aside) from None


def _probe(path: Path) -> None:
    """Open, lock and check the database; raise sqlite3 errors."""
    conn = sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True, timeout=2)
    try:
        # Takes the write lock (a program holding it makes this "locked").
        conn.execute("BEGIN IMMEDIATE")
        conn.rollback()
        result = conn.execute("PRAGMA quick_check").fetchone()
    finally:
        conn.close()
    if result is None or result[0] != "ok":
        raise sqlite3.DatabaseError(str(result[0] if result else "no answer"))


def _damaged(path: Path, detail: str, aside: str) -> StartError:
    return StartError(
        f"the catalogue {path} is damaged ({detail}). {aside}", EXIT_CATALOGUE
    )


def folder_problem(err: Exception) -> str:
    """Say which folder could not be made or written, and what to do."""
    from tatviz import paths

    where = getattr(err, "filename", None) or os.environ.get(
        paths.DATA_DIR_ENV, paths.default_data_dir()
    )
    why = getattr(err, "strerror", None) or str(err)
    return (
        f"the data folder {where} cannot be used ({why}). Fix its permissions "
        "or free space, or start TATviz with --data-dir <another folder>."
    )
