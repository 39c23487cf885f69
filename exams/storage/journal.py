"""Undo what a change did not finish: each change names its files first.

A change to a data set (first read, adding files, re-reading, a new cache,
deleting) lists every file it may create or leave unused in a small journal
file, before it touches them. Its database transaction then switches the
catalogue in one step. Afterwards, and at the next start after a crash, the
listed files the catalogue does not use are deleted and the journal goes: a
change that never committed leaves nothing behind, one that committed is
completed. Files no journal names are never deleted for being unknown
(`exams.storage.housekeeping` keeps them aside).
"""

import contextlib
import json
import logging
import os
import uuid
from pathlib import Path

from django.conf import settings

from exams.models import Dataset, DatasetFile

log = logging.getLogger(__name__)

JOURNAL_DIR = "journal"
UPLOADS, CACHE = "uploads", "cache"


def cache_files(cache_name: str) -> list[str]:
    """Return a cache's file name and its ranks file's ([] for no cache).

    The ranks (`exams.storage.ranks`) belong to their cache: listed, kept
    and deleted with it.
    """
    if not cache_name:
        return []
    return [cache_name, cache_name.removesuffix(".parquet") + ".ranks.parquet"]


def _folder() -> Path:
    folder = Path(settings.DATA_DIR) / JOURNAL_DIR
    folder.mkdir(exist_ok=True)
    return folder


def _used() -> set[str]:
    """Return the files the catalogue uses (``uploads/<name>``, ``cache/<name>``)."""
    stored = DatasetFile.objects.values_list("stored_name", flat=True)
    caches = Dataset.objects.values_list("cache_name", flat=True)
    used = {f"{UPLOADS}/{n}" for n in stored}
    return used | {f"{CACHE}/{n}" for c in caches for n in cache_files(c)}


def _path(name: str) -> Path | None:
    """Return the file a journal names, or None for anything but our names."""
    folder, _, file_name = name.partition("/")
    roots = {UPLOADS: settings.UPLOAD_DIR, CACHE: settings.CACHE_DIR}
    if folder not in roots or not file_name or Path(file_name).name != file_name:
        return None
    return Path(roots[folder]) / file_name


def _settle(names: list[str]) -> bool:
    """Delete the named files the catalogue does not use; True when all went."""
    used = _used()
    settled = True
    for name in names:
        path = _path(name)
        if name in used or path is None:
            continue
        try:
            path.unlink(missing_ok=True)
        except OSError:
            # Windows: a reader still has it open. The next start retries.
            settled = False
    return settled


class Change:
    """One change's journal; use as a context manager around the change."""

    def __init__(self):
        self.path = _folder() / f"{uuid.uuid4().hex}.json"
        self.names: list[str] = []

    def add(self, *names: str) -> None:
        """Name files before they are created (or before they stop being used)."""
        self.names.extend(names)
        partial = self.path.with_name(self.path.name + ".part")
        partial.write_text(json.dumps(self.names), encoding="utf-8")
        os.replace(partial, self.path)

    def upload(self, stored_name: str) -> None:
        self.add(f"{UPLOADS}/{stored_name}")

    def cache(self, cache_name: str) -> None:
        """Name a cache file, and the ranks kept beside it."""
        names = cache_files(cache_name)
        if names:
            self.add(*(f"{CACHE}/{name}" for name in names))

    def __enter__(self) -> "Change":
        return self

    def __exit__(self, *exc) -> None:
        # Committed or not, the unused files go; a crash leaves it to recover().
        try:
            settled = _settle(self.names)
        except Exception:
            # The database is locked or full: never hide the change's own
            # error behind this one; the next start settles the journal.
            log.exception("Could not settle journal %s now", self.path.name)
            return
        if settled:
            self.path.unlink(missing_ok=True)


def recover() -> int:
    """Settle the journals a crash left; return how many there were."""
    journals = sorted(_folder().glob("*.json"))
    for journal in journals:
        try:
            names = json.loads(journal.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            # Written by rename, so never half; unreadable means not ours.
            log.warning("Skipping unreadable journal %s", journal.name)
            continue
        if _settle([n for n in names if isinstance(n, str)]):
            journal.unlink(missing_ok=True)
    for partial in _folder().glob("*.part"):
        with contextlib.suppress(OSError):
            partial.unlink()
    if journals:
        log.info("Settled %d change(s) a crash interrupted", len(journals))
    return len(journals)
