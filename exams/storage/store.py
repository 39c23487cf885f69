"""Where data sets are found: the current one, its frames in memory.

The prepared frame of the data sets in use is kept in memory so a filter
change never re-reads the cache. If the cache is missing or corrupt it is
rebuilt from the saved exports; so is the whole data set when the cancelled
statuses change, since cancelled exams are dropped at ingest. Changes to data
sets (create, add, delete, re-read) are in `exams.storage.changes`.

The browser session keeps only the data set's id and cache path, never data.
"""

import logging
import threading
import uuid

import pandas as pd

from exams import analysis, ingest
from exams.models import Dataset, Preference
from exams.storage import preferences, ranks, uploads
from exams.storage.changes import (
    CANCELLED_KEY,
    DEFAULT_DATASET_KEY,
    _cache_path,
    _finish,
    add_files,
    apply_mapping,
    create_dataset,
    delete_dataset,
    discard_dataset,
    load_paths,
    load_sample,
    open_sample_or_last,
    rebuild_cache,
    reload_from_exports,
    set_default,
)
from exams.storage.errors import Damaged, DatasetGone, NoDataset, missing_exports
from exams.storage.framecache import damaged as _damaged
from exams.storage.framecache import frames as _frames
from exams.storage.framecache import prepared as _prepared
from exams.storage.framecache import release_others
from exams.storage.journal import Change
from tatviz import process

log = logging.getLogger(__name__)

SESSION_ID_KEY = "tatviz_dataset_id"
SESSION_PATH_KEY = "tatviz_dataset_path"

__all__ = [
    "CANCELLED_KEY",
    "DEFAULT_DATASET_KEY",
    "Damaged",
    "DatasetGone",
    "NoDataset",
    "add_files",
    "apply_mapping",
    "create_dataset",
    "delete_dataset",
    "discard_dataset",
    "load_paths",
    "load_sample",
    "open_sample_or_last",
    "reload_from_exports",
    "set_default",
]


def is_damaged(dataset: Dataset) -> bool:
    """Return True when a data set's cache is gone and an export with it."""
    if _frames.get(dataset.pk) is not None:
        return False
    cache_ok = bool(dataset.cache_name) and _cache_path(dataset).is_file()
    return not cache_ok and bool(missing_exports(dataset))


def reloadable(dataset: Dataset) -> bool:
    """Return True when some of a data set's exports are still on disk."""
    return len(missing_exports(dataset)) < dataset.files.count()


def damage(dataset: Dataset) -> str:
    """Return what is wrong with a data set's files, or "" when it can open.

    Known without reading: a missing cache with a missing export. A cache
    that is there but unreadable shows when it is read (then ``Damaged``
    is remembered here until the process ends or the data set goes).
    """
    if dataset.pk in _damaged or is_damaged(dataset):
        return Damaged(dataset).message
    return ""


def set_current(request, dataset: Dataset) -> None:
    """Make a data set current for this browser session (and the default)."""
    # The frames of the data set that was current are not needed any more.
    release_others(dataset.pk)
    request.session[SESSION_ID_KEY] = str(dataset.pk)
    request.session[SESSION_PATH_KEY] = str(_cache_path(dataset))
    set_default(dataset)


def current_dataset(request) -> Dataset:
    """Return the session's current data set, or the app-wide default.

    It is read again first if the cancelled statuses changed since it was
    read, so its summary and frame follow the settings.
    """
    dataset_id = request.session.get(SESSION_ID_KEY)
    if dataset_id is None:
        default = Preference.objects.filter(key=DEFAULT_DATASET_KEY).first()
        dataset_id = default.value.get("id") if default else None
    dataset = _ready_dataset(dataset_id)
    if dataset is None:
        raise NoDataset()
    if dataset.pk in _damaged or is_damaged(dataset):
        raise Damaged(dataset)
    return _up_to_date(dataset)


def _ready_dataset(dataset_id) -> Dataset | None:
    dataset = get_dataset(dataset_id) if dataset_id else None
    return None if dataset is None or dataset.pending_mapping else dataset


def _read_with_current_statuses(dataset: Dataset) -> bool:
    # Statuses match ignoring case (exams.ingest.values.clean.find_cancelled).
    used = dataset.summary.get(CANCELLED_KEY)
    wanted = {s.casefold() for s in preferences.get_cancelled_statuses()}
    return used is not None and {s.casefold() for s in used} == wanted


def _up_to_date(dataset: Dataset) -> Dataset:
    """Return ``dataset`` read with the cancelled statuses now set.

    Cancelled exams are dropped at ingest, so a changed list means reading
    the saved exports again (new cache, frame and summary counts). The
    dashboard's parallel requests wait for one rebuild instead of each
    doing it. A data set read before statuses were recorded is read once.
    """
    if _read_with_current_statuses(dataset):
        return dataset
    with _rebuilding:
        dataset.refresh_from_db()
        if _read_with_current_statuses(dataset):
            return dataset
        log.info("Reading data set %s again: cancelled statuses changed", dataset.pk)
        try:
            with Change() as change:
                files = list(dataset.files.all())
                return _finish(dataset, files, change=change, kind="reread")
        except DatasetGone as exc:
            raise NoDataset(exc.message) from exc
        except OSError as exc:
            if uploads.is_disk_full(exc):
                raise
            raise Damaged(dataset) from exc
        except ingest.IngestError as exc:
            raise NoDataset(
                f"{dataset.name} could not be read again with the new cancelled "
                f"statuses: {exc.message} Load the export again."
            ) from exc


def list_datasets(*, held: bool = False) -> list[Dataset]:
    """Return the loaded data sets, newest first (held: those awaiting an answer)."""
    return list(Dataset.objects.filter(pending_mapping=held).prefetch_related("files"))


def get_dataset(dataset_id: str) -> Dataset | None:
    """Return a data set by id, or None for an unknown or malformed id."""
    try:
        return Dataset.objects.filter(pk=uuid.UUID(str(dataset_id))).first()
    except ValueError:
        return None


def load_frame(dataset: Dataset) -> pd.DataFrame:
    """Return a data set's canonical frame, from memory, cache or its files."""
    frame = _frames.get(dataset.pk)
    if frame is not None:
        return frame
    try:
        frame = pd.read_parquet(_cache_path(dataset))
    except (OSError, ValueError) as exc:
        # Missing or corrupt cache: the saved exports are the source of truth.
        log.warning(
            "Rebuilding cache for data set %s (%s)", dataset.pk, type(exc).__name__
        )
        frame = rebuild_cache(dataset)
    _frames.put(dataset.pk, frame)
    return frame


def current_frame(request) -> pd.DataFrame:
    """Return the prepared frame of the session's current data set."""
    dataset = current_dataset(request)
    shifts = preferences.get_shifts()
    key = (dataset.pk, tuple(shifts))
    prepared = _prepared.get(key)
    if prepared is None:
        # The page's parallel requests after a start wait for one reading:
        # two at once would hold the data set twice (3 GB at 10M exams).
        with _preparing:
            prepared = _prepared.get(key)
            if prepared is None:
                with process.reading_data():
                    frame = load_frame(dataset)
                    prepared = _prepare(dataset, frame, shifts=shifts)
                _prepared.put(key, prepared)
    return prepared


def _prepare(dataset: Dataset, frame: pd.DataFrame, *, shifts) -> pd.DataFrame:
    """Return the prepared frame, with the ranks kept beside the cache if any.

    A data set cached without them (or whose ranks did not fit) keeps them
    now, so its next start reads them.
    """
    cache = _cache_path(dataset)
    kept = ranks.load(cache, frame)
    prepared = analysis.prepare_frame(frame, shifts=shifts, ranks=kept)
    if set(kept) != set(ranks.rank_columns(prepared)) and cache.is_file():
        ranks.save(prepared, cache)
    return prepared


def forget_prepared() -> None:
    """Drop prepared frames (after the shift settings change)."""
    _prepared.clear()


_rebuilding = threading.Lock()
_preparing = threading.Lock()
