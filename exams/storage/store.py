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

from exams import analysis, ingest
from exams.models import Dataset, DatasetFile, Preference
from exams.storage import inventory, preferences
from exams.storage.answers import Answer, read_files
from exams.storage.framecache import FrameCache
from exams.storage.uploads import PARTIAL_SUFFIX, SavedFile, remove_files, save_path

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


def _finish(
    dataset: Dataset, files: list[DatasetFile], *, answer: Answer | None = None
) -> Dataset:
    """Build a data set's frame from its files, cache it and store its summary."""
    frame, summary = _build(files, answer=answer)
    dataset.cache_name = dataset.cache_name or f"{dataset.pk.hex}.parquet"
    shifts = preferences.get_shifts()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cache") as pool:
        writing = pool.submit(_write_cache, frame, _cache_path(dataset))
        # The dashboard opened next needs the prepared frame: make it while
        # pyarrow writes the cache (it releases the GIL), on the other core.
        prepared = analysis.prepare_frame(frame, shifts=shifts)
        writing.result()
    dataset.summary = {"id": str(dataset.pk), **summary}
    dataset.name = summary["filename"]
    dataset.pending_mapping = False
    dataset.save()
    # Frames prepared under other shifts hold the old rows: never reuse them.
    _frames.drop(dataset.pk)
    _prepared.drop(dataset.pk)
    _frames.put(dataset.pk, frame)
    _prepared.put((dataset.pk, tuple(shifts)), prepared)
    return dataset


def create_dataset(saved: list[SavedFile], *, answer: Answer | None = None) -> Dataset:
    """Create a data set from saved files.

    Raise ``ingest.NeedsMapping`` (with ``.dataset_id`` set, the files kept)
    when columns need the user's mapping; on any other ``IngestError`` the
    files are removed and nothing changes. With several files, the error
    names the file (``.filename``); the files read so far keep the mapping
    and date order they were read with, so each answer settles one question.
    """
    dataset = None
    try:
        dataset = Dataset.objects.create(name=saved[0].filename, pending_mapping=True)
        files = [
            DatasetFile.objects.create(
                dataset=dataset,
                filename=s.filename,
                stored_name=s.stored_name,
                position=i,
            )
            for i, s in enumerate(saved)
        ]
    except Exception:
        # The database is full or locked: keep no saved file without an owner.
        remove_files(s.stored_name for s in saved)
        if dataset is not None:
            dataset.delete()
        raise
    return _finish_or_hold(dataset, files, answer=answer)


def _finish_or_hold(
    dataset: Dataset, files: list[DatasetFile], *, answer: Answer | None = None
) -> Dataset:
    try:
        return _finish(dataset, files, answer=answer)
    except (ingest.NeedsMapping, ingest.AmbiguousDates) as pending:
        # Keep the files: the user's answer completes this data set.
        _hold(dataset, pending)
        raise
    except Exception:
        # Refused, disk full or a bug: leave no half-made data set behind.
        discard_dataset(dataset)
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
    dataset.save()


def discard_dataset(dataset: Dataset) -> None:
    """Remove a data set that never finished loading, with its files."""
    remove_files(f.stored_name for f in dataset.files.all())
    if dataset.cache_name:
        _cache_path(dataset).unlink(missing_ok=True)
    _frames.drop(dataset.pk)
    _prepared.drop(dataset.pk)
    dataset.delete()


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
    return _finish_or_hold(dataset, list(dataset.files.all()), answer=answer)


def add_files(
    dataset: Dataset, saved: list[SavedFile], *, answer: Answer | None = None
) -> Dataset:
    """Add saved files to a data set; on failure the data set is unchanged.

    A new file whose columns or dates need the user raises `NeedsMapping` /
    `AmbiguousDates` naming it; nothing is kept, and sending the files again
    with the ``answer`` completes the addition.
    """
    start = dataset.files.count()
    new: list[DatasetFile] = []
    try:
        for i, s in enumerate(saved):
            new.append(
                DatasetFile.objects.create(
                    dataset=dataset,
                    filename=s.filename,
                    stored_name=s.stored_name,
                    position=start + i,
                )
            )
        return _finish(dataset, list(dataset.files.all()), answer=answer)
    except Exception as exc:
        for f in new:
            f.delete()
        remove_files(s.stored_name for s in saved)
        if not isinstance(exc, ingest.IngestError):
            # It may have failed after the cache was replaced (disk full at
            # the database): the saved exports rebuild it when next needed.
            _cache_path(dataset).unlink(missing_ok=True)
        raise


def delete_dataset(dataset: Dataset) -> None:
    """Delete a data set, its saved exports and its cache."""
    names = [f.stored_name for f in dataset.files.all()]
    if dataset.cache_name:
        _cache_path(dataset).unlink(missing_ok=True)
    _frames.drop(dataset.pk)
    _prepared.drop(dataset.pk)
    default = Preference.objects.filter(key=DEFAULT_DATASET_KEY).first()
    if default and default.value.get("id") == str(dataset.pk):
        default.delete()
    dataset.delete()
    remove_files(names)


def load_paths(paths: list[Path]) -> Dataset:
    """Load export files from disk as a new data set and make it the default."""
    dataset = create_dataset([save_path(p) for p in paths])
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
    inventory.touch(dataset)


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
            return _finish(dataset, list(dataset.files.all()))
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
    path = _cache_path(dataset)
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        # Missing or corrupt cache: the saved exports are the source of truth.
        log.warning(
            "Rebuilding cache for data set %s (%s)", dataset.pk, type(exc).__name__
        )
        frame, _ = _build(list(dataset.files.all()))
        _write_cache(frame, path)
    _frames.put(dataset.pk, frame)
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
