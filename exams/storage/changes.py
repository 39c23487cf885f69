"""Changes to data sets, each all or nothing: create, add, re-read, delete.

A data set is one or more export files saved in the data dir under generated
names (`exams.storage.uploads`), read and combined into one canonical frame
that is cached as Parquet. Every change names its files in a journal first
(`exams.storage.journal`), writes a new cache under a new name and switches
the catalogue to it in one transaction, so a crash at any step leaves the
data set exactly as before or exactly as after.
"""

import logging
import os
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
from django.conf import settings
from django.db import DatabaseError, transaction

from exams import analysis, fields, ingest, progress
from exams.models import Dataset, DatasetFile, Preference
from exams.storage import faults, inventory, preferences, ranks, uploads
from exams.storage.answers import Answer, read_files
from exams.storage.errors import Damaged, DatasetGone, NoDataset
from exams.storage.framecache import damaged as _damaged
from exams.storage.framecache import frames as _frames
from exams.storage.framecache import prepared as _prepared
from exams.storage.framecache import release_others
from exams.storage.journal import Change
from exams.storage.uploads import (
    PARTIAL_SUFFIX,
    SavedFile,
    save_path,
    save_uploads,
    upload_path,
)
from tatviz import process

log = logging.getLogger(__name__)

DEFAULT_DATASET_KEY = "default_dataset"
# The summary records the cancelled statuses its data set was read with.
CANCELLED_KEY = "cancelled_statuses"
_CACHE_ROW_GROUP = 131_072


def _build(
    files: list[DatasetFile], *, answer: Answer | None = None
) -> tuple[pd.DataFrame, dict]:
    """Ingest and combine the files of a data set; return frame and summary."""
    statuses = preferences.get_cancelled_statuses()
    # Each file's rows go to the combination as it is read: one copy of
    # them at a time, even for 120 monthly exports of 10M exams.
    combination = ingest.Combination()
    results = read_files(
        files, answer=answer, cancelled_statuses=statuses, take=combination.add
    )
    frame, per_file, quality = combination.finish()
    del combination
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
        # the end: ~40 MB more at the peak of a 1M-exam upload. Dictionary
        # pages only for the categoricals (accessions, times and minutes are
        # nearly all distinct: the writer built a dictionary and gave it up)
        # and statistics only for the completion times, which the Data page
        # reads (`inventory.dates_covered`): 0.72 -> 0.43 s CPU at 1M exams,
        # the same frame read back (BENCHMARKS.md, issue 17).
        categories = [
            name
            for name, dtype in frame.dtypes.items()
            if isinstance(dtype, pd.CategoricalDtype)
        ]
        frame.to_parquet(
            partial,
            index=False,
            row_group_size=_CACHE_ROW_GROUP,
            use_dictionary=categories,
            write_statistics=[fields.COMPLETED_AT],
        )
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
    # Every frame in memory goes before the new one is read: the ingest's
    # peak must not stack on the last data sets' frames. One that is opened
    # again is read back from its Parquet cache.
    release_others(None)
    with process.reading_data():
        frame, summary = _build(files, answer=answer)
        progress.stage("saving")
        path = _new_cache(dataset, change)
        shifts = preferences.get_shifts()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cache") as pool:
            writing = pool.submit(_write_cache, frame, path)
            # The dashboard opened next needs the prepared frame: make it while
            # pyarrow writes the cache (it releases the GIL), on the other core.
            prepared = analysis.prepare_frame(frame, shifts=shifts)
            writing.result()
        # A start reads the ranks instead of sorting every interval again.
        ranks.save(prepared, path)
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
    held: bool = False,
) -> Dataset:
    try:
        return _finish(dataset, files, change=change, kind="create", answer=answer)
    except (ingest.NeedsMapping, ingest.AmbiguousDates) as pending:
        # Keep the files: the user's answer completes this data set.
        _hold(dataset, pending)
        raise
    except ingest.IngestError as wrong:
        if held:
            # A wrong answer to a held upload: it stays held for the next try.
            wrong.dataset_id = str(dataset.pk)
        else:
            _forget(dataset, change)
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
        return _finish_or_hold(dataset, files, change=change, answer=answer, held=True)


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


def open_sample_or_last() -> tuple[Dataset, bool]:
    """Return the data set a ``--sample`` start opens, and whether it is new.

    On a data dir that holds data sets, the one used last (the default, else
    the newest) opens and no second copy of the sample is made; on a new one
    the bundled sample is loaded.
    """
    ready = Dataset.objects.filter(pending_mapping=False)
    default = Preference.objects.filter(key=DEFAULT_DATASET_KEY).first()
    chosen = None
    if default is not None:
        chosen = ready.filter(pk=default.value.get("id")).first()
    chosen = chosen or ready.order_by("-created_at").first()
    if chosen is None:
        return load_sample(), True
    set_default(chosen)
    return chosen, False


def rebuild_cache(dataset: Dataset) -> pd.DataFrame:
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


def set_default(dataset: Dataset) -> None:
    """Remember the data set new sessions start with (the last one opened)."""
    Preference.objects.update_or_create(
        key=DEFAULT_DATASET_KEY, defaults={"value": {"id": str(dataset.pk)}}
    )
    inventory.touch(dataset)
