"""Where data sets live: saved exports, Parquet cache, and the current one.

A data set is one or more export files saved in the data dir under generated
names. Their combined canonical frame is cached as Parquet so no request after
the upload re-reads a CSV, and the prepared frame of the data sets in use is
kept in memory so a filter change never re-reads the cache. If the cache is
missing or corrupt it is rebuilt from the saved exports.

The browser session keeps only the data set's id and cache path, never data.
"""

import datetime as dt
import errno
import hashlib
import logging
import os
import re
import shutil
import threading
import uuid
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connections
from django.utils import timezone

from exams import analysis, ingest, preferences
from exams.framecache import FrameCache
from exams.models import Dataset, DatasetFile, HeaderMapping, Preference

log = logging.getLogger(__name__)

SESSION_ID_KEY = "tatviz_dataset_id"
SESSION_PATH_KEY = "tatviz_dataset_path"
DEFAULT_DATASET_KEY = "default_dataset"
ALLOWED_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx"}
_CACHE_SIZE = 2
PARTIAL_SUFFIX = ".part"
# The errors that mean "no room left" (disk or per-user quota).
DISK_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


class NoDataset(Exception):
    """No data set is current (or the one named no longer exists)."""

    message = "No data set is loaded yet: upload a RIS export first."


@dataclass(frozen=True)
class SavedFile:
    """An upload saved in the data dir; ``filename`` is for display only."""

    filename: str
    stored_name: str


# ---- saving uploads ---------------------------------------------------------


def clean_filename(raw: str) -> str:
    """Return a display name: the last path part, no control characters."""
    name = re.split(r"[\\/]", raw or "")[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".")
    return name[:200] or "export.csv"


def _upload_path(stored_name: str) -> Path:
    return Path(settings.UPLOAD_DIR) / stored_name


def save_upload(upload: UploadedFile) -> SavedFile:
    """Save an uploaded file under a generated name, atomically."""
    filename = clean_filename(upload.name)
    suffix = Path(filename).suffix.lower()
    suffix = suffix if suffix in ALLOWED_SUFFIXES else ".csv"
    stored_name = f"{uuid.uuid4().hex}{suffix}"
    target = _upload_path(stored_name)
    if _move_spooled(upload, target):
        return SavedFile(filename=filename, stored_name=stored_name)
    partial = target.with_name(target.name + PARTIAL_SUFFIX)
    # Write then rename, so a crash mid-upload never leaves a half file behind
    # a real name.
    try:
        with open(partial, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return SavedFile(filename=filename, stored_name=stored_name)


def _move_spooled(upload: UploadedFile, target: Path) -> bool:
    """Move a large upload Django spooled to the data dir's tmp/ into place.

    A rename instead of a second copy of every byte (117 MB for a year of a
    large site). Return False when the file cannot be moved (an upload held
    in memory, another drive, Windows keeping it open): the caller copies.
    """
    if not hasattr(upload, "temporary_file_path"):
        return False
    try:
        upload.file.flush()
        os.replace(upload.temporary_file_path(), target)
    except OSError:
        return False
    return True


def save_uploads(uploads: Iterable[UploadedFile]) -> list[SavedFile]:
    """Save several uploads; if one fails (disk full), keep none of them."""
    saved: list[SavedFile] = []
    try:
        for upload in uploads:
            saved.append(save_upload(upload))
    except BaseException:
        _remove_files(s.stored_name for s in saved)
        raise
    return saved


def is_disk_full(exc: BaseException) -> bool:
    """Return True for an OSError that means the disk (or quota) is full."""
    return isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS


def save_path(path: Path) -> SavedFile:
    """Copy a file from disk (CLI, sample) into the data dir."""
    suffix = path.suffix.lower()
    stored_name = (
        f"{uuid.uuid4().hex}{suffix if suffix in ALLOWED_SUFFIXES else '.csv'}"
    )
    target = _upload_path(stored_name)
    partial = target.with_name(target.name + ".part")
    shutil.copyfile(path, partial)
    os.replace(partial, target)
    return SavedFile(filename=clean_filename(path.name), stored_name=stored_name)


def _remove_files(names: Iterable[str]) -> None:
    for name in names:
        _upload_path(name).unlink(missing_ok=True)


# ---- reading exports ---------------------------------------------------------


def header_signature(headers: Iterable[str]) -> str:
    """Return a stable key for a header set (case and spacing ignored)."""
    normal = "\x1f".join(re.sub(r"\s+", " ", h).strip().lower() for h in headers)
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Answer:
    """The user's reply to a 422: a column mapping and/or a date order.

    It is used only for files that cannot be read without it: a file whose
    columns are recognised keeps its own mapping, and a file whose dates are
    clear keeps its own order. The mapping goes to each file that needs one
    and has the headers it names (other exports of the same layout in the
    upload); another layout is asked about in turn. ``file_id`` is the file
    the question was about: it takes the mapping even if it does not fit, so
    the user hears which chosen column is missing.
    """

    mapping: Mapping[str, str] = field(default_factory=dict)
    date_order: str | None = None
    file_id: int | None = None

    def mapping_for(self, f: DatasetFile, headers: list[str]) -> dict | None:
        """Return the mapping for file ``f`` (with ``headers``), or None."""
        if not self.mapping:
            return None
        known = {ingest.normalise_header(h) for h in headers}
        chosen = [h for h in self.mapping.values() if h]
        fits = all(h in headers or ingest.normalise_header(h) in known for h in chosen)
        return dict(self.mapping) if fits or f.pk == self.file_id else None


def _remembered(headers: list[str]) -> dict[str, str] | None:
    found = HeaderMapping.objects.filter(signature=header_signature(headers)).first()
    return dict(found.mapping) if found else None


def _read_file(f: DatasetFile, *, answer: Answer | None) -> ingest.IngestResult:
    """Ingest one file of a data set with its own mapping and date order.

    A file without a mapping whose columns are not recognised takes the
    user's ``answer``, else the mapping remembered for its headers; an
    ambiguous "auto" date order takes the answer's. What was used is saved
    on the file, so a cache rebuild reads it the same way, and a mapping the
    user chose is remembered once a file has been read with it.
    """
    options = {
        "filename": f.filename,
        "cancelled_statuses": preferences.get_cancelled_statuses(),
    }
    path = _upload_path(f.stored_name)
    mapping, date_order, chosen = f.mapping or None, f.date_order, None
    # Each branch either raises or settles its question for good.
    while True:
        try:
            result = ingest.read_export(
                path, mapping=mapping, date_order=date_order, **options
            )
            break
        except ingest.NeedsMapping as needs:
            if mapping is not None:
                raise
            chosen = answer.mapping_for(f, needs.headers) if answer else None
            mapping = chosen or _remembered(needs.headers)
            if mapping is None:
                raise
        except ingest.AmbiguousDates:
            if date_order != "auto" or answer is None:
                raise
            if answer.date_order not in ("mdy", "dmy"):
                raise
            date_order = answer.date_order
    if chosen:
        # The next export from the same system loads with no questions.
        HeaderMapping.objects.update_or_create(
            signature=header_signature(result.headers), defaults={"mapping": chosen}
        )
    if (mapping or {}) != f.mapping or date_order != f.date_order:
        f.mapping, f.date_order = dict(mapping or {}), date_order
        f.save(update_fields=["mapping", "date_order"])
    return result


def _read_files(
    files: list[DatasetFile], *, answer: Answer | None
) -> list[ingest.IngestResult]:
    """Ingest each file; an error names the file when there are several."""
    results = []
    for f in files:
        try:
            results.append(_read_file(f, answer=answer))
        except ingest.IngestError as exc:
            exc.filename, exc.file_id = f.filename, f.pk
            if len(files) > 1:
                exc.message = f"{f.filename}: {exc.message}"
                exc.args = (exc.message,)
            raise
    return results


def _build(
    files: list[DatasetFile], *, answer: Answer | None = None
) -> tuple[pd.DataFrame, dict]:
    """Ingest and combine the files of a data set; return frame and summary."""
    results = _read_files(files, answer=answer)
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
        "notes": list(dict.fromkeys(n for r in results for n in r.notes)),
    }
    return frame, summary


def _combined_name(files: list[DatasetFile]) -> str:
    return f"{files[0].filename} + {len(files) - 1} more"


def _merge_counts(counts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for mapping in counts:
        for key, value in mapping.items():
            merged[key] = merged.get(key, 0) + value
    return merged


def _cache_path(dataset: Dataset) -> Path:
    return Path(settings.CACHE_DIR) / dataset.cache_name


def _write_cache(frame: pd.DataFrame, path: Path) -> None:
    partial = path.with_name(path.name + PARTIAL_SUFFIX)
    try:
        frame.to_parquet(partial, index=False)
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
    _frames.put(dataset.pk, frame)
    _prepared.put((dataset.pk, tuple(shifts)), prepared)
    return dataset


# ---- creating and changing data sets ------------------------------------------


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
        _remove_files(s.stored_name for s in saved)
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
        _discard(dataset, files)
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


def _discard(dataset: Dataset, files: list[DatasetFile]) -> None:
    _remove_files(f.stored_name for f in files)
    if dataset.cache_name:
        _cache_path(dataset).unlink(missing_ok=True)
    _frames.drop(dataset.pk)
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
        _remove_files(s.stored_name for s in saved)
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
    _remove_files(names)


def load_paths(paths: list[Path]) -> Dataset:
    """Load export files from disk as a new data set and make it the default."""
    dataset = create_dataset([save_path(p) for p in paths])
    set_default(dataset)
    return dataset


def load_sample() -> Dataset:
    """Make the bundled sample export the app-wide current data set."""
    from tatviz import paths

    return load_paths([paths.sample_export()])


# ---- which data set is current -------------------------------------------------


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
    """Return the session's current data set, or the app-wide default."""
    dataset_id = request.session.get(SESSION_ID_KEY)
    if dataset_id is None:
        default = Preference.objects.filter(key=DEFAULT_DATASET_KEY).first()
        dataset_id = default.value.get("id") if default else None
    dataset = _ready_dataset(dataset_id)
    if dataset is None:
        raise NoDataset()
    return dataset


def _ready_dataset(dataset_id) -> Dataset | None:
    dataset = get_dataset(dataset_id) if dataset_id else None
    return None if dataset is None or dataset.pending_mapping else dataset


def list_datasets() -> list[Dataset]:
    """Return the loaded data sets (not those awaiting a mapping), newest first."""
    return list(Dataset.objects.filter(pending_mapping=False).prefetch_related("files"))


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


# ---- housekeeping: leftovers of a crash, and retention ---------------------------


def remove_leftovers() -> int:
    """Remove what an interrupted run left behind; return how many things went.

    That is ``*.part`` files (a write cut short), Django's upload spills in
    ``tmp/``, data sets whose first read never finished, and saved exports or
    caches that no data set uses. Call it at start, before serving: an upload
    in progress has such files too.
    """
    removed = 0
    # Held data sets (awaiting a mapping) have a summary; one without was
    # being read when the process stopped.
    for dataset in Dataset.objects.filter(pending_mapping=True):
        if not dataset.summary:
            _discard(dataset, list(dataset.files.all()))
            removed += 1
    folders = (settings.DATA_DIR, settings.UPLOAD_DIR, settings.CACHE_DIR)
    for folder in map(Path, folders):
        for path in folder.glob(f"*{PARTIAL_SUFFIX}"):
            path.unlink(missing_ok=True)
            removed += 1
    used = _used_names()
    stray = [
        path
        for folder in (
            settings.UPLOAD_DIR,
            settings.CACHE_DIR,
            settings.FILE_UPLOAD_TEMP_DIR,
        )
        for path in Path(folder).iterdir()
        if path.is_file() and path.name not in used
    ]
    for path in stray:
        path.unlink(missing_ok=True)
    removed += len(stray)
    if removed:
        log.info("Removed %d leftover(s) of an interrupted run", removed)
    return removed


def _used_names() -> set[str]:
    """Return the file names of saved exports and caches that data sets use."""
    used = set(DatasetFile.objects.values_list("stored_name", flat=True))
    used.update(Dataset.objects.values_list("cache_name", flat=True))
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
    for dataset in old:
        delete_dataset(dataset)
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


RETENTION_INTERVAL = 24 * 60 * 60
_stop_housekeeping = threading.Event()
_frames = FrameCache(_CACHE_SIZE)
_prepared = FrameCache(_CACHE_SIZE)
