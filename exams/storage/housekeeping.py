"""Housekeeping of the data dir: leftovers of a crash, and retention.

Run at start, before serving (an upload in progress has such files too), and
then once a day when ``TATVIZ_RETENTION_DAYS`` is set.
"""

import datetime as dt
import logging
import os
import threading
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone

from exams import access
from exams.models import Dataset, DatasetFile
from exams.storage import journal
from exams.storage.uploads import PARTIAL_SUFFIX

log = logging.getLogger(__name__)

RETENTION_INTERVAL = 24 * 60 * 60
ORPHANED = "orphaned"
# An upload left waiting for an answer this long is abandoned: cleared at start.
HELD_DAYS = 7
_stop_housekeeping = threading.Event()


def remove_leftovers() -> int:
    """Settle what an interrupted run left; return how many things it touched.

    Changes a crash interrupted are completed or undone (their journals name
    their files); ``*.part`` files (a write cut short), Django's upload spools
    in ``tmp/``, stale launch files and data sets whose first read never
    finished go. Saved exports and caches that the catalogue does not know
    are never deleted for that: they are moved to ``orphaned/`` (a damaged or
    replaced catalogue must not cost the exports). Call it at start, before
    serving: an upload in progress has such files too.
    """
    removed = journal.recover()
    access.remove_launch_files()
    # Held data sets (awaiting a mapping) have a summary; one without was
    # being read when the process stopped. One unanswered for `HELD_DAYS`
    # was abandoned (the Data page says when it goes).
    abandoned = timezone.now() - dt.timedelta(days=HELD_DAYS)
    for dataset in Dataset.objects.filter(pending_mapping=True):
        if not dataset.summary or dataset.created_at < abandoned:
            from exams.storage import store  # imports pandas: only when one goes

            store.discard_dataset(dataset)
            removed += 1
    folders = (settings.DATA_DIR, settings.UPLOAD_DIR, settings.CACHE_DIR)
    for folder in map(Path, folders):
        for path in folder.glob(f"*{PARTIAL_SUFFIX}"):
            path.unlink(missing_ok=True)
            removed += 1
    for path in Path(settings.FILE_UPLOAD_TEMP_DIR).iterdir():
        if path.is_file():
            path.unlink(missing_ok=True)
            removed += 1
    removed += keep_aside_unknown()
    if removed:
        log.info("Settled %d leftover(s) of an interrupted run", removed)
    return removed


def keep_aside_unknown() -> int:
    """Move exports and caches the catalogue does not know to ``orphaned/``."""
    used = _used_names()
    moved = 0
    for folder in (Path(settings.UPLOAD_DIR), Path(settings.CACHE_DIR)):
        aside = Path(settings.DATA_DIR) / ORPHANED / folder.name
        for path in folder.iterdir():
            if path.is_file() and path.name not in used:
                aside.mkdir(parents=True, exist_ok=True)
                os.replace(path, aside / path.name)
                moved += 1
    if moved:
        log.warning(
            "Kept aside %d file(s) the catalogue does not know in %s",
            moved,
            ORPHANED,
        )
    return moved


def _used_names() -> set[str]:
    """Return the file names of saved exports and caches that data sets use."""
    used = set(DatasetFile.objects.values_list("stored_name", flat=True))
    for cache_name in Dataset.objects.values_list("cache_name", flat=True):
        used.update(journal.cache_files(cache_name))
    return used


def apply_retention(days: int, *, now: dt.datetime | None = None) -> int:
    """Delete data sets loaded more than ``days`` days ago; return how many.

    Saved exports and cache files that no data set uses and that are older
    than that go too. ``days`` of 0 (the default setting) keeps everything.
    """
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    old = list(Dataset.objects.filter(created_at__lt=cutoff))
    if old:
        from exams.storage import store  # imports pandas: only when one goes
    for dataset in old:
        store.delete_dataset(dataset)
    used = _used_names()
    for folder in (Path(settings.UPLOAD_DIR), Path(settings.CACHE_DIR)):
        for path in folder.iterdir():
            unused = path.is_file() and path.name not in used
            if unused and path.stat().st_mtime < cutoff.timestamp():
                path.unlink(missing_ok=True)
    if old:
        log.info("Retention: removed %d data set(s) over %d days old", len(old), days)
    return len(old)


def start_housekeeping(retention_days: int) -> None:
    """Clean up after a crash, then apply retention now and once a day."""
    remove_leftovers()
    if retention_days <= 0:
        return
    apply_retention(retention_days)
    threading.Thread(
        target=_retention_loop, args=(retention_days,), name="retention", daemon=True
    ).start()


def _retention_loop(days: int) -> None:
    while not _stop_housekeeping.wait(RETENTION_INTERVAL):
        try:
            apply_retention(days)
        except Exception:
            # Keep the daily loop alive; the next run tries again.
            log.exception("Retention run failed")
        finally:
            connections.close_all()
