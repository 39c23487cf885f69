"""Where data sets live: the Parquet cache, frames in memory, the current one.

A data set is one or more export files saved in the data dir under generated
names (`exams.storage.uploads`). Their combined canonical frame is cached as Parquet
so no request after the upload re-reads a CSV, and the prepared frame of the
data sets in use is kept in memory so a filter change never re-reads the
cache. If the cache is missing or corrupt it is rebuilt from the saved
exports; so is the whole data set when the cancelled statuses change, since
cancelled exams are dropped at ingest.

The browser session keeps only the data set's id and cache path, never data.
"""

import logging
import os
import threading
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
from django.conf import settings
from django.db import DatabaseError, transaction

from exams import analysis, ingest
from exams.models import Dataset, DatasetFile, Preference
from exams.storage import faults, preferences, uploads
from exams.storage.answers import Answer, read_files
from exams.storage.framecache import FrameCache
from exams.storage.journal import Change
from exams.storage.uploads import (
    PARTIAL_SUFFIX,
    SavedFile,
    save_path,
    save_uploads,
    upload_path,
)

log = logging.getLogger(__name__)

SESSION_ID_KEY = "tatviz_dataset_id"
SESSION_PATH_KEY = "tatviz_dataset_path"
DEFAULT_DATASET_KEY = "default_dataset"
# The summary records the cancelled statuses its data set was read with.
CANCELLED_KEY = "cancelled_statuses"
_CACHE_SIZE = 2
_CACHE_ROW_GROUP = 131_072


class NoDataset(Exception):
    """No data set is current (or the one named no longer exists)."""

    message = "No data set is loaded yet: upload a RIS export first."

    def __init__(self, message: str | None = None):
        if message:
            self.message = message
        super().__init__(self.message)


class Damaged(NoDataset):
    """A data set whose cache and saved exports cannot be read (files gone)."""

    def __init__(self, dataset: Dataset):
        self.dataset_id = str(dataset.pk)
        missing = missing_exports(dataset)
        lost = (
            f"its saved export{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)} {'are' if len(missing) > 1 else 'is'} missing"
            if missing
            else "its saved exports cannot be read"
        )
        super().__init__(
            f"The data set '{dataset.name}' cannot be opened: {lost} (deleted or "
            "moved outside TATviz) and its cache cannot stand in for it. On the "
            "Data page, reload it from the exports still there, or delete it "
            "and load the export again."
        )


def missing_exports(dataset: Dataset) -> list[str]:
    """Return the names of a data set's saved exports that are not on disk."""
    return [
        f.filename
        for f in dataset.files.all()
        if not upload_path(f.stored_name).is_file()
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


class DatasetGone(Exception):
    """The data set was deleted while a change to it was being made (409)."""

    status = 409

    def __init__(self, name: str):
        self.message = (
            f"The data set '{name}' was deleted while this change was being made, "
            "so nothing was changed. Load the export again or choose another "
            "data set on the Data page."
        )
        super().__init__(self.message)


def _build(
    files: list[DatasetFile], *, answer: Answer | None = None
) -> tuple[pd.DataFrame, dict]:
    """Ingest and combine the files of a data set; return frame and summary."""
    statuses = preferences.get_cancelled_statuses()
    results = read_files(files, answer=answer, cancelled_statuses=statuses)
    frame, per_file, quality = ingest.combine_exports(results)
    for entry, result in zip(per_file, results, strict=True):
        # With these, a file's rows add up: rows_read = added + replaced +
        # skipped + its own duplicate rows + its cancelled exams.
        entry["duplicates"] = result.quality["duplicates"]
        entry["cancelled"] = result.quality["cancelled"]
    first = results[0]
    columns = {}
    for result in results:
        for field_name, header in result.columns.items():
            columns.setdefault(field_name, header)
    summary = {
        "filename": first.filename if len(results) == 1 else _combined_name(files),
        "rows_read": sum(r.rows_read for r in results),
        "rows_loaded": len(frame),
        "columns": columns,
        "quality": quality,
        "files": per_file,
        "date_formats": first.date_formats,
        "cancelled_values": _merge_counts(r.cancelled_values for r in results),
        CANCELLED_KEY: list(statuses),
        "notes": list(dict.fromkeys(n for r in results for n in r.notes)),
    }
    return frame, summary


def _combined_name(files: list[DatasetFile]) -> str:
    return f"{files[0].filename} + {len(files) - 1} more"


def _merge_counts(counts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    merged: Counter[str] = Counter()
    for mapping in counts:
        merged.update(mapping)
    return dict(merged)


def _cache_path(dataset: Dataset) -> Path:
    return Path(settings.CACHE_DIR) / dataset.cache_name


def _write_cache(frame: pd.DataFrame, path: Path) -> None:
    partial = path.with_name(path.name + PARTIAL_SUFFIX)
    try:
        # pyarrow's default row group holds every exam's encoded pages until
        # the end: ~40 MB more at the peak of a 1M-exam upload.
        frame.to_parquet(partial, index=False, row_group_size=_CACHE_ROW_GROUP)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _new_cache(dataset: Dataset, change: Change) -> Path:
    """Name a new cache file for ``dataset`` (a change never overwrites one)."""
    name = f"{dataset.pk.hex}-{uuid.uuid4().hex[:12]}.parquet"
    change.cache(name)
    # The one it replaces goes once the switch commits (listed to be settled).
    change.cache(dataset.cache_name)
    return Path(settings.CACHE_DIR) / name


def _commit(
    dataset: Dataset,
    new_files: Iterable[DatasetFile] = (),
    dropped: Iterable[DatasetFile] = (),
) -> None:
    """Switch the catalogue to the new summary, cache and files in one step."""
    try:
        with transaction.atomic():
            # An update, never an insert: a deleted data set stays deleted.
            dataset.save(force_update=True)
            for f in new_files:
                f.save(force_insert=True)
            DatasetFile.objects.filter(pk__in=[f.pk for f in dropped]).delete()
    except DatabaseError:
        if not Dataset.objects.filter(pk=dataset.pk).exists():
            raise DatasetGone(dataset.name) from None
        raise


def _finish(
    dataset: Dataset,
    files: list[DatasetFile],
    *,
    change: Change,
    kind: str,
    answer: Answer | None = None,
    new_files: tuple[DatasetFile, ...] = (),
    dropped: tuple[DatasetFile, ...] = (),
) -> Dataset:
    """Build a data set's frame from its files, cache it and store its summary.

    The cache is written under a new name and the catalogue switched to it
    (with ``new_files``) in one transaction: a crash at any point leaves the
    data set as it was or as it is now, never half (`exams.storage.journal`).
    """
    frame, summary = _build(files, answer=answer)
    path = _new_cache(dataset, change)
    shifts = preferences.get_shifts()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cache") as pool:
        writing = pool.submit(_write_cache, frame, path)
        # The dashboard opened next needs the prepared frame: make it while
        # pyarrow writes the cache (it releases the GIL), on the other core.
        prepared = analysis.prepare_frame(frame, shifts=shifts)
        writing.result()
    faults.point(kind, "cache-written")
    dataset.cache_name = path.name
    dataset.summary = {"id": str(dataset.pk), **summary}
    dataset.name = summary["filename"]
    dataset.pending_mapping = False
    _commit(dataset, new_files, dropped)
    faults.point(kind, "committed")
    # Frames prepared under other shifts hold the old rows: never reuse them.
    _frames.drop(dataset.pk)
    _prepared.drop(dataset.pk)
    _frames.put(dataset.pk, frame)
    _prepared.put((dataset.pk, tuple(shifts)), prepared)
    return dataset


def _gone(dataset: Dataset, exc: Exception) -> DatasetGone | None:
    """Return DatasetGone when ``exc`` came of ``dataset`` being deleted meanwhile."""
    if isinstance(exc, DatasetGone | ingest.NeedsMapping | ingest.AmbiguousDates):
        return None
    if Dataset.objects.filter(pk=dataset.pk).exists():
        return None
    return DatasetGone(dataset.name)


def create_dataset(uploaded, *, answer: Answer | None = None) -> Dataset:
    """Save uploads (or `SavedFile`s already saved) as a new data set.

    Raise ``ingest.NeedsMapping`` (with ``.dataset_id`` set, the files kept)
    when columns need the user's mapping; on any other ``IngestError`` the
    files are removed and nothing changes. With several files, the error
    names the file (``.filename``); the files read so far keep the mapping
    and date order they were read with, so each answer settles one question.
    """
    with Change() as change:
        saved = _saved(uploaded, change)
        faults.point("create", "uploads-saved")
        with transaction.atomic():
            dataset = Dataset.objects.create(
                name=saved[0].filename, pending_mapping=True
            )
            files = [
                DatasetFile.objects.create(
                    dataset=dataset,
                    filename=s.filename,
                    stored_name=s.stored_name,
                    position=i,
                )
                for i, s in enumerate(saved)
            ]
        return _finish_or_hold(dataset, files, change=change, answer=answer)


def _saved(uploaded, change: Change) -> list[SavedFile]:
    uploaded = list(uploaded)
    if all(isinstance(u, Path) for u in uploaded):
        return [save_path(p, change) for p in uploaded]
    return save_uploads(uploaded, change)


def _finish_or_hold(
    dataset: Dataset,
    files: list[DatasetFile],
    *,
    change: Change,
    answer: Answer | None = None,
) -> Dataset:
    try:
        return _finish(dataset, files, change=change, kind="create", answer=answer)
    except (ingest.NeedsMapping, ingest.AmbiguousDates) as pending:
        # Keep the files: the user's answer completes this data set.
        _hold(dataset, pending)
        raise
    except Exception:
        # Refused, disk full or a bug: leave no half-made data set behind.
        _forget(dataset, change)
        raise


def _hold(dataset: Dataset, pending: ingest.IngestError) -> None:
    pending.dataset_id = str(dataset.pk)
    dataset.pending_mapping = True
    dataset.summary = {
        "id": str(dataset.pk),
        "headers": getattr(pending, "headers", []),
        "filename": getattr(pending, "filename", ""),
        "file_id": getattr(pending, "file_id", None),
    }
    _commit(dataset)


def discard_dataset(dataset: Dataset) -> None:
    """Remove a data set that never finished loading, with its files."""
    delete_dataset(dataset)


def apply_mapping(
    dataset: Dataset, *, mapping: Mapping[str, str], date_order: str | None
) -> Dataset:
    """Complete a data set that waited for a column mapping or date order.

    The answer goes to the file that was asked about and to the other files
    that need the same answer (see `Answer`); files read without a question
    keep their own columns and dates. Another question raises again.
    """
    answer = Answer(
        mapping=dict(mapping or {}),
        date_order=date_order,
        file_id=dataset.summary.get("file_id"),
    )
    with Change() as change:
        files = list(dataset.files.all())
        return _finish_or_hold(dataset, files, change=change, answer=answer)


def add_files(dataset: Dataset, uploaded, *, answer: Answer | None = None) -> Dataset:
    """Add uploads to a data set, all or nothing; on failure it is unchanged.

    A new file whose columns or dates need the user raises `NeedsMapping` /
    `AmbiguousDates` naming it; nothing is kept, and sending the files again
    with the ``answer`` completes the addition. Raise `DatasetGone` when the
    data set was deleted meanwhile (its files stay deleted).
    """
    with Change() as change:
        try:
            saved = _saved(uploaded, change)
            faults.point("add", "uploads-saved")
            files = list(dataset.files.all())
            start = max((f.position for f in files), default=-1) + 1
            # Not in the catalogue until the switch commits.
            new = tuple(
                DatasetFile(
                    dataset=dataset,
                    filename=s.filename,
                    stored_name=s.stored_name,
                    position=start + i,
                )
                for i, s in enumerate(saved)
            )
            return _finish(
                dataset,
                files + list(new),
                change=change,
                kind="add",
                answer=answer,
                new_files=new,
            )
        except Exception as exc:
            gone = _gone(dataset, exc)
            if gone is None:
                raise
            raise gone from exc


def reload_from_exports(dataset: Dataset) -> Dataset:
    """Read a damaged data set again from the exports still on disk.

    The files whose exports are gone leave the data set; raise `Damaged`
    when none is left or what is left cannot be read.
    """
    files = list(dataset.files.all())
    kept = [f for f in files if upload_path(f.stored_name).is_file()]
    if not kept:
        raise Damaged(dataset)
    dropped = tuple(f for f in files if f not in kept)
    try:
        with Change() as change:
            _finish(dataset, kept, change=change, kind="reload", dropped=dropped)
    except (OSError, ingest.IngestError) as exc:
        if isinstance(exc, OSError) and uploads.is_disk_full(exc):
            raise
        raise Damaged(dataset) from exc
    _damaged.discard(dataset.pk)
    return dataset


def delete_dataset(dataset: Dataset) -> None:
    """Delete a data set, its saved exports and its cache, all or nothing."""
    with Change() as change:
        with transaction.atomic():
            # Listed inside the transaction: a change that committed just
            # before (a new cache, added files) is seen and deleted too.
            stored = DatasetFile.objects.filter(dataset_id=dataset.pk)
            for name in stored.values_list("stored_name", flat=True):
                change.upload(name)
            caches = Dataset.objects.filter(pk=dataset.pk)
            for name in caches.values_list("cache_name", flat=True):
                change.cache(name)
            faults.point("delete", "files-listed")
            _forget(dataset, change=None)
            Dataset.objects.filter(pk=dataset.pk).delete()
        faults.point("delete", "committed")


def _forget(dataset: Dataset, change: Change | None) -> None:
    """Drop a data set's frames and default; with ``change``, delete it too."""
    _frames.drop(dataset.pk)
    _prepared.drop(dataset.pk)
    _damaged.discard(dataset.pk)
    Preference.objects.filter(
        key=DEFAULT_DATASET_KEY, value__id=str(dataset.pk)
    ).delete()
    if change is not None:
        change.cache(dataset.cache_name)
        Dataset.objects.filter(pk=dataset.pk).delete()


def load_paths(paths: list[Path]) -> Dataset:
    """Load export files from disk as a new data set and make it the default."""
    dataset = create_dataset(list(paths))
    set_default(dataset)
    return dataset


def load_sample() -> Dataset:
    """Make the bundled sample export the app-wide current data set."""
    from tatviz import paths

    return load_paths([paths.sample_export()])


def set_current(request, dataset: Dataset) -> None:
    """Make a data set current for this browser session (and the default)."""
    request.session[SESSION_ID_KEY] = str(dataset.pk)
    request.session[SESSION_PATH_KEY] = str(_cache_path(dataset))
    set_default(dataset)


def set_default(dataset: Dataset) -> None:
    """Remember the data set new sessions start with (the last one loaded)."""
    Preference.objects.update_or_create(
        key=DEFAULT_DATASET_KEY, defaults={"value": {"id": str(dataset.pk)}}
    )


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
    # Statuses match ignoring case (exams.ingest.clean.find_cancelled).
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
        frame = _rebuild_cache(dataset)
    _frames.put(dataset.pk, frame)
    return frame


def _rebuild_cache(dataset: Dataset) -> pd.DataFrame:
    """Read a data set's exports again into its cache (same rows, same name).

    The cache is listed in a change first: if the data set is deleted
    meanwhile, the file written for it goes at once (or at the next start).
    Raise `Damaged` when its exports are missing or unreadable too.
    """
    with Change() as change:
        change.cache(dataset.cache_name)
        try:
            frame, _ = _build(list(dataset.files.all()))
        except (OSError, ingest.IngestError) as exc:
            if not Dataset.objects.filter(pk=dataset.pk).exists():
                raise NoDataset(DatasetGone(dataset.name).message) from exc
            if isinstance(exc, OSError) and uploads.is_disk_full(exc):
                raise
            _damaged.add(dataset.pk)
            raise Damaged(dataset) from exc
        _write_cache(frame, _cache_path(dataset))
        faults.point("rebuild", "cache-written")
        return frame


def current_frame(request) -> pd.DataFrame:
    """Return the prepared frame of the session's current data set."""
    dataset = current_dataset(request)
    shifts = preferences.get_shifts()
    key = (dataset.pk, tuple(shifts))
    prepared = _prepared.get(key)
    if prepared is None:
        prepared = analysis.prepare_frame(load_frame(dataset), shifts=shifts)
        _prepared.put(key, prepared)
    return prepared


def forget_prepared() -> None:
    """Drop prepared frames (after the shift settings change)."""
    _prepared.clear()


_frames = FrameCache(_CACHE_SIZE)
_prepared = FrameCache(_CACHE_SIZE)
_rebuilding = threading.Lock()
# Data sets found unreadable while running (their cache was there but bad).
_damaged: set = set()
